# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""A rider's papers in the portal: her own work certificate, final
settlement receipt and yearly summaries as PDFs, nobody else's (404)

Awa's contract, from 1 June 2025, ended on Friday 17 July 2026 (the
scenario of coop_payroll_fr's test_leave: July's payslip pays the leave
left, 2,472.98); Léo's runs on, without a payslip. The data is committed
once for the class: the pages run in transactions of their own."""
import datetime as dt
import io
import re
import unittest
from decimal import Decimal as D

from pypdf import PdfReader
from werkzeug.test import Client

from trytond import config
from trytond.modules.company.tests import create_company
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME
from trytond.wsgi import app

from coop_tools.testing import activate_suite, commit_setup, setup_company

from coop_payroll.tests.tools import (
    compute_payslip, create_rider, setup_payroll)

PASSWORD = 'portal-secret-1'
BASE = f'/{DB_NAME}/portal'
JUNE = dt.date(2026, 6, 1)
JULY = dt.date(2026, 7, 1)


def fixture():
    pool = Pool()
    Currency = pool.get('currency.currency')
    Payslip = pool.get('coop.payroll.payslip')
    Contract = pool.get('coop.payroll.contract')
    WebUser = pool.get('web.user')
    euro, = Currency.create([{'name': "Euro", 'symbol': '€', 'code': 'EUR'}])
    company = create_company("Coop Vélo", currency=euro)
    with setup_company(company):
        setup_payroll(company)
        awa = create_rider(company, "Awa Diallo", dt.date(2025, 6, 1),
            '12.02', job="Coursière")
        leo = create_rider(company, "Léo Martin", dt.date(2026, 1, 1),
            '12.02')
        months = [dt.date(2025 + (m > 12), (m - 1) % 12 + 1, 1)
            for m in range(6, 18)]
        Payslip.create([{
                    'company': company.id, 'employee': awa.id,
                    'start_date': month,
                    'payment_date': month.replace(day=28),
                    'state': 'confirmed', 'gross': D('1823.03'),
                    'leave_accrued': D('2.5'),
                    } for month in months])
        compute_payslip(company, awa, JUNE, confirm=True)
        contract, = Contract.search([('employee', '=', awa.id)])
        Contract.write([contract], {'end_date': dt.date(2026, 7, 17)})
        compute_payslip(company, awa, JULY, confirm=True)
        leo_contract, = Contract.search([('employee', '=', leo.id)])
        WebUser.create([{
                    'email': f'{login}@example.com', 'password': PASSWORD,
                    'party': rider.party.id,
                    } for login, rider in [('awa', awa), ('leo', leo)]])
    return {'company': company, 'awa': awa, 'contract': contract,
        'leo_contract': leo_contract}


def pdf_text(response):
    reader = PdfReader(io.BytesIO(response.data))
    return ' '.join(' '.join(p.extract_text() for p in reader.pages).split())


class PapersTestCase(unittest.TestCase):
    "A rider's papers in the portal"

    @classmethod
    def setUpClass(cls):
        activate_suite('coop_portal', extras=['coop_payroll_fr'])
        if not config.has_section('coop_portal'):
            config.add_section('coop_portal')
        config.set('coop_portal', 'url', 'https://portal.coop.example')
        data = commit_setup(fixture)
        cls.ids = {k: v[1] for k, v in data.items()}

    @classmethod
    def tearDownClass(cls):
        config.remove_section('coop_portal')
        config._cache_clear()
        super().tearDownClass()

    def login(self, login):
        client = Client(app, use_cookies=True)
        response = client.get(f'{BASE}/login')
        token = re.search(
            r'name="csrf" value="([0-9a-f]+)"', response.text).group(1)
        response = client.post(f'{BASE}/login', data={
                'csrf': token, 'email': f'{login}@example.com',
                'password': PASSWORD})
        self.assertEqual(response.status_code, 303, response.text)
        return client

    def urls(self):
        contract, awa = self.ids['contract'], self.ids['awa']
        return {
            'certificate': f'{BASE}/papers/contracts/{contract}/certificate',
            'receipt': f'{BASE}/papers/contracts/{contract}/receipt',
            'summary': f'{BASE}/papers/employees/{awa}/summary/2026',
            }

    def test_own_papers(self):
        "Awa's page lists her papers; each downloads as its report's PDF"
        client = self.login('awa')
        response = client.get(f'{BASE}/papers')
        self.assertEqual(response.status_code, 200)
        page = response.text
        self.assertIn('aria-current="page">My papers</a>', page)
        self.assertIn('Coursière', page)
        self.assertIn('From 06/01/2025 to 07/17/2026', page)
        for label in ["Work certificate", "Final settlement receipt",
                "Yearly payroll summary 2026",
                "Yearly payroll summary 2025"]:
            self.assertIn(label, page)
        for name, url in self.urls().items():
            self.assertIn(url.removeprefix(BASE), page)
        urls = self.urls()
        response = client.get(urls['certificate'])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.mimetype, 'application/pdf')
        text = pdf_text(response)
        self.assertIn("Work Certificate", text)
        self.assertIn("Awa Diallo was employed from 06/01/2025", text)
        text = pdf_text(client.get(urls['receipt']))
        self.assertIn("Final Settlement Receipt", text)
        self.assertIn("Paid leave indemnity at departure, 34.13 days", text)
        self.assertIn("2,472.98", text)
        text = pdf_text(client.get(urls['summary']))
        self.assertIn("Yearly Payroll Summary", text)
        self.assertIn("Year 2026", text)
        self.assertIn("Awa Diallo", text)

    def test_others_papers_not_found(self):
        "Léo has no papers; Awa's answer him 404, as ids that are none"
        client = self.login('leo')
        response = client.get(f'{BASE}/papers')
        self.assertEqual(response.status_code, 200)
        self.assertIn("No papers yet", response.text)
        self.assertNotIn("Coursière", response.text)
        for url in self.urls().values():
            self.assertEqual(client.get(url).status_code, 404, url)
        # His own contract has not ended: no certificate
        leo = self.ids['leo_contract']
        self.assertEqual(client.get(
                f'{BASE}/papers/contracts/{leo}/certificate').status_code,
            404)
        # Awa: a year without payslips, an id that is no contract
        client = self.login('awa')
        awa = self.ids['awa']
        self.assertEqual(client.get(
                f'{BASE}/papers/employees/{awa}/summary/2024').status_code,
            404)
        self.assertEqual(client.get(
                f'{BASE}/papers/contracts/999999/receipt').status_code, 404)

    def test_needs_a_session(self):
        "Without a session, the papers ask to log in"
        client = Client(app, use_cookies=True)
        for url in [f'{BASE}/papers', *self.urls().values()]:
            self.assertEqual(client.get(url).status_code, 303, url)
