# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Paid leave counted in jours ouvrables, within the days earned

A leave takes the jours ouvrables (Monday to Saturday) from its first day
off to the day before work resumes: a leave that ends on a Friday takes
the Saturday after it too (the employee works Monday to Friday). Public
holidays are not known to the suite: a holiday inside a leave is counted.
An approved leave may not take more days, over its reference period,
than the employee earned (the last period's and this one's so far),
unless the payroll configuration allows leave in advance.
"""
import datetime as dt
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta

from coop_payroll.exceptions import AbsenceError

# The jours ouvrables: every day but Sunday (Monday is 0)
OUVRABLES = frozenset(range(6))
FRIDAY = 4


def leave_period(date, start_month):
    "The reference period of paid leave date falls in: (first, last day)"
    year = date.year if date.month >= start_month else date.year - 1
    start = dt.date(year, start_month, 1)
    end = dt.date(year + 1, start_month, 1) - dt.timedelta(days=1)
    return start, end


def previous_period(period_start):
    "The reference period before the one starting on period_start"
    return (period_start.replace(year=period_start.year - 1),
        period_start - dt.timedelta(days=1))


class Absence(metaclass=PoolMeta):
    __name__ = 'coop.payroll.absence'

    leave_days = fields.Function(
        fields.Numeric("Leave Days", digits=(16, 1),
            help="The days of paid leave (jours ouvrables) the absence "
            "takes."),
        'get_leave_days')

    def get_leave_days(self, name):
        if self.kind == 'paid_leave':
            return self.leave_days_in(self.start_date, self.end_date)

    def leave_days_in(self, start, end):
        """The jours ouvrables of [start, end] the leave takes; the
        Saturday after a last day on Friday counts with the Friday"""
        days = self.working_days_in(start, end, OUVRABLES)
        if (start <= self.end_date <= end
                and self.end_date.weekday() == FRIDAY
                and not self.end_morning):
            days += 1
        return days

    @classmethod
    def leave_taken(cls, employee_ids, start, end):
        """{employee id: the days of approved paid leave taken in
        [start, end]}"""
        taken = {e: Decimal(0) for e in employee_ids}
        if not employee_ids:
            return taken
        for absence in cls.search([
                    ('employee', 'in', list(employee_ids)),
                    ('kind', '=', 'paid_leave'),
                    ('state', '=', 'approved'),
                    ('start_date', '<=', end),
                    ('end_date', '>=', start),
                    ]):
            taken[absence.employee.id] += absence.leave_days_in(start, end)
        return taken

    @classmethod
    def check_balance(cls, absences):
        pool = Pool()
        Configuration = pool.get('coop.payroll.configuration')
        Payslip = pool.get('coop.payroll.payslip')
        super().check_balance(absences)
        leaves = [a for a in absences if a.kind == 'paid_leave']
        config = Configuration(1)
        if not leaves or config.leave_anticipation:
            return
        for absence in leaves:
            start, end = leave_period(
                absence.start_date, Payslip.leave_period_month())
            employee = absence.employee.id
            earned = Payslip.leave_earned(
                absence.company, [employee], start, end)[employee]
            taken = cls.leave_taken([employee], start, end)[employee]
            if taken > earned:
                raise AbsenceError(gettext(
                        'coop_payroll_fr.msg_absence_leave_beyond_earned',
                        absence=absence.rec_name, taken=taken,
                        earned=earned, start=start))
