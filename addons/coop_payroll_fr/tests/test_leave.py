# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Paid leave worked out by hand, to the cent (L3141-3 to L3141-24)

June 2026 starts on a Monday and has 22 working days (Monday to Friday),
July 2026 starts on a Wednesday and has 23; a 35-hour week is 7 hours a
day and 35 × 52 / 12 = 151.6667 hours a month. The leave's days are
deducted at the monthly salary × days / working days of the month and paid
back as the higher of that salary kept and the tenth: the reference
period's gross / 10 × the days taken (jours ouvrables) / the days earned.
A leave from Monday to Friday takes six jours ouvrables (its Saturday).

The reference period June 2025 – May 2026 is given as twelve confirmed
payslips holding only what the leave reads of them (gross, days earned):
the months before the suite.
"""
import datetime as dt
import unittest
from decimal import Decimal as D

from trytond.modules.company.tests import create_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from coop_tools.testing import activate_suite, commit_setup, company_records

from coop_payroll.exceptions import AbsenceError
from coop_payroll.tests.tools import (
    compute_payslip, create_rider, pages_text, payroll_fixture,
    setup_payroll_accounts, undone)

from coop_payroll_fr.exceptions import LeaveProvisionError

JUNE = dt.date(2026, 6, 1)
JULY = dt.date(2026, 7, 1)


def reference_period(company, employee, gross, accrued=D('2.5')):
    "Twelve confirmed payslips of June 2025 – May 2026"
    Payslip = Pool().get('coop.payroll.payslip')
    months = [dt.date(2025 + (m > 12), (m - 1) % 12 + 1, 1)
        for m in range(6, 18)]
    Payslip.create([{
                'company': company.id, 'employee': employee.id,
                'start_date': month, 'payment_date': month.replace(day=28),
                'state': 'confirmed', 'gross': gross,
                'leave_accrued': accrued,
                } for month in months])


def approve_leave(employee, start, end, kind='paid_leave'):
    Absence = Pool().get('coop.payroll.absence')
    absence, = Absence.create([{
                'employee': employee.id, 'kind': kind,
                'start_date': start, 'end_date': end}])
    Absence.approve([absence])
    return absence


class LeaveTestCase(unittest.TestCase):
    "Paid leave"

    @classmethod
    def setUpClass(cls):
        activate_suite('coop_payroll_fr')
        cls.data = commit_setup(lambda: payroll_fixture(create_company()))

    def coop(self):
        return company_records(self.data)

    def earnings(self, payslip):
        return [(l.code, l.quantity, l.rate, l.amount)
            for l in payslip.lines if l.kind == 'earning']

    def leave(self, payslip):
        return {name: getattr(payslip, name) for name in [
                'leave_earned_previous', 'leave_earned_current',
                'leave_taken', 'leave_remaining', 'leave_accrued',
                'leave_taken_month', 'leave_reference_gross',
                'leave_maintien', 'leave_tenth', 'leave_pay', 'gross']}

    @with_transaction()
    def test_week_salary_kept_wins(self):
        "A week of leave in June: the salary kept beats the tenth"
        with self.coop() as data:
            company = data['company']
            # A SMIC year of reference, then a raise to 13.00 an hour
            rider = create_rider(company, "Awa", dt.date(2025, 6, 1), '13')
            reference_period(company, rider, D('1823.03'))
            leave = approve_leave(
                rider, dt.date(2026, 6, 8), dt.date(2026, 6, 12))
            self.assertEqual(leave.leave_days, D(6))

            payslip = compute_payslip(company, rider, JUNE)

        # Monthly 151.6667 × 13 = 1,971.6667 → 1,971.67; salary kept
        # 1,971.6667 × 5 / 22 = 448.1061 → 448.11, 35 hours at
        # 1,971.6667 / 154 = 12.8030. Tenth: 12 × 1,823.03 = 21,876.36;
        # / 10 × 6 / 30 = 437.5272 → 437.53 < 448.11: the salary kept
        self.assertEqual(self.earnings(payslip), [
                ('BASE', D('151.67'), D('13'), D('1971.67')),
                ('ABS_CP', D('-35.00'), D('12.8030'), D('-448.11')),
                ('CP_MAINTIEN', None, None, D('448.11')),
                ])
        # Earned last period 12 × 2.5 = 30; June's 22 working days earn
        # 2.5 (leave counts as worked); remaining 30 + 2.5 − 6 = 26.5
        self.assertEqual(self.leave(payslip), {
                'leave_earned_previous': D(30),
                'leave_earned_current': D('2.50'),
                'leave_taken': D(6),
                'leave_remaining': D('26.50'),
                'leave_accrued': D('2.50'),
                'leave_taken_month': D(6),
                'leave_reference_gross': D('21876.36'),
                'leave_maintien': D('448.11'),
                'leave_tenth': D('437.53'),
                'leave_pay': D('448.11'),
                'gross': D('1971.67'),
                })
        # The counters on the printed payslip
        Report = Pool().get('coop.payroll.payslip', type='report')
        with Transaction().set_context(language='en'):
            _, content, _, _ = Report.execute([payslip.id], {})
        self.assertIn(
            'Paid leave (days) Earned last period Earned this period Taken '
            'Remaining 30.00 2.50 6.00 26.50', ' '.join(pages_text(content)))

    @with_transaction()
    def test_tenth_wins_with_regularisation(self):
        "A day in June at the salary kept, two weeks in July at the tenth"
        with self.coop() as data:
            company = data['company']
            rider = create_rider(
                company, "Léo", dt.date(2025, 6, 1), '12.02')
            # A year of reference with overtime: 12 × 1,875.00 = 22,500.00,
            # a tenth of 2,250.00 for 30 days, 75.00 a day
            reference_period(company, rider, D('1875.00'))
            approve_leave(rider, dt.date(2026, 6, 1), dt.date(2026, 6, 1))
            june = compute_payslip(company, rider, JUNE, confirm=True)
            approve_leave(rider, dt.date(2026, 7, 6), dt.date(2026, 7, 17))
            july = compute_payslip(company, rider, JULY)

        # June: salary kept 1,823.0333 / 22 = 82.8652 → 82.87 (7 hours at
        # 1,823.0333 / 154 = 11.8379) > tenth 75.00
        self.assertEqual(self.earnings(june), [
                ('BASE', D('151.67'), D('12.02'), D('1823.03')),
                ('ABS_CP', D('-7.00'), D('11.8379'), D('-82.87')),
                ('CP_MAINTIEN', None, None, D('82.87')),
                ])
        self.assertEqual(
            (june.leave_tenth, june.leave_pay, june.leave_remaining),
            (D('75.00'), D('82.87'), D('31.50')))
        # July: 10 working days, 12 jours ouvrables (6–11 and 13–18).
        # Salary kept 1,823.0333 × 10 / 23 = 792.6232 → 792.62 (70 hours
        # at 1,823.0333 / 161 = 11.3232). Tenth of the period's 13 days:
        # 2,250.00 × 13 / 30 = 975.00, less June's 82.87 paid = 892.13 >
        # 792.62: the complement 892.13 − 792.62 = 99.51; June and July
        # together pay the tenth 975.00
        self.assertEqual(self.earnings(july), [
                ('BASE', D('151.67'), D('12.02'), D('1823.03')),
                ('ABS_CP', D('-70.00'), D('11.3232'), D('-792.62')),
                ('CP_MAINTIEN', None, None, D('792.62')),
                ('CP_DIXIEME', None, None, D('99.51')),
                ])
        # Earned this period 2.5 + 2.5; taken 1 + 12; remaining
        # 30 + 5 − 13 = 22; gross 1,823.03 + 99.51 = 1,922.54
        self.assertEqual(self.leave(july), {
                'leave_earned_previous': D(30),
                'leave_earned_current': D('5.00'),
                'leave_taken': D(13),
                'leave_remaining': D('22.00'),
                'leave_accrued': D('2.50'),
                'leave_taken_month': D(12),
                'leave_reference_gross': D('22500.00'),
                'leave_maintien': D('792.62'),
                'leave_tenth': D('892.13'),
                'leave_pay': D('892.13'),
                'gross': D('1922.54'),
                })
        self.assertIn('892.13', [l.name for l in july.lines
                if l.code == 'CP_DIXIEME'][0])

    @with_transaction()
    def test_leave_beyond_earned(self):
        "Leave beyond the days earned is refused unless taken in advance"
        pool = Pool()
        Configuration = pool.get('coop.payroll.configuration')
        Absence = pool.get('coop.payroll.absence')
        with self.coop() as data:
            company = data['company']
            rider = create_rider(company, "Awa", dt.date(2026, 1, 1), '12.02')
            # A start on Tuesday 10 March: 16 of the 20 working days of a
            # month of leave: 2.5 × 16 / 20 = 2.00
            late = create_rider(company, "Léo", dt.date(2026, 3, 10), '12.02')
            self.assertEqual(
                compute_payslip(company, late, dt.date(2026, 3, 1))
                .leave_accrued, D('2.00'))
            with undone(), self.assertRaises(AbsenceError) as cm:
                approve_leave(
                    rider, dt.date(2026, 2, 2), dt.date(2026, 2, 2))
            self.assertIn(
                'to 1 days, beyond the 0 days earned', str(cm.exception))
            # January and February earn 2.5 days each: 5 days
            for month in [dt.date(2026, 1, 1), dt.date(2026, 2, 1)]:
                compute_payslip(company, rider, month, confirm=True)
            # Monday to Friday takes 6 jours ouvrables: beyond 5
            with undone(), self.assertRaises(AbsenceError) as cm:
                approve_leave(
                    rider, dt.date(2026, 3, 2), dt.date(2026, 3, 6))
            self.assertIn(
                'to 6 days, beyond the 5.00 days earned', str(cm.exception))
            approve_leave(rider, dt.date(2026, 3, 2), dt.date(2026, 3, 5))
            # Taken in advance, once the configuration allows it
            config = Configuration(1)
            config.leave_anticipation = True
            config.save()
            leave = approve_leave(
                rider, dt.date(2026, 3, 9), dt.date(2026, 3, 13))
            self.assertEqual(Absence(leave.id).state, 'approved')

    @with_transaction()
    def test_departure_with_leave_left(self):
        "A last day on Friday 17 July: the leave left paid as an indemnity"
        pool = Pool()
        Contract = pool.get('coop.payroll.contract')
        with self.coop() as data:
            company = data['company']
            rider = create_rider(
                company, "Awa", dt.date(2025, 6, 1), '12.02')
            contract, = Contract.search([('employee', '=', rider.id)])
            reference_period(company, rider, D('1823.03'))
            compute_payslip(company, rider, JUNE, confirm=True)
            contract.end_date = dt.date(2026, 7, 17)
            contract.save()

            july = compute_payslip(company, rider, JULY)

        # Working days 1–17 July: 3 + 5 + 5 = 13 of 23; base 1,823.0333 ×
        # 13 / 23 = 1,030.4101 → 1,030.41, 151.6667 × 13 / 23 = 85.72 h.
        # Earned: last period 30, June 2.50, July 2.5 × 13 / 20 = 1.625
        # → 1.63; none taken: 34.13 days left. Salary kept 1,823.0333 ×
        # 34.13 / 26 = 2,393.0818 → 2,393.08. Tenth: last period 21,876.36
        # / 10 = 2,187.636 for its 30 days, this one (1,823.03 + 1,030.41)
        # / 10 = 285.344 for its 4.13: 2,472.98, higher
        self.assertEqual(self.earnings(july), [
                ('BASE', D('85.72'), D('12.02'), D('1030.41')),
                ('CP_SOLDE', D('34.13'), None, D('2472.98')),
                ])
        self.assertEqual(
            (july.leave_accrued, july.leave_earned_current,
                july.leave_indemnity_days, july.leave_indemnity,
                july.leave_remaining, july.gross),
            (D('1.63'), D('4.13'), D('34.13'), D('2472.98'), D(0),
                D('3503.39')))
        self.assertIn('2393.08', [l.name for l in july.lines
                if l.code == 'CP_SOLDE'][0])

    @with_transaction()
    def test_year_end_provision(self):
        "The leave owed at 30 June, a fiscal year's end, as an entry"
        pool = Pool()
        Account = pool.get('account.account')
        LeaveProvision = pool.get(
            'coop.payroll.leave_provision', type='wizard')
        with self.coop() as data:
            company = data['company']
            config = setup_payroll_accounts(company)

            def account(kind, code, name):
                template, = Account.search([
                        ('company', '=', company.id),
                        ('type.%s' % kind, '=', True),
                        ('closed', '!=', True),
                        ], limit=1)
                return Account.create([{
                            'company': company.id,
                            'type': template.type.id,
                            'parent': template.parent.id,
                            'code': code, 'name': name}])[0]
            config.leave_expense_account = account(
                'expense', '6412', "Paid leave")
            config.leave_provision_account = account(
                'payable', '4282', "Paid leave owed")
            config.leave_social_provision_account = account(
                'payable', '4382', "Charges on paid leave owed")
            config.save()
            rider = create_rider(
                company, "Awa", dt.date(2025, 6, 1), '12.02')
            reference_period(company, rider, D('1823.03'))
            with undone(), self.assertRaises(LeaveProvisionError):
                LeaveProvision.make_move(
                    company, dt.date(2026, 6, 30), D(40))
            compute_payslip(company, rider, JUNE, confirm=True)

            move = LeaveProvision.make_move(
                company, dt.date(2026, 6, 30), D(40))

            # 30 days of last period and June's 2.5 left: 32.5. Salary kept
            # 1,823.0333 × 32.5 / 26 = 2,278.7917 → 2,278.79; tenth
            # 21,876.36 / 10 = 2,187.636 for last period's 30 days and
            # June's 1,823.03 / 10 = 182.303 for its 2.5: 2,369.939 →
            # 2,369.94, higher. Charges 40 %: 947.976 → 947.98
            self.assertEqual(sorted(
                    (l.account.code, l.debit, l.credit) for l in move.lines),
                [('4282', D(0), D('2369.94')),
                    ('4382', D(0), D('947.98')),
                    ('6412', D('2369.94'), D(0)),
                    ('645', D('947.98'), D(0))])
            self.assertEqual(
                (move.date, move.journal, move.state),
                (dt.date(2026, 6, 30), config.journal, 'draft'))
