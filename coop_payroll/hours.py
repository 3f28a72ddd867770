# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Hours worked, counted per ISO week, and the premiums they earn

A week belongs to the month its Sunday falls in: its hours on the last days
of the month before count in it, and a week that ends in the next month is
paid with the next month. No week is counted twice.
"""
import calendar
import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from sql.aggregate import Sum

from trytond import backend
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

HOUR = Decimal('0.01')


def month_end(start):
    return start.replace(day=calendar.monthrange(start.year, start.month)[1])


def month_weeks(start):
    "The Mondays of the ISO weeks whose Sunday falls in start's month"
    end = month_end(start)
    first_sunday = start + dt.timedelta(days=6 - start.weekday())
    mondays = []
    sunday = first_sunday
    while sunday <= end:
        mondays.append(sunday - dt.timedelta(days=6))
        sunday += dt.timedelta(days=7)
    return mondays


def to_hours(duration):
    return (Decimal(duration.total_seconds()) / 3600).quantize(
        HOUR, rounding=ROUND_HALF_UP)


def is_full_time(weekly_hours, parameters):
    return weekly_hours >= parameters['LEGAL_WEEKLY_HOURS']


def premium_hours(worked, weekly_hours, parameters, weeks=1):
    """Split the hours worked beyond the contract into the two premium tiers

    Full time: +OVERTIME_RATE_1 % for the first OVERTIME_TIER_HOURS hours
    over the legal week, +OVERTIME_RATE_2 % beyond. Part time: +EXTRA_RATE_1 %
    up to EXTRA_TIER_PERCENT % of the contract hours, +EXTRA_RATE_2 % beyond.
    weeks > 1 applies the tiers to a total over that many weeks."""
    if is_full_time(weekly_hours, parameters):
        extra = worked - parameters['LEGAL_WEEKLY_HOURS'] * weeks
        tier = parameters['OVERTIME_TIER_HOURS'] * weeks
    else:
        extra = worked - weekly_hours * weeks
        tier = (weekly_hours * parameters['EXTRA_TIER_PERCENT'] / 100
            * weeks).quantize(HOUR, rounding=ROUND_HALF_UP)
    extra = max(extra, Decimal(0))
    first = min(extra, tier)
    return first, extra - first


def premium_rates(weekly_hours, parameters):
    "The premiums (%) of the two tiers"
    if is_full_time(weekly_hours, parameters):
        return parameters['OVERTIME_RATE_1'], parameters['OVERTIME_RATE_2']
    return parameters['EXTRA_RATE_1'], parameters['EXTRA_RATE_2']


def weekly_hours(company, employee_ids, start):
    """Hours on timesheet lines per employee and ISO week of start's month

    Return {employee id: {monday: hours}}. Read in SQL: the payroll counts
    every line, whoever may read them."""
    pool = Pool()
    Line = pool.get('timesheet.line')
    line = Line.__table__()
    cursor = Transaction().connection.cursor()
    mondays = month_weeks(start)
    result = defaultdict(lambda: defaultdict(Decimal))
    if not mondays:
        return result
    first, last = mondays[0], mondays[-1] + dt.timedelta(days=6)
    in_ = fields.SQL_OPERATORS['in']
    for sub_ids in grouped_slice(employee_ids, backend.MAX_QUERY_PARAMS):
        cursor.execute(*line.select(
                line.employee, line.date, Sum(line.duration),
                where=in_(line.employee, sub_ids)
                & (line.company == company.id)
                & (line.date >= first) & (line.date <= last),
                group_by=[line.employee, line.date]))
        for employee, date, duration in cursor:
            if isinstance(date, str):
                date = dt.date.fromisoformat(date)
            if not isinstance(duration, dt.timedelta):
                duration = dt.timedelta(seconds=duration)
            monday = date - dt.timedelta(days=date.weekday())
            result[employee][monday] += to_hours(duration)
    return result


class MonthlyHours(ModelSQL, ModelView):
    "Hours worked in a month, as another system counted them"
    __name__ = 'coop.payroll.monthly_hours'
    __string__ = "Monthly Hours"

    company = fields.Many2One('company.company', "Company", required=True)
    employee = fields.Many2One(
        'company.employee', "Employee", required=True,
        domain=[('company', '=', Eval('company', -1))])
    month = fields.Date(
        "Month", required=True,
        help="The first day of the month.")
    worked_hours = fields.Numeric(
        "Worked Hours", digits=(16, 2), required=True,
        domain=[('worked_hours', '>=', 0)])
    overtime_hours = fields.Numeric(
        "Overtime Hours", digits=(16, 2), required=True,
        domain=[('overtime_hours', '>=', 0)],
        help="The hours beyond the contract, included in the worked hours.")
    source = fields.Char("Source", help="Where the hours come from.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('employee_month_unique', Unique(t, t.employee, t.month),
                'coop_payroll.msg_monthly_hours_unique'),
            ]
        cls._order = [('month', 'DESC'), ('employee', 'ASC'), ('id', 'DESC')]

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_overtime_hours():
        return Decimal(0)

    @fields.depends('month')
    def on_change_month(self):
        if self.month:
            self.month = self.month.replace(day=1)

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('month'):
            values['month'] = values['month'].replace(day=1)
        return values
