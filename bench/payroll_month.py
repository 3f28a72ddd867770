# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""A month's payroll on PostgreSQL: 500 riders paid for March 2026 from
their timesheet lines, one in ten absent some days (paid leave, sick leave
with subrogation, unpaid leave, a half day of family leave); the batch
computed, confirmed and posted (target: compute + confirm + post in 15 s
or less).

    .venv/bin/python bench/payroll_month.py [--riders 500]
        [--posting payslip|batch] [--keep] [--reuse] [--profile FILE]

The database (coop_bench_payroll, on $TRYTOND_DATABASE__URI or the local
server) is created with the suite, given the French chart (account_fr), a
fiscal year and the payroll configuration, filled with riders, their
contracts and a month of timesheet lines (not measured), in a process of
its own; then the month is run (measured, step by step) in this process,
as a server that has not installed the database runs it, checked, and the
database dropped unless --keep. Figures are server side, in one process.

With --reuse, the set-up database is kept as coop_bench_payroll_setup
and copied (PostgreSQL's CREATE DATABASE ... TEMPLATE, seconds) by the
next run with --reuse and as many riders: for measuring a change of the
payroll's code, not of its schema (drop the copy after a schema change).
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
DATABASE = 'coop_bench_payroll'
SETUP_DATABASE = DATABASE + '_setup'
MONTH = dt.date(2026, 3, 1)
MONTH_END = dt.date(2026, 3, 31)
CONTRACT_START = dt.date(2026, 1, 1)
# The weeks paid with March start on the Monday of the ISO week of March 1
FIRST_MONDAY = MONTH - dt.timedelta(days=MONTH.weekday())
CHUNK = 1000
STEPS = ['compute', 'confirm', 'post']


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--riders', type=int, default=500)
    parser.add_argument(
        '--posting', choices=['payslip', 'batch'], default='payslip',
        help="an account move per payslip (default) or per batch")
    parser.add_argument('--keep', action='store_true')
    parser.add_argument('--reuse', action='store_true',
        help=f"copy the set-up from {SETUP_DATABASE}, made by the first "
        "such run")
    parser.add_argument('--setup-only', action='store_true',
        help=argparse.SUPPRESS)
    parser.add_argument(
        '--profile', metavar='FILE',
        help="write a cProfile of compute, confirm and post to FILE")
    args = parser.parse_args()

    from coop_cli import database
    postgresql.configure()
    if args.setup_only:
        postgresql.create(DATABASE)
        start = time.monotonic()
        Bench(args).setup()
        print(f"set-up done in {time.monotonic() - start:.0f} s",
            flush=True)
        return
    # Before the modules are imported: the code measured
    version = code_version()
    run = Bench(args)
    if args.reuse and database.exists(SETUP_DATABASE):
        postgresql.copy(SETUP_DATABASE, DATABASE)
        print(f"set-up copied from {SETUP_DATABASE}", flush=True)
    else:
        # In a process of its own, as a server that has not installed the
        # database: the installing process keeps some 360,000 objects that
        # Python's garbage collector walks again (9.4 s in it, 7.9 s with
        # them frozen, 2026-12-02)
        subprocess.run([sys.executable, __file__, '--setup-only',
                '--riders', str(args.riders), '--posting', args.posting],
            check=True)
        if args.reuse:
            postgresql.copy(DATABASE, SETUP_DATABASE)
    try:
        database.in_transaction(DATABASE, run.load_setup)
        figures = {}
        for step in STEPS:
            # The whole step, with the attempts Tryton starts again when it
            # must take a table lock: an operator waits for them too
            start = time.monotonic()
            database.in_transaction(DATABASE, getattr(run, step))
            figures[step] = time.monotonic() - start
        if run.profile:
            run.profile.dump_stats(args.profile)
        counts, checked = database.in_transaction(DATABASE, run.check)
        report(args, figures, counts, checked, version)
    finally:
        if not args.keep:
            postgresql.drop(DATABASE)


def chunks(values, size=CHUNK):
    for i in range(0, len(values), size):
        yield values[i:i + size]


class Bench:

    def __init__(self, args):
        self.args = args
        self.profile = None
        if args.profile:
            import cProfile
            self.profile = cProfile.Profile()

    def context(self):
        from trytond.transaction import Transaction
        return Transaction().set_context(company=self.company_id)

    def setup(self):
        """The demo's company, French chart and fiscal year, the payroll
        configuration, riders under contract and their timesheet lines,
        each in its own transaction: Tryton restarts a transaction for
        every table lock it asks for"""
        from coop_cli import database
        database.in_transaction(DATABASE, self.create_company)
        for step in [self.create_fiscal_year, self.configure,
                self.create_riders, self.record_hours]:
            start = time.monotonic()
            database.in_transaction(
                DATABASE, step, context={'company': self.company_id})
            print(f"  {step.__name__}: {time.monotonic() - start:.1f} s",
                flush=True)

    def load_setup(self):
        "What the measured steps read of the set-up made in another process"
        from trytond.pool import Pool
        pool = Pool()
        company, = pool.get('company.company').search([])
        self.company_id = company.id
        with self.context():
            config = pool.get('coop.payroll.configuration')(1)
            self.net_account_id = config.net_payable_account.id
        employees = pool.get('company.employee').search([])
        if len(employees) != self.args.riders:
            sys.exit(f"{SETUP_DATABASE} has {len(employees)} riders, not "
                f"{self.args.riders}: drop it or run without --reuse")
        self.employee_ids = [e.id for e in employees]
        self.timesheet_lines = pool.get('timesheet.line').search_count([])
        self.absences = pool.get('coop.payroll.absence').search_count([])

    def create_company(self):
        from coop_cli import demo
        from trytond.transaction import Transaction
        start = time.monotonic()
        company = demo._create_company()
        demo._attach_admin(company)
        self.company_id = company.id
        with Transaction().set_context(company=company.id):
            demo._create_chart(company)
        print(f"  company and French chart (account_fr) in "
            f"{time.monotonic() - start:.1f} s", flush=True)

    def create_fiscal_year(self):
        from coop_cli import demo
        from trytond.pool import Pool
        company = Pool().get('company.company')(self.company_id)
        demo._create_fiscal_year(company, MONTH.year)

    def configure(self):
        from trytond.pool import Pool
        pool = Pool()
        Company = pool.get('company.company')
        company = Company(self.company_id)
        ModelData = pool.get('ir.model.data')
        Sequence = pool.get('ir.sequence.strict')
        Journal = pool.get('account.journal')
        Configuration = pool.get('coop.payroll.configuration')
        sequence, = Sequence.create([{
                    'name': "Payslips",
                    'sequence_type': ModelData.get_id(
                        'coop_payroll', 'sequence_type_payslip'),
                    'company': company.id,
                    'prefix': 'P-',
                    }])
        journal, = Journal.search([('code', '=', 'MISC')])
        config = Configuration(1)
        config.payslip_sequence = sequence
        config.structure = ModelData.get_id('coop_payroll_fr', 'structure_fr')
        config.headcount = self.args.riders
        config.posting = self.args.posting
        config.journal = journal
        # The riders have no leave earned yet (no payslip before March)
        config.leave_anticipation = True
        config.save()
        Configuration.set_french_accounts(company)
        config = Configuration(1)
        self.net_account_id = config.net_payable_account.id
        print("  payroll accounts: " + ", ".join(
                f"{name.replace('_account', '')} "
                f"{getattr(config, name).code}" for name in [
                    'wage_expense_account', 'employer_expense_account',
                    'allowance_expense_account', 'net_payable_account',
                    'urssaf_account', 'retirement_account',
                    'other_social_account']), flush=True)

    def create_riders(self):
        """Riders: 80 % full time (35 h), 20 % part time (24 h), wages from
        the SMIC to 14.00, one in ten with the mobility allowance"""
        from trytond.pool import Pool
        pool = Pool()
        Party = pool.get('party.party')
        Employee = pool.get('company.employee')
        Contract = pool.get('coop.payroll.contract')
        company = pool.get('company.company')(self.company_id)
        rng = random.Random(2026)
        start = time.monotonic()
        employees = []
        for names in chunks([f"Rider {i:04d}"
                    for i in range(self.args.riders)]):
            parties = Party.create([{'name': n} for n in names])
            employees.extend(Employee.create([{
                            'party': p.id, 'company': company.id,
                            'start_date': CONTRACT_START,
                            } for p in parties]))
        contracts = []
        for i, employee in enumerate(employees):
            contracts.append({
                    'company': company.id,
                    'employee': employee.id,
                    'kind': 'open_ended',
                    'start_date': CONTRACT_START,
                    'weekly_hours': Decimal(35 if i % 5 else 24),
                    'hourly_wage': Decimal(rng.randrange(1202, 1401)
                        ) / 100,
                    'mobility_allowance': Decimal(20 if i % 10 == 3 else 0),
                    })
        for values in chunks(contracts):
            Contract.create(values)
        self.create_french_data(company, employees, rng)
        print(f"  {len(employees)} riders and contracts in "
            f"{time.monotonic() - start:.1f} s", flush=True)
        self.employee_ids = [e.id for e in employees]

    def create_french_data(self, company, employees, rng):
        """What coop_payroll_fr reads: a health cover (60.00, half paid by
        the coop) one rider in ten is exempted from, a personalised
        withholding rate for a third of the riders (the others at the
        neutral grid), a March bonus for one in twenty"""
        from trytond.pool import Pool
        pool = Pool()
        Party = pool.get('party.party')
        Cover = pool.get('coop.payroll.health_cover')
        Rate = pool.get('coop.payroll.income_tax.rate')
        Bonus = pool.get('coop.payroll.bonus')
        insurer, = Party.create([{'name': "Mutuelle des coursiers"}])
        Cover.create([{
                    'company': company.id, 'name': "Santé",
                    'insurer': insurer.id, 'computation': 'fixed',
                    'amount': Decimal(60), 'employer_share': Decimal(50),
                    'start_date': CONTRACT_START,
                    'exemptions': [('create', [{
                                    'employee': e.id,
                                    'reason': 'other_cover',
                                    'start_date': CONTRACT_START,
                                    } for e in employees[::10]])],
                    }])
        Rate.create([{
                    'company': company.id, 'employee': e.id,
                    'rate': Decimal(rng.randrange(0, 120)) / 10,
                    'start_date': CONTRACT_START,
                    } for e in employees[1::3]])
        Bonus.create([{
                    'company': company.id, 'employee': e.id, 'month': MONTH,
                    'name': "Prime", 'amount': Decimal(300),
                    } for e in employees[2::20]])
        self.create_absences(employees)

    def create_absences(self, employees):
        """One rider in ten absent in March, approved, in turn: a week of
        paid leave (9–13), four days sick with subrogation (17–20), an
        unpaid Monday (23), a half day of family leave (the 25th's
        afternoon); no timesheet line on those days"""
        from trytond.pool import Pool
        Absence = Pool().get('coop.payroll.absence')
        spans = [
            ('paid_leave', dt.date(2026, 3, 9), dt.date(2026, 3, 13), {}),
            ('sick_leave', dt.date(2026, 3, 17), dt.date(2026, 3, 20),
                {'subrogation': True}),
            ('unpaid_leave', dt.date(2026, 3, 23), dt.date(2026, 3, 23), {}),
            ('other_legal', dt.date(2026, 3, 25), dt.date(2026, 3, 25),
                {'start_afternoon': True}),
            ]
        values = []
        self.absent_days = {}
        for i, employee in enumerate(employees[4::10]):
            kind, start, end, more = spans[i % len(spans)]
            values.append({
                    'employee': employee.id, 'kind': kind,
                    'start_date': start, 'end_date': end, **more})
            if not more.get('start_afternoon'):
                self.absent_days[employee.id] = {
                    start + dt.timedelta(days=d)
                    for d in range((end - start).days + 1)}
        absences = []
        for sub in chunks(values):
            absences.extend(Absence.create(sub))
        Absence.approve(absences)
        self.absences = len(absences)

    def record_hours(self):
        """A line per worked day (Monday to Friday) from the ISO week of
        March 1 to March 31, 7 to 9 hours: some weeks have overtime"""
        from trytond.pool import Pool
        pool = Pool()
        Work = pool.get('timesheet.work')
        Line = pool.get('timesheet.line')
        company = pool.get('company.company')(self.company_id)
        rng = random.Random(3)
        start = time.monotonic()
        work, = Work.create([{'name': "Tours", 'company': company.id}])
        days = [FIRST_MONDAY + dt.timedelta(days=i)
            for i in range((MONTH_END - FIRST_MONDAY).days + 1)]
        days = [d for d in days if d.weekday() < 5]
        lines = [{
                'company': company.id, 'employee': employee,
                'work': work.id, 'date': day,
                'duration': dt.timedelta(
                    minutes=rng.choice([420, 450, 480, 510, 540])),
                } for employee in self.employee_ids for day in days
            if day not in self.absent_days.get(employee, ())]
        for values in chunks(lines):
            Line.create(values)
        self.timesheet_lines = len(lines)
        print(f"  {len(lines)} timesheet lines ({days[0]} to {days[-1]}) "
            f"in {time.monotonic() - start:.1f} s", flush=True)

    def measure(self, step, func):
        """Run func under the profiler if asked; print its seconds and,
        when Tryton starts the transaction again to take a lock, why"""
        from trytond.transaction import TransactionError
        start = time.monotonic()
        if self.profile:
            self.profile.enable()
        try:
            func()
        except TransactionError as error:
            print(f"  {step}: attempt given up after "
                f"{time.monotonic() - start:.1f} s, to lock "
                f"{getattr(error, '_table', error)}", flush=True)
            raise
        finally:
            if self.profile:
                self.profile.disable()
        print(f"  {step}: {time.monotonic() - start:.1f} s", flush=True)

    def compute(self):
        "Batch.run: a payslip per rider, created and computed"
        from trytond.pool import Pool
        pool = Pool()
        Batch = pool.get('coop.payroll.batch')
        Company = pool.get('company.company')
        with self.context():
            company = Company(self.company_id)

            def run():
                self.batch_id = Batch.run(company, MONTH).id
            self.measure('compute (Batch.run)', run)

    def confirm(self):
        from trytond.pool import Pool
        Batch = Pool().get('coop.payroll.batch')
        with self.context():
            batch = Batch(self.batch_id)
            self.measure('confirm', lambda: Batch.confirm([batch]))

    def post(self):
        from trytond.pool import Pool
        Batch = Pool().get('coop.payroll.batch')
        with self.context():
            batch = Batch(self.batch_id)
            self.measure('post', lambda: Batch.post([batch]))

    def check(self):
        """In SQL: every payslip posted, every move balanced, and the net
        pay of the payslips equal to the credit on the net-pay account"""
        from sql.aggregate import Count, Sum
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        pool = Pool()
        Payslip = pool.get('coop.payroll.payslip')
        PayslipLine = pool.get('coop.payroll.payslip.line')
        Employee = pool.get('company.employee')
        Move = pool.get('account.move')
        MoveLine = pool.get('account.move.line')
        cursor = Transaction().connection.cursor()
        employee = Employee.__table__()
        payslip = Payslip.__table__()
        payslip_line = PayslipLine.__table__()
        move = Move.__table__()
        move_line = MoveLine.__table__()
        batch_payslips = payslip.select(
            payslip.id, where=payslip.batch == self.batch_id)
        payslip_moves = payslip.select(
            payslip.move, where=payslip.batch == self.batch_id)

        cursor.execute(*payslip.select(
                payslip.state, Count(payslip.id), Sum(payslip.net_pay),
                where=payslip.batch == self.batch_id,
                group_by=[payslip.state]))
        states = {state: (count, net) for state, count, net in cursor}
        payslips = sum(c for c, _ in states.values())
        net_pay = sum(n for _, n in states.values())
        cursor.execute(*payslip_line.select(Count(payslip_line.id),
                where=payslip_line.payslip.in_(batch_payslips)))
        lines, = cursor.fetchone()
        cursor.execute(*move.select(
                Count(move.id),
                where=move.id.in_(payslip_moves) & (move.state == 'posted')))
        posted_moves, = cursor.fetchone()
        cursor.execute(*move_line.select(
                move_line.move, Count(move_line.id),
                Sum(move_line.debit - move_line.credit),
                where=move_line.move.in_(payslip_moves),
                group_by=[move_line.move]))
        moves = cursor.fetchall()
        move_lines = sum(c for _, c, _ in moves)
        unbalanced = [m for m, _, balance in moves if balance]
        cursor.execute(*move_line.select(
                Sum(move_line.credit - move_line.debit),
                where=move_line.move.in_(payslip_moves)
                & (move_line.account == self.net_account_id)))
        net_credit, = cursor.fetchone()
        # And per rider: the credit on the rider's party is the net pay
        cursor.execute(*payslip.join(employee,
                condition=payslip.employee == employee.id
                ).join(move_line, 'LEFT', condition=(
                    move_line.move == payslip.move)
                & (move_line.party == employee.party)
                & (move_line.account == self.net_account_id)
                ).select(payslip.id, payslip.net_pay,
                Sum(move_line.credit - move_line.debit),
                where=payslip.batch == self.batch_id,
                group_by=[payslip.id, payslip.net_pay]))
        mismatched = [i for i, net, credit in cursor if net != credit]
        expected_moves = payslips if self.args.posting == 'payslip' else 1
        ok = (set(states) == {'posted'} and not unbalanced
            and len(moves) == posted_moves == expected_moves
            and net_pay == net_credit and not mismatched)
        print(f"check: payslips {dict((s, c) for s, (c, _) in states.items())}"
            f"; {len(moves)} moves ({posted_moves} posted), "
            f"{len(unbalanced)} unbalanced; net pay {net_pay} = credit on "
            f"the net-pay account {net_credit}: {net_pay == net_credit}, "
            f"{len(mismatched)} payslips whose net pay differs from their "
            f"rider's credit; "
            f"{'OK' if ok else 'FAILED'}", flush=True)
        counts = {
            'payslips': payslips, 'payslip lines': lines,
            'moves': len(moves), 'move lines': move_lines,
            'timesheet lines': self.timesheet_lines,
            'absences': self.absences,
            'net pay': net_pay,
            }
        return counts, ok


def code_version():
    "The commit measured, and whether the payroll has uncommitted changes"
    try:
        commit = subprocess.run(
            ['git', '-C', ROOT, 'rev-parse', '--short', 'HEAD'],
            capture_output=True, text=True, check=True).stdout.strip()
        changed = subprocess.run(
            ['git', '-C', ROOT, 'status', '--porcelain', 'coop_payroll'],
            capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return commit + (" + uncommitted changes in coop_payroll"
        if changed else "")


def report(args, figures, counts, checked, version):
    total = sum(figures[s] for s in STEPS)
    print()
    print(f"code: {version}")
    print(f"payroll of {MONTH:%Y-%m} (PostgreSQL, posting per "
        f"{args.posting}): {args.riders} riders, "
        f"{counts['timesheet lines']} timesheet lines, "
        f"{counts['absences']} absences")
    print(f"payslips: {counts['payslips']}, payslip lines: "
        f"{counts['payslip lines']}, moves: {counts['moves']}, "
        f"move lines: {counts['move lines']}, net pay {counts['net pay']}")
    print("  ".join(f"{s}: {figures[s]:.1f} s" for s in STEPS)
        + "  (each with the attempts Tryton restarted, as listed above)")
    print(f"total (compute + confirm + post): {total:.1f} s; "
        f"target <= 15 s ({counts['payslips'] / total:.0f} payslips/s)")
    print(f"check: {'OK' if checked else 'FAILED'}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the process: {peak:.0f} MiB")
    # Other work on the machine skews the figures: say how busy it was
    print("load average (1, 5, 15 min) at the end: "
        + ", ".join(f"{load:.2f}" for load in os.getloadavg())
        + f" on {os.cpu_count()} cores")


if __name__ == '__main__':
    main()
