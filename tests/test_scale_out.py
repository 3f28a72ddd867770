# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Scaled out on PostgreSQL: two application servers (gunicorn, separate
processes and ports), one trytond-worker and one trytond-cron on one
database

The database is the suite's test database (restored from the runner's
template) with a coop whose three stores have March's deliveries done;
the processes are started with the production settings that matter here:
`[cache] clean_timeout = 0` (cache invalidation shared by every process,
through PostgreSQL's channel) and `[queue] worker = True`.

- A new coop's first setting written through server 1 is read at once
  through server 2, whose cache held the coop's settings rows without it
  (with a clean_timeout of 300 s, server 2 answers the default: checked
  by hand, docs/scale-out.md).
- The month-end invoicing is started from server 1: the wizard queues it
  and answers at once; the worker does it while both servers answer.
- The worker is held midway (the run's row locked by the test, so that
  the worker has invoiced every store in its transaction and waits to
  write the run) and killed: nothing of it is left (no invoice, no
  delivery invoiced, the run still queued); `coop db requeue` queues the
  task again and the restarted worker does the whole month once.
"""
import datetime as dt
import os
import signal
import subprocess
import tempfile
import time
import unittest
from decimal import Decimal

from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, drop_db

from coop_delivery.tests.tools import (
    create_done_deliveries, create_rule_set, create_store, setup_invoicing)
from coop_tools.testing import activate_suite, commit_setup

from .support import (
    BIN, ROOT, clean_environ, coop, free_port, login, rpc, wait_for_port,
    write_config)

BACKENDS = ['postgresql']
OWN_PROCESS = True
# It restores the suite's database from the runner's template: the runner
# starts it once the template exists
SUITE_DATABASE = True
PASSWORD = 'Scale-out-2026-servers'
# Each store's done deliveries of 2 March, as (price, ...)
STORES = [
    [Decimal('5.00'), Decimal('7.50')],
    [Decimal('6.00')],
    [Decimal('4.00'), Decimal('4.00'), Decimal('9.00')],
    ]
JANUARY_2027 = {'__class__': 'date', 'year': 2027, 'month': 1, 'day': 1}
# How long anything may take before the test calls it hung
TIMEOUT = 60
# The longest a server may take to answer while the worker works
ANSWER_SECONDS = 5


def populate():
    """A coop, its three stores' March, its accountant; a new coop (no
    setting of its own yet) and its accountant"""
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    Period = pool.get('account.period')
    company = create_company("Roue Libre")
    with set_company(company):
        setup_invoicing(company)
        for i, prices in enumerate(STORES, 1):
            create_done_deliveries(
                create_store(create_rule_set(), name=f"Store {i}"), prices)
        period, = Period.search([
                ('company', '=', company.id), ('type', '=', 'standard'),
                ('start_date', '=', dt.date(2026, 3, 1))])
    groups = [ModelData.get_id(*g) for g in [
            ('account', 'group_account'),
            ('coop_delivery', 'group_delivery'),
            ('coop_delivery', 'group_delivery_admin')]]
    new = create_company("Vélo Express")
    User.create([{
                'name': f"Accountant of {c.rec_name}", 'login': login,
                'password': PASSWORD, 'company': c.id,
                'companies': [('add', [c.id])],
                'groups': [('add', groups)],
                } for login, c in [('accountant', company),
                ('accountant_new', new)]])
    return {'company': company.id, 'period': period.id, 'new': new.id}


class ScaleOutTestCase(unittest.TestCase):
    "Two servers, a worker and cron on one PostgreSQL database"

    @classmethod
    def setUpClass(cls):
        start = time.monotonic()
        activate_suite()
        restored = time.monotonic()
        data = {}
        commit_setup(lambda: data.update(populate()) or {})
        populated = time.monotonic()
        cls.data = data
        cls.addClassCleanup(drop_db)
        cls.uri = os.environ['TRYTOND_DATABASE_URI']
        # The servers' connections: the test's own closed first
        from trytond import backend
        backend.Database(DB_NAME).close()
        folder = tempfile.TemporaryDirectory()
        cls.addClassCleanup(folder.cleanup)
        cls.config = write_config(folder.name,
            f"[database]\nuri = {cls.uri}\npath = {folder.name}\n"
            "[cache]\nclean_timeout = 0\n"
            "[queue]\nworker = True\n")
        cls.env = clean_environ(TRYTOND_CONFIG=cls.config,
            TRYTOND_DATABASE_NAMES=DB_NAME)
        cls.folder = folder.name
        cls.ports = [free_port(), free_port()]
        cls.servers = [cls.start([os.path.join(BIN, 'gunicorn'),
                    '--workers', '1', '--worker-class', 'gthread',
                    '--threads', '2', '--bind', f'127.0.0.1:{port}',
                    'coop_cli.wsgi:app']) for port in cls.ports]
        cls.cron = cls.start([os.path.join(BIN, 'trytond-cron'),
                '-c', cls.config, '-d', DB_NAME])
        for port, server in zip(cls.ports, cls.servers):
            wait_for_port(port, server, timeout=TIMEOUT)
        cls.sessions = {user: [login(port, DB_NAME, user, PASSWORD)
                for port in cls.ports]
            for user in ['accountant', 'accountant_new']}
        print(f"\nrestored in {restored - start:.1f} s, populated in "
            f"{populated - restored:.1f} s, servers up in "
            f"{time.monotonic() - populated:.1f} s", flush=True)

    @classmethod
    def start(cls, args):
        "A process of its own group (killed with its children)"
        log = tempfile.NamedTemporaryFile('w+', dir=cls.folder,
            suffix='.log', delete=False)
        process = subprocess.Popen(args, env=cls.env, cwd=ROOT,
            stdout=log, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)
        process.log = log.name
        cls.addClassCleanup(cls.stop, process)
        return process

    @staticmethod
    def output(process):
        with open(process.log) as file:
            return file.read()[-3000:]

    @staticmethod
    def stop(process, sig=signal.SIGTERM):
        if process.poll() is None:
            os.killpg(process.pid, sig)
            try:
                process.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def call(self, server, method, *params, user='accountant'):
        "Call method through server (0 or 1) as user"
        session = self.sessions[user][server]
        context = rpc(self.ports[server], DB_NAME,
            'model.res.user.get_preferences', [True, {}], session)
        return rpc(self.ports[server], DB_NAME, method,
            [*params, context], session)

    def timed(self, server, method, *params):
        "call, which must answer within ANSWER_SECONDS"
        start = time.monotonic()
        result = self.call(server, method, *params)
        self.assertLess(time.monotonic() - start, ANSWER_SECONDS, method)
        return result

    def sql(self):
        "A connection of the test's own to the database"
        import psycopg
        from trytond import config
        conninfo = config.parse_uri(self.uri)._replace(
            scheme='postgresql', path=f'/{DB_NAME}').geturl()
        connection = psycopg.connect(conninfo)
        self.addCleanup(connection.close)
        return connection

    def wait(self, condition, what, process=None):
        "Wait until condition() is true (the other processes work)"
        deadline = time.monotonic() + TIMEOUT
        while not condition():
            if process and process.poll() is not None:
                self.fail(f"{what}: the process ended: "
                    f"{self.output(process)}")
            if time.monotonic() > deadline:
                self.fail(f"not {what} after {TIMEOUT} s"
                    + (f": {self.output(process)}" if process else ''))
            time.sleep(0.2)

    def test_1_setting_seen_by_the_other_server(self):
        """A new coop's first setting, written through server 1, is read
        through server 2 at once, though server 2's cache held the coop's
        settings rows without it (Tryton caches the list of a value
        model's rows: the values themselves are read each time)"""
        field = 'customer_siren_required_from'
        read = ('model.coop.delivery.configuration.read', [1], [field])
        # Server 2 caches the settings rows, none of the new coop's: the
        # default (1 September 2027, the French e-invoicing date)
        default = {'__class__': 'date', 'year': 2027, 'month': 9, 'day': 1}
        for _ in range(2):
            self.assertEqual(self.call(
                    1, *read, user='accountant_new')[0][field], default)
        self.call(0, 'model.coop.delivery.configuration.write', [1],
            {field: JANUARY_2027}, user='accountant_new')
        for server in [1, 0]:
            with self.subTest(server=server):
                self.assertEqual(self.call(
                        server, *read, user='accountant_new')[0][field],
                    JANUARY_2027)
        # The other coop's is its own
        self.assertEqual(self.call(1, *read)[0][field], default)

    def test_2_month_end_in_the_worker(self):
        """The month-end started from server 1 runs in the worker while
        both servers answer; killed midway, the worker leaves nothing;
        queued again, the month is invoiced once"""
        company, period = self.data['company'], self.data['period']
        wizard, _, _ = self.call(0, 'wizard.coop.delivery.invoice.create')
        start = time.monotonic()
        answer = self.call(0, 'wizard.coop.delivery.invoice.execute',
            wizard, {'start': {'company': company, 'period': period,
                    'invoice_date': {'__class__': 'date',
                        'year': 2026, 'month': 3, 'day': 31}}},
            'invoice')
        queued = time.monotonic() - start
        action, _ = answer['actions'][0]
        run_id, = action['res_id']
        # Queued, not run: no worker yet
        self.assertLess(queued, ANSWER_SECONDS)
        connection = self.sql()
        with connection.cursor() as cursor:
            cursor.execute('SELECT state FROM coop_delivery_invoice_run '
                'WHERE id = %s', (run_id,))
            self.assertEqual(cursor.fetchone(), ('queued',))
        connection.commit()

        # The worker, held midway: the run's row locked by the test
        lock = connection.cursor()
        lock.execute('SELECT id FROM coop_delivery_invoice_run '
            'WHERE id = %s FOR UPDATE', (run_id,))
        worker = self.start_worker()
        watch = self.sql()
        watch.autocommit = True

        def waiting():
            return watch.execute("SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = %s AND wait_event_type = 'Lock'",
                (DB_NAME,)).fetchone()[0] > 0
        self.wait(waiting, "the worker waiting on the run's row", worker)
        # Both servers answer meanwhile; the invoices are not seen yet
        for server in [0, 1]:
            with self.subTest(server=server):
                run, = self.timed(server,
                    'model.coop.delivery.invoice.run.read', [run_id],
                    ['state', 'progress'])
                self.assertEqual(run['state'], 'queued')
                self.assertEqual(self.timed(server,
                        'model.account.invoice.search', [], 0, None, None),
                    [])
        # Killed, with its processes; the lock released
        self.stop(worker, signal.SIGKILL)
        connection.rollback()
        self.wait(lambda: not waiting(), "the killed worker's query gone")

        def counts():
            return watch.execute(
                "SELECT (SELECT count(*) FROM account_invoice), "
                "(SELECT count(*) FROM coop_delivery "
                "WHERE sale_line IS NOT NULL), "
                "(SELECT state FROM coop_delivery_invoice_run "
                "WHERE id = %s)", (run_id,)).fetchone()
        self.assertEqual(counts(), (0, 0, 'queued'))

        # Queued again, then done once by a new worker
        process = coop('db', 'requeue', '-c', self.config, DB_NAME,
            '--json', env=self.env)
        self.assertEqual(process.returncode, 0, process.stderr)
        self.assertIn('"requeued": 1', process.stdout)
        worker = self.start_worker()
        requeued = time.monotonic()
        self.wait(lambda: counts()[2] == 'done', "the run done", worker)
        print(f"\nthe month-end queued again done in "
            f"{time.monotonic() - requeued:.1f} s", flush=True)
        deliveries = sum(len(p) for p in STORES)
        self.assertEqual(counts(), (len(STORES), deliveries, 'done'))
        # Each store's total with 20 % VAT: 12.50 + 2.50 = 15.00; 6.00 +
        # 1.20 = 7.20; 17.00 + 3.40 = 20.40
        invoices = self.call(1, 'model.account.invoice.search_read',
            [], 0, None, None, ['state', 'total_amount'])
        self.assertEqual(sorted(
                (i['state'], Decimal(i['total_amount']['decimal']))
                for i in invoices),
            [('posted', Decimal('7.20')), ('posted', Decimal('15.00')),
                ('posted', Decimal('20.40'))])
        # Cron ran beside them all along
        self.assertIsNone(self.cron.poll(), self.output(self.cron))

    def start_worker(self):
        return self.start([os.path.join(BIN, 'trytond-worker'),
                '-c', self.config, '-d', DB_NAME, '-n', '1'])
