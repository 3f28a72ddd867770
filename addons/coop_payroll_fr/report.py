# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The year to date on the payslip, and the yearly summary per employee

The yearly summary (report/year_summary.html) gives a payroll manager an
employee's figures of a calendar year, month by month and in total: gross,
taxable net, income tax withheld, exempt overtime, RGDU and employer cost,
from the confirmed and posted payslips (a reversal counts, negative, in its
month).
"""
from collections import defaultdict
from decimal import Decimal

from sql.aggregate import Sum
from sql.conditionals import Coalesce
from sql import Literal

from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction
from trytond.wizard import Button, StateReport, StateView, Wizard

from coop_tools.report import CompanyReport

from .payslip import COUNTED_STATES, _round

# The yearly summary's columns: payslip fields summed per month
SUMMARY_FIELDS = [
    'gross', 'taxable_net', 'income_tax', 'overtime_exempt', 'rgdu',
    'employer_contributions', 'allowances']


class PayslipReport(metaclass=PoolMeta):
    __name__ = 'coop.payroll.payslip'

    @classmethod
    def year_to_date(cls, payslip):
        return {
            name: getattr(payslip, 'ytd_' + name) or Decimal(0)
            for name in [
                'gross', 'taxable_net', 'income_tax', 'overtime_exempt',
                'rgdu']}

    @classmethod
    def paid_leave(cls, payslip):
        return {
            name: getattr(payslip, 'leave_' + name) or Decimal(0)
            for name in [
                'earned_previous', 'earned_current', 'taken', 'remaining']}


class YearSummaryReport(CompanyReport):
    "Yearly payroll summary: an employee's figures of a year, per month"
    __name__ = 'coop.payroll.year_summary'

    @classmethod
    def summary_year(cls, data):
        "The year summed: the wizard's, else the context's, else this year"
        Date = Pool().get('ir.date')
        return int(data.get('year')
            or Transaction().context.get('payroll_year')
            or Date.today().year)

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        year = cls.summary_year(data)
        months = cls.month_sums(records, year)
        context['year'] = year
        context['employee_months'] = lambda e: months.get(e.id, [])
        context['employee_total'] = lambda e: cls.total(months.get(e.id, []))
        return context

    @classmethod
    def month_sums(cls, employees, year):
        """{employee id: [{month, gross, ..., employer_cost}]}: the sums of
        the employees' confirmed and posted payslips per month of year"""
        pool = Pool()
        Payslip = pool.get('coop.payroll.payslip')
        Date = pool.get('ir.date')
        table = Payslip.__table__()
        cursor = Transaction().connection.cursor()
        result = defaultdict(list)
        if not employees:
            return result
        start = Date.today().replace(year=year, month=1, day=1)
        end = start.replace(year=year + 1)
        cursor.execute(*table.select(
                table.employee, table.start_date,
                *[Sum(Coalesce(getattr(table, f), Literal(0)))
                    for f in SUMMARY_FIELDS],
                where=(table.employee.in_([e.id for e in employees])
                    & table.state.in_(COUNTED_STATES)
                    & (table.start_date >= start)
                    & (table.start_date < end)),
                group_by=[table.employee, table.start_date],
                order_by=[table.employee, table.start_date]))
        for employee, month, *sums in cursor:
            row = {f: _round(v or 0) for f, v in zip(SUMMARY_FIELDS, sums)}
            if isinstance(month, str):
                # SQLite gives dates as text
                month = Date.today().fromisoformat(month)
            row['month'] = month
            row['employer_cost'] = (row['gross']
                + row['employer_contributions'] + row['allowances'])
            result[employee].append(row)
        return result

    @classmethod
    def total(cls, months):
        names = SUMMARY_FIELDS + ['employer_cost']
        return {n: sum((m[n] for m in months), Decimal(0)) for n in names}


class YearSummaryStart(ModelView):
    "Print the Yearly Payroll Summary"
    __name__ = 'coop.payroll.year_summary.start'
    __string__ = "Print the Yearly Payroll Summary"

    year = fields.Integer("Year", required=True)

    @classmethod
    def default_year(cls):
        # In January, last year's summary is the one to make
        today = Pool().get('ir.date').today()
        return today.year - 1 if today.month == 1 else today.year


class YearSummary(Wizard):
    "Print the Yearly Payroll Summary"
    __name__ = 'coop.payroll.year_summary.print'

    start = StateView(
        'coop.payroll.year_summary.start',
        'coop_payroll_fr.year_summary_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Print", 'print_', 'tryton-print', default=True),
            ])
    print_ = StateReport('coop.payroll.year_summary')

    def do_print_(self, action):
        return action, {
            'ids': [r.id for r in self.records],
            'model': 'company.employee',
            'year': self.start.year,
            }
