# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""One busy month on PostgreSQL: 200 stores, 50,000 deliveries (100,000
tasks); pricing, then month-end invoicing through Tryton's own documents
at the default grouping (a line per day and price; target: 5 minutes or
less), with the work Tryton queues when an invoice is posted (each
invoice's PDF, which the suite extends with its Factur-X and UBL) done as
trytond's worker does it. In the same run, Tryton's own hand path (the
equivalence test's: coop_delivery.tests.tools.invoice_store_by_hand, a
store at a time) on a sample of stores with a month of deliveries each, in
April, gives the cost per store of both and their ratio (month-end / hand,
at most 1).

    .venv/bin/python bench/invoice_month.py [--stores 200] [--deliveries 50000]
        [--sample 5] [--worker N] [--keep] [--reuse] [--profile FILE]

The database (coop_bench_invoice or $COOP_BENCH_DATABASE, on
$TRYTOND_DATABASE__URI or the local server) is created with the suite,
filled and priced in a process of its own (not measured but pricing); then
month-end is run in this process, as a server that has not installed the
database runs it (or, with --worker N, queued as the wizard does and done
by trytond-worker with N processes), checked, and the
database dropped unless --keep. Figures are server side, in one process.

With --reuse, the priced database is kept as coop_bench_invoice_setup_S_D
(S stores, D deliveries) and copied (PostgreSQL's CREATE DATABASE ... TEMPLATE, seconds) by the next
run with --reuse and the same sizes: for measuring a change of the
invoicing's code, not of its schema (drop the copy after a schema change).
"""
import argparse
from collections import Counter
import datetime as dt
import os
import random
import resource
import signal
import subprocess
import sys
import time

import postgresql  # bench/postgresql.py: the script's folder is on sys.path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
# Another name lets two runs share the server
DATABASE = os.environ.get('COOP_BENCH_DATABASE', 'coop_bench_invoice')
MONTH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
# The hand path's sample rides in April, apart from the measured month and
# after it, as invoice numbers follow invoice dates
SAMPLE_MONTH = (dt.date(2026, 4, 1), dt.date(2026, 4, 30))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--stores', type=int, default=200)
    parser.add_argument('--deliveries', type=int, default=50000)
    parser.add_argument('--sample', type=int, default=5,
        help="stores invoiced by the hand path")
    parser.add_argument('--keep', action='store_true')
    parser.add_argument('--reuse', action='store_true',
        help="copy the priced set-up from the template database made by the "
        "first such run of the same sizes")
    parser.add_argument('--worker', type=int, metavar='N', default=0,
        help="month-end as the wizard starts it: queued and done by "
        "trytond-worker with N processes (PostgreSQL's LISTEN/NOTIFY)")
    parser.add_argument('--setup-only', action='store_true',
        help=argparse.SUPPRESS)
    parser.add_argument(
        '--profile', metavar='FILE',
        help="write a cProfile of the invoicing to FILE")
    args = parser.parse_args()

    from coop_cli import database
    postgresql.configure()
    if args.setup_only:
        setup(args)
        return
    template = f'coop_bench_invoice_setup_{args.stores}_{args.deliveries}'
    if args.reuse and database.exists(template):
        postgresql.copy(template, DATABASE)
        print(f"set-up copied from {template}", flush=True)
    else:
        sizes = ['--stores', str(args.stores), '--deliveries',
            str(args.deliveries), '--sample', str(args.sample)]
        subprocess.run(
            [sys.executable, __file__, '--setup-only'] + sizes, check=True)
        if args.reuse:
            postgresql.copy(DATABASE, template)
    try:
        run = Bench(args)
        database.in_transaction(DATABASE, run.load_setup)
        figures = {'pricing': run.pricing}
        if args.worker:
            figures['month-end'] = run.by_worker(args.worker)
        else:
            # The tasks posting queued are run after the commit, as
            # trytond's dispatcher does without a worker
            # (coop_cli.database.in_transaction)
            start = time.monotonic()
            figures['invoicing'] = database.in_transaction(
                DATABASE, run.invoice)
            figures['month-end'] = time.monotonic() - start
            figures['queued'] = figures['month-end'] - figures['invoicing']
        database.in_transaction(DATABASE, run.check)
        if args.sample:
            start = time.monotonic()
            database.in_transaction(DATABASE, run.hand)
            figures['hand'] = (time.monotonic() - start) / args.sample
        report(args, figures)
    finally:
        if not args.keep:
            postgresql.drop(DATABASE)


def setup(args):
    """The set-up, in a process of its own: the database created, filled
    and priced; the pricing's seconds kept in the database for the run"""
    from coop_cli import database
    postgresql.create(DATABASE)
    run = Bench(args)
    database.in_transaction(DATABASE, run.setup)
    # A transaction per slice, as dispatchers confirm a day's orders:
    # Tryton logs each transition and stores the logs at commit with a
    # browse whose cost grows with the square of the records (its
    # assert on every id), minutes for 50,000 at once
    start = time.monotonic()
    for ids in run.delivery_slices():
        database.in_transaction(DATABASE, lambda: run.price(ids))
    pricing = time.monotonic() - start
    database.in_transaction(DATABASE, lambda: run.ride(pricing))


class Bench:

    def __init__(self, args):
        self.args = args

    def context(self):
        from trytond.transaction import Transaction
        return Transaction().set_context(company=self.company_id)

    def setup(self):
        "A coop with the demo's chart and rule set, stores and draft orders"
        from coop_cli import demo
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        pool = Pool()
        Party = pool.get('party.party')
        RuleSet = pool.get('coop.delivery.price.rule_set')
        company = demo._create_company()
        demo._attach_admin(company)
        self.company_id = company.id
        with Transaction().set_context(company=company.id):
            demo._create_chart(company)
            demo._create_fiscal_year(company, MONTH[0].year)
            # The legal form, VAT on services on receipts, as the demo
            demo._set_einvoicing(company)
            demo._create_delivery_product(company)
            # The zone, the rule set and the payment term with them
            demo_store = demo._create_stores(company)[0]
            term = demo_store.customer_payment_term
            rule_set, = RuleSet.search([])
            stores = Party.create([{
                        'name': f"Store {i:03d}",
                        'addresses': [('create', [demo._address(
                                        f"{i} rue de la République",
                                        '69002')])],
                        'delivery_price_rule_set': rule_set.id,
                        'customer_payment_term': term.id,
                        # As the demo's stores: a SIREN, so a Factur-X each
                        'identifiers': [('create', [{
                                        'type': 'fr_siren',
                                        'code': demo.store_siren(1000 + i),
                                        }])],
                        } for i in range(self.args.stores)])
            self.store_ids = [s.id for s in stores]
            self.insert_orders(company, stores)

    def insert_orders(self, company, stores):
        "Draft orders, inserted in bulk: building data is not measured"
        from coop_tools.sql import insert
        from trytond.pool import Pool
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        Task = pool.get('coop.delivery.task')
        rng = random.Random(2026)
        rows = []
        per_store = self.args.deliveries // len(stores)
        sample = self.args.sample * per_store
        days = (MONTH[1] - MONTH[0]).days + 1
        sample_days = (SAMPLE_MONTH[1] - SAMPLE_MONTH[0]).days + 1
        for i in range(self.args.deliveries + sample):
            if i < self.args.deliveries:
                date = MONTH[0] + dt.timedelta(days=i % days)
                store = stores[i % len(stores)]
            else:
                j = i - self.args.deliveries
                date = SAMPLE_MONTH[0] + dt.timedelta(days=j % sample_days)
                store = stores[j % self.args.sample]
            ordered = dt.datetime.combine(date, dt.time(8 + i % 12))
            rows.append({
                    'company': company.id,
                    'customer': store.id,
                    'reference': f'B{i:06d}',
                    'date': date,
                    'ordered_at': ordered,
                    'vehicle': 'cargo_bike' if i % 7 == 0 else 'bike',
                    'distance': rng.randrange(500, 9000),
                    'weight': rng.randrange(200, 30000),
                    'state': 'draft',
                    })
        ids = insert(Delivery, rows)
        tasks = []
        for id_, row in zip(ids, rows):
            for sequence, type_ in enumerate(['pickup', 'dropoff'], 1):
                tasks.append({
                        'delivery': id_, 'sequence': sequence,
                        'type': type_, 'status': 'todo',
                        'latitude': 45.76, 'longitude': 4.835
                        + rng.choice([0, 0.05]) * (sequence - 1),
                        'after': row['ordered_at'],
                        'before': row['ordered_at'] + dt.timedelta(
                            hours=sequence),
                        })
        insert(Task, tasks)
        self.delivery_ids = ids
        print(f"{len(ids)} orders, {len(tasks)} tasks inserted", flush=True)

    def delivery_slices(self, size=1000):
        for i in range(0, len(self.delivery_ids), size):
            yield self.delivery_ids[i:i + size]

    def price(self, ids):
        "Confirm orders: checks the tasks and prices from the rules"
        from trytond.pool import Pool
        Delivery = Pool().get('coop.delivery')
        with self.context():
            Delivery.confirm(Delivery.browse(ids))

    def ride(self, pricing):
        """Every order ridden: set in bulk, not measured; the pricing's
        seconds kept for the measuring process (and the copies)"""
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        Task = pool.get('coop.delivery.task')
        cursor = Transaction().connection.cursor()
        delivery, task = Delivery.__table__(), Task.__table__()
        cursor.execute(*task.update([task.status], ['done']))
        cursor.execute(*delivery.update([delivery.state], ['done']))
        cursor.execute(
            "CREATE TABLE bench_setup (pricing FLOAT, deliveries INTEGER)")
        cursor.execute("INSERT INTO bench_setup VALUES (%s, %s)",
            (pricing, self.args.deliveries))

    def load_setup(self):
        "What the measured steps read of the set-up made in another process"
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        pool = Pool()
        company, = pool.get('company.company').search([])
        self.company_id = company.id
        stores = pool.get('party.party').search(
            [('name', 'like', 'Store %')], order=[('id', 'ASC')])
        cursor = Transaction().connection.cursor()
        cursor.execute("SELECT pricing, deliveries FROM bench_setup")
        self.pricing, deliveries = cursor.fetchone()
        if (len(stores), deliveries) != (
                self.args.stores, self.args.deliveries):
            sys.exit(f"the set-up has {len(stores)} stores and "
                f"{deliveries} deliveries: drop it or run without --reuse")
        self.store_ids = [s.id for s in stores]

    def by_worker(self, processes):
        """Month-end as the wizard starts it in production: the run queued
        (coop.delivery.invoice.run) and done by trytond-worker with
        processes, then what it queues in turn (each batch of invoices'
        PDF and e-invoices, of annexes); return the seconds from the
        run's commit to the queue's last task done"""
        from trytond import config
        from coop_cli import database
        env = dict(os.environ, TRYTOND_QUEUE__WORKER='True',
            # Several processes: cache invalidation through PostgreSQL
            TRYTOND_CACHE__CLEAN_TIMEOUT='0')
        worker = subprocess.Popen([
                os.path.join(os.path.dirname(sys.executable),
                    'trytond-worker'),
                '-c', os.path.join(ROOT, 'config', 'postgresql.conf'),
                '-d', DATABASE, '-n', str(processes)], env=env,
            start_new_session=True)
        try:
            # This process queues, as the server does: the worker works
            config.set('queue', 'worker', 'True')
            # Warm: a run already done is queued to each process first
            database.in_transaction(
                DATABASE, lambda: self.queue_run(processes, state='done'))
            self.wait_for_queue(timeout=300)
            start = time.monotonic()
            database.in_transaction(DATABASE, self.queue_run)
            self.wait_for_queue(timeout=3600)
            seconds = time.monotonic() - start
        finally:
            # The worker and its processes
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait()
            config.set('queue', 'worker', 'False')
        self.invoice_ids = database.in_transaction(
            DATABASE, self.month_invoice_ids)
        print(f"  run by trytond-worker -n {processes} in {seconds:.1f} s",
            flush=True)
        return seconds

    def queue_run(self, count=1, state='queued'):
        "As the wizard's Invoice button: count runs of March, queued"
        from trytond.pool import Pool
        pool = Pool()
        Run = pool.get('coop.delivery.invoice.run')
        Period = pool.get('account.period')
        with self.context():
            period = Period.find(self.company_id, date=MONTH[0])
            runs = Run.create([{
                        'company': self.company_id, 'period': period.id,
                        'invoice_date': MONTH[1], 'state': state,
                        } for _ in range(count)])
            for run in runs:
                Run.__queue__.run([run])

    def wait_for_queue(self, timeout):
        "Until every task of the queue is done (a failed one stops here)"
        from coop_cli import database

        def pending():
            from trytond.pool import Pool
            from trytond.transaction import Transaction
            cursor = Transaction().connection.cursor()
            queue = Pool().get('ir.queue').__table__()
            cursor.execute(*queue.select(
                    queue.id, where=queue.finished_at == None))  # noqa: E711
            return [i for i, in cursor]
        limit = time.monotonic() + timeout
        while database.in_transaction(DATABASE, pending):
            if time.monotonic() > limit:
                sys.exit(f"the worker left tasks undone after {timeout} s")
            time.sleep(0.2)

    def month_invoice_ids(self):
        from trytond.pool import Pool
        Invoice = Pool().get('account.invoice')
        return [i.id for i in Invoice.search([
                    ('type', '=', 'out'), ('invoice_date', '=', MONTH[1])])]

    def invoice(self):
        from trytond.pool import Pool
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        Company = pool.get('company.company')
        with self.context():
            company = Company(self.company_id)
            profile = None
            if self.args.profile:
                import cProfile
                profile = cProfile.Profile()
                profile.enable()
            start = time.monotonic()
            try:
                invoices = Delivery.invoice_period(
                    company, *MONTH, MONTH[1],
                    progress=lambda step, count: print(
                        f"  {time.monotonic() - start:6.1f} s {step}: "
                        f"{count}", flush=True))
            finally:
                # Tryton restarts the transaction when it must take a lock
                if profile:
                    profile.disable()
            seconds = time.monotonic() - start
            if profile:
                profile.dump_stats(self.args.profile)
        self.invoice_ids = [i.id for i in invoices]
        return seconds

    def check(self):
        "The invoices tie out to the deliveries, to the cent"
        from sql.aggregate import Sum
        from sql.conditionals import Coalesce
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        Invoice = pool.get('account.invoice')
        MoveLine = pool.get('account.move.line')
        delivery = Delivery.__table__()
        cursor = Transaction().connection.cursor()
        # In SQL: browsing 50,000 records at once costs Tryton minutes
        cursor.execute(*delivery.select(
                Sum(Coalesce(delivery.price_override, delivery.price)),
                where=(delivery.date >= MONTH[0])
                & (delivery.date <= MONTH[1])))
        priced, = cursor.fetchone()
        with self.context():
            invoices = Invoice.browse(self.invoice_ids)
            untaxed = sum(i.untaxed_amount for i in invoices)
            posted = {i.state for i in invoices}
            lines = Pool().get('account.invoice.line').search_count(
                [('invoice', 'in', self.invoice_ids)])
            move_lines = MoveLine.search(
                [('move', 'in', [i.move.id for i in invoices])])
            balance = sum(l.debit - l.credit for l in move_lines)
            # Each invoice's PDF, Factur-X, UBL, and its annex as PDF, CSV
            documents = Counter(document_kind(a.name)
                for a in pool.get('ir.attachment').search([
                        ('resource', 'in', [str(i) for i in invoices])]))
            cached = sum(1 for i in invoices if i.invoice_report_cache)
        print(f"check: {len(invoices)} invoices {posted}, {lines} lines; "
            f"deliveries priced {priced} = invoiced untaxed {untaxed}: "
            f"{priced == untaxed}; moves balance to {balance}; "
            f"{cached} PDFs frozen; attached: {dict(documents)}", flush=True)
        assert priced == untaxed and posted == {'posted'} and not balance
        assert cached == len(invoices)
        assert sorted(documents.values()) == [len(invoices)] * 4, documents

    def hand(self):
        """Tryton's own hand path, a store at a time: the equivalence
        test's code; return the seconds per store"""
        from coop_delivery.tests.tools import invoice_store_by_hand
        from trytond.pool import Pool
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        Party = pool.get('party.party')
        with self.context():
            stores = Party.browse(self.store_ids[:self.args.sample])
            start = time.monotonic()
            for store in stores:
                deliveries = Delivery.search([
                        ('customer', '=', store.id),
                        ('date', '>=', SAMPLE_MONTH[0]),
                        ('date', '<=', SAMPLE_MONTH[1]),
                        ])
                invoice_store_by_hand(
                    store, SAMPLE_MONTH[1], deliveries, grouping='day')
            return (time.monotonic() - start) / len(stores)


def document_kind(name):
    "What an invoice's attachment is, from its name"
    for suffix, kind in [('-factur-x.pdf', 'Factur-X'), ('-ubl.xml', 'UBL'),
            ('.csv', 'annex CSV'), ('.pdf', 'annex PDF')]:
        if name.endswith(suffix):
            return kind
    return name


def report(args, figures):
    deliveries = args.deliveries
    print()
    print(f"month: {args.stores} stores, {deliveries} deliveries, "
        f"{2 * deliveries} tasks (PostgreSQL)")
    print(f"pricing (confirm, 1,000 a transaction): "
        f"{figures['pricing']:.1f} s "
        f"({deliveries / figures['pricing']:.0f} deliveries/s)")
    print(f"month-end: {figures['month-end']:.1f} s; target <= 300 s "
        f"(the former SQL path, without PDFs: 16.3 s)")
    if args.worker:
        print(f"  queued as the wizard does and done by trytond-worker "
            f"-n {args.worker}, with what it queues in turn")
    else:
        print(f"  the run's transaction (sales, invoices posted, annexes): "
            f"{figures['invoicing']:.1f} s")
        print(f"  the tasks posting queued (each invoice's PDF, Factur-X "
            f"and UBL), run after it: {figures['queued']:.1f} s")
    month_end = figures['month-end'] / args.stores
    print(f"month-end: {month_end:.2f} s per store")
    if 'hand' in figures:
        hand = figures['hand']
        print(f"hand path: {hand:.2f} s per store (sample of "
            f"{args.sample} stores, {deliveries // args.stores} deliveries "
            f"each, in one process, its queued tasks included); "
            f"ratio month-end / hand {month_end / hand:.2f} (target <= 1)")
    print(f"load average: {os.getloadavg()}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the process: {peak:.0f} MiB")


if __name__ == '__main__':
    main()
