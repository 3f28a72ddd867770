# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from .dated import find_overlap
from .hours import is_full_time


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
    trial_end_date = fields.Date(
        "Trial End",
        domain=[
            If(Eval('trial_end_date'),
                ('trial_end_date', '>=', Eval('start_date')),
                ()),
            ])
    job = fields.Char("Job", help="As printed on the payslip.")
    collective_agreement = fields.Char(
        "Collective Agreement",
        help="The agreement that applies (its name and IDCC), printed on the "
        "payslip; empty when only the Code du travail applies.")
    classification = fields.Char("Classification")
    coefficient = fields.Integer("Coefficient")
    bike_supplier = fields.Selection([
            ('coop', "The coop"),
            ('rider', "The rider"),
            ], "Bike Supplied By", required=True)
    mobility_allowance = fields.Numeric(
        "Mobility Allowance", digits=(16, 2), required=True,
        domain=[('mobility_allowance', '>=', 0)],
        help="The monthly sustainable-mobility allowance (forfait mobilités "
        "durables) paid with the wage.")
    electronic_payslip_opt_out = fields.Boolean(
        "Paper Payslips",
        help="The employee objects to electronic payslips (L3243-2).")
    structure = fields.Many2One(
        'coop.payroll.structure', "Salary Structure",
        help="Leave empty for the payroll configuration's structure.")
    full_time = fields.Function(
        fields.Boolean("Full Time"), 'get_full_time')

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

    @classmethod
    def default_bike_supplier(cls):
        return 'coop'

    @classmethod
    def default_mobility_allowance(cls):
        return Decimal(0)

    @classmethod
    def default_electronic_payslip_opt_out(cls):
        return False

    def get_full_time(self, name):
        pool = Pool()
        Parameter = pool.get('coop.payroll.parameter')
        return is_full_time(
            self.weekly_hours, Parameter.values_at(self.start_date))

    def get_structure(self):
        pool = Pool()
        Configuration = pool.get('coop.payroll.configuration')
        structure = (self.structure
            or Configuration.of_company(self.company).structure)
        if not structure:
            raise ContractValidationError(gettext(
                    'coop_payroll.msg_contract_no_structure',
                    contract=self.rec_name))
        return structure

    def monthly_hours(self):
        "The hours of a whole month (mensualisation: weekly × 52 / 12)"
        return self.weekly_hours * 52 / 12

    def monthly_salary(self):
        "The salary of a whole month, unrounded"
        return self.monthly_hours() * self.hourly_wage

    def days_in(self, start, end):
        "The days of [start, end] the contract covers"
        first = max(start, self.start_date)
        last = min(end, self.end_date or end)
        return max((last - first).days + 1, 0)

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
        cls.check_legal_minimums(contracts)

    @classmethod
    def check_legal_minimums(cls, contracts):
        "No wage below the SMIC, no week beyond the legal week, at the start"
        pool = Pool()
        Parameter = pool.get('coop.payroll.parameter')
        for contract in contracts:
            parameters = Parameter.values_at(contract.start_date)
            smic = parameters['SMIC_HOURLY']
            if contract.hourly_wage < smic:
                raise ContractValidationError(gettext(
                        'coop_payroll.msg_contract_below_smic',
                        contract=contract.rec_name,
                        wage=contract.hourly_wage, smic=smic,
                        date=contract.start_date))
            legal = parameters['LEGAL_WEEKLY_HOURS']
            if contract.weekly_hours > legal:
                raise ContractValidationError(gettext(
                        'coop_payroll.msg_contract_beyond_legal_week',
                        contract=contract.rec_name,
                        hours=contract.weekly_hours, legal=legal))

    @classmethod
    def check_overlap(cls, contracts):
        "One employee holds at most one contract on any day"
        overlap = find_overlap(cls, contracts, 'employee')
        if overlap:
            contract, other = overlap
            raise ContractValidationError(gettext(
                    'coop_payroll.msg_contract_overlap',
                    contract=contract.rec_name, other=other.rec_name))
