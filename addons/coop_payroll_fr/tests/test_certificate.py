# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The work certificate (D1234-6) read back from its PDF

A rider was a fixed-term « Coursière » from 1 January to 31 March 2026,
then an open-ended « Coursière référente » from 1 April to 17 April 2026:
entry 1 January, exit 17 April. The health cover continues free for the
last contract's length in whole months, at most 12 (L911-8 CSS): 1 to 17
April is 17 days, a month begun, so 1 month; a contract from 1 January
2025 to 17 April 2026 is 15 months and 17 days, capped at 12."""
import datetime as dt
import unittest
from decimal import Decimal as D

from trytond.modules.company.tests import create_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from coop_tools.languages import load_french
from coop_tools.testing import activate_suite, commit_setup, company_records
from coop_payroll.tests.tools import create_rider, pages_text, payroll_fixture
from coop_payroll_fr.certificate import whole_months
from coop_payroll_fr.exceptions import CertificateError


class WholeMonthsTestCase(unittest.TestCase):

    def test_whole_months(self):
        "A month begun counts whole"
        for start, end, months in [
                # 1 to 17 April: 17 days
                (dt.date(2026, 4, 1), dt.date(2026, 4, 17), 1),
                # 1 January to 31 March: three whole months
                (dt.date(2026, 1, 1), dt.date(2026, 3, 31), 3),
                # 15 January to 10 March: 15 Jan-14 Feb, then 24 days
                (dt.date(2026, 1, 15), dt.date(2026, 3, 10), 2),
                # 15 January to 14 March: two whole months
                (dt.date(2026, 1, 15), dt.date(2026, 3, 14), 2),
                # 1 January 2025 to 17 April 2026: 15 months, 17 days
                (dt.date(2025, 1, 1), dt.date(2026, 4, 17), 16),
                ]:
            with self.subTest(start=start, end=end):
                self.assertEqual(whole_months(start, end), months)


class WorkCertificateTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_suite('coop_payroll_fr')
        cls.data = commit_setup(lambda: payroll_fixture(create_company()))

    def certificate(self, contract):
        Report = Pool().get('coop.payroll.work_certificate', type='report')
        ext, content, _, _ = Report.execute([contract.id], {})
        self.assertEqual(ext, 'pdf')
        return ' '.join(pages_text(content))

    @with_transaction()
    def test_work_certificate(self):
        "Entry, exit, each job and its period, the covers continued"
        pool = Pool()
        Contract = pool.get('coop.payroll.contract')
        Party = pool.get('party.party')
        Cover = pool.get('coop.payroll.health_cover')
        with company_records(self.data) as records:
            company = records['company']
            rider = create_rider(company, "Awa Diallo", dt.date(2026, 1, 1),
                '12.02', end_date=dt.date(2026, 3, 31), kind='fixed_term',
                job="Coursière")
            last, = Contract.create([{
                        'employee': rider.id, 'start_date': dt.date(2026, 4, 1),
                        'end_date': dt.date(2026, 4, 17),
                        'hourly_wage': D('12.50'), 'weekly_hours': D(35),
                        'job': "Coursière référente"}])
            insurer, = Party.create([{'name': "Mutuelle des coursiers"}])
            Cover.create([{
                        'company': company.id, 'name': "Santé",
                        'insurer': insurer.id, 'computation': 'fixed',
                        'amount': D(60), 'employer_share': D(50),
                        'start_date': dt.date(2026, 1, 1)}])
            text = self.certificate(last)
            self.assertIn("Work Certificate", text)
            self.assertIn("Awa Diallo was employed from 01/01/2026 (date "
                "of entry) to 04/17/2026 (date of exit)", text)
            self.assertIn("Coursière 01/01/2026 03/31/2026", text)
            self.assertIn("Coursière référente 04/01/2026 04/17/2026", text)
            self.assertIn("for one month after the end of the contract", text)
            self.assertIn("L911-8", text)
            self.assertIn("Santé (Mutuelle des coursiers)", text)

    @with_transaction()
    def test_in_french(self):
        "A French coop's certificate is in French, dates as 17/04/2026"
        pool = Pool()
        Contract = pool.get('coop.payroll.contract')
        Lang = pool.get('ir.lang')
        load_french(['coop_payroll_fr'])
        with company_records(self.data) as records:
            company = records['company']
            french, = Lang.search([('code', '=', 'fr')])
            company.party.lang = french
            company.party.save()
            rider = create_rider(company, "Awa Diallo", dt.date(2026, 4, 1),
                '12.02', end_date=dt.date(2026, 4, 17), job="Coursière")
            contract, = Contract.search([('employee', '=', rider.id)])
            text = self.certificate(contract)
            self.assertIn("Certificat de travail", text)
            self.assertIn("Awa Diallo a été employé(e) du 01/04/2026 (date "
                "d'entrée) au 17/04/2026 (date de sortie)", text)
            self.assertIn("pendant un mois après la fin du contrat", text)

    @with_transaction()
    def test_portability_capped(self):
        "Fifteen months and more: the covers continue twelve months"
        Report = Pool().get('coop.payroll.work_certificate', type='report')
        with company_records(self.data) as records:
            company = records['company']
            rider = create_rider(company, "Léo Petit", dt.date(2025, 1, 1),
                '12.02', end_date=dt.date(2026, 4, 17))
            contract, = Pool().get('coop.payroll.contract').search(
                [('employee', '=', rider.id)])
            self.assertEqual(Report.portability_months(contract), 12)
            self.assertIn("for 12 months", self.certificate(contract))

    @with_transaction()
    def test_open_contract_refused(self):
        "No certificate for a contract still running: a message names it"
        Contract = Pool().get('coop.payroll.contract')
        with company_records(self.data) as records:
            rider = create_rider(records['company'], "Inès Benali",
                dt.date(2026, 1, 1), '12.02')
            contract, = Contract.search([('employee', '=', rider.id)])
            with self.assertRaises(CertificateError) as cm:
                self.certificate(contract)
            self.assertIn("no end date", cm.exception.message)
            self.assertIn("Inès Benali", cm.exception.message)
