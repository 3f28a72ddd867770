# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The final settlement receipt (L1234-20) read back from its PDF

Awa, full time at the SMIC since 1 June 2025, leaves on Friday 17 July
2026: the figures of test_leave.test_departure_with_leave_left. July's
payslip pays the base for 13 of 23 working days, 1,823.0333 × 13 / 23 =
1,030.41, and the leave left, 34.13 days, as the tenth 2,472.98 (higher
than the salary kept, 2,393.08): gross 1,030.41 + 2,472.98 = 3,503.39.
The receipt lists both sums, the gross, what was withheld and the net
paid (read from the payslip, which test_leave and coop_payroll's tests
work out), and the six months within which it may be contested."""
import datetime as dt
import unittest
from decimal import Decimal as D

from trytond.modules.company.tests import create_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from coop_tools.languages import load_french
from coop_tools.testing import (
    activate_suite, commit_setup, company_records, setup_company)
from coop_payroll.tests.tools import (
    compute_payslip, create_rider, pages_text, setup_payroll)
from coop_payroll_fr.exceptions import CertificateError

JUNE = dt.date(2026, 6, 1)
JULY = dt.date(2026, 7, 1)


def fixture():
    "A coop; Awa's contract ended on 17 July, June and July confirmed"
    pool = Pool()
    Payslip = pool.get('coop.payroll.payslip')
    Contract = pool.get('coop.payroll.contract')
    company = create_company()
    with setup_company(company):
        setup_payroll(company)
        awa = create_rider(company, "Awa Diallo", dt.date(2025, 6, 1),
            '12.02')
        # The last reference period, as test_leave gives it
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
        july = compute_payslip(company, awa, JULY, confirm=True)
    return {'company': company, 'contract': contract, 'july': july}


class SettlementReceiptTestCase(unittest.TestCase):
    "Final settlement receipt"

    @classmethod
    def setUpClass(cls):
        activate_suite('coop_payroll_fr')
        cls.data = commit_setup(fixture)

    def receipt(self, contract):
        Report = Pool().get('coop.payroll.settlement_receipt', type='report')
        ext, content, _, _ = Report.execute([contract.id], {})
        self.assertEqual(ext, 'pdf')
        return ' '.join(' '.join(pages_text(content)).split())

    @with_transaction()
    def test_receipt(self):
        "The last payslip's sums, the leave indemnity, the six months"
        with company_records(self.data) as records:
            july = records['july']
            self.assertEqual(
                (july.gross, july.leave_indemnity), (D('3503.39'),
                    D('2472.98')))
            text = self.receipt(records['contract'])
            # The test company's currency is written usd
            net = 'usd{:,.2f}'.format(july.net_pay)
            withheld = '-usd{:,.2f}'.format(july.employee_contributions)
        self.assertIn("Final Settlement Receipt", text)
        self.assertIn("I, the undersigned Awa Diallo, acknowledge that I "
            "have received from", text)
        self.assertIn("at the end of my employment contract on "
            "07/17/2026, the net sum of %s" % net, text)
        self.assertIn("Paid leave indemnity at departure, 34.13 days", text)
        self.assertIn("usd2,472.98", text)
        self.assertIn("usd1,030.41", text)
        self.assertIn("Gross pay usd3,503.39", text)
        self.assertIn("Employee contributions withheld %s" % withheld, text)
        self.assertIn("Net paid %s" % net, text)
        self.assertIn("may be contested within 6 months of its signature",
            text)
        self.assertIn("L1234-20", text)

    @with_transaction()
    def test_in_french(self):
        "A French coop's receipt is in French, dates as 17/07/2026"
        pool = Pool()
        Lang = pool.get('ir.lang')
        load_french(['coop_payroll_fr'])
        with company_records(self.data) as records:
            company = records['company']
            french, = Lang.search([('code', '=', 'fr')])
            company.party.lang = french
            company.party.save()
            text = self.receipt(records['contract'])
        self.assertIn("Reçu pour solde de tout compte", text)
        self.assertIn("Je soussigné(e) Awa Diallo reconnais avoir reçu de",
            text)
        self.assertIn("à la fin de mon contrat de travail le 17/07/2026",
            text)
        self.assertIn("2 472,98", text)
        self.assertIn("dénoncé dans les 6 mois qui suivent sa signature",
            text)

    @with_transaction()
    def test_refused(self):
        """A contract still running, or ended without its last payslip
        confirmed: refused, the contract named"""
        pool = Pool()
        Contract = pool.get('coop.payroll.contract')
        with company_records(self.data) as records:
            company = records['company']
            rider = create_rider(company, "Inès Benali",
                dt.date(2026, 1, 1), '12.02')
            contract, = Contract.search([('employee', '=', rider.id)])
            with self.assertRaises(CertificateError) as cm:
                self.receipt(contract)
            self.assertIn("no end date", cm.exception.message)
            contract.end_date = dt.date(2026, 7, 17)
            contract.save()
            with self.assertRaises(CertificateError) as cm:
                self.receipt(contract)
            self.assertIn("no confirmed payslip", cm.exception.message)
            self.assertIn("Inès Benali", cm.exception.message)
