# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Paid leave on the payslip (Code du travail L3141-3 to L3141-24)

- Earned: LEAVE_DAYS_PER_MONTH (2.5 jours ouvrables) a month, a month
  being LEAVE_MONTH_WORKING_DAYS (20, four weeks: L3141-4) working days
  present; fewer days earn their share. Paid leave and other legal leave
  count as worked, unpaid absences do not; days of non-work sickness earn
  LEAVE_SICK_DAYS_PER_MONTH (2) for a month of them (L3141-5-1, law of 22
  April 2024), within the month's 2.5. Over a reference period (from
  the first day of the configuration's month, June by default: R3141-4)
  at most LEAVE_DAYS_PER_YEAR (30), a fraction rounded up to the next
  whole day once the period is over (L3141-7).
- Counters on every payslip: earned over the last period, earned so far
  over this one, taken this period, remaining. The leave taken in a period
  is that earned over the period before it, then this one's.
- Pay: the leave's days are deducted from the salary by the real hours of
  the month, as an unpaid absence would be, and paid back as the higher of
  the salary kept (« maintien », the same amount) and LEAVE_TENTH_PERCENT
  (a tenth) of the last period's gross × the days taken / the days earned
  (L3141-24). The tenth is compared on the period's leave taken so far
  less what its leave was already paid: a tenth short earlier is made up
  (the regularisation). Both figures are kept on the payslip.
- Departure (L3141-28): the days left when the last contract ends are paid
  as an indemnity, the higher of the salary kept (the monthly salary ×
  days / LEAVE_OUVRABLES_PER_MONTH, 26) and the tenth: last period's
  gross for its days left (less what its leave was paid), this period's
  gross to date, the month's included, for its days.
