# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"A one-off amount of gross pay (a bonus), paid with a month's payslip"
from trytond.model import ModelSQL, ModelView, fields
from trytond.pyson import Eval
from trytond.transaction import Transaction


class EmployeeMonthMixin:
    """An amount of an employee's month: its company, employee and month
    (kept as the month's first day), newest months first

    Shared by the bonus and coop_payroll_membership's one-off element; a
    model makes the fields read-only in its __setup__ when it must."""
    __slots__ = ()

    company = fields.Many2One('company.company', "Company", required=True)
    employee = fields.Many2One(
        'company.employee', "Employee", required=True,
        domain=[('company', '=', Eval('company', -1))])
    month = fields.Date(
        "Month", required=True,
        help="The first day of the month whose payslip pays the amount.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('id', 'ASC')]

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('month'):
            values['month'] = values['month'].replace(day=1)
        return values


class Bonus(EmployeeMonthMixin, ModelSQL, ModelView):
    "A bonus: gross pay of a month beside the wage, subject to contributions"
    __name__ = 'coop.payroll.bonus'
    __string__ = "Bonus"

    name = fields.Char("Name", required=True)
    amount = fields.Numeric(
        "Amount", digits=(16, 2), required=True,
        domain=[('amount', '>', 0)])
