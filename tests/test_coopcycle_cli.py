# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"`coop import coopcycle`: a CoopCycle export imported from the command line"
import json
import os
import sqlite3
import subprocess
import tempfile
import unittest
import urllib.error
import urllib.request

from coop_coopcycle.coopcycle import Instance
from coop_coopcycle.tests.tools import (
    FakeCoopCycle, api_delivery, delivery_rows, task_row, to_csv)

from .support import (
    BIN, clean_environ, coop, copy_database, free_port, one_line_error,
    wait_for_port, write_config)

BACKENDS = {'sqlite'}
# A coop with its riders' CoopCycle usernames and a delivery product
SETUP = """\
from trytond.pool import Pool
from coop_coopcycle.tests.test_module import setup_coop
company = create_company('Vélo Coop')
with set_company(company):
    _, bakery = setup_coop(company)
    Pool().get('coop.coopcycle.instance').create([{
                'name': "Lyon", 'base_url': 'http://127.0.0.1:9',
                'store_id': 7, 'store': bakery.id, 'client_id': 'key',
                'client_secret': 'secret', 'webhook_secret': 'shh',
                }])
"""


class CoopCycleCommandTestCase(unittest.TestCase):

    def setUp(self):
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.folder = folder.name
        self.config = write_config(self.folder,
            "[database]\nuri = sqlite://\npath = db\n")
        copy_database(SETUP, os.path.join(self.folder, 'db'), 'coop')

    def run_import(self, data, *args):
        path = os.path.join(self.folder, 'export.csv')
        with open(path, 'wb') as file:
            file.write(data)
        return path, coop('import', 'coopcycle', path, '-d', 'coop',
            '-c', self.config, *args)

    def table(self, query):
        path = os.path.join(self.folder, 'db', 'coop.sqlite')
        connection = sqlite3.connect(path)
        try:
            return connection.execute(query).fetchall()
        finally:
            connection.close()

    def test_import_coopcycle(self):
        "Refused with every error by line, dry run, import, re-import"
        bad = to_csv(delivery_rows(1, 1, courier='zoe')
            + [task_row(3, 2, 'PICKUP', status='LOST', day='2026-13-01')])
        path, process = self.run_import(bad, '--json')
        self.assertEqual(process.returncode, 1, process.stderr)
        lines = process.stderr.strip().splitlines()
        self.assertEqual(lines[-1],
            "coop: error: 5 errors: nothing was imported")
        self.assertIn(f'{path}:2: No employee has the CoopCycle username '
            '"zoe"', lines[0])
        self.assertTrue(any(l.startswith(f'{path}:4: Unknown status "LOST"')
                for l in lines), lines)
        summary = json.loads(process.stdout)
        self.assertEqual([e['line'] for e in summary['errors']],
            [2, 3, 4, 4, 4])
        self.assertEqual(self.table('SELECT COUNT(*) FROM coop_delivery'),
            [(0,)])

        good = to_csv(delivery_rows(1, 1, total='12.00')
            + delivery_rows(3, 2, organization="Café Vélo"))
        path, process = self.run_import(good, '--dry-run', '--json')
        self.assertEqual(process.returncode, 0, process.stderr)
        summary = json.loads(process.stdout)
        self.assertEqual((summary['deliveries_created'],
                summary['tasks_created'], summary['dry_run']), (2, 4, True))
        self.assertEqual(self.table('SELECT COUNT(*) FROM coop_delivery'),
            [(0,)])

        path, process = self.run_import(good)
        self.assertEqual(process.returncode, 0, process.stderr)
        self.assertIn("deliveries: 2 created, 0 updated", process.stdout)
        self.assertIn("stores created: Café Vélo", process.stdout)
        self.assertEqual(self.table(
                'SELECT coopcycle_order, state, CAST(price AS TEXT) '
                'FROM coop_delivery ORDER BY coopcycle_order'),
            [('ORD1', 'done', '10.00'), ('ORD2', 'done', '10.00')])
        path, process = self.run_import(good, '--json')
        summary = json.loads(process.stdout)
        self.assertEqual((summary['deliveries_created'],
                summary['tasks_updated'], summary['unchanged']), (0, 0, 4))

    def test_payroll_needs_month(self):
        "The payroll export's month is asked for; a bad one is one line"
        data = (b'username,name,planned_hours,worked_hours,overtime_hours,'
            b'holiday_days\nawa,Awa,151.67,150,0,0\n')
        path, process = self.run_import(data)
        self.assertEqual(process.returncode, 1)
        self.assertIn(f'{path}:1: A payroll export needs the month',
            process.stderr)
        one_line_error(self, self.run_import(data, '--month', '03/2026')[1],
            "--month '03/2026' is not a month written YYYY-MM")
        path, process = self.run_import(data, '--month', '2026-03')
        self.assertEqual(process.returncode, 0, process.stderr)
        self.assertIn("1 created", process.stdout)
        self.assertEqual(self.table(
                'SELECT month, CAST(worked_hours AS TEXT) '
                'FROM coop_payroll_monthly_hours'),
            [('2026-03-01', '150')])

    def test_webhook_route(self):
        """The route served by trytond: 401 without the right signature,
        the delivery fetched and written with it, a replay changes nothing"""
        with FakeCoopCycle() as fake:
            fake.deliveries[5] = api_delivery(5, status='DOING')
            self.table_write(
                'UPDATE coop_coopcycle_instance SET base_url = ?', fake.url)
            (instance,), = self.table('SELECT id FROM coop_coopcycle_instance')
            port = free_port()
            server = subprocess.Popen(
                [os.path.join(BIN, 'coop'), 'serve', '-d', 'coop',
                    '-c', self.config, '--listen', f'127.0.0.1:{port}'],
                env=clean_environ(), stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE, text=True)
            self.addCleanup(server.communicate, timeout=30)
            self.addCleanup(server.terminate)
            wait_for_port(port, server)
            url = f'http://127.0.0.1:{port}/coop/coopcycle/webhook/{instance}'
            body = json.dumps({'data': {'object': '/api/deliveries/5',
                        'event': 'delivery.started'}}).encode()

            def post(signature):
                request = urllib.request.Request(url, data=body,
                    method='POST', headers={
                        'Content-Type': 'application/json'})
                if signature is not None:
                    request.add_header('X-CoopCycle-Signature', signature)
                try:
                    with urllib.request.urlopen(request, timeout=60) as answer:
                        return answer.status, json.load(answer)
                except urllib.error.HTTPError as error:
                    return error.code, json.load(error)

            self.assertEqual(post(None)[0], 401)
            self.assertEqual(post(Instance.signature('wrong', body))[0], 401)
            self.assertEqual(self.table(
                    'SELECT COUNT(*) FROM coop_delivery'), [(0,)])
            signature = Instance.signature('shh', body)
            self.assertEqual(post(signature), (200,
                    {'status': 'done', 'changed': 3}))
            self.assertEqual(self.table(
                    'SELECT coopcycle_key, state FROM coop_delivery'),
                [('/api/deliveries/5', 'in_progress')])
            self.assertEqual(post(signature), (200,
                    {'status': 'done', 'changed': 0}))
            self.assertEqual(self.table(
                    'SELECT COUNT(*) FROM coop_delivery_task'), [(2,)])

    def table_write(self, query, *params):
        path = os.path.join(self.folder, 'db', 'coop.sqlite')
        connection = sqlite3.connect(path)
        try:
            connection.execute(query, params)
            connection.commit()
        finally:
            connection.close()
