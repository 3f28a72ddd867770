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

from sql.aggregate import Sum

from trytond import backend
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from coop_payroll.exceptions import AbsenceError
from coop_payroll.rule import CENT

# The kinds of absence the health insurer pays daily allowances for
SICKNESS_KINDS = {'sick_leave', 'work_accident'}
# The reason of a work stoppage in the DSN (S21.G00.60.001)
DSN_REASONS = {
    'sick_leave': '01',
    'work_accident': '06',
    }
_sickness = {
    'invisible': ~Eval('kind').in_(list(SICKNESS_KINDS)),
    }
_subrogation = {
    'invisible': ~Eval('subrogation', False),
    }
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

    subrogation = fields.Boolean(
        "Subrogation",
        states={
            'invisible': ~Eval('kind').in_(list(SICKNESS_KINDS)),
            'readonly': Eval('state') != 'requested',
            },
        help="The employer advances the daily allowances (IJSS) with the "
        "pay and receives them from the health insurer (CPAM).")
    last_day_worked = fields.Function(
        fields.Date("Last Day Worked",
            help="For the DSN's notice of work stoppage.",
            states=_sickness),
        'get_last_day_worked')
    resumption_date = fields.Function(
        fields.Date("Work Resumes",
            help="The day work resumes, for the DSN's notice of return.",
            states=_sickness),
        'get_resumption_date')
    dsn_reason = fields.Function(
        fields.Char("DSN Reason",
            help="The reason of the work stoppage in the DSN "
            "(S21.G00.60.001).",
            states=_sickness),
        'get_dsn_reason')
    ijss_advanced = fields.Function(
        fields.Numeric("IJSS Advanced", digits=(16, 2),
            help="The net daily allowances the confirmed payslips advanced "
            "under subrogation.",
            states=_subrogation),
        'get_ijss')
    ijss_received = fields.Function(
        fields.Numeric("IJSS Received", digits=(16, 2),
            help="What the health insurer paid the employer for them.",
            states=_subrogation),
        'get_ijss')
    ijss_balance = fields.Function(
        fields.Numeric("IJSS Still Due", digits=(16, 2),
            help="Advanced less received: what the health insurer still "
            "owes the employer (negative: paid more than advanced).",
            states=_subrogation),
        'get_ijss')
    ijss_receipts = fields.One2Many(
        'coop.payroll.ijss_receipt', 'absence', "IJSS Receipts",
        states={
            'invisible': ~Eval('subrogation', False),
            })

    @classmethod
    def default_subrogation(cls):
        return False

    def get_last_day_worked(self, name):
        if self.kind in SICKNESS_KINDS:
            if self.start_afternoon:
                return self.start_date
            return self.start_date - dt.timedelta(days=1)

    def get_resumption_date(self, name):
        if self.kind in SICKNESS_KINDS:
            if self.end_morning:
                return self.end_date
            return self.end_date + dt.timedelta(days=1)

    def get_dsn_reason(self, name):
        return DSN_REASONS.get(self.kind)

    @classmethod
    def get_ijss(cls, absences, names):
        """The net IJSS the confirmed payslips' lines advanced for each
        absence, what the receipts say the insurer paid, the balance"""
        pool = Pool()
        Line = pool.get('coop.payroll.payslip.line')
        Payslip = pool.get('coop.payroll.payslip')
        Receipt = pool.get('coop.payroll.ijss_receipt')
        line = Line.__table__()
        payslip = Payslip.__table__()
        receipt = Receipt.__table__()
        cursor = Transaction().connection.cursor()
        advanced = {a.id: Decimal(0) for a in absences}
        received = dict(advanced)
        for sub_ids in grouped_slice(
                [a.id for a in absences], backend.MAX_QUERY_PARAMS):
            sub_ids = list(sub_ids)
            cursor.execute(*line.join(payslip,
                    condition=line.payslip == payslip.id).select(
                    line.absence, Sum(line.amount),
                    where=line.absence.in_(sub_ids)
                    & (line.code == 'IJSS_SUBRO')
                    & payslip.state.in_(['confirmed', 'posted']),
                    group_by=[line.absence]))
            for absence, amount in cursor:
                advanced[absence] = Decimal(str(amount or 0)).quantize(CENT)
            cursor.execute(*receipt.select(
                    receipt.absence, Sum(receipt.amount),
                    where=receipt.absence.in_(sub_ids),
                    group_by=[receipt.absence]))
            for absence, amount in cursor:
                received[absence] = Decimal(str(amount or 0)).quantize(CENT)
        result = {}
        for name in names:
            if name == 'ijss_advanced':
                result[name] = advanced
            elif name == 'ijss_received':
                result[name] = received
            else:
                result[name] = {
                    i: advanced[i] - received[i] for i in advanced}
        return result

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
        for absence in leaves:
            # Each coop allows leave in advance or not
            config = Configuration.of_company(absence.company)
            if config.leave_anticipation:
                continue
            start, end = leave_period(
                absence.start_date,
                Payslip.leave_period_month(absence.company))
            employee = absence.employee.id
            earned = Payslip.leave_earned(
                absence.company, [employee], start, end)[employee]
            taken = cls.leave_taken([employee], start, end)[employee]
            if taken > earned:
                raise AbsenceError(gettext(
                        'coop_payroll_fr.msg_absence_leave_beyond_earned',
                        absence=absence.rec_name, taken=taken,
                        earned=earned, start=start))