"""
import datetime as dt
from collections import defaultdict
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from sql import Literal
from sql.aggregate import Sum
from sql.conditionals import Coalesce

from trytond import backend
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from coop_payroll.absence import working_days
from coop_payroll.hours import HOUR
from coop_payroll.rule import CENT

from .absence import leave_period, previous_period

COUNTED_STATES = ['confirmed', 'posted']
# Summed over a reference period's confirmed payslips
LEAVE_SUM_FIELDS = ['gross', 'leave_accrued', 'leave_pay']
DAYS = Decimal('0.01')


def _days_field(string, help=''):
    return fields.Numeric(string, digits=(16, 2), readonly=True, help=help)


def _amount_field(string, help=''):
    return fields.Numeric(string, digits=(16, 2), readonly=True, help=help)


class Payslip(metaclass=PoolMeta):
    __name__ = 'coop.payroll.payslip'

    leave_accrued = _days_field(
        "Leave Earned in the Month",
        "The days of paid leave (jours ouvrables) the month earned.")
    leave_taken_month = _days_field(
        "Leave Taken in the Month",
        "The days of paid leave (jours ouvrables) taken in the month.")
    leave_earned_previous = _days_field(
        "Leave Earned Last Period",
        "The days of paid leave earned over the last reference period.")
    leave_earned_current = _days_field(
        "Leave Earned This Period",
        "The days of paid leave earned so far over this reference period.")
    leave_taken = _days_field(
        "Leave Taken",
        "The days of paid leave taken this reference period, to the "
        "month's end.")
    leave_remaining = _days_field(
        "Leave Remaining",
        "The days earned (last period and this one) less those taken.")
    leave_reference_gross = _amount_field(
        "Reference Gross",
        "The gross pay of the last reference period, whose tenth the leave "
        "pay is compared with.")
    leave_maintien = _amount_field(
        "Leave Pay, Salary Kept",
        "The salary the leave's days would have earned (« maintien »).")
    leave_tenth = _amount_field(
        "Leave Pay, One Tenth",
        "A tenth of the reference gross for the days taken this period, "
        "less what their leave was already paid.")
    leave_pay = _amount_field(
        "Leave Pay", "The higher of the salary kept and the tenth.")
    leave_indemnity_days = _days_field(
        "Leave Paid at Departure",
        "The days of paid leave left at the end of the last contract, paid "
        "as an indemnity.")
    leave_indemnity = _amount_field(
        "Leave Indemnity",
        "The indemnity for the leave left at departure (L3141-28): the "
        "higher of the salary kept and the tenth.")

    @classmethod
    def total_fields(cls):
        return super().total_fields() + [
            'leave_accrued', 'leave_taken_month', 'leave_maintien',
            'leave_pay', 'leave_indemnity_days', 'leave_indemnity']

    @classmethod
    def copy(cls, payslips, default=None):
        default = default.copy() if default is not None else {}
        for name in ['leave_earned_previous', 'leave_earned_current',
                'leave_taken', 'leave_remaining', 'leave_reference_gross',
                'leave_tenth']:
            default.setdefault(name, None)
        return super().copy(payslips, default=default)

    @classmethod
    def leave_period_month(cls, company):
        "The month the company's reference periods of paid leave start in"
        pool = Pool()
        Configuration = pool.get('coop.payroll.configuration')
        return int(
            Configuration.of_company(company).leave_period_month or 6)

    @classmethod
    def leave_sums(cls, company, employee_ids, first, last):
        """{employee id: {field: sum}} of LEAVE_SUM_FIELDS over the
        confirmed and posted payslips of the months [first, last] (a
        reversal counts, negative)"""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        sums = {e: {f: Decimal(0) for f in LEAVE_SUM_FIELDS}
            for e in employee_ids}
        for sub_ids in grouped_slice(
                sorted(employee_ids), backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.select(
                    table.employee,
                    *[Sum(Coalesce(getattr(table, f), Literal(0)))
                        for f in LEAVE_SUM_FIELDS],
                    where=((table.company == company.id)
                        & table.employee.in_(list(sub_ids))
                        & table.state.in_(COUNTED_STATES)
                        & (table.start_date >= first)
                        & (table.start_date <= last)),
                    group_by=[table.employee]))
            for employee, *row in cursor:
                # SQLite sums decimals as floats
                sums[employee] = {
                    f: Decimal(str(v or 0)).quantize(CENT)
                    for f, v in zip(LEAVE_SUM_FIELDS, row)}
        return sums

    @classmethod
    def leave_earned(cls, company, employee_ids, start, end):
        """{employee id: days earned that may be taken in the period
        [start, end]}: the last period's and this one's, by the confirmed
        payslips"""
        pool = Pool()
        Parameter = pool.get('coop.payroll.parameter')
        parameters = Parameter.values_at(end)
        previous = cls.leave_sums(
            company, employee_ids, *previous_period(start))
        current = cls.leave_sums(company, employee_ids, start, end)
        return {e: cls.leave_whole_days(
                    previous[e]['leave_accrued'], parameters)
                + min(current[e]['leave_accrued'],
                    parameters['LEAVE_DAYS_PER_YEAR'])
            for e in employee_ids}

    @staticmethod
    def leave_whole_days(days, parameters):
        "A period's days earned: at most the year's, rounded up (L3141-7)"
        return min(days.quantize(Decimal(1), rounding=ROUND_CEILING),
            parameters['LEAVE_DAYS_PER_YEAR'])

    @classmethod
    def handled_absence_kinds(cls):
        return super().handled_absence_kinds() | {'paid_leave'}

    @classmethod
    def compute_base_pay(cls, computations):
        super().compute_base_pay(computations)
        cls._leave_counters(computations)
        for c in computations:
            cls._add_leave_accrual(c)
            cls._add_leave_pay(c)

    @classmethod
    def compute_bonuses(cls, computations):
        super().compute_bonuses(computations)
        # The month's earnings are all in: the tenth of the leave left at
        # departure reads them
        departing = cls._departing(computations)
        for c in computations:
            c.totals.setdefault('leave_indemnity_days', Decimal(0))
            c.totals.setdefault('leave_indemnity', Decimal(0))
            if c in departing:
                cls._add_leave_indemnity(c)

    @classmethod
    def _departing(cls, computations):
        "The computations whose employee's last contract ends in the month"
        pool = Pool()
        Contract = pool.get('coop.payroll.contract')
        ending = [c for c in computations
            if c.contract.end_date and c.contract.end_date <= c.end]
        if not ending:
            return set()
        ends = {c.payslip.employee.id: c.contract.end_date for c in ending}
        later = {k.employee.id for k in Contract.search([
                    ('employee', 'in', list(ends)),
                    ('start_date', '>', min(ends.values())),
                    ])
            if k.start_date > ends[k.employee.id]}
        return {c for c in ending if c.payslip.employee.id not in later}

    @classmethod
    def _add_leave_indemnity(cls, c):
        "Pay the days left at departure (L3141-28)"
        remaining = c.totals['leave_remaining']
        if remaining <= 0:
            return
        kept, tenth = cls.leave_left_value(
            c.parameters, c.monthly_salary(c.contract), c.totals,
            c.leave['previous'], c.leave['before'],
            c.total('amount', 'earning'))
        amount = max(kept, tenth)
        c.add_earning(
            'CP_SOLDE', gettext(
                'coop_payroll_fr.msg_line_leave_indemnity',
                days=remaining, maintien=kept, tenth=tenth),
            remaining, None, amount)
        c.totals.update({
                'leave_indemnity_days': remaining,
                'leave_indemnity': amount,
                'leave_remaining': Decimal(0),
                })

    @classmethod
    def leave_left_value(
            cls, parameters, monthly_salary, counters, previous, before,
            month_gross):
        """(salary kept, tenth) of the days left by counters (the month's
        leave_* totals): the monthly salary × days /
        LEAVE_OUVRABLES_PER_MONTH; the tenth of last period's gross
        (previous sums) for its days left, less what its leave was paid
        (before sums and the month's), and of this period's gross to date
        (before sums and month_gross) for its days"""
        p = parameters
        remaining = counters['leave_remaining']
        earned = counters['leave_earned_previous']
        current = counters['leave_earned_current']
        taken = counters['leave_taken']
        previous_left = max(earned - taken, Decimal(0))
        current_left = remaining - previous_left
        rate = p['LEAVE_TENTH_PERCENT'] / 100
        tenth = Decimal(0)
        if earned:
            paid = before['leave_pay'] + (
                counters.get('leave_pay') or Decimal(0))
            tenth += max(previous['gross'] * rate
                * (min(taken, earned) + previous_left) / earned - paid,
                Decimal(0))
        if current and current_left > 0:
            tenth += ((before['gross'] + month_gross) * rate
                * current_left / current)
        tenth = tenth.quantize(CENT, rounding=ROUND_HALF_UP)
        kept = (monthly_salary * remaining
            / p['LEAVE_OUVRABLES_PER_MONTH']).quantize(
            CENT, rounding=ROUND_HALF_UP)
        return kept, tenth

    @classmethod
    def leave_provisions(cls, company, date):
        """[(payslip, days, amount)]: the leave owed at date to each
        employee paid in date's month, valued as if paid at departure, by
        the counters of the month's confirmed payslip"""
        pool = Pool()
        Parameter = pool.get('coop.payroll.parameter')
        month = date.replace(day=1)
        payslips = [p for p in cls.search([
                    ('company', '=', company.id),
                    ('start_date', '=', month),
                    ('state', 'in', COUNTED_STATES),
                    ('reversal_of', '=', None),
                    ('corrected', '=', False),
                    ('leave_remaining', '>', 0),
                    ], order=[('employee', 'ASC'), ('id', 'ASC')])]
        if not payslips:
            return []
        parameters = Parameter.values_at(date)
        period_start, _ = leave_period(
            month, cls.leave_period_month(company))
        employees = {p.employee.id for p in payslips}
        previous = cls.leave_sums(
            company, employees, *previous_period(period_start))
        # The month's own payslip is in the sums up to it: take it out
        before = cls.leave_sums(
            company, employees, period_start, month - dt.timedelta(days=1))
        result = []
        for payslip in payslips:
            counters = {name: getattr(payslip, name) or Decimal(0)
                for name in ['leave_remaining', 'leave_earned_previous',
                    'leave_earned_current', 'leave_taken', 'leave_pay']}
            kept, tenth = cls.leave_left_value(
                parameters, payslip.contract.monthly_salary(), counters,
                previous[payslip.employee.id], before[payslip.employee.id],
                payslip.gross or Decimal(0))
            result.append(
                (payslip, counters['leave_remaining'], max(kept, tenth)))
        return result

    @classmethod
    def _leave_counters(cls, computations):
        """Give each computation c.leave: the sums of its reference
        periods and the days taken"""
        pool = Pool()
        Absence = pool.get('coop.payroll.absence')
        start_months = {}
        groups = defaultdict(list)
        for c in computations:
            company = c.payslip.company
            if company not in start_months:
                start_months[company] = cls.leave_period_month(company)
            c.leave_period = leave_period(c.start, start_months[company])
            groups[c.payslip.company, c.leave_period[0], c.start].append(c)
        for (company, period_start, month), sub in groups.items():
            employees = {c.payslip.employee.id for c in sub}
            end = sub[0].end
            previous = cls.leave_sums(
                company, employees, *previous_period(period_start))
            before = cls.leave_sums(
                company, employees, period_start,
                month - dt.timedelta(days=1))
            taken = Absence.leave_taken(employees, period_start, end)
            for c in sub:
                employee = c.payslip.employee.id
                c.leave = {
                    'previous': previous[employee],
                    'before': before[employee],
                    'taken': taken[employee],
                    }

    @classmethod
    def _add_leave_accrual(cls, c):
        """The days the month earns: LEAVE_DAYS_PER_MONTH for a month's
        working days present (LEAVE_MONTH_WORKING_DAYS), less the unpaid
        absences, a share of it for fewer; and the counters"""
        p = c.parameters
        unpaid = cls.unpaid_absence_kinds()
        worked = sick = Decimal(0)
        for contract in c.contracts:
            first, last = c.contract_span(contract)
            worked += working_days(first, last)
            for absence in c.absences:
                if absence.kind in unpaid:
                    worked -= absence.working_days_in(first, last)
                elif absence.kind == 'sick_leave':
                    days = absence.working_days_in(first, last)
                    worked -= days
                    sick += days
        month = p['LEAVE_MONTH_WORKING_DAYS']
        accrued = p['LEAVE_DAYS_PER_MONTH'] * min(max(worked, 0) / month, 1)
        if sick:
            # Non-work sickness earns its own days (L3141-5-1)
            accrued = min(accrued + p['LEAVE_SICK_DAYS_PER_MONTH']
                * min(sick / month, 1), p['LEAVE_DAYS_PER_MONTH'])
        accrued = accrued.quantize(DAYS, rounding=ROUND_HALF_UP)
        previous = cls.leave_whole_days(
            c.leave['previous']['leave_accrued'], p)
        current = min(c.leave['before']['leave_accrued'] + accrued,
            p['LEAVE_DAYS_PER_YEAR'])
        taken = c.leave['taken']
        c.totals.update({
                'leave_accrued': accrued,
                'leave_earned_previous': previous,
                'leave_earned_current': current,
                'leave_taken': taken,
                'leave_remaining': previous + current - taken,
                })

    @classmethod
    def _add_leave_pay(cls, c):
        """Deduct the leave's days from the salary and pay them back as the
        higher of the salary kept and the tenth"""
        p = c.parameters
        maintien = taken_month = Decimal(0)
        for contract in c.contracts:
            for absence in c.absences:
                if absence.kind != 'paid_leave':
                    continue
                days, hours, amount = c.absence_pay(contract, absence)
                if not days:
                    continue
                c.add_earning(
                    'ABS_CP', gettext(
                        'coop_payroll_fr.msg_line_leave_absence',
                        start=absence.start_date, end=absence.end_date),
                    -hours.quantize(HOUR, rounding=ROUND_HALF_UP),
                    c.month_hour_rate(contract), -amount,
                    absence=absence.id)
                maintien += amount
        for absence in c.absences:
            if absence.kind == 'paid_leave':
                taken_month += absence.leave_days_in(c.start, c.end)
        c.totals['leave_taken_month'] = taken_month
        if not taken_month:
            return
        earned = c.totals['leave_earned_previous']
        reference = c.leave['previous']['gross']
        # The tenth of the days taken this period out of last period's
        # days, less what the period's leave was paid before
        from_previous = min(c.totals['leave_taken'], earned)
        tenth = Decimal(0)
        if earned:
            tenth = (reference * p['LEAVE_TENTH_PERCENT'] / 100
                * from_previous / earned).quantize(
                CENT, rounding=ROUND_HALF_UP)
        tenth = max(tenth - c.leave['before']['leave_pay'], Decimal(0))
        pay = max(maintien, tenth)
        c.totals.update({
                'leave_reference_gross': reference,
                'leave_maintien': maintien,
                'leave_tenth': tenth,
                'leave_pay': pay,
                })
        c.add_earning(
            'CP_MAINTIEN', gettext('coop_payroll_fr.msg_line_leave_pay'),
            None, None, maintien)
        if pay > maintien:
            c.add_earning(
                'CP_DIXIEME', gettext(
                    'coop_payroll_fr.msg_line_leave_tenth',
                    tenth=tenth, maintien=maintien),
                None, None, pay - maintien)
