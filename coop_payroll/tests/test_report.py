# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
import datetime as dt
import unittest
from decimal import Decimal

from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from coop_tools.languages import load_french
from coop_tools.testing import activate_suite

from coop_payroll.report import significant_digits

from .tools import pages_text


class CoopPayrollReportTestCase(unittest.TestCase):
    "Test the payslip report of the coop_payroll module"

    @classmethod
    def setUpClass(cls):
        activate_suite('coop_payroll', extras=['coop_payroll_fr'])

    def test_significant_digits(self):
        "Rates show 2 decimals, up to 4 when they are not zeros"
        for value, digits in [
                (Decimal('6.9000'), 2), (Decimal('0.0125'), 4),
                (Decimal('15.025'), 3), (Decimal('100'), 2),
                (Decimal('0.00001'), 4), (None, 2)]:
            with self.subTest(value=value):
                self.assertEqual(significant_digits(value), digits)

    def create_payslips(self):
        """A confirmed payslip of January 2026 (its figures set by hand) and
        its reversal"""
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
                                'heading': 'retirement',
                                }, {
                                'kind': 'contribution', 'code': 'CSGND',
                                'name': "CSG non déductible",
                                'base': Decimal('1850.21'),
                                'employee_rate': Decimal('2.4'),
                                'employee_amount': Decimal('44.41'),
                                'employer_rate': None,
                                'employer_amount': Decimal(0),
                                'heading': 'csg_crds',
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

            return company, payslip, reversal

    def run_report(self, ids):
        "The words of each page of the payslips' PDF, read in French"
        Report = Pool().get('coop.payroll.payslip', type='report')
        load_french(['coop_payroll'])
        with Transaction().set_context(language='fr'):
            oext, content, _, _ = Report.execute(ids, {})
        self.assertEqual(oext, 'pdf')
        return pages_text(content)

    @with_transaction()
    def test_payslip_pdf(self):
        "The payslip PDF shows the mentions of R3243-1, a page per payslip"
        company, payslip, reversal = self.create_payslips()
        with set_company(company):
            first, second = self.run_report([payslip.id, reversal.id])
        for text in [
                "Bulletin de paie",
                "Employeur Coop Vélo", "12 rue des Rayons", "69001 Lyon",
                "SIRET : 732 829 320 00074", "Code APE/NAF :",
                "Convention collective : Code du travail, articles L3141-1 "
                "et suivants (congés) et L1234-1 et suivants (préavis)",
                "Salarié Awa Diallo", "Emploi : Coursier",
                "Classification : Employé, niveau 2",
                "Coefficient : 150",
                "Bulletin n° : PAY-0001",
                "Période : du 01/01/2026 au 31/01/2026",
                "Date de paiement : 31/01/2026",
                "Heures normales : 151,67 h",
                "Heures supplémentaires ou complémentaires : 4,00 h",
                "Salaire de base 151,67 12,02 € 1 823,07 €",
                "Heures complémentaires à +25 % 4,00 15,025 € 60,10 €",
                "Salaire brut 1 883,17 €",
                # Each line under its heading, the clarified payslip's
                "Retraite Vieillesse plafonnée 1 883,17 € 6,90 % 129,94 € "
                "8,55 % 161,01 €",
                "CSG/CRDS CSG non déductible 1 850,21 € 2,40 % 44,41 €",
                "Total des cotisations et contributions 174,35 € 161,01 €",
                "Autres éléments non soumis à cotisations",
                "Forfait mobilités durables 25,00 €",
                "Montant net social 1 708,82 €",
                "Net imposable 1 753,23 €",
                "Net payé 1 733,82 €",
                "Date de paiement 31/01/2026",
                # (pypdf reads the bold T apart: "T otal")
                "des cotisations et contributions patronales 161,01 €",
                "dont exonérations et allègements de cotisations 0,00 €",
                # 1,883.17 + 161.01 + 25.00
                "Coût total employeur 2 069,18 €",
                "Dans votre intérêt et pour vous aider à faire valoir vos "
                "droits, conservez ce bulletin de paie sans limitation de "
                "durée.",
                "www.service-public.fr",
                # The draft counts itself in its year: gross, taxable net,
                # income tax, exempt overtime, RGDU
                "Cumul annuel Salaire brut Net imposable Impôt sur le revenu "
                "Heures supplémentaires exonérées RGDU "
                "2026 1 883,17 € 1 753,23 € 0,00 € 0,00 € 0,00 €",
                ]:
            with self.subTest(text=text):
                self.assertIn(text, first)
        # Headings without a line are left out
        self.assertNotIn("Famille", first)
        self.assertNotIn("Annulation", first)
        self.assertIn("Annulation du bulletin PAY-0001", second)
        self.assertIn("Net payé -1 733,82 €", second)

    @with_transaction()
    def test_template_replaced(self):
        "A coop replaces the payslip's template through its action"
        pool = Pool()
        ActionReport = pool.get('ir.action.report')
        company, payslip, _ = self.create_payslips()
        with set_company(company):
            action, = ActionReport.search([
                    ('report_name', '=', 'coop.payroll.payslip')])
            template = action.report_content.decode()
            self.assertIn('<h1>Payslip</h1>', template)
            ActionReport.write([action], {
                    'report_content': template.replace(
                        '<h1>Payslip</h1>',
                        '<h1>Fiche de paie de la coop</h1>'
                        '<p>Pour ${payslip.employee.party.rec_name}</p>',
                        ).encode(),
                    })
            page, = self.run_report([payslip.id])
            self.assertIn("Fiche de paie de la coop", page)
            self.assertIn("Pour Awa Diallo", page)
            self.assertFalse(page.startswith("Bulletin de paie"))
            self.assertIn("Net payé 1 733,82 €", page)

            ActionReport.write([action], {'report_content': None})
            page, = self.run_report([payslip.id])
            self.assertTrue(page.startswith("Bulletin de paie"), page)
