# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
from trytond.i18n import gettext
from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool
from trytond.pyson import Id
from trytond.transaction import Transaction

from coop_tools.model import account_field
from coop_tools.settings import (
    CompanySettings, CompanySettingsValue, default_func, own_sequences)

# French chart (account_fr) codes the payroll posts to by default: a
# closed account gets a postable child (641 → 6411), and the closed
# accounts without children (421, 437) get one made for the payroll.
FRENCH_ACCOUNTS = {
    'wage_expense_account': ('641', None),
    'employer_expense_account': ('645', None),
    'allowance_expense_account': ('625', None),
    'net_payable_account': ('421', '4211'),
    'urssaf_account': ('431', None),
    'retirement_account': ('437', '4371'),
    'other_social_account': ('437', '4371'),
    }
ACCOUNT_FIELDS = list(FRENCH_ACCOUNTS)


class ConfigurationError(ValidationError):
    pass


payslip_sequence = fields.Many2One(
    'ir.sequence.strict', "Payslip Sequence",
    domain=[
        ('sequence_type', '=', Id('coop_payroll', 'sequence_type_payslip')),
        ],
    help="Numbers confirmed payslips, without gaps, the coop's own.")
structure = fields.Many2One(
    'coop.payroll.structure', "Salary Structure",
    help="The rules applied when a contract names none.")
posting = fields.Selection([
        ('payslip', "An entry per payslip"),
        ('batch', "An entry per batch"),
        ], "Posting", required=True)
journal = fields.Many2One(
    'account.journal', "Journal",
    help="The journal payroll entries are posted in.")
wage_expense_account = account_field(
    "Wages", "Gross pay (641 Rémunérations du personnel).")
employer_expense_account = account_field(
    "Employer Contributions",
    "The employer's contributions (645 Charges de sécurité sociale).")
allowance_expense_account = account_field(
    "Allowances",
    "Allowances paid beside the wage, such as the sustainable-mobility "
    "allowance (625 Déplacements).")
net_payable_account = fields.Many2One(
    'account.account', "Net Pay Payable",
    domain=[
        ('closed', '!=', True),
        ('party_required', '=', True),
        ],
    help="What the coop owes each employee (421 Personnel - "
    "rémunérations dues); needs a party.")
urssaf_account = account_field(
    "URSSAF", "Contributions paid to URSSAF (431 Sécurité sociale).")
retirement_account = account_field(
    "Complementary Pension",
    "Contributions paid to Agirc-Arrco (437 Autres organismes sociaux).")
other_social_account = account_field(
    "Other Social Bodies",
    "Contributions paid to other bodies (437 Autres organismes sociaux).")
payment_journal = fields.Many2One(
    'account.payment.journal', "Payment Journal",
    help="The journal net pay is paid from, by SEPA credit transfer.")
# The settings of coop_payroll, each coop's own (a row per company of
# coop.payroll.configuration.payroll)
SETTINGS = [
    'payslip_sequence', 'structure', 'posting', 'journal',
    *ACCOUNT_FIELDS, 'payment_journal']


class Configuration(
        CompanySettings, ModelSingleton, ModelSQL, ModelView):
    "Settings of the payroll, each coop's own"
    __name__ = 'coop.payroll.configuration'
    __string__ = "Payroll Configuration"
    _missing_setting_message = 'coop_payroll.msg_configuration_missing'
    _no_company_message = 'coop_payroll.msg_configuration_no_company'
    _company_not_allowed_message = 'coop_payroll.msg_company_not_allowed'
    _missing_setting_error = ConfigurationError

    payslip_sequence = fields.MultiValue(own_sequences(payslip_sequence))
    structure = fields.MultiValue(structure)
    posting = fields.MultiValue(posting)
    journal = fields.MultiValue(journal)
    wage_expense_account = fields.MultiValue(wage_expense_account)
    employer_expense_account = fields.MultiValue(employer_expense_account)
    allowance_expense_account = fields.MultiValue(allowance_expense_account)
    net_payable_account = fields.MultiValue(net_payable_account)
    urssaf_account = fields.MultiValue(urssaf_account)
    retirement_account = fields.MultiValue(retirement_account)
    other_social_account = fields.MultiValue(other_social_account)
    payment_journal = fields.MultiValue(payment_journal)

    @classmethod
    def multivalue_model(cls, field):
        if field in SETTINGS:
            return Pool().get('coop.payroll.configuration.payroll')
        return super().multivalue_model(field)

    default_posting = default_func('posting')

    @classmethod
    def french_accounts(cls):
        "{setting: (French chart code, code of the child made for it)}"
        return dict(FRENCH_ACCOUNTS)

    @classmethod
    def set_french_accounts(cls, company):
        """Point every empty account setting at the French chart's account

        Used by the demo and tests; an accountant may set them by hand.
        The settings set are the company's own."""
        pool = Pool()
        Account = pool.get('account.account')
        with Transaction().set_context(company=company.id):
            config = cls(1)
            for name, (code, child_code) in cls.french_accounts().items():
                if getattr(config, name):
                    continue
                account, = Account.search([
                        ('company', '=', company.id),
                        ('code', '=', code),
                        ])
                if account.closed:
                    children = [
                        a for a in account.childs if not a.closed and a.type]
                    if children:
                        account = children[0]
                    else:
                        account = cls._payroll_child(account, child_code)
                setattr(config, name, account)
            config.save()

    @classmethod
    def _payroll_child(cls, parent, code):
        pool = Pool()
        Account = pool.get('account.account')
        accounts = Account.search([
                ('company', '=', parent.company.id),
                ('code', '=', code),
                ])
        if accounts:
            return accounts[0]
        account = Account(
            company=parent.company, parent=parent, code=code,
            name=gettext('coop_payroll.msg_payroll_account_name',
                parent=parent.name),
            type=parent.type, reconcile=True)
        if code.startswith('421'):
            account.party_required = True
            # Net pay is paid by account_payment, which needs a payable type;
            # a child account must have its parent's type, so a sibling
            if parent.parent and not parent.parent.type:
                account.parent = parent.parent
                account.type = cls._payable_type(parent.type)
        account.save()
        return account

    @classmethod
    def _payable_type(cls, type_):
        "A payable sub-type of type_, so balance sheets still group it there"
        pool = Pool()
        Type = pool.get('account.account.type')
        if type_.payable:
            return type_
        payable = Type(
            name=type_.name, parent=type_, company=type_.company,
            statement=type_.statement, payable=True,
            sequence=type_.sequence)
        payable.save()
        return payable


class ConfigurationPayroll(CompanySettingsValue, ModelSQL):
    "A coop's payroll settings"
    __name__ = 'coop.payroll.configuration.payroll'
    __string__ = "Payroll Configuration per Coop"
    _configuration = 'coop.payroll.configuration'
    _other_company_message = 'coop_payroll.msg_configuration_other_company'
    _shared_sequence_message = 'coop_payroll.msg_configuration_shared_sequence'
    _other_company_error = ConfigurationError

    payslip_sequence = payslip_sequence
    structure = structure
    posting = posting
    journal = journal
    wage_expense_account = wage_expense_account
    employer_expense_account = employer_expense_account
    allowance_expense_account = allowance_expense_account
    net_payable_account = net_payable_account
    urssaf_account = urssaf_account
    retirement_account = retirement_account
    other_social_account = other_social_account
    payment_journal = payment_journal

    @classmethod
    def default_posting(cls):
        return 'payslip'
