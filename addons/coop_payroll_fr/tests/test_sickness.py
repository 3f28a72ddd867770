# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Sick leave worked out by hand, to the cent (CSS L323-1, R323-1 to -5;
Code du travail L1226-1, D1226-1 to -8)

March 2026 has 22 working days and 31 calendar days; the monthly salary
is 35 × 52 / 12 = 151.6667 hours × the wage. The stoppage's working days
are deducted at the monthly salary × days / 22. The daily allowance
(IJSS) is 50 % of the three months' gross before March (December to
February, each at most 1.4 SMIC: 1.4 × 12.02 × 151.6667 = 2,552.2467)
/ 91.25, from the fourth calendar day; the employer's sick pay (one year
of seniority: 30 days at 90 %) from the eighth, less the IJSS of its
days. The riders have worked since 1 November 2024.
"""
import datetime as dt
import unittest
from decimal import Decimal as D

from trytond.modules.company.tests import create_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from coop_tools.testing import activate_suite, commit_setup, company_records

from coop_payroll.tests.tools import (
    compute_payslip, create_rider, payroll_fixture, setup_payroll_accounts,
    undone)

from coop_payroll_fr.exceptions import IjssReceiptError
from coop_payroll_fr.sickness import sick_pay_days

MARCH = dt.date(2026, 3, 1)
SINCE = dt.date(2024, 11, 1)


def last_quarter(company, employee, gross):
    "Confirmed payslips of December 2025 to February 2026: the IJSS base"
    Payslip = Pool().get('coop.payroll.payslip')
    Payslip.create([{
                'company': company.id, 'employee': employee.id,
                'start_date': month, 'payment_date': month.replace(day=28),
                'state': 'confirmed', 'gross': gross,
                } for month in [dt.date(2025, 12, 1), dt.date(2026, 1, 1),
                dt.date(2026, 2, 1)]])


def approve_sickness(employee, start, end, subrogation):
    Absence = Pool().get('coop.payroll.absence')
    absence, = Absence.create([{
                'employee': employee.id, 'kind': 'sick_leave',
                'start_date': start, 'end_date': end,
                'subrogation': subrogation}])
    Absence.approve([absence])
    return absence


class SicknessTestCase(unittest.TestCase):
    "Sick leave"

    @classmethod
    def setUpClass(cls):
        activate_suite('coop_payroll_fr')
        cls.data = commit_setup(lambda: payroll_fixture(create_company()))

    def coop(self):
        return company_records(self.data)

    def lines(self, payslip, *kinds):
        return [(l.code, l.quantity, l.rate, l.amount)
            for l in payslip.lines if l.kind in kinds]

    @with_transaction()
    def test_sick_pay_days(self):
        "30 days at each rate, 10 more per whole 5 years beyond the first"
        Parameter = Pool().get('coop.payroll.parameter')
        p = Parameter.values_at(MARCH)
        self.assertEqual(
            [sick_pay_days(p, y) for y in [0, 1, 5, 6, 10, 11, 31, 40]],
            [0, 30, 30, 40, 40, 50, 90, 90])

    @with_transaction()
    def test_four_days_subrogation(self):
        "Four days sick, three waiting days, subrogation: one day of IJSS"
        pool = Pool()
        Payslip = pool.get('coop.payroll.payslip')
        Receipt = pool.get('coop.payroll.ijss_receipt')
        Absence = pool.get('coop.payroll.absence')
        Account = pool.get('account.account')
        with self.coop() as data:
            company = data['company']
            config = setup_payroll_accounts(company)
            template, = Account.search([
                    ('company', '=', company.id),
                    ('type.receivable', '=', True),
                    ('closed', '!=', True),
                    ], limit=1)
            config.ijss_account, = Account.create([{
                        'company': company.id, 'type': template.type.id,
                        'parent': template.parent.id, 'code': '4387',
                        'name': "IJSS owed by CPAM"}])
            config.save()
            rider = create_rider(company, "Awa", SINCE, '12.02')
            last_quarter(company, rider, D('1823.03'))
            # Tuesday 10 to Friday 13 March
            sickness = approve_sickness(
                rider, dt.date(2026, 3, 10), dt.date(2026, 3, 13), True)
            self.assertEqual(
                (sickness.last_day_worked, sickness.resumption_date,
                    sickness.dsn_reason),
                (dt.date(2026, 3, 9), dt.date(2026, 3, 14), '01'))

            payslip = compute_payslip(company, rider, MARCH, confirm=True)

            # Deduction 1,823.0333 × 4 / 22 = 331.4606 → 331.46, 28 hours
            # at 1,823.0333 / 154 = 11.8379; no sick pay within the seven
            # waiting days. IJSS: 3 × 1,823.03 / 91.25 × 50 % = 29.9676
            # → 29.97 for the 4th day (13 March); CSG 6.2 % 1.8581 → 1.86,
            # CRDS 0.5 % 0.1499 → 0.15: net 27.96
            self.assertEqual(self.lines(payslip, 'earning'), [
                    ('BASE', D('151.67'), D('12.02'), D('1823.03')),
                    ('ABS_MAL', D('-28.00'), D('11.8379'), D('-331.46')),
                    ])
            self.assertEqual(self.lines(payslip, 'allowance'), [
                    ('IJSS_SUBRO', D('1'), None, D('27.96')),
                    ])
            # Gross 1,823.03 − 331.46 = 1,491.57; employee: 6.90 % 102.92,
            # 0.40 % 5.97, 3.15 % 46.98, 0.86 % 12.83; CSG base
            # 1,491.57 × 98.25 % = 1,465.47: 6.80 % 99.65, 2.40 % 35.17,
            # CRDS 7.33; total 310.85; net 1,180.72 + IJSS 27.96 =
            # 1,208.68. Taxable: 1,180.72 + 35.17 + 7.33 + the IJSS less
            # their deductible CSG (29.97 − 3.8 % 1.14 = 28.83) = 1,252.05,
            # below 1,620: no tax. Hours paid 151.6667 × 18 / 22 =
            # 124.0909, the RGDU's SMIC term 12.02 × 124.0909 = 1,491.57.
            # Leave: 18 days worked earn 2.5 × 18 / 20 = 2.25, 4 days sick
            # 2 × 4 / 20 = 0.40: 2.65, at most 2.50
            self.assertEqual(
                {n: getattr(payslip, n) for n in [
                        'gross', 'employee_contributions', 'net_before_tax',
                        'net_pay', 'taxable_net', 'ijss_gross',
                        'ijss_advanced', 'sick_pay', 'contract_hours',
                        'rgdu_smic', 'leave_accrued']},
                {'gross': D('1491.57'),
                    'employee_contributions': D('310.85'),
                    'net_before_tax': D('1208.68'), 'net_pay': D('1208.68'),
                    'taxable_net': D('1252.05'), 'ijss_gross': D('29.97'),
                    'ijss_advanced': D('27.96'), 'sick_pay': D(0),
                    'contract_hours': D('124.09'), 'rgdu_smic': D('1491.57'),
                    'leave_accrued': D('2.50')})

            # Posted: the insurer owes the advance
            Payslip.post([payslip])
            self.assertEqual(
                [(l.debit, l.credit) for l in payslip.move.lines
                    if l.account == config.ijss_account],
                [(D('27.96'), D(0))])
            # What the insurer pays, reconciled with the advance
            sickness = Absence(sickness.id)
            self.assertEqual(
                (sickness.ijss_advanced, sickness.ijss_balance),
                (D('27.96'), D('27.96')))
            Receipt.create([{
                        'absence': sickness.id, 'date': dt.date(2026, 4, 8),
                        'amount': D('27.96')}])
            sickness = Absence(sickness.id)
            self.assertEqual(
                (sickness.ijss_received, sickness.ijss_balance),
                (D('27.96'), D(0)))

    @with_transaction()
    def test_ten_days_sick_pay(self):
        "Ten days sick above the IJSS cap, no subrogation: sick pay at 90 %"
        pool = Pool()
        Receipt = pool.get('coop.payroll.ijss_receipt')
        with self.coop() as data:
            company = data['company']
            rider = create_rider(company, "Léo", SINCE, '30')
            last_quarter(company, rider, D('4550.00'))
            # Monday 2 to Wednesday 11 March
            sickness = approve_sickness(
                rider, dt.date(2026, 3, 2), dt.date(2026, 3, 11), False)

            payslip = compute_payslip(company, rider, MARCH)

            with undone(), self.assertRaises(IjssReceiptError):
                Receipt.create([{
                            'absence': sickness.id,
                            'date': dt.date(2026, 4, 8),
                            'amount': D('10')}])

        # Monthly 151.6667 × 30 = 4,550.00. Deduction of 8 working days
        # 4,550 × 8 / 22 = 1,654.5455 → 1,654.55, 56 hours at 4,550 / 154
        # = 29.5455. IJSS capped: 3 × 2,552.2467 / 91.25 × 50 % =
        # 41.9547 → 41.95 from the 4th day: 7 days, 293.65 (paid by the
        # insurer to the rider). Sick pay for the 8th to 10th days (9–11
        # March, 3 working days): 4,550 × 3 / 22 × 90 % = 558.4091 less
        # their IJSS 3 × 41.95 = 125.85: 432.5591 → 432.56
        self.assertEqual(self.lines(payslip, 'earning'), [
                ('BASE', D('151.67'), D('30'), D('4550.00')),
                ('ABS_MAL', D('-56.00'), D('29.5455'), D('-1654.55')),
                ('SICK_PAY1', None, None, D('432.56')),
                ])
        self.assertFalse(self.lines(payslip, 'allowance'))
        # Gross 4,550.00 − 1,654.55 + 432.56 = 3,328.01. The ceiling loses
        # the 7 calendar days no pay maintains (2–8 March): 4,005 × 24 / 31
        # = 3,100.6452 → 3,100.65; band 2 3,328.01 − 3,100.65 = 227.36
        self.assertEqual([
                (l.code, l.base) for l in payslip.lines
                if l.code in {'VIEIL_PLAF', 'AGIRC_T2'}],
            [('VIEIL_PLAF', D('3100.65')), ('AGIRC_T2', D('227.36'))])
        # The SMIC term follows the pay: 151.6667 − 151.6667 × 8 / 22 ×
        # (1,654.55 − 432.56) / 1,654.55 = 110.9338 hours → 110.93;
        # 12.02 × 110.9338 = 1,333.4240 → 1,333.42
        self.assertEqual(
            (payslip.gross, payslip.ijss_gross, payslip.ijss_advanced,
                payslip.sick_pay, payslip.contract_hours, payslip.rgdu_smic),
            (D('3328.01'), D('293.65'), D(0), D('432.56'), D('110.93'),
                D('1333.42')))

    @with_transaction()
    def test_sick_pay_counts_the_year_before(self):
        "Days of sick pay of the twelve months before count (D1226-4)"
        with self.coop() as data:
            company = data['company']
            rider = create_rider(company, "Léo", SINCE, '30')
            # 2 January to 6 February: 36 days, 29 paid after the 7
            # waiting days
            approve_sickness(
                rider, dt.date(2026, 1, 2), dt.date(2026, 2, 6), False)
            last_quarter(company, rider, D('4550.00'))
            approve_sickness(
                rider, dt.date(2026, 3, 2), dt.date(2026, 3, 11), False)

            payslip = compute_payslip(company, rider, MARCH)

        # The 8th day (Monday 9 March) is the 30th paid at 90 %:
        # 4,550 / 22 × 90 % = 186.1364 − 41.95 = 144.1864 → 144.19; the
        # 9th and 10th (10–11 March) at 66.66 %: 4,550 × 2 / 22 × 66.66 %
        # = 275.7298 − 2 × 41.95 = 191.8298 → 191.83
        self.assertEqual(self.lines(payslip, 'earning'), [
                ('BASE', D('151.67'), D('30'), D('4550.00')),
                ('ABS_MAL', D('-56.00'), D('29.5455'), D('-1654.55')),
                ('SICK_PAY1', None, None, D('144.19')),
                ('SICK_PAY2', None, None, D('191.83')),
                ])

    @with_transaction()
    def test_work_accident_subrogation(self):
        "Four days off after a work accident, subrogation: no waiting days"
        Absence = Pool().get('coop.payroll.absence')
        with self.coop() as data:
            company = data['company']
            rider = create_rider(company, "Awa", SINCE, '12.02')
            last_quarter(company, rider, D('1823.03'))
            # The accident on Monday 9 March (a day the employer pays in
            # full), off Tuesday 10 to Friday 13
            accident, = Absence.create([{
                        'employee': rider.id, 'kind': 'work_accident',
                        'start_date': dt.date(2026, 3, 10),
                        'end_date': dt.date(2026, 3, 13),
                        'subrogation': True}])
            Absence.approve([accident])
            self.assertEqual(accident.dsn_reason, '06')

            payslip = compute_payslip(company, rider, MARCH)

        # Deduction 331.46 (as four days sick). Daily wage February's
        # 1,823.03 / 30.42 = 59.9287; IJSS 60 % = 35.9572 → 35.96 from the
        # first day: 4 × 35.96 = 143.84. Sick pay from the first day:
        # 1,823.0333 × 4 / 22 × 90 % = 298.3145 − 143.84 = 154.4745
        # → 154.47
        self.assertEqual(self.lines(payslip, 'earning'), [
                ('BASE', D('151.67'), D('12.02'), D('1823.03')),
                ('ABS_AT', D('-28.00'), D('11.8379'), D('-331.46')),
                ('SICK_PAY1', None, None, D('154.47')),
                ])
        # Net IJSS: CSG 6.2 % 8.9181 → 8.92, CRDS 0.5 % 0.7192 → 0.72:
        # 134.20
        self.assertEqual(self.lines(payslip, 'allowance'), [
                ('IJSS_SUBRO', D('4'), None, D('134.20')),
                ])
        # Gross 1,823.03 − 331.46 + 154.47 = 1,646.04; employee 6.90 %
        # 113.58, 0.40 % 6.58, 3.15 % 51.85, 0.86 % 14.16; CSG base
        # 1,617.23: 109.97, 38.81, CRDS 8.09; total 343.04; net 1,303.00
        # + 134.20 = 1,437.20. Taxable 1,303.00 + 38.81 + 8.09 + half of
        # the IJSS less their deductible CSG (143.84 − 5.47 = 138.37 × 50 %
        # = 69.185 → 69.19) = 1,419.09. Hours paid 151.6667 − 151.6667 ×
        # 4 / 22 × (331.46 − 154.47) / 331.46 = 136.9420 → 136.94, SMIC
        # term 12.02 × 136.9420 = 1,646.04; the accident counts as worked
        # for leave: 2.50
        self.assertEqual(
            {n: getattr(payslip, n) for n in [
                    'gross', 'employee_contributions', 'net_pay',
                    'taxable_net', 'ijss_gross', 'ijss_advanced', 'sick_pay',
                    'contract_hours', 'rgdu_smic', 'leave_accrued']},
            {'gross': D('1646.04'), 'employee_contributions': D('343.04'),
                'net_pay': D('1437.20'), 'taxable_net': D('1419.09'),
                'ijss_gross': D('143.84'), 'ijss_advanced': D('134.20'),
                'sick_pay': D('154.47'), 'contract_hours': D('136.94'),
                'rgdu_smic': D('1646.04'), 'leave_accrued': D('2.50')})
