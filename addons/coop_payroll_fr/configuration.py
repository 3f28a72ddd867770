# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
from trytond.model import ModelSQL, fields
from trytond.pool import Pool, PoolMeta

from coop_payroll.configuration import ConfigurationError
from coop_tools.model import account_field
from coop_tools.settings import CompanySettingsValue, default_func

headcount = fields.Integer(
    "Headcount",
    domain=['OR', ('headcount', '=', None), ('headcount', '>=', 0)],
    help="The company's headcount (effectif) for the thresholds of 11 "
    "and 50 employees: FNAL, vocational training, mobility levy, RGDU.")
atmp_rate = fields.Numeric(
    "AT/MP Rate (%)", digits=(16, 4),
    help="The work-accident rate URSSAF notified to the company; empty "
    "for the parameter ATMP_PAT.")
mobility_rate = fields.Numeric(
    "Mobility Levy Rate (%)", digits=(16, 4),
    help="The local rate of the mobility levy (versement mobilité), due "
    "from 11 employees; empty for the parameter MOBILITE_PAT.")
leave_period_month = fields.Selection([
        ('1', "January"), ('2', "February"), ('3', "March"),
        ('4', "April"), ('5', "May"), ('6', "June"), ('7', "July"),
        ('8', "August"), ('9', "September"), ('10', "October"),
        ('11', "November"), ('12', "December"),
        ], "Leave Period Starts In", sort=False,
    help="The month the reference period of paid leave starts on its "
    "first day: June by the Code du travail (R3141-4), another month "
    "by a collective agreement.")
leave_anticipation = fields.Boolean(
    "Leave in Advance",
    help="Approve paid leave beyond the days earned (taken in advance "
    "of their earning).")
income_tax_account = account_field(
    "Income Tax Withheld",
    "The tax at source withheld, owed to the tax office (4421 "
    "Prélèvements à la source).")
ijss_account = account_field(
    "IJSS Owed by the Health Insurer",
    "The daily allowances advanced under subrogation, until the health "
    "insurer pays them (4387 Organismes sociaux - produits à recevoir).")
leave_provision_rate = fields.Numeric(
    "Charges on Leave Owed (%)", digits=(16, 2),
    domain=['OR',
        ('leave_provision_rate', '=', None),
        ('leave_provision_rate', '>=', 0),
        ],
    help="The employer's contributions on the paid leave owed, as a "
    "share of it, for the year-end provision.")
leave_expense_account = account_field(
    "Paid Leave", "The year-end provision's charge (6412 Congés payés).")
leave_provision_account = account_field(
    "Paid Leave Owed",
    "The paid leave owed at the year's end (4282 Dettes provisionnées "
    "pour congés à payer).")
leave_social_provision_account = account_field(
    "Charges on Leave Owed",
    "The employer's contributions on it (4382 Charges sociales sur "
    "congés à payer).")
# Each coop's own: a row per company of coop.payroll.configuration.fr
FR_SETTINGS = [
    'headcount',
    'atmp_rate',
    'mobility_rate',
    'leave_period_month',
    'leave_anticipation',
    'income_tax_account',
    'ijss_account',
    'leave_provision_rate',
    'leave_expense_account',
    'leave_provision_account',
    'leave_social_provision_account',
    ]


class Configuration(metaclass=PoolMeta):
    __name__ = 'coop.payroll.configuration'

    headcount = fields.MultiValue(headcount)
    atmp_rate = fields.MultiValue(atmp_rate)
    mobility_rate = fields.MultiValue(mobility_rate)
    leave_period_month = fields.MultiValue(leave_period_month)
    leave_anticipation = fields.MultiValue(leave_anticipation)
    income_tax_account = fields.MultiValue(income_tax_account)
    ijss_account = fields.MultiValue(ijss_account)
    leave_provision_rate = fields.MultiValue(leave_provision_rate)
    leave_expense_account = fields.MultiValue(leave_expense_account)
    leave_provision_account = fields.MultiValue(leave_provision_account)
    leave_social_provision_account = fields.MultiValue(
        leave_social_provision_account)

    @classmethod
    def french_accounts(cls):
        return {
            **super().french_accounts(),
            'income_tax_account': ('4421', None),
            'ijss_account': ('4387', None),
            'leave_expense_account': ('6412', None),
            'leave_provision_account': ('4282', None),
            'leave_social_provision_account': ('4382', None),
            }

    @classmethod
    def multivalue_model(cls, field):
        if field in FR_SETTINGS:
            return Pool().get('coop.payroll.configuration.fr')
        return super().multivalue_model(field)

    default_leave_period_month = default_func('leave_period_month')
    default_leave_anticipation = default_func('leave_anticipation')


class ConfigurationFr(CompanySettingsValue, ModelSQL):
    "A coop's settings of the French payroll"
    __name__ = 'coop.payroll.configuration.fr'
    __string__ = "Payroll Configuration France"
    _configuration = 'coop.payroll.configuration'
    _other_company_message = 'coop_payroll.msg_configuration_other_company'
    _other_company_error = ConfigurationError

    headcount = headcount
    atmp_rate = atmp_rate
    mobility_rate = mobility_rate
    leave_period_month = leave_period_month
    leave_anticipation = leave_anticipation
    income_tax_account = income_tax_account
    ijss_account = ijss_account
    leave_provision_rate = leave_provision_rate
    leave_expense_account = leave_expense_account
    leave_provision_account = leave_provision_account
    leave_social_provision_account = leave_social_provision_account

    @classmethod
    def default_leave_period_month(cls):
        return '6'

    @classmethod
    def default_leave_anticipation(cls):
        return False
