# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The portal under load: 50 logged-in riders asking for their payslip list
for 60 s, against the production server set-up (gunicorn, PostgreSQL), on
loopback (target: p95 under 100 ms, no error).

    .venv/bin/python bench/portal_load.py [--riders 50] [--seconds 60]
        [--workers 4] [--think-ms 1000] [--keep]

The database (coop_bench_portal, on $TRYTOND_DATABASE__URI or the local
server) is created with the suite and the demo coop, given riders up to
--riders with their contracts, three months of confirmed payslips each and
a portal account (not measured). gunicorn then serves coop_cli.wsgi:app as
docker/entrypoint.sh does (production.conf, the database preloaded), every
rider logs in through the login form, and wrk runs two rounds with one
connection per rider (bench/portal_load.lua rotates their session cookies
and counts as an error any answer that is not their payslip list):

- riders: each rider pauses about --think-ms between pages (uniform from
  half to one and a half of it), as a person reading a phone does;
- saturation: no pause at all, every connection asks again as soon as it
  is answered (what the server can do at most; latency is then queueing).

It prints one RESULT line per round, stops the server and drops the
database unless --keep. Needs wrk (apt-get install wrk).

- votes (--voters N, default 500; --rounds votes runs it alone, without
  wrk): N members of the register, each with a portal session, vote online
  on an assembly in session (two resolutions, the second by secret ballot),
  spread evenly over --seconds, from 50 client threads; every answer must
  be the page with the voter's two receipts. Then the database is read:
  every ballot counted once (N ballots and N casts per resolution, and the
  assembly's tally counting N votes on each). Target: p95 under 100 ms, no
  error.
"""
import argparse
import datetime as dt
import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from decimal import Decimal

import postgresql  # bench/postgresql.py: the script's folder is on sys.path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
DATABASE = 'coop_bench_portal'
PASSWORD = 'bench-portal-1'
LUA = os.path.join(ROOT, 'bench', 'portal_load.lua')
MONTHS = 3


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--riders', type=int, default=50)
    parser.add_argument('--seconds', type=int, default=60)
    parser.add_argument('--workers', type=int, default=4)
    parser.add_argument('--threads', type=int, default=4,
        help="threads of each gunicorn gthread worker, as "
        "docker/entrypoint.sh runs them (default 4); 0 for sync workers")
    parser.add_argument('--think-ms', type=int, default=1000)
    parser.add_argument('--keep', action='store_true')
    parser.add_argument('--existing', action='store_true',
        help="reuse the database a run with --keep left")
    parser.add_argument('--voters', type=int, default=500)
    parser.add_argument('--rounds', default='riders,saturation,votes',
        help="the rounds to run, comma-separated (default all)")
    args = parser.parse_args()
    rounds = set(args.rounds.split(','))
    if rounds & {'riders', 'saturation'} and not shutil.which('wrk'):
        sys.exit("portal_load: wrk is missing (apt-get install wrk)")

    if args.existing:
        load_settings()
    else:
        postgresql.create(DATABASE)
    folder = tempfile.TemporaryDirectory()
    server = None
    try:
        start = time.monotonic()
        from coop_cli import database
        from coop_cli import demo
        if args.existing:
            emails = database.in_transaction(DATABASE, rider_emails)
        else:
            demo.build(DATABASE)
            emails = database.in_transaction(
                DATABASE, lambda: add_riders(args.riders))
        emails = emails[:args.riders]
        print(f"{len(emails)} riders with {MONTHS} months of payslips "
            f"in {time.monotonic() - start:.0f} s", flush=True)

        port = free_port()
        server = serve(port, args.workers, args.threads, folder.name)
        base = f'http://127.0.0.1:{port}/{DATABASE}/portal'
        keys = [log_in(base, email) for email in emails]
        keys_file = os.path.join(folder.name, 'keys.txt')
        with open(keys_file, 'w') as file:
            file.write('\n'.join(keys) + '\n')
        print(f"{len(keys)} riders logged in", flush=True)

        for label, think in [('riders', args.think_ms), ('saturation', 0)]:
            if label not in rounds:
                continue
            with open('/proc/loadavg') as file:
                load = file.read().split()[0]
            print(f"\n{label}: {len(keys)} connections, {args.seconds} s, "
                f"think time {think} ms, load average before {load}",
                flush=True)
            command = [
                'wrk', '-t2', f'-c{len(keys)}', f'-d{args.seconds}s',
                '--timeout', '10s', '-s', LUA, f'{base}/payslips', '--',
                f'/{DATABASE}/portal/payslips', keys_file]
            print('$ THINK_MS=%d %s' % (think, ' '.join(command)), flush=True)
            result = subprocess.run(command, env=dict(os.environ,
                    THINK_MS=str(think)), capture_output=True, text=True,
                timeout=args.seconds + 60)
            print(result.stdout.strip(), flush=True)
            if result.returncode:
                print(result.stderr, file=sys.stderr)
        if 'votes' in rounds:
            vote_round(base, args.voters, args.seconds)
    finally:
        if server:
            server.terminate()
            try:
                server.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        folder.cleanup()
        if not args.keep:
            postgresql.drop(DATABASE)


def add_riders(count):
    """Riders up to count beside the demo's, three more months of confirmed
    payslips for every one, and a portal account each; their e-mails"""
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    from coop_cli import demo
    pool = Pool()
    Company = pool.get('company.company')
    Party = pool.get('party.party')
    Employee = pool.get('company.employee')
    Contract = pool.get('coop.payroll.contract')
    Payslip = pool.get('coop.payroll.payslip')
    WebUser = pool.get('web.user')
    company, = Company.search([])
    today = dt.date.today()
    start = dt.date(today.year - 1, 9, 1)
    with Transaction().set_context(company=company.id):
        existing = Employee.search([('company', '=', company.id)])
        parties = Party.create([{'name': f"Rider {i:03d}"}
                for i in range(len(existing), count)])
        new = Employee.create([{
                    'party': p.id, 'company': company.id,
                    'start_date': start} for p in parties])
        Contract.create([{
                    'company': company.id, 'employee': e.id,
                    'kind': 'open_ended', 'start_date': start,
                    'weekly_hours': Decimal(35),
                    'hourly_wage': Decimal('12.02'),
                    'job': "Coursier à vélo",
                    } for e in new])
        riders = (existing + new)[:count]
        contracts = {c.employee: c for c in Contract.search([])}
        # Earlier months' payslips, as the payroll confirmed them, before
        # the months the demo has already paid
        paid = [p.start_date for p in Payslip.search([])]
        month = min(paid, default=demo._last_month(today))
        values = []
        for i in range(1, MONTHS + 1):
            month = (month - dt.timedelta(days=1)).replace(day=1)
            for rider in riders:
                values.append({
                        'company': company.id, 'employee': rider.id,
                        'contract': contracts[rider].id,
                        'start_date': month,
                        'payment_date': month + dt.timedelta(days=27),
                        'number': f'BENCH-{month:%Y%m}-{rider.id:04d}',
                        'contract_hours': Decimal('151.67'),
                        'gross': Decimal('1823.07'),
                        'net_pay': Decimal('1430.00'),
                        })
        payslips = Payslip.create(values)
        table = Payslip.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update([table.state], ['confirmed'],
                where=table.id.in_([p.id for p in payslips])))
        emails = []
        have = {u.party for u in WebUser.search([])}
        values = []
        for i, rider in enumerate(riders):
            email = f'rider{i:03d}@bench.example.org'
            if rider.party in have:
                email, = [u.email for u in WebUser.search(
                            [('party', '=', rider.party.id)])]
                WebUser.write(WebUser.search(
                        [('party', '=', rider.party.id)]),
                    {'password': PASSWORD})
            else:
                values.append({'email': email, 'party': rider.party.id,
                        'password': PASSWORD, 'email_valid': True})
            emails.append(email)
        WebUser.create(values)
    return emails


def vote_round(base, count, seconds, threads=50):
    """count members vote online within seconds; the latencies, the errors
    and whether every ballot is counted once (a RESULT line)"""
    import concurrent.futures
    from coop_cli import database
    start = time.monotonic()
    assembly, voters = database.in_transaction(
        DATABASE, lambda: add_voters(count))
    print(f"\nvotes: {len(voters)} voters with a session in "
        f"{time.monotonic() - start:.0f} s; {seconds} s, {threads} threads",
        flush=True)
    url = f'{base}/assemblies/{assembly}/vote'
    t0 = time.monotonic() + 1
    step = seconds / max(len(voters), 1)

    def cast(i):
        key, form = voters[i]
        delay = t0 + i * step - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        request = urllib.request.Request(url, data=urllib.parse.urlencode(
                form).encode(), headers={
                'Cookie': f'coop_portal_session={key}'})
        began = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                page = response.read().decode()
                ok = (response.status == 200
                    and page.count('<code class="receipt">') == 2)
        except OSError:
            ok = False
        return time.monotonic() - began, ok
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(cast, range(len(voters))))
    times = sorted(t for t, _ in results)
    errors = sum(1 for _, ok in results if not ok)
    counted = database.in_transaction(
        DATABASE, lambda: count_ballots(assembly))
    p50 = times[len(times) // 2] * 1000
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))] * 1000
    once = counted == {'ballots': [len(voters)] * 2,
        'casts': [len(voters)] * 2, 'tally': [len(voters)] * 2}
    print(f"RESULT votes: {len(voters)} voters in {seconds} s, "
        f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {times[-1] * 1000:.1f} ms, "
        f"{errors} errors, every ballot counted once: {once} ({counted})",
        flush=True)


def add_voters(count):
    """count members of a college of the demo (not the employees'), each
    with a portal session, on the register of an assembly in session with
    an online vote open for the next hour (two resolutions, the second
    secret); the statutes allow remote voting. (assembly id, [(session
    key, vote form)])"""
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    from coop_portal.portal import csrf_token
    pool = Pool()
    Company = pool.get('company.company')
    Party = pool.get('party.party')
    Member = pool.get('coop.member')
    Category = pool.get('coop.member.category')
    WebUser = pool.get('web.user')
    Assembly = pool.get('coop.assembly')
    Attendance = pool.get('coop.assembly.attendance')
    Configuration = pool.get('coop.membership.configuration')
    company, = Company.search([])
    today = dt.date.today()
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    with Transaction().set_context(company=company.id):
        config = Configuration(1)
        config.assembly_remote_voting = True
        config.save()
        category = Category.search([
                ('company', '=', company.id), ('kind', '!=', 'employee')],
            limit=1)[0]
        parties = Party.create([{'name': f"Voter {i:04d}"}
                for i in range(count)])
        members = Member.create([{
                    'company': company.id, 'party': p.id,
                    'number': f'VOTE{i:05d}', 'category': category.id,
                    'status': 'member', 'entry_date': today,
                    } for i, p in enumerate(parties)])
        users = WebUser.create([{
                    'email': f'voter{i:04d}@bench.example.org',
                    'party': p.id} for i, p in enumerate(parties)])
        assembly, = Assembly.create([{
                    'company': company.id, 'name': "Bench online vote",
                    'kind': 'ordinary', 'date': today, 'place': "Online",
                    'vote_opening': now - dt.timedelta(minutes=5),
                    'vote_closing': now + dt.timedelta(hours=1),
                    'resolutions': [('create', [
                                {'sequence': 1, 'title': "Accounts"},
                                {'sequence': 2, 'title': "Board",
                                    'secret': True}])],
                    }])
        # The register without the convocations' e-mails (not measured)
        Assembly.make_register([assembly])
        Assembly.write([assembly], {'state': 'in_session'})
        lines = {a.member.id: a.id for a in Attendance.search([
                    ('assembly', '=', assembly.id),
                    ('member', 'in', [m.id for m in members])])}
        resolutions = [r.id for r in assembly.resolutions]
        voters = []
        for i, (member, user) in enumerate(zip(members, users)):
            key = user.new_session()
            line = lines[member.id]
            voters.append((key, {
                        'csrf': csrf_token(key),
                        f'v-{resolutions[0]}-{line}': ['for', 'against'][i % 2],
                        f'v-{resolutions[1]}-{line}': ['for', 'blank',
                            'against'][i % 3],
                        }))
    return assembly.id, voters


def count_ballots(assembly_id):
    "The ballots and casts per resolution, and the tally's votes on each"
    from trytond.pool import Pool
    pool = Pool()
    Assembly = pool.get('coop.assembly')
    Ballot = pool.get('coop.assembly.ballot')
    Cast = pool.get('coop.assembly.ballot.cast')
    assembly = Assembly(assembly_id)
    tally = Assembly.tally([assembly])
    result = {'ballots': [], 'casts': [], 'tally': []}
    for resolution in assembly.resolutions:
        result['ballots'].append(Ballot.search_count(
                [('resolution', '=', resolution.id)]))
        result['casts'].append(Cast.search_count(
                [('resolution', '=', resolution.id)]))
        result['tally'].append(sum(
                sum(c.values()) for c in tally[resolution.id].counts.values()))
    return result


def load_settings():
    "The configuration postgresql.create loads, for an existing database"
    from coop_cli import settings
    os.environ.setdefault(
        'TRYTOND_DATABASE__URI', 'postgresql://postgres@127.0.0.1:5432/')
    os.environ['TRYTOND_CACHE__CLEAN_TIMEOUT'] = '300'
    settings.load(os.path.join(ROOT, 'config', 'postgresql.conf'))


def rider_emails():
    "The portal e-mails of the riders of a database kept by --keep"
    from trytond.pool import Pool
    pool = Pool()
    Employee = pool.get('company.employee')
    WebUser = pool.get('web.user')
    parties = [e.party.id for e in Employee.search([], order=[('id', 'ASC')])]
    users = {u.party.id: u.email for u in WebUser.search(
            [('party', 'in', parties)])}
    return [users[p] for p in parties if p in users]


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def serve(port, workers, threads, folder):
    "gunicorn as docker/entrypoint.sh runs it, on loopback"
    env = {k: v for k, v in os.environ.items()
        if not k.startswith(('TRYTOND_', 'COOP_'))}
    env.update({
            'COOP_CONFIG': os.path.join(ROOT, 'config', 'production.conf'),
            'TRYTOND_CONFIG': os.path.join(
                ROOT, 'config', 'production.conf'),
            'TRYTOND_DATABASE_NAMES': DATABASE,
            'TRYTOND_DATABASE__URI': os.environ['TRYTOND_DATABASE__URI'],
            'TRYTOND_DATABASE__PATH': folder,
            'TRYTOND_WEB__ROOT': os.path.join(ROOT, 'var', 'sao', 'package'),
            # Loopback and plain HTTP here; a proxy terminates TLS in
            # production
            })
    server = subprocess.Popen([
            os.path.join(os.path.dirname(sys.executable), 'gunicorn'),
            '--workers', str(workers), '--bind', f'127.0.0.1:{port}',
            *(['--worker-class', 'gthread', '--threads', str(threads)]
                if threads else []),
            'coop_cli.wsgi:app'],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(server.stderr.read().decode())
        try:
            with urllib.request.urlopen(
                    f'http://127.0.0.1:{port}/{DATABASE}/portal/login',
                    timeout=5) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    # Every worker loads the pool at start-up (TRYTOND_DATABASE_NAMES):
    # a few more requests reach each of them before the measure
    for _ in range(workers * 3):
        urllib.request.urlopen(
            f'http://127.0.0.1:{port}/{DATABASE}/portal/login',
            timeout=30).read()
    return server


def log_in(base, email):
    "Log in through the form as a browser does; the session key"
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f'{base}/login', timeout=30).read().decode()
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    data = urllib.parse.urlencode({
            'csrf': token, 'email': email, 'password': PASSWORD}).encode()
    page = opener.open(f'{base}/login', data=data, timeout=30).read().decode()
    if 'article class="card payslip"' not in page:
        raise RuntimeError(f"{email} sees no payslip after logging in")
    key, = [c.value for c in jar if c.name == 'coop_portal_session']
    return key


if __name__ == '__main__':
    main()
