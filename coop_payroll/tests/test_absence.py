# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"Absences: their days, their workflow and the input they refuse"
import datetime as dt
import unittest
from decimal import Decimal as D

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from coop_tools.testing import activate_suite, commit_setup, company_records

from coop_payroll.absence import working_days
from coop_payroll.exceptions import AbsenceError

from .tools import compute_payslip, create_rider, payroll_fixture, undone


def create_absence(employee, kind, start, end, approve=False, **values):
    Absence = Pool().get('coop.payroll.absence')
    absence, = Absence.create([{
                'employee': employee.id, 'kind': kind,
                'start_date': start, 'end_date': end, **values}])
    if approve:
        Absence.approve([absence])
    return absence


class AbsenceTestCase(unittest.TestCase):
    "Absences"

    @classmethod
    def setUpClass(cls):
        activate_suite('coop_payroll', extras=['coop_payroll_fr'])
        cls.data = commit_setup(lambda: payroll_fixture(create_company()))

    def coop(self):
        return company_records(self.data)

    def test_working_days(self):
        "Days from Monday to Friday in a span"
        # March 2026 starts on a Sunday: 22 weekdays
        self.assertEqual(
            working_days(dt.date(2026, 3, 1), dt.date(2026, 3, 31)), 22)
        # Friday 6 to Monday 9 March: Friday and Monday
        self.assertEqual(
            working_days(dt.date(2026, 3, 6), dt.date(2026, 3, 9)), 2)
        self.assertEqual(
            working_days(dt.date(2026, 3, 7), dt.date(2026, 3, 8)), 0)

    @with_transaction()
    def test_half_days(self):
        "Half days count as halves; a morning and an afternoon do not meet"
        with self.coop() as data:
            rider = create_rider(
                data['company'], "Awa", dt.date(2026, 1, 1), '12.02')
            # Wednesday afternoon to Friday noon: 0.5 + 1 + 0.5
            absence = create_absence(
                rider, 'unpaid_leave', dt.date(2026, 3, 4),
                dt.date(2026, 3, 6), start_afternoon=True, end_morning=True)
            self.assertEqual(absence.days, D(2))
            # The Wednesday morning is still free
            morning = create_absence(
                rider, 'other_legal', dt.date(2026, 3, 4),
                dt.date(2026, 3, 4), end_morning=True)
            self.assertEqual(morning.days, D('0.5'))
            with undone(), self.assertRaises(AbsenceError) as cm:
                create_absence(
                    rider, 'unjustified', dt.date(2026, 3, 6),
                    dt.date(2026, 3, 6))
            self.assertIn('overlaps', str(cm.exception))
            with undone(), self.assertRaises(AbsenceError):
                create_absence(
                    rider, 'unjustified', dt.date(2026, 3, 9),
                    dt.date(2026, 3, 9), start_afternoon=True,
                    end_morning=True)

    @with_transaction()
    def test_workflow(self):
        "Approved by the user who approves; a refused one frees its days"
        pool = Pool()
        Absence = pool.get('coop.payroll.absence')
        with self.coop() as data:
            rider = create_rider(
                data['company'], "Awa", dt.date(2026, 1, 1), '12.02')
            absence = create_absence(
                rider, 'unpaid_leave', dt.date(2026, 3, 2),
                dt.date(2026, 3, 3))
            self.assertEqual(absence.state, 'requested')
            Absence.refuse([absence])
            self.assertEqual(absence.state, 'refused')
            # Its days are free again
            other = create_absence(
                rider, 'unpaid_leave', dt.date(2026, 3, 3),
                dt.date(2026, 3, 3))
            Absence.approve([other])
            self.assertEqual(other.approved_by.id, Transaction().user)
            with undone(), self.assertRaises(AccessError):
                Absence.delete([other])
            Absence.cancel([other])
            Absence.delete([other])
            # Back to requested, it holds its days again
            Absence.request([absence])
            self.assertEqual(absence.state, 'requested')

    @with_transaction()
    def test_outside_contract(self):
        "An absence outside the employee's contracts is refused"
        pool = Pool()
        Contract = pool.get('coop.payroll.contract')
        with self.coop() as data:
            rider = create_rider(
                data['company'], "Awa", dt.date(2026, 3, 10), '12.02',
                kind='fixed_term', end_date=dt.date(2026, 3, 31))
            with undone(), self.assertRaises(AbsenceError) as cm:
                create_absence(
                    rider, 'unpaid_leave', dt.date(2026, 3, 9),
                    dt.date(2026, 3, 10))
            self.assertIn('2026-03-09', str(cm.exception))
            with undone(), self.assertRaises(AbsenceError) as cm:
                create_absence(
                    rider, 'unpaid_leave', dt.date(2026, 3, 30),
                    dt.date(2026, 4, 2))
            self.assertIn('2026-04-01', str(cm.exception))
            # A contract in a row covers it
            Contract.create([{
                        'employee': rider.id,
                        'start_date': dt.date(2026, 4, 1),
                        'hourly_wage': D('12.02'),
                        }])
            absence = create_absence(
                rider, 'unpaid_leave', dt.date(2026, 3, 31),
                dt.date(2026, 4, 1))
            self.assertEqual(absence.days, D(2))

    @with_transaction()
    def test_closed_month(self):
        "A confirmed payslip's month refuses absences until corrected"
        pool = Pool()
        Absence = pool.get('coop.payroll.absence')
        Payslip = pool.get('coop.payroll.payslip')
        with self.coop() as data:
            company = data['company']
            rider = create_rider(company, "Awa", dt.date(2026, 1, 1), '12.02')
            before = create_absence(
                rider, 'unpaid_leave', dt.date(2026, 3, 2),
                dt.date(2026, 3, 2), approve=True)
            payslip = compute_payslip(
                company, rider, dt.date(2026, 3, 1), confirm=True)
            with undone(), self.assertRaises(AbsenceError) as cm:
                create_absence(
                    rider, 'unpaid_leave', dt.date(2026, 3, 30),
                    dt.date(2026, 4, 1))
            self.assertIn(payslip.rec_name, str(cm.exception))
            # Neither changed nor cancelled: nothing written
            for action in [
                    lambda: Absence.cancel([before]),
                    lambda: Absence.write([before], {
                            'end_date': dt.date(2026, 4, 2)}),
                    ]:
                with undone(), self.assertRaises(AbsenceError):
                    action()
            self.assertEqual(Absence(before.id).state, 'approved')
            self.assertEqual(
                Absence(before.id).end_date, dt.date(2026, 3, 2))
            # April is open
            create_absence(
                rider, 'unpaid_leave', dt.date(2026, 4, 2),
                dt.date(2026, 4, 2))
            # The correction reopens March
            draft, = Payslip.correct([payslip])
            Absence.cancel([before])
            create_absence(
                rider, 'unpaid_leave', dt.date(2026, 3, 25),
                dt.date(2026, 3, 25))
