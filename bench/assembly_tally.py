# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""A SCIC's general assembly on PostgreSQL: 10,000 members in 4 weighted
colleges vote one by one on 20 resolutions; the votes are tallied per
college and weighted (target: the tally in 2 s or less), then the
assembly is closed (results stored, minutes written).

    .venv/bin/python bench/assembly_tally.py [--members 10000]
        [--resolutions 20] [--keep] [--profile FILE]

The database (coop_bench_assembly, on $TRYTOND_DATABASE__URI or the local
server) is created with the suite, given a company, its colleges and
members, an assembly convened with its attendance register and the votes
(not measured), then the tally and the closing are measured, each in its
own transaction, and the database dropped unless --keep. Figures are
server side, in one process.
"""
import argparse
import datetime as dt
import os
import random
import resource
import subprocess
import sys
import time
from decimal import Decimal

import postgresql  # bench/postgresql.py: the script's folder is on sys.path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
DATABASE = 'coop_bench_assembly'
DATE = dt.date(2026, 6, 20)
ENTRY = dt.date(2025, 1, 1)
CHUNK = 5000
# code, weight, share of the members
COLLEGES = [
    ('EMP', Decimal('0.40'), 0.05),
    ('BEN', Decimal('0.30'), 0.70),
    ('SUP', Decimal('0.20'), 0.20),
    ('PUB', Decimal('0.10'), 0.05),
    ]
# How the register ends up: the rest is absent
ATTENDANCE = [('present', 0.55), ('remote', 0.15), ('postal', 0.10),
    ('represented', 0.05)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--members', type=int, default=10000)
    parser.add_argument('--resolutions', type=int, default=20)
    parser.add_argument('--keep', action='store_true')
    parser.add_argument(
        '--profile', metavar='FILE',
        help="write a cProfile of the closing to FILE")
    args = parser.parse_args()

    from coop_cli import database
    version = subprocess.run(
        ['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT,
        capture_output=True, text=True).stdout.strip()
    postgresql.create(DATABASE)
    try:
        run = Bench(args)
        start = time.monotonic()
        run.setup()
        print(f"set-up done in {time.monotonic() - start:.0f} s", flush=True)
        figures = {}
        for step in ['tally', 'close']:
            start = time.monotonic()
            database.in_transaction(
                DATABASE, getattr(run, step),
                context={'company': run.company_id})
            figures[step] = time.monotonic() - start
        print(f"\ncode {version}, {args.members} members in "
            f"{len(COLLEGES)} colleges, {args.resolutions} resolutions, "
            f"{run.votes} individual votes")
        print(f"tally (Assembly.tally, SQL GROUP BY + weighting): "
            f"{run.tally_seconds:.2f} s; whole transaction "
            f"{figures['tally']:.2f} s")
        print(f"close (tally, results stored, board, minutes PDF of "
            f"{run.minutes_size // 1024} KiB): {figures['close']:.2f} s")
        print("results: " + ', '.join(run.results))
        print("stored counts tie out with the votes: "
            + ("yes" if run.checked else "NO"))
        print(f"peak memory: "
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} "
            f"MiB")
    finally:
        if not args.keep:
            postgresql.drop(DATABASE)


def chunks(values, size=CHUNK):
    for i in range(0, len(values), size):
        yield values[i:i + size]


class Bench:

    def __init__(self, args):
        self.args = args
        self.rng = random.Random(2026)

    def setup(self):
        from coop_cli import database
        database.in_transaction(DATABASE, self.create_company)
        for step in [self.create_members, self.create_assembly,
                self.convene, self.record_attendance, self.record_votes]:
            start = time.monotonic()
            database.in_transaction(
                DATABASE, step, context={'company': self.company_id})
            print(f"  {step.__name__}: {time.monotonic() - start:.1f} s",
                flush=True)

    def create_company(self):
        from coop_cli import demo
        company = demo._create_company()
        company.coop_form = 'scic'
        company.save()
        demo._attach_admin(company)
        self.company_id = company.id

    def create_members(self):
        "The colleges, and parties and members in bulk"
        from trytond.pool import Pool
        from coop_tools import sql
        pool = Pool()
        Category = pool.get('coop.member.category')
        Party = pool.get('party.party')
        Member = pool.get('coop.member')
        categories = Category.create([{
                    'code': code, 'name': code, 'kind': 'other',
                    'vote_weight': weight}
                for code, weight, _ in COLLEGES])
        colleges = self.rng.choices(
            [c.id for c in categories], [s for _, _, s in COLLEGES],
            k=self.args.members)
        party_ids = []
        for names in chunks([f"Member {i:05d}"
                    for i in range(self.args.members)]):
            party_ids += [p.id for p in Party.create(
                    [{'name': n} for n in names])]
        sql.insert(Member, [{
                    'party': p, 'number': f'M{i:05d}', 'category': c,
                    'person_kind': 'person', 'status': 'member',
                    'entry_date': ENTRY}
                for i, (p, c) in enumerate(zip(party_ids, colleges))],
            common={'company': self.company_id})

    def create_assembly(self):
        from trytond.pool import Pool
        Assembly = Pool().get('coop.assembly')
        assembly, = Assembly.create([{
                    'name': "AG 2026", 'kind': 'mixed', 'date': DATE,
                    # the statutes' 15 days of notice
                    'convocation_date': DATE - dt.timedelta(days=15),
                    'place': "Lyon", 'remote': True,
                    'resolutions': [('create', [{
                                    'sequence': i + 1,
                                    'title': f"Resolution {i + 1}",
                                    'kind': 'extraordinary' if i % 5 == 4
                                    else 'ordinary',
                                    'majority': 'two_thirds' if i % 5 == 4
                                    else 'simple',
                                    } for i in range(
                                    self.args.resolutions)])],
                    }])
        self.assembly_id = assembly.id

    def convene(self):
        from trytond.pool import Pool
        Assembly = Pool().get('coop.assembly')
        Assembly.convene([Assembly(self.assembly_id)])

    def record_attendance(self):
        """Statuses drawn at random, written in SQL; a proxy holder per 100
        represented members, then the proxies checked as the ORM would"""
        from sql import Literal
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        pool = Pool()
        Assembly = pool.get('coop.assembly')
        Attendance = pool.get('coop.assembly.attendance')
        table = Attendance.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.id, table.member,
                where=table.assembly == self.assembly_id,
                order_by=table.id))
        lines = cursor.fetchall()
        statuses = self.rng.choices(
            [s for s, _ in ATTENDANCE] + ['absent'],
            [w for _, w in ATTENDANCE]
            + [1 - sum(w for _, w in ATTENDANCE)], k=len(lines))
        by_status = {}
        for (line, member), status in zip(lines, statuses):
            by_status.setdefault(status, []).append((line, member))
        holders = [m for _, m in by_status['present']]
        for status, members in by_status.items():
            if status == 'represented':
                for i, sub in enumerate(chunks(members, 100)):
                    cursor.execute(*table.update(
                            [table.status, table.proxy_holder],
                            [Literal(status), holders[i]],
                            where=table.id.in_([l for l, _ in sub])))
            elif status != 'absent':
                for sub in chunks(members):
                    cursor.execute(*table.update(
                            [table.status], [Literal(status)],
                            where=table.id.in_([l for l, _ in sub])))
        assembly = Assembly(self.assembly_id)
        Attendance.check_proxies([assembly])
        Assembly.open_session([assembly])
        print("    " + ", ".join(f"{s} {len(m)}"
                for s, m in sorted(by_status.items())), flush=True)

    def record_votes(self):
        """Each attending member votes on each resolution, in bulk; each
        college leans its own way"""
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        from coop_tools import sql
        pool = Pool()
        Attendance = pool.get('coop.assembly.attendance')
        Vote = pool.get('coop.assembly.vote')
        Resolution = pool.get('coop.assembly.resolution')
        table = Attendance.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.id, table.college,
                where=(table.assembly == self.assembly_id)
                & (table.status != 'absent')))
        voters = cursor.fetchall()
        resolutions = Resolution.search([
                ('assembly', '=', self.assembly_id)])
        colleges = sorted({c for _, c in voters})
        self.votes = 0
        for n, resolution in enumerate(resolutions):
            lean = {c: self.rng.uniform(0.3, 0.8) for c in colleges}
            rows = []
            for attendance, college in voters:
                draw = self.rng.random()
                if draw < lean[college]:
                    choice = 'for'
                elif draw < 0.92:
                    choice = 'against'
                elif draw < 0.97:
                    choice = 'abstain'
                else:
                    choice = 'blank'
                rows.append({'attendance': attendance, 'choice': choice})
            for sub in chunks(rows):
                sql.insert(Vote, sub, common={'resolution': resolution.id})
            self.votes += len(rows)

    def tally(self):
        from trytond.pool import Pool
        Assembly = Pool().get('coop.assembly')
        assembly = Assembly(self.assembly_id)
        start = time.monotonic()
        tallies = Assembly.tally([assembly])
        self.tally_seconds = time.monotonic() - start
        self.results = [f"{t.resolution.sequence}:{t.result}"
            for t in sorted(tallies.values(),
                key=lambda t: t.resolution.sequence)]

    def close(self):
        from trytond.pool import Pool
        Assembly = Pool().get('coop.assembly')
        if self.args.profile:
            import cProfile
            profile = cProfile.Profile()
            profile.enable()
        Assembly.close([Assembly(self.assembly_id)])
        if self.args.profile:
            profile.disable()
            profile.dump_stats(self.args.profile)
        assembly = Assembly(self.assembly_id)
        self.minutes_size = len(assembly.minutes)
        # Ties out: every vote is in the stored counts, college by college
        counted = sum(
            t.votes_for + t.votes_against + t.votes_abstain + t.votes_blank
            for r in assembly.resolutions for t in r.tallies)
        totals = sum(
            r.votes_for + r.votes_against + r.votes_abstain + r.votes_blank
            for r in assembly.resolutions)
        self.checked = counted == totals == self.votes


if __name__ == '__main__':
    main()
