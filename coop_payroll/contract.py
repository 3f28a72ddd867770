# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
import datetime as dt
from decimal import Decimal

from sql.conditionals import Coalesce

from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.model.exceptions import ValidationError
from trytond.pyson import Eval, If
from trytond.tools import grouped_slice
from trytond.transaction import Transaction


class ContractValidationError(ValidationError):
    pass


class Contract(ModelSQL, ModelView):
    "The employment contract that makes a rider a salaried employee"
    __name__ = 'coop.payroll.contract'
    __string__ = "Employment Contract"

    company = fields.Many2One('company.company', "Company", required=True)
    employee = fields.Many2One(
        'company.employee', "Employee", required=True,
        domain=[
            ('company', '=', Eval('company', -1)),
            ])
    kind = fields.Selection([
            ('open_ended', "Open-ended (CDI)"),
            ('fixed_term', "Fixed-term (CDD)"),
            ], "Kind", required=True)
    start_date = fields.Date(
        "Start Date", required=True,
        domain=[
            If(Eval('end_date'),
                ('start_date', '<=', Eval('end_date')),
                ()),
            ])
    end_date = fields.Date(
        "End Date",
        domain=[
            If(Eval('end_date') & Eval('start_date'),
                ('end_date', '>=', Eval('start_date')),
                ()),
            ],
        states={
            'required': Eval('kind') == 'fixed_term',
            })
    weekly_hours = fields.Numeric(
        "Weekly Hours", digits=(3, 2), required=True,
        domain=[
            ('weekly_hours', '>', 0),
            ('weekly_hours', '<=', 48),
            ],
        help="The hours of work per week the contract provides.")
    hourly_wage = fields.Numeric(
        "Hourly Wage", digits=(16, 4), required=True,
        domain=[('hourly_wage', '>', 0)],
        help="The gross wage per hour, in the company's currency.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('start_date', 'DESC'),
            ('id', 'DESC'),
            ]

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_kind():
        return 'open_ended'

    @staticmethod
    def default_weekly_hours():
        return Decimal(35)

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_rec_name(self, name):
        return f'{self.employee.rec_name} ({self.start_date})'

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('employee.rec_name', *clause[1:])]

    @classmethod
    def validate(cls, contracts):
        super().validate(contracts)
        cls.check_overlap(contracts)

    @classmethod
    def check_overlap(cls, contracts):
        "One employee holds at most one contract on any day"
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        other = cls.__table__()
        far_future = dt.date.max
        for sub_ids in grouped_slice(
                [c.id for c in contracts], backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.join(other, condition=(
                        (table.employee == other.employee)
                        & (table.id != other.id)
                        & (other.start_date <= Coalesce(
                                table.end_date, far_future))
                        & (table.start_date <= Coalesce(
                                other.end_date, far_future))
                        )).select(
                    table.id, other.id,
                    where=fields.SQL_OPERATORS['in'](table.id, sub_ids),
                    limit=1))
            overlap = cursor.fetchone()
            if overlap:
                contract, other_contract = cls.browse(overlap)
                raise ContractValidationError(gettext(
                        'coop_payroll.msg_contract_overlap',
                        contract=contract.rec_name,
                        other=other_contract.rec_name))
