# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Two coops in one database, a month of each, seen by each coop's users

Roue Libre (A) and Vélo Express (B) each have their chart and fiscal year
2026, a store with done deliveries of 2 March invoiced and posted by the
month-end invoicing, an open delivery of the day for the board, two riders
(Awa and Léo, coop_dsn's test riders) with their April payslips confirmed,
a member with a portal account, and the back-office users of A: an
accountant, a payroll manager and a dispatcher. Everything is committed
once for the class; each test then works as A's people do, over JSON-RPC
and through the portal's and the board's routes (trytond's WSGI
application, in process), and B's records never show up, are never
counted, and naming them is an access error or a 404.

The figures, worked out by hand:
- A's deliveries: 5.00 + 7.50 + 10.00 = 22.50 before tax, VAT 20 %
  (1.00 + 1.50 + 2.00) = 4.50, the invoice's total 27.00; B's: 8.00 +
  4.00 = 12.00, VAT 2.40, total 14.40.
- A's FEC: the invoice's move only, 27.00 debit on the store's 4111
  (receivable) and 22.50 + 4.50 = 27.00 credit (revenue and VAT).
- The DSN of A's April: its two riders only (coop_dsn's test_monthly_dsn:
  URSSAF 359.99 + 311.66 = 671.65), not four and 1,343.30.
