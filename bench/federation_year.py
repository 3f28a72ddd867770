# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""A federation's year on PostgreSQL: 10 coops in one database, one of
them large (600,000 deliveries and 1.2 million tasks in 2026, 150 riders
paid every month, 2,000 members with their register of shares), and
what people do every day on it, measured (p95 of --repeat calls, server
side, in one process):

- the delivery list filtered by day and store (a dispatcher of the large
  coop, with her record rules);
- the statistics per store of a month;
- a rider's payslip list in the portal, a member's shares page (trytond's
  WSGI application, in process);
- the month-end of one coop (December of the large one) and its payroll
  (December's batch computed and confirmed), once each.

    .venv/bin/python bench/federation_year.py [--scale 1] [--repeat 50]
        [--keep] [--reuse]

Targets (issue 24): every page or list < 200 ms p95; month-end and payroll
within their own benchmarks' targets. With --scale 0.02 (1/50) the volumes
are divided by 50 (at least one of each).

The set-up (not measured) uses Tryton's methods for documents and the
large coop's twelve months of payroll; the history's volume (the
deliveries and their tasks) is copied in bulk in SQL from deliveries made
and completed through Tryton (the suite's own tables; each copy differs
from its model only in its date, store, reference and times), then
checked by count. Also printed: PostgreSQL's plans of the two lists
(docs/federation.md keeps them).

The database (coop_bench_federation) is created with the suite, filled in
a process of its own, measured, dropped unless --keep; --reuse keeps the
set-up as coop_bench_federation_setup (same --scale) and copies it.
"""
import argparse
import datetime as dt
import os
import random
import re
import subprocess
import sys
import time
from decimal import Decimal

import postgresql  # bench/postgresql.py: the script's folder is on sys.path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
DATABASE = 'coop_bench_federation'
SETUP_DATABASE = DATABASE + '_setup'
YEAR = 2026
COOPS = 10
# The large coop, at --scale 1
DELIVERIES = 600_000
STORES = 100
RIDERS = 150
MEMBERS = 2_000
# Each small coop: this share of the large one
SMALL = 0.02
PASSWORD = 'Federation-bench-2026'
CHUNK = 1000


def days_of_year():
    day = dt.date(YEAR, 1, 1)
    while day.year == YEAR:
        yield day
        day += dt.timedelta(days=1)


def workdays(month):
    day = month
    while day.month == month.month:
        if day.weekday() < 5:
            yield day
        day += dt.timedelta(days=1)


def sizes(scale, small=False):
    factor = scale * (SMALL if small else 1)
    return {
        'deliveries': max(12, int(DELIVERIES * factor)),
        'stores': max(2, int(STORES * factor)),
        'riders': max(1, int(RIDERS * factor)),
        'members': max(2, int(MEMBERS * factor)),
        }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--scale', type=float, default=1.0)
    parser.add_argument('--repeat', type=int, default=50)
    parser.add_argument('--keep', action='store_true')
    parser.add_argument('--reuse', action='store_true')
    parser.add_argument('--setup-only', action='store_true',
        help=argparse.SUPPRESS)
    args = parser.parse_args()
    from coop_cli import database
    postgresql.configure()
    if args.setup_only:
        if not empty_database():
            postgresql.create(DATABASE)
        start = time.monotonic()
        Setup(args).run()
        print(f"set-up done in {time.monotonic() - start:.0f} s",
            flush=True)
        return
    if args.reuse and database.exists(SETUP_DATABASE):
        postgresql.copy(SETUP_DATABASE, DATABASE)
        print(f"set-up copied from {SETUP_DATABASE}", flush=True)
    else:
        subprocess.run([sys.executable, __file__, '--setup-only',
                '--scale', str(args.scale)], check=True)
        if args.reuse:
            postgresql.copy(DATABASE, SETUP_DATABASE)
    try:
        Measure(args).run()
    finally:
        if not args.keep:
            postgresql.drop(DATABASE)


def empty_database():
    """Whether DATABASE exists with the suite and no company yet (a set-up
    stopped early: the 10 to 12 minutes of its creation are not paid
    again)"""
    import psycopg
    from coop_cli import database
    if not database.exists(DATABASE):
        return False
    with psycopg.connect(os.environ['TRYTOND_DATABASE__URI'] + DATABASE,
            autocommit=True) as connection:
        count, = connection.execute(
            "SELECT count(*) FROM company_company").fetchone()
    return count == 0


def in_transaction(func, **context):
    from coop_cli import database
    return database.in_transaction(DATABASE, func, context=context)


class Setup:

    def __init__(self, args):
        self.args = args
        self.rng = random.Random(24)

    def run(self):
        companies = in_transaction(self.create_companies)
        large, *small = companies
        for i, company_id in enumerate(companies):
            size = sizes(self.args.scale, small=i > 0)
            start = time.monotonic()
            in_transaction(lambda: self.create_stores(company_id, size),
                company=company_id)
            in_transaction(lambda: self.deliveries(company_id, size),
                company=company_id)
            print(f"  coop {i + 1}: {size['deliveries']} deliveries of "
                f"{size['stores']} stores in "
                f"{time.monotonic() - start:.1f} s", flush=True)
        size = sizes(self.args.scale)
        start = time.monotonic()
        in_transaction(lambda: self.payroll(large, size), company=large)
        for month in range(1, 12):
            in_transaction(lambda: self.pay(large, dt.date(YEAR, month, 1)),
                company=large)
        print(f"  coop 1: {size['riders']} riders paid January to "
            f"November in {time.monotonic() - start:.1f} s", flush=True)
        start = time.monotonic()
        in_transaction(lambda: self.members(large, size), company=large)
        in_transaction(lambda: self.users(large), company=large)
        print(f"  coop 1: {size['members']} members and the users in "
            f"{time.monotonic() - start:.1f} s", flush=True)
        in_transaction(self.analyze)

    def create_companies(self):
        """10 companies; the large one (the first) on the French chart with
        2026's fiscal year and the delivery product (the others' deliveries
        are history, never invoiced here: ten charts in one table cost
        minutes each, Tryton's nested set of accounts shifted at every
        account); the admin in each"""
        from coop_cli import demo
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        pool = Pool()
        Party = pool.get('party.party')
        User = pool.get('res.user')
        ids = []
        for i in range(COOPS):
            company = demo._create_company()
            Party.write([company.party], {'name': f"Coop {i + 1:02d}"})
            demo._attach_admin(company)
            if not i:
                with Transaction().set_context(company=company.id):
                    demo._create_chart(company)
                    demo._create_fiscal_year(company, YEAR)
                    demo._create_delivery_product(company)
            ids.append(company.id)
        admin, = User.search([('login', '=', 'admin')])
        User.write([admin], {'company': ids[0]})
        return ids

    def create_stores(self, company_id, size):
        from trytond.pool import Pool
        pool = Pool()
        RuleSet = pool.get('coop.delivery.price.rule_set')
        Party = pool.get('party.party')
        Configuration = pool.get('coop.delivery.configuration')
        # A line per day and price on the invoices (the per-delivery
        # detail in the annex): 31 lines a store for December
        Configuration.write([Configuration(1)], {'invoice_grouping': 'day'})
        rule_set, = RuleSet.create([{
                    'name': "Standard", 'strategy': 'find',
                    'rules': [('create', [{
                                    'name': "Base", 'condition': '',
                                    'price': '600', 'sequence': 1}])],
                    }])
        Party.create([{
                    'name': f"Store {company_id}-{i:03d}",
                    'delivery_price_rule_set': rule_set.id,
                    'addresses': [('create', [{'city': "Lyon"}])],
                    } for i in range(size['stores'])])

    def deliveries(self, company_id, size):
        """A delivery of each store made, confirmed and completed through
        Tryton; the year's deliveries copied from them in SQL (a day and
        a store each, in turn), their tasks from theirs"""
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        pool = Pool()
        Party = pool.get('party.party')
        Delivery = pool.get('coop.delivery')
        Task = pool.get('coop.delivery.task')
        stores = Party.search([
                ('delivery_price_rule_set', '!=', None),
                ('name', 'like', f"Store {company_id}-%")])
        nine = dt.datetime(YEAR, 1, 1, 9)
        models = Delivery.create([{
                    'company': company_id, 'customer': store.id,
                    'date': nine.date(), 'ordered_at': nine,
                    'reference': 'MODEL', 'distance': 2500, 'weight': 3000,
                    'tasks': [('create', [{
                                    'type': kind, 'sequence': sequence,
                                    'after': nine,
                                    'before': nine + dt.timedelta(hours=1),
                                    'latitude': 45.76,
                                    'longitude': longitude,
                                    } for kind, sequence, longitude in [
                                    ('pickup', 1, 4.83),
                                    ('dropoff', 2, 4.85)]])],
                    } for store in stores])
        Delivery.confirm(models)
        Task.complete([t for d in models for t in d.tasks])
        # The copies: the n-th is of day n % 365 and store n % stores
        cursor = Transaction().connection.cursor()
        columns = self.columns(cursor, 'coop_delivery')
        model_ids = [m.id for m in Delivery.browse(models)]
        overrides = {
            'date': "DATE '2026-01-01' + (n %% 365)",
            'ordered_at': "TIMESTAMP '2026-01-01 09:00' + (n %% 365) "
            "* INTERVAL '1 day' + (n %% 600) * INTERVAL '1 minute'",
            'reference': "'D' || n",
            'create_date': 'CURRENT_TIMESTAMP',
            }
        select = ', '.join(overrides.get(c, f'm.{c}') for c in columns)
        count = size['deliveries'] - len(model_ids)
        cursor.execute(
            f"INSERT INTO coop_delivery ({', '.join(columns)}) "
            f"SELECT {select} FROM generate_series(1, %s) AS n "
            "JOIN (SELECT *, row_number() OVER (ORDER BY id) - 1 AS k "
            "FROM coop_delivery WHERE id = ANY(%s)) AS m "
            "ON m.k = n %% %s",
            (count, model_ids, len(model_ids)))
        # Their tasks: the model's, moved to the copy's day
        task_columns = self.columns(cursor, 'coop_delivery_task')
        overrides = {
            'delivery': 'd.id',
            'after': "t.after + (d.date - DATE '2026-01-01') "
            "* INTERVAL '1 day'",
            'before': "t.before + (d.date - DATE '2026-01-01') "
            "* INTERVAL '1 day'",
            'done_at': "t.done_at + (d.date - DATE '2026-01-01') "
            "* INTERVAL '1 day'",
            'create_date': 'CURRENT_TIMESTAMP',
            }
        select = ', '.join(overrides.get(c, f't.{c}') for c in task_columns)
        cursor.execute(
            f"INSERT INTO coop_delivery_task ({', '.join(task_columns)}) "
            f"SELECT {select} FROM coop_delivery AS d "
            "JOIN coop_delivery AS m ON m.id = ANY(%s) "
            "AND m.customer = d.customer "
            "JOIN coop_delivery_task AS t ON t.delivery = m.id "
            "WHERE d.company = %s AND d.reference LIKE 'D%%'",
            (model_ids, company_id))
        # Checked: each copy has its model's two tasks
        cursor.execute("SELECT count(*), count(DISTINCT t.delivery) "
            "FROM coop_delivery_task AS t JOIN coop_delivery AS d "
            "ON d.id = t.delivery WHERE d.company = %s", (company_id,))
        tasks, with_tasks = cursor.fetchone()
        assert (tasks, with_tasks) == (
            2 * size['deliveries'], size['deliveries']), (tasks, with_tasks)

    @staticmethod
    def columns(cursor, table):
        cursor.execute("SELECT column_name FROM information_schema.columns "
            "WHERE table_name = %s AND column_name <> 'id' "
            "ORDER BY ordinal_position", (table,))
        return [c for c, in cursor]

    def payroll(self, company_id, size):
        """The payroll configuration, the riders under contract from
        January and their hours of the year (7 h each working day)"""
        from trytond.pool import Pool
        pool = Pool()
        Company = pool.get('company.company')
        ModelData = pool.get('ir.model.data')
        Sequence = pool.get('ir.sequence.strict')
        Journal = pool.get('account.journal')
        Configuration = pool.get('coop.payroll.configuration')
        Party = pool.get('party.party')
        Employee = pool.get('company.employee')
        Contract = pool.get('coop.payroll.contract')
        Work = pool.get('timesheet.work')
        Line = pool.get('timesheet.line')
        company = Company(company_id)
        sequence, = Sequence.create([{
                    'name': "Payslips", 'prefix': 'P-',
                    'company': company_id,
                    'sequence_type': ModelData.get_id(
                        'coop_payroll', 'sequence_type_payslip')}])
        journal, = Journal.search([('code', '=', 'MISC')])
        config = Configuration(1)
        config.payslip_sequence = sequence
        config.structure = ModelData.get_id('coop_payroll_fr', 'structure_fr')
        config.headcount = size['riders']
        config.journal = journal
        config.leave_anticipation = True
        config.save()
        Configuration.set_french_accounts(company)
        start = dt.date(YEAR, 1, 1)
        parties = Party.create([{'name': f"Rider {i:03d}"}
                for i in range(size['riders'])])
        employees = Employee.create([{
                    'party': p.id, 'company': company_id,
                    'start_date': start} for p in parties])
        Contract.create([{
                    'company': company_id, 'employee': e.id,
                    'kind': 'open_ended', 'start_date': start,
                    'weekly_hours': Decimal(35),
                    'hourly_wage': Decimal('12.50'),
                    } for e in employees])
        work, = Work.create([{'name': "Tours", 'company': company_id}])
        lines = [{
                'company': company_id, 'employee': e.id, 'work': work.id,
                'date': day, 'duration': dt.timedelta(hours=7),
                } for e in employees
            for month in range(1, 13)
            for day in workdays(dt.date(YEAR, month, 1))]
        for i in range(0, len(lines), CHUNK):
            Line.create(lines[i:i + CHUNK])

    @staticmethod
    def pay(company_id, month):
        "The month's batch computed and confirmed"
        from trytond.pool import Pool
        pool = Pool()
        Batch = pool.get('coop.payroll.batch')
        batch = Batch.run(pool.get('company.company')(company_id), month)
        Batch.confirm([batch])

    def members(self, company_id, size):
        from trytond.pool import Pool
        pool = Pool()
        Party = pool.get('party.party')
        Category = pool.get('coop.member.category')
        Member = pool.get('coop.member')
        Employee = pool.get('company.employee')
        category, = Category.create([{
                    'company': company_id, 'code': 'EMP',
                    'name': "Employees", 'kind': 'employee'}])
        # The first rider is a member too
        rider, = Employee.search([('company', '=', company_id)],
            order=[('id', 'ASC')], limit=1)
        parties = [rider.party] + Party.create([{'name': f"Member {i:04d}"}
                for i in range(size['members'] - 1)])
        members = []
        for i in range(0, len(parties), CHUNK):
            members += Member.create([{
                        'company': company_id, 'party': p.id,
                        'number': f'M-{i + j + 1:05d}',
                        'category': category.id, 'person_kind': 'person',
                        } for j, p in enumerate(parties[i:i + CHUNK])])
        self.shares(company_id, members)

    def shares(self, company_id, members):
        """The register's history: each member's subscription (1 to 5
        shares of 25.00, 2019 to 2026), and the first (the rider) an
        increase of a share every January from 2020; imported operations
        recorded through the register (numbered, their lines, no entry:
        the bench has no membership accounts)"""
        from trytond.pool import Pool
        pool = Pool()
        Company = pool.get('company.company')
        Configuration = pool.get('coop.membership.configuration')
        ModelData = pool.get('ir.model.data')
        Operation = pool.get('coop.share.operation')
        # The register's numbers have no gaps
        Sequence = pool.get('ir.sequence.strict')
        ShareClass = pool.get('coop.share.class')
        company = Company(company_id)
        sequence, = Sequence.create([{
                    'name': "Register", 'company': company_id,
                    'sequence_type': ModelData.get_id(
                        'coop_membership', 'sequence_type_operation'),
                    }])
        config = Configuration.of_company(company)
        config.operation_sequence = sequence
        config.save()
        share_class, = ShareClass.create([{
                    'company': company_id, 'code': 'A', 'name': "Ordinary",
                    'nominal': Decimal(25)}])
        first = dt.date(YEAR - 7, 1, 1)
        span = (dt.date(YEAR, 11, 30) - first).days

        def operation(member, kind, date, quantity):
            return {
                'company': company_id, 'kind': kind, 'member': member.id,
                'share_class': share_class.id, 'quantity': quantity,
                'date': date, 'effective_date': date, 'imported': True,
                }
        rider, *others = members
        values = [operation(rider, 'subscription', dt.date(YEAR - 7, 6, 1), 4)]
        values += [operation(rider, 'increase', dt.date(y, 1, 15), 1)
            for y in range(YEAR - 6, YEAR + 1)]
        values += [operation(m, 'subscription',
                first + dt.timedelta(days=self.rng.randrange(span)),
                1 + i % 5) for i, m in enumerate(others)]
        # In the order they took effect: the register refuses an operation
        # dated before one already recorded (chunks of a random order would)
        values.sort(key=lambda v: v['effective_date'])
        operations = []
        for i in range(0, len(values), CHUNK):
            operations += Operation.create(values[i:i + CHUNK])
        for i in range(0, len(operations), CHUNK):
            Operation.record(operations[i:i + CHUNK])

    def users(self, company_id):
        "A dispatcher of the large coop; the first rider's portal account"
        from trytond.pool import Pool
        pool = Pool()
        User = pool.get('res.user')
        WebUser = pool.get('web.user')
        ModelData = pool.get('ir.model.data')
        Employee = pool.get('company.employee')
        User.create([{
                    'name': "Dispatcher", 'login': 'dispatcher',
                    'company': company_id,
                    'companies': [('add', [company_id])],
                    'groups': [('add', [ModelData.get_id(
                                    'coop_delivery', 'group_delivery')])],
                    }])
        rider, = Employee.search([('company', '=', company_id)],
            order=[('id', 'ASC')], limit=1)
        WebUser.create([{'email': 'rider@example.com',
                    'password': PASSWORD, 'party': rider.party.id}])

    @staticmethod
    def analyze():
        from trytond.transaction import Transaction
        Transaction().connection.cursor().execute('ANALYZE')


def p95(values):
    values = sorted(values)
    return values[max(0, int(round(0.95 * len(values))) - 1)]


class Measure:

    def __init__(self, args):
        self.args = args
        self.rng = random.Random(95)

    def run(self):
        from coop_cli import database
        database.load_pool(DATABASE)
        info = in_transaction(self.info)
        self.__dict__.update(info)
        print(f"coop 1 of {COOPS}: {info['deliveries']} deliveries, "
            f"{info['tasks']} tasks, {info['payslips']} payslips, "
            f"{info['members']} members, {info['operations']} share "
            f"operations ({info['rider_shares']} shares of the portal's "
            f"rider); all coops: "
            f"{info['all_deliveries']} deliveries", flush=True)
        lists = {
            'delivery list (a day, a store)': self.delivery_list,
            'statistics of a month': self.statistics,
            }
        for name, call in lists.items():
            times = [self.timed_transaction(call) for _ in range(
                    self.args.repeat)]
            print(f"{name}: p95 {p95(times) * 1000:.1f} ms "
                f"(median {sorted(times)[len(times) // 2] * 1000:.1f} ms, "
                f"{len(times)} calls)", flush=True)
        for name, path in [('portal payslips', '/payslips'),
                ('portal shares', '/shares')]:
            times = self.portal(path)
            print(f"{name}: p95 {p95(times) * 1000:.1f} ms "
                f"(median {sorted(times)[len(times) // 2] * 1000:.1f} ms, "
                f"{len(times)} calls)", flush=True)
        for name, call in [('month-end of coop 1 (December)',
                    self.month_end), ('payroll of coop 1 (December)',
                    self.payroll)]:
            start = time.monotonic()
            result = in_transaction(call, company=self.company)
            print(f"{name}: {time.monotonic() - start:.1f} s, {result}",
                flush=True)
        in_transaction(self.plans)

    def info(self):
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        pool = Pool()
        cursor = Transaction().connection.cursor()
        company, = pool.get('company.company').search(
            [], order=[('id', 'ASC')], limit=1)
        user, = pool.get('res.user').search([('login', '=', 'dispatcher')])
        cursor.execute("SELECT count(*) FROM coop_delivery "
            "WHERE company = %s", (company.id,))
        deliveries, = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM coop_delivery")
        all_deliveries, = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM coop_delivery_task AS t "
            "JOIN coop_delivery AS d ON d.id = t.delivery "
            "WHERE d.company = %s", (company.id,))
        tasks, = cursor.fetchone()
        stores = [s.id for s in pool.get('party.party').search([
                    ('name', 'like', f"Store {company.id}-%")])]
        cursor.execute("SELECT DISTINCT customer, date FROM coop_delivery "
            "WHERE company = %s ORDER BY customer, date", (company.id,))
        store_days = [(customer, date) for customer, date in cursor]
        return {
            'company': company.id, 'dispatcher': user.id,
            'deliveries': deliveries, 'all_deliveries': all_deliveries,
            'tasks': tasks, 'stores': stores, 'store_days': store_days,
            'payslips': pool.get('coop.payroll.payslip').search_count(
                [('company', '=', company.id)]),
            'members': pool.get('coop.member').search_count(
                [('company', '=', company.id)]),
            'operations': pool.get('coop.share.operation').search_count(
                [('company', '=', company.id), ('state', '=', 'recorded')]),
            'rider_shares': self.rider_shares(company),
            }

    @staticmethod
    def rider_shares(company):
        "The shares the portal's rider holds today (0 without operations)"
        from trytond.pool import Pool
        pool = Pool()
        Line = pool.get('coop.share.operation.line')
        Member = pool.get('coop.member')
        WebUser = pool.get('web.user')
        web_user, = WebUser.search([('email', '=', 'rider@example.com')])
        members = Member.search([
                ('company', '=', company.id),
                ('party', '=', web_user.party.id)])
        if not members:
            return 0
        return Line.member_shares(members)[members[0].id]

    def timed_transaction(self, call):
        "call's time, in a read-only transaction as the dispatcher"
        from trytond.transaction import Transaction, check_access
        with Transaction().start(DATABASE, self.dispatcher, readonly=True,
                context={'company': self.company,
                    'companies': [self.company]}):
            with check_access():
                start = time.monotonic()
                call()
                return time.monotonic() - start

    def delivery_list(self):
        from trytond.pool import Pool
        Delivery = Pool().get('coop.delivery')
        # A store's day with deliveries: the history's copies give each
        # store some days of the year, not all of them
        store, day = self.rng.choice(self.store_days)
        found = Delivery.search_read([
                ('date', '=', day),
                ('customer', '=', store)],
            0, 80, None, ['reference', 'date', 'customer', 'state', 'amount',
                'distance', 'vehicle'])
        assert found, day

    def statistics(self):
        from trytond.pool import Pool
        Statistic = Pool().get('coop.delivery.statistic.store')
        found = Statistic.search_read([
                ('year', '=', YEAR),
                ('month.index', '=', self.rng.randrange(1, 13))],
            0, None, None, ['customer', 'deliveries', 'distance',
                'co2_avoided'])
        assert found

    def portal(self, path):
        from werkzeug.test import Client
        from trytond.wsgi import app
        import coop_portal.routes  # noqa: F401 (the portal's routes)
        base = f'/{DATABASE}/portal'
        client = Client(app, use_cookies=True)
        page = client.get(f'{base}/login')
        token = re.search(r'name="csrf" value="([0-9a-f]+)"',
            page.text).group(1)
        answer = client.post(f'{base}/login', data={'csrf': token,
                'email': 'rider@example.com', 'password': PASSWORD})
        assert answer.status_code == 303, answer.text[:500]
        times = []
        for _ in range(self.args.repeat):
            start = time.monotonic()
            answer = client.get(base + path)
            times.append(time.monotonic() - start)
            assert answer.status_code == 200, answer.status_code
        return times

    def month_end(self):
        from trytond.pool import Pool
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        company = pool.get('company.company')(self.company)
        invoices = Delivery.invoice_period(company, dt.date(YEAR, 12, 1),
            dt.date(YEAR, 12, 31), dt.date(YEAR, 12, 31))
        return f"{len(invoices)} invoices posted"

    def payroll(self):
        from trytond.pool import Pool
        pool = Pool()
        Batch = pool.get('coop.payroll.batch')
        batch = Batch.run(pool.get('company.company')(self.company),
            dt.date(YEAR, 12, 1))
        Batch.confirm([batch])
        return f"{len(batch.payslips)} payslips computed and confirmed"

    def plans(self):
        """PostgreSQL's plans of the two lists' queries: the delivery
        list's core, and the statistics' search and read as the ORM sends
        them for the dispatcher (her company rule in), June"""
        from trytond.pool import Pool
        from trytond.transaction import Transaction, check_access
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        store = self.stores[0]
        plans = [
            ('delivery list', "SELECT id FROM coop_delivery "
                "WHERE date = %s AND customer = %s AND company = %s "
                "ORDER BY date DESC, id DESC LIMIT 80",
                (dt.date(YEAR, 6, 15), store, self.company)),
            ]
        Statistic = Pool().get('coop.delivery.statistic.store')
        domain = [('year', '=', YEAR), ('month.index', '=', 6)]
        with transaction.set_user(self.dispatcher), \
                transaction.set_context(company=self.company), \
                check_access():
            query = Statistic.search(domain, query=True)
            ids = [r.id for r in Statistic.search(domain)]
            # The read's query: the rows of the ids, from their months
            dates = Statistic._dates_of_ids(ids)
            from coop_delivery.statistic import DATES
            with transaction.set_context({DATES: dates}):
                table = Statistic.__table__()
                read = table.select(table.id, table.customer,
                    table.deliveries, table.distance, table.co2_avoided,
                    where=table.id.in_(ids))
        plans.append(('statistics (search)', *tuple(query)))
        plans.append(('statistics (read)', *tuple(read)))
        for name, query, params in plans:
            cursor.execute('EXPLAIN ANALYZE ' + query, params)
            print(f"plan of the {name}:")
            for line, in cursor:
                print(f"    {line}")


if __name__ == '__main__':
    main()
