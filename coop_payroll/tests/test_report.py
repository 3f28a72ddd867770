# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
import datetime as dt
import unittest
import io
from decimal import Decimal

from pypdf import PdfReader

from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from coop_tools.testing import activate_suite

from coop_payroll.report import format_fr

NBSP = '\xa0'


class CoopPayrollReportTestCase(unittest.TestCase):
    "Test the payslip report of the coop_payroll module"

    @classmethod
    def setUpClass(cls):
        activate_suite()

    def test_format_fr(self):
        "Amounts, rates and hours are written French style"
        for args, kwargs, text in [
                ((Decimal('1823.03'),), {'unit': '€'}, '1 823,03 €'),
                ((Decimal('-1234567.005'),), {'unit': '€'}, '-1 234 567,01 €'),
                ((Decimal('-0.001'),), {}, '0,00'),
                ((Decimal('6.9000'),), {'unit': '%', 'max_digits': 4},
                    '6,90 %'),
                ((Decimal('0.0125'),), {'unit': '%', 'max_digits': 4},
                    '0,0125 %'),
                ((Decimal('100'),), {'max_digits': 4}, '100,00'),
                ((None,), {'unit': '€'}, ''),
                ]:
            with self.subTest(args=args, kwargs=kwargs):
                self.assertEqual(
                    format_fr(*args, **kwargs).replace(NBSP, ' '), text)

    @with_transaction()
    def test_payslip_pdf(self):
        "The payslip PDF shows the mentions of R3243-1, a page per payslip"
        pool = Pool()
        Currency = pool.get('currency.currency')
        Address = pool.get('party.address')
        Identifier = pool.get('party.identifier')
        Contract = pool.get('coop.payroll.contract')
        Payslip = pool.get('coop.payroll.payslip')
        PayslipReport = pool.get('coop.payroll.payslip', type='report')

        euro, = Currency.create([{
                    'name': "Euro", 'symbol': '€', 'code': 'EUR'}])
        company = create_company("Coop Vélo", currency=euro)
        with set_company(company):
            address, = company.party.addresses
            Address.write([address], {
                    'street': "12 rue des Rayons",
                    'postal_code': '69001', 'city': "Lyon",
                    })
            Identifier.create([{
                        'party': company.party.id, 'address': address.id,
                        'type': 'fr_siret', 'code': '73282932000074',
                        }])
            rider = create_employee(company, "Awa Diallo")
            contract, = Contract.create([{
                        'employee': rider.id,
                        'start_date': dt.date(2026, 1, 1),
                        'hourly_wage': Decimal('12.02'),
                        'job': "Coursier",
                        'classification': "Employé, niveau 2",
                        'coefficient': 150,
                        }])
            values = {
                'employee': rider.id,
                'contract': contract.id,
                'start_date': dt.date(2026, 1, 1),
                'payment_date': dt.date(2026, 1, 31),
                'number': 'PAY-0001',
                'contract_hours': Decimal('151.67'),
                'extra_hours': Decimal('4'),
                'gross': Decimal('1883.17'),
                'employee_contributions': Decimal('174.35'),
                'employer_contributions': Decimal('161.01'),
                'allowances': Decimal('25.00'),
                'net_pay': Decimal('1733.82'),
                'net_social': Decimal('1708.82'),
                'taxable_net': Decimal('1753.23'),
                'lines': [('create', [{
                                'kind': 'earning', 'code': 'BASE',
                                'name': "Salaire de base",
                                'quantity': Decimal('151.67'),
                                'rate': Decimal('12.02'),
                                'amount': Decimal('1823.07'),
                                }, {
                                'kind': 'earning', 'code': 'EXTRA1',
                                'name': "Heures complémentaires à +25 %",
                                'quantity': Decimal('4'),
                                'rate': Decimal('15.025'),
                                'amount': Decimal('60.10'),
                                }, {
                                'kind': 'contribution', 'code': 'VIEIL',
                                'name': "Vieillesse plafonnée",
                                'base': Decimal('1883.17'),
                                'employee_rate': Decimal('6.9'),
                                'employee_amount': Decimal('129.94'),
                                'employer_rate': Decimal('8.55'),
                                'employer_amount': Decimal('161.01'),
                                }, {
                                'kind': 'contribution', 'code': 'CSGND',
                                'name': "CSG non déductible",
                                'base': Decimal('1850.21'),
                                'employee_rate': Decimal('2.4'),
                                'employee_amount': Decimal('44.41'),
                                'employer_rate': None,
                                'employer_amount': Decimal(0),
                                }, {
                                'kind': 'allowance', 'code': 'FMD',
                                'name': "Forfait mobilités durables",
                                'amount': Decimal('25.00'),
                                }])],
                }
            payslip, = Payslip.create([values])
            reversal, = Payslip.create([{
                        'employee': rider.id,
                        'contract': contract.id,
                        'start_date': dt.date(2026, 1, 1),
                        'payment_date': dt.date(2026, 2, 28),
                        'net_pay': Decimal('-1733.82'),
                        'reversal_of': payslip.id,
                        }])

            oext, content, _, name = PayslipReport.execute(
                [payslip.id, reversal.id], {})

        self.assertEqual(oext, 'pdf')
        pdf = PdfReader(io.BytesIO(content))
        self.assertEqual(len(pdf.pages), 2)
        # pypdf puts each table cell on its own line: compare words
        first, second = (
            ' '.join(p.extract_text().split()) for p in pdf.pages)
        for text in [
                "Bulletin de paie",
                "Coop Vélo", "12 rue des Rayons", "69001 Lyon",
                "SIRET : 732 829 320 00074", "Code NAF/APE :",
                "Code du travail, articles L3141-1 et suivants (congés) "
                "et L1234-1 et suivants (préavis)",
                "Awa Diallo", "Coursier", "Employé, niveau 2",
                "Coefficient : 150",
                "du 01/01/2026 au 31/01/2026",
                "Heures normales : 151,67 h",
                "Heures supplémentaires ou complémentaires : 4,00 h",
                "Heures complémentaires à +25 % 4,00 15,025 € 60,10 €",
                "Salaire brut 1 883,17 €",
                "Vieillesse plafonnée 1 883,17 € 6,90 % 129,94 € "
                "8,55 % 161,01 €",
                "Forfait mobilités durables 25,00 €",
                "Montant net social 1 708,82 €",
                "Net imposable 1 753,23 €",
                "Net à payer 1 733,82 €",
                "Date de paiement 31/01/2026",
                "Coût total employeur 2 069,18 €",
                "Dans votre intérêt et pour vous aider à faire valoir vos "
                "droits, conservez ce bulletin de paie sans limitation de "
                "durée.",
                ]:
            with self.subTest(text=text):
                self.assertIn(text, first)
        self.assertNotIn("Annulation", first)
        self.assertIn("Annulation du bulletin PAY-0001", second)
        self.assertIn("Net à payer -1 733,82 €", second)

