# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Planned hours per rider and month, from the shifts, beside the worked
hours payroll reads, and the gap

Payroll counts a month as the ISO weeks whose Sunday falls in it
(coop_payroll/hours.py): the timesheet lines of those weeks, or the month's
imported hours when there are (CoopCycle's payroll export). The planned
hours are the shifts of the same weeks, so that both count the same days."""
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.transaction import without_check_access
from trytond.wizard import Button, StateView, Wizard

from coop_payroll.hours import month_weeks, to_hours, weekly_hours
from coop_tools.model import context_company


def payroll_days(month):
    "The first and last day payroll counts in month (its first day)"
    mondays = month_weeks(month)
    return mondays[0], mondays[-1] + dt.timedelta(days=6)


def planned_worked(company, month):
    """[(rider, planned, worked, source)] of month (its first day), by
    rider's name: every rider with a shift or worked hours in it"""
    pool = Pool()
    Shift = pool.get('coop.dispatch.shift')
    Employee = pool.get('company.employee')
    first, last = payroll_days(month)
    planned = defaultdict(dt.timedelta)
    for shift in Shift.search([
                ('company', '=', company.id),
                ('date', '>=', first), ('date', '<=', last),
                ]):
        planned[shift.rider.id] += (
            dt.datetime.combine(shift.date, shift.end)
            - dt.datetime.combine(shift.date, shift.start))
    employees = Employee.search([('company', '=', company.id)])
    weekly = weekly_hours(company, [e.id for e in employees], month)
    worked = {e: sum(w.values(), Decimal(0)) for e, w in weekly.items()}
    source = {e: 'timesheet' for e in worked}
    try:
        MonthlyHours = pool.get('coop.payroll.monthly_hours')
    except KeyError:
        # coop_payroll is not activated: the timesheet lines alone
        MonthlyHours = None
    if MonthlyHours:
        # The dispatcher reads the month's imported hours beside the
        # shifts she plans (as weekly_hours reads every line), not the
        # payroll's other records
        with without_check_access():
            imported = MonthlyHours.search([
                    ('company', '=', company.id), ('month', '=', month)])
            for hours in imported:
                worked[hours.employee.id] = hours.worked_hours
                source[hours.employee.id] = 'imported'
    rows = []
    for employee in sorted(employees, key=lambda e: e.rec_name):
        if employee.id not in planned and not worked.get(employee.id):
            continue
        rows.append((employee,
                to_hours(planned.get(employee.id, dt.timedelta(0))),
                worked.get(employee.id, Decimal(0)),
                source.get(employee.id)))
    return rows


class HoursStart(ModelView):
    "Planned and Worked Hours"
    __name__ = 'coop.dispatch.hours.start'
    __string__ = "Planned and Worked Hours"

    month = fields.Date("Month", required=True,
        help="Any day of the month: payroll's weeks of it are counted.")

    @staticmethod
    def default_month():
        return Pool().get('ir.date').today().replace(day=1)


class HoursLine(ModelView):
    "A rider's planned and worked hours in a month"
    __name__ = 'coop.dispatch.hours.line'
    __string__ = "Planned and Worked Hours Line"

    rider = fields.Many2One('company.employee', "Rider", readonly=True)
    planned = fields.Numeric("Planned Hours", digits=(16, 2), readonly=True,
        help="The rider's shifts.")
    worked = fields.Numeric("Worked Hours", digits=(16, 2), readonly=True,
        help="What payroll reads: the timesheet lines, or the month's "
        "imported hours.")
    gap = fields.Numeric("Gap", digits=(16, 2), readonly=True,
        help="Worked less planned: above zero, more than planned.")
    source = fields.Selection([
            (None, ""),
            ('timesheet', "Timesheet"),
            ('imported', "Imported"),
            ], "Source", readonly=True)


class HoursResult(ModelView):
    "Planned and Worked Hours"
    __name__ = 'coop.dispatch.hours.result'
    __string__ = "Planned and Worked Hours Result"

    first = fields.Date("From", readonly=True)
    last = fields.Date("To", readonly=True)
    lines = fields.One2Many('coop.dispatch.hours.line', None, "Riders",
        readonly=True)
    planned = fields.Numeric("Planned Hours", digits=(16, 2), readonly=True)
    worked = fields.Numeric("Worked Hours", digits=(16, 2), readonly=True)
    gap = fields.Numeric("Gap", digits=(16, 2), readonly=True)


class Hours(Wizard):
    "Planned and Worked Hours"
    __name__ = 'coop.dispatch.hours'

    start = StateView('coop.dispatch.hours.start',
        'coop_dispatch.hours_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Show", 'result', 'tryton-ok', default=True),
            ])
    result = StateView('coop.dispatch.hours.result',
        'coop_dispatch.hours_result_view_form', [
            Button("Other Month", 'start', 'tryton-back'),
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def default_result(self, fields):
        Company = Pool().get('company.company')
        # The context's company is the client's word: the wizard reads its
        # shifts and hours without the user's record rules
        company = Company(context_company(
                'coop_delivery.msg_company_not_allowed'))
        month = self.start.month.replace(day=1)
        first, last = payroll_days(month)
        lines = [{
                'rider': rider.id,
                'rider.': {'rec_name': rider.rec_name},
                'planned': planned,
                'worked': worked,
                'gap': worked - planned,
                'source': source,
                } for rider, planned, worked, source in planned_worked(
                company, month)]
        planned = sum((l['planned'] for l in lines), Decimal(0))
        worked = sum((l['worked'] for l in lines), Decimal(0))
        return {
            'first': first,
            'last': last,
            'lines': lines,
            'planned': planned,
            'worked': worked,
            'gap': worked - planned,
            }