"""
import base64
import csv
import datetime as dt
import io
import json
import re
import unittest
from decimal import Decimal
from unittest.mock import patch

from werkzeug.test import Client

from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction
from trytond.wsgi import app

from coop_delivery.tests.tools import (
    ORDERED, create_delivery, create_done_deliveries, create_rule_set,
    create_store, setup_invoicing)
from coop_dsn.tests import test_dsn as dsn_tests
from coop_payroll.tests.tools import setup_payroll
from coop_tools.testing import activate_suite, commit_setup

from .test_roles import RPC, RPCError

PASSWORD = 'Two-coops-one-database-24'
PORTAL = f'/{DB_NAME}/portal'
BOARD = f'/{DB_NAME}/dispatch'
DAY = ORDERED.date()
APRIL = dt.date(2026, 4, 1)
COOPS = {
    'a': ("Roue Libre", 'RL-', [Decimal('5.00'), Decimal('7.50'),
            Decimal('10.00')]),
    'b': ("Vélo Express", 'VE-', [Decimal('8.00'), Decimal('4.00')]),
    }


def dsn_coop(name, prefix):
    """coop_dsn's test coop (two riders, their April payslips confirmed)
    named name, its payslips numbered after prefix; return the company
    and the riders"""
    def named():
        return create_company(name)

    def prefixed(company, **values):
        config = setup_payroll(company, **values)
        config.payslip_sequence.prefix = prefix
        config.payslip_sequence.save()
        return config
    with patch.object(dsn_tests, 'create_company', named), \
            patch.object(dsn_tests, 'setup_payroll', prefixed):
        return dsn_tests.DsnTestCase.setup_coop(None)


def populate():
    "The two coops, their month, A's users; the ids the tests name"
    pool = Pool()
    Delivery = pool.get('coop.delivery')
    Category = pool.get('coop.member.category')
    Member = pool.get('coop.member')
    WebUser = pool.get('web.user')
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    FiscalYear = pool.get('account.fiscalyear')
    Period = pool.get('account.period')
    Payslip = pool.get('coop.payroll.payslip')
    data = {}
    for key, (name, prefix, prices) in COOPS.items():
        company, awa, leo = dsn_coop(name, prefix)
        with set_company(company):
            setup_invoicing(company)
            store = create_store(create_rule_set(), name=f"Store of {name}")
            create_done_deliveries(store, prices)
            invoice, = Delivery.invoice_period(company,
                DAY.replace(day=1), dt.date(2026, 3, 31),
                dt.date(2026, 3, 31))
            open_ = create_delivery(store, reference=f'OPEN-{key.upper()}')
            Delivery.confirm([open_])
            category, = Category.create([{
                        'company': company.id, 'code': 'EMP',
                        'name': "Employees", 'kind': 'employee'}])
            member, = Member.create([{
                        'company': company.id, 'party': awa.party.id,
                        'number': f'{prefix}M-0001',
                        'category': category.id, 'person_kind': 'person',
                        }])
            WebUser.create([{
                        'email': f'awa-{key}@example.com',
                        'password': PASSWORD, 'party': awa.party.id}])
        fiscal_year, = FiscalYear.search([('company', '=', company.id)])
        data[key] = {
            'company': company.id,
            'riders': [awa.id, leo.id],
            'store': store.id,
            'invoice': invoice.id,
            'move': invoice.move.id,
            'fiscal_year': fiscal_year.id,
            'march': Period.find(company, date=DAY).id,
            'open': open_.id,
            'open_tasks': [t.id for t in open_.tasks],
            'member': member.id,
            'payslips': [p.id for p in Payslip.search(
                        [('company', '=', company.id)])],
            'contracts': [f'C{r.id:04}' for r in [awa, leo]],
            }
    a = data['a']['company']
    for login, groups in [
            ('accountant_a', [('account', 'group_account')]),
            ('payroll_a', [('coop_payroll', 'group_payroll_admin')]),
            ('dispatcher_a', [('coop_delivery', 'group_delivery')]),
            ('admin_a', [('coop_delivery', 'group_delivery_admin'),
                    ('coop_membership', 'group_membership_admin')]),
            ]:
        User.create([{
                    'name': login, 'login': login, 'password': PASSWORD,
                    'company': a, 'companies': [('add', [a])],
                    'groups': [('add', [
                                ModelData.get_id(*g) for g in groups])],
                    }])
    return data


class TwoCoops:
    "What the test cases of two coops share"
    maxDiff = None

    def rpc(self, login):
        return RPC(login, PASSWORD)

    def assertAccessError(self, call, *args):
        with self.assertRaises(RPCError) as cm:
            call(*args)
        self.assertTrue(cm.exception.access, cm.exception.error)

    def assertRefusedCoop(self, error, name):
        """error is an access error that names the coop name (the suite's
        check of a wizard's company, not the wizard's groups)"""
        self.assertTrue(error.access, error.error)
        self.assertIn(name, json.dumps(error.error, ensure_ascii=False),
            error.error)

    def assertWizardRefused(self, session, wizard, start, state,
            name=COOPS['b'][0]):
        """wizard, its start form filled with start and run to state, is
        refused: an access error naming the coop name"""
        id_, _, _ = session.call(f'wizard.{wizard}.create', session.context)
        with self.assertRaises(RPCError) as cm:
            session.call(f'wizard.{wizard}.execute', id_,
                {'start': start}, state, session.context)
        self.assertRefusedCoop(cm.exception, name)


class FederationTestCase(TwoCoops, unittest.TestCase):
    "Two coops, one database: A's people see only A, in every export"

    @classmethod
    def setUpClass(cls):
        activate_suite()
        data = {}
        commit_setup(lambda: data.update(populate()) or {})
        cls.data = data

    def test_accounting(self):
        """A's accountant finds A's invoice and its move only; B's by id
        are refused"""
        session = self.rpc('accountant_a')
        a, b = self.data['a'], self.data['b']
        for model, key in [('account.invoice', 'invoice'),
                ('account.move', 'move')]:
            with self.subTest(model=model):
                self.assertEqual(session.model(model, 'search',
                        [], 0, None, None), [a[key]])
                self.assertAccessError(
                    session.model, model, 'read', [b[key]], ['id'])

    def test_dsn(self):
        """A's payroll manager declares A's April: its two riders and its
        URSSAF total; B's company and B's declaration are refused"""
        session = self.rpc('payroll_a')
        a, b = self.data['a'], self.data['b']
        wizard, _, _ = session.call('wizard.coop.dsn.declare.create', session.context)
        start = {'company': a['company'], 'siret': dsn_tests.SIRET,
            'month': APRIL, 'test': True}
        session.call('wizard.coop.dsn.declare.execute', wizard,
            {'start': start}, 'declare', session.context)
        declaration, = session.model('coop.dsn.declaration', 'search_read',
            [], 0, None, None, ['company', 'employee_count', 'urssaf_total'])
        self.assertEqual(declaration['company'], a['company'])
        self.assertEqual(declaration['employee_count'], 2)
        # 359.99 + 311.66 (coop_dsn's test_monthly_dsn)
        self.assertEqual(declaration['urssaf_total'],
            {'__class__': 'Decimal', 'decimal': '671.65'})
        # The contracts declared are A's riders' (C + the employee's id)
        with Transaction().start(DB_NAME, 0, readonly=True):
            text = Pool().get('coop.dsn.declaration')(declaration['id']).text
        declared = set(re.findall(r"S21\.G00\.40\.009,'([^']*)'", text))
        self.assertEqual(declared, set(a['contracts']))
        # B's payslips by id
        self.assertAccessError(session.model, 'coop.payroll.payslip', 'read',
            b['payslips'][:1], ['net_pay'])
        found = session.model('coop.payroll.payslip', 'search', [],
            0, None, None)
        self.assertEqual(sorted(found), sorted(a['payslips']))

    # A wizard's transitions run without the user's access checks: the DSN
    # wizard would build the declaration of whichever company its form
    # names, so Declare.transition_declare refuses one outside the user's
    # companies, naming it, before anything is read or written
    def test_dsn_of_other_coop_refused(self):
        "A's payroll manager naming B in the DSN wizard is refused"
        session = self.rpc('payroll_a')
        b = self.data['b']
        try:
            self.assertWizardRefused(session, 'coop.dsn.declare',
                {'company': b['company'], 'siret': dsn_tests.SIRET,
                    'month': APRIL, 'test': True}, 'declare')
        finally:
            # What it made, removed for the other tests
            with Transaction().start(DB_NAME, 0) as transaction:
                Declaration = Pool().get('coop.dsn.declaration')
                made = Declaration.search([('company', '=', b['company'])])
                Declaration.delete(made)
                transaction.commit()
        self.assertEqual(made, [])

    def test_wizards_of_other_coop_refused(self):
        """Every other wizard whose form names a company or a period
        refuses B's, naming B (their transitions, too, run without the
        user's record rules): month-end invoicing, the payroll run, the
        leave provision, the withholding rates' and the tax office's
        imports, the CoopCycle import, the capital variation statement, the
        VAT return"""
        a, b = self.data['a'], self.data['b']
        models = ['coop.delivery.invoice.run', 'coop.payroll.batch',
            'coop.payroll.income_tax.rate', 'account.move']

        def counts():
            with Transaction().start(DB_NAME, 0, readonly=True):
                pool = Pool()
                return {m: pool.get(m).search_count(
                        [('company', '=', b['company'])]) for m in models}
        before = counts()
        file = {'__class__': 'bytes', 'base64': base64.b64encode(
                b'employee,rate,start_date\n').decode()}
        for login, wizard, start, state in [
                ('accountant_a', 'coop.delivery.invoice', {
                        'company': b['company'], 'period': b['march'],
                        'invoice_date': dt.date(2026, 3, 31)}, 'invoice'),
                # A's company, B's month
                ('accountant_a', 'coop.delivery.invoice', {
                        'company': a['company'], 'period': b['march'],
                        'invoice_date': dt.date(2026, 3, 31)}, 'invoice'),
                ('payroll_a', 'coop.payroll.run', {
                        'company': b['company'], 'year': 2026, 'month': '4',
                        'payment_date': dt.date(2026, 4, 30)}, 'run'),
                ('payroll_a', 'coop.payroll.leave_provision', {
                        'company': b['company'],
                        'date': dt.date(2026, 4, 30), 'rate': Decimal(40)},
                    'create_'),
                ('payroll_a', 'coop.payroll.income_tax.import', {
                        'company': b['company'], 'data': file}, 'import_'),
                ('payroll_a', 'coop.dsn.crm_import', {
                        'company': b['company'], 'data': file,
                        'start_date': APRIL}, 'import_'),
                ('admin_a', 'coop.coopcycle.import', {
                        'company': b['company'], 'file': file,
                        'filename': 'tasks.csv', 'kind': None,
                        'month': None, 'dry_run': False}, 'import_'),
                ('admin_a', 'coop.membership.capital_variation', {
                        'company': b['company'],
                        'start_date': dt.date(2026, 1, 1),
                        'end_date': dt.date(2026, 4, 30)}, 'print_'),
                ('accountant_a', 'coop.einvoice.vat_return', {
                        'company': b['company'], 'period': b['march'],
                        'credit_carried': Decimal(0)}, 'compute'),
                ]:
            with self.subTest(wizard=wizard, company=start['company']):
                self.assertWizardRefused(
                    self.rpc(login), wizard, start, state)
        # Nothing was made for B
        self.assertEqual(counts(), before)

    def test_assign_to_other_coops_rider_refused(self):
        """A's dispatcher assigning A's open delivery to B's rider in the
        Assign wizard is refused, naming B; no tour made"""
        session = self.rpc('dispatcher_a')
        a, b = self.data['a'], self.data['b']
        session.context = dict(session.context, active_model='coop.delivery',
            active_id=a['open'], active_ids=[a['open']])
        self.assertWizardRefused(session, 'coop.delivery.assign', {
                'rider': b['riders'][0], 'date': DAY}, 'assign')
        with Transaction().start(DB_NAME, 0, readonly=True):
            Tour = Pool().get('coop.delivery.tour')
            self.assertEqual(Tour.search([('date', '=', DAY)]), [])

    def test_receive_for_other_coop_refused(self):
        """An e-invoice received by A's accountant whose context names B
        (the Receive wizard's company is the context's: the client's word)
        is refused, naming B"""
        session = self.rpc('accountant_a')
        session.context = dict(
            session.context, company=self.data['b']['company'])
        self.assertWizardRefused(session, 'coop.einvoice.receive', {
                'file': {'__class__': 'bytes', 'base64': base64.b64encode(
                        b'<Invoice/>').decode()},
                'filename': 'invoice.xml'}, 'import_')

    def test_capital_variation_report_of_other_coop_refused(self):
        "The capital variation report called with B's company is refused"
        session = self.rpc('admin_a')
        with self.assertRaises(RPCError) as cm:
            session.call(
                'report.coop.membership.capital_variation.report.execute',
                [], {'company': self.data['b']['company'],
                    'start_date': '2026-01-01', 'end_date': '2026-04-30'},
                session.context)
        self.assertRefusedCoop(cm.exception, COOPS['b'][0])

    def test_statistics(self):
        """A's dispatcher reads A's statistics per store only, A's count;
        B's row by id is refused"""
        session = self.rpc('dispatcher_a')
        a, b = self.data['a'], self.data['b']
        rows = session.model('coop.delivery.statistic.store', 'search_read',
            [], 0, None, None, ['company', 'customer', 'deliveries'])
        self.assertEqual(
            [(r['company'], r['customer'], r['deliveries']) for r in rows],
            [(a['company'], a['store'], 3)])
        with Transaction().start(DB_NAME, 0, readonly=True):
            Statistic = Pool().get('coop.delivery.statistic.store')
            other, = Statistic.search([('company', '=', b['company'])])
            self.assertEqual(other.deliveries, 2)
            other = other.id
        self.assertAccessError(session.model,
            'coop.delivery.statistic.store', 'read', [other], ['deliveries'])

    def portal(self, login):
        "A portal session of login"
        client = Client(app, use_cookies=True)
        response = client.get(f'{PORTAL}/login')
        token = re.search(
            r'name="csrf" value="([0-9a-f]+)"', response.text).group(1)
        response = client.post(f'{PORTAL}/login', data={
                'csrf': token, 'email': f'{login}@example.com',
                'password': PASSWORD})
        self.assertEqual(response.status_code, 303, response.text)
        return client

    def test_portal(self):
        """A's rider sees her A payslips and her A membership; B's
        payslips and member answer 404"""
        client = self.portal('awa-a')
        a, b = self.data['a'], self.data['b']
        response = client.get(f'{PORTAL}/payslips')
        self.assertEqual(response.status_code, 200)
        self.assertIn('RL-', response.text)
        self.assertNotIn('VE-', response.text)
        for id_ in b['payslips']:
            self.assertNotIn(f'/payslips/{id_}/', response.text)
        response = client.get(f'{PORTAL}/shares')
        self.assertIn('RL-M-0001', response.text)
        self.assertNotIn('VE-M-0001', response.text)
        for path in [f"/payslips/{b['payslips'][0]}/pdf",
                f"/shares/{b['member']}/certificate"]:
            with self.subTest(path=path):
                self.assertEqual(client.get(PORTAL + path).status_code, 404)
        response = client.get(f"{PORTAL}/shares/{a['member']}/certificate")
        self.assertEqual(response.status_code, 200)

    def board_client(self):
        client = Client(app, use_cookies=True)
        response = client.post(f'/{DB_NAME}/session/login',
            base_url='https://localhost', json={
                'method': 'common.db.login',
                'params': ['dispatcher_a', {'password': PASSWORD}, 'en'],
                })
        self.assertEqual(response.status_code, 200, response.data)
        return client

    def test_board(self):
        """A's dispatcher's board holds A's riders and open delivery only;
        assigning B's tasks or to B's rider is refused, nothing written"""
        client = self.board_client()
        a, b = self.data['a'], self.data['b']
        response = client.get(f'{BOARD}/data',
            query_string={'date': DAY.isoformat()},
            base_url='https://localhost')
        self.assertEqual(response.status_code, 200, response.data)
        board = response.json
        self.assertEqual(
            {r['id'] for r in board['riders']}, set(a['riders']))
        self.assertEqual(
            {d['reference'] for d in board['unassigned']}, {'OPEN-A'})
        for rider, tasks in [
                (a['riders'][0], b['open_tasks']),
                (b['riders'][0], a['open_tasks'])]:
            with self.subTest(rider=rider):
                response = client.post(f'{BOARD}/assign', json={
                        'date': DAY.isoformat(), 'rider': rider,
                        'tasks': tasks, 'versions': {}},
                    base_url='https://localhost')
                self.assertEqual(response.status_code, 400, response.data)
                self.assertEqual(response.json['status'], 'error')
        with Transaction().start(DB_NAME, 0, readonly=True):
            Tour = Pool().get('coop.delivery.tour')
            self.assertEqual(Tour.search([('date', '=', DAY)]), [])


def populate_fec():
    "The two coops' invoiced March (no payroll) and A's accountant"
    pool = Pool()
    Delivery = pool.get('coop.delivery')
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    FiscalYear = pool.get('account.fiscalyear')
    data = {}
    for key, (name, _, prices) in COOPS.items():
        company = create_company(name)
        with set_company(company):
            setup_invoicing(company)
            store = create_store(create_rule_set(), name=f"Store of {name}")
            create_done_deliveries(store, prices)
            Delivery.invoice_period(company, DAY.replace(day=1),
                dt.date(2026, 3, 31), dt.date(2026, 3, 31))
        fiscal_year, = FiscalYear.search([('company', '=', company.id)])
        data[key] = {'company': company.id, 'fiscal_year': fiscal_year.id}
    a = data['a']['company']
    User.create([{
                'name': "Accountant of A", 'login': 'accountant_a',
                'password': PASSWORD, 'company': a,
                'companies': [('add', [a])],
                'groups': [('add', [
                            ModelData.get_id('account', 'group_account')])],
                }])
    return data


class FecTestCase(TwoCoops, unittest.TestCase):
    "The FEC of two coops, through account_fr's wizard"

    @classmethod
    def setUpClass(cls):
        activate_suite()
        data = {}
        commit_setup(lambda: data.update(populate_fec()) or {})
        cls.data = data

    def fec(self, session, fiscal_year):
        "The FEC of fiscal_year through account_fr's wizard, as its rows"
        wizard, _, _ = session.call('wizard.account.fr.fec.create', session.context)
        session.call('wizard.account.fr.fec.execute',
            wizard, {}, 'start', session.context)
        answer = session.call('wizard.account.fr.fec.execute', wizard, {
                'start': {'fiscalyear': fiscal_year, 'type': 'is-bic',
                    'deferral_period': None},
                }, 'generate', session.context)
        file = answer['view']['defaults']['file']
        text = file['base64'] if isinstance(file, dict) else file
        content = base64.b64decode(text).decode('utf-8')
        return list(csv.DictReader(io.StringIO(content), delimiter='\t'))

    def test_fec(self):
        """A's accountant exports A's FEC: its invoice's move alone, on its
        accounts, 27.00 a side; B's fiscal year is refused"""
        session = self.rpc('accountant_a')
        a, b = self.data['a'], self.data['b']
        rows = self.fec(session, a['fiscal_year'])
        self.assertTrue(rows)
        numbers = {r['EcritureNum'] for r in rows}
        self.assertEqual(len(numbers), 1)
        amount = lambda v: Decimal(v.replace(',', '.'))
        self.assertEqual(sum(amount(r['Debit']) for r in rows),
            Decimal('27.00'))
        self.assertEqual(sum(amount(r['Credit']) for r in rows),
            Decimal('27.00'))
        self.assertEqual({r['CompAuxLib'] for r in rows} - {''},
            {"Store of Roue Libre"})
        self.assertNotIn("Vélo Express", repr(rows))

    # account_fr's wizard reads the fiscal year it is given and searches
    # its lines without the user's record rules (a wizard's transitions run
    # without access checks): coop_delivery/fec.py refuses a fiscal year
    # outside the user's companies, naming its coop, before generating
    def test_fec_of_other_coop_refused(self):
        "A's accountant naming B's fiscal year in the FEC is refused"
        session = self.rpc('accountant_a')
        with self.assertRaises(RPCError) as cm:
            self.fec(session, self.data['b']['fiscal_year'])
        self.assertRefusedCoop(cm.exception, COOPS['b'][0])

