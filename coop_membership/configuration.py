# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Settings of the register: its sequence, journal and accounts, and the
statutory limits the legal checks apply (the law's figures by default)"""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Id
from trytond.transaction import Transaction

from coop_tools.model import account_field
from coop_tools.settings import (
    CompanySettings, CompanySettingsValue, default_func, own_sequences)

from .exceptions import ConfigurationError

# French chart (account_fr) accounts of each setting; a closed account
# (4561, 1013, 4567) gets a postable child, made here when the chart has
# none, whose party is required when the setting says so.
FRENCH_ACCOUNTS = {
    'account_called': ('4561', '456151', True),
    'account_unpaid': ('1012', None, False),
    'account_paid': ('1013', '10131', False),
    'account_refund': ('4567', '45671', True),
    'account_bank': ('512', '5121', False),
    }


def _rate_field(string, help):
    return fields.Numeric(string, digits=(4, 4), required=True, help=help)


operation_sequence = fields.Many2One(
    'ir.sequence.strict', "Register Sequence",
    domain=[
        ('sequence_type', '=',
            Id('coop_membership', 'sequence_type_operation')),
        ],
    help="Numbers the operations of the register, without gaps, the "
    "coop's own.")
journal = fields.Many2One(
    'account.journal', "Journal",
    help="The journal capital entries are posted in.")
account_called = account_field(
    "Members' Contributions",
    "What members owe on called capital (4561 Associés - comptes "
    "d'apport en société).", party_required=True)
account_unpaid = account_field(
    "Capital Called Unpaid",
    "1012 Capital souscrit - appelé, non versé.", party_required=False)
account_paid = account_field(
    "Capital Paid Up",
    "1013 Capital souscrit - appelé, versé; a share class may name "
    "its own.", party_required=False)
account_refund = account_field(
    "Capital to Refund",
    "What the coop owes members who sold shares back (4567 Associés - "
    "capital à rembourser).", party_required=True)
account_bank = account_field(
    "Bank", "The bank account payments by hand are posted to (512).",
    party_required=False)
sell_back_waiting_months = fields.Integer(
    "Sell-Back Waiting Period", required=True,
    domain=[('sell_back_waiting_months', '>=', 0)],
    help="Months from a member's request before shares sold back may "
    "leave the capital, as the statutes set.")
minimum_capital = fields.Numeric(
    "Minimum Capital", digits=(16, 2), required=True,
    domain=[('minimum_capital', '>=', 0)],
    help="The capital may not fall below this floor (statutes; the law "
    "asks 30 € of a SCOP in SARL or SAS form).")
scop_employee_capital = _rate_field(
    "SCOP: Employees' Capital",
    "Share of the capital the employees hold at least (51 % by law).")
scop_employee_votes = _rate_field(
    "SCOP: Employees' Votes",
    "Share of the votes the employees hold at least (65 % by law).")
scic_categories = fields.Integer(
    "SCIC: Categories", required=True,
    help="Categories of members a SCIC has at least, employees and "
    "beneficiaries among them (3 by law).")
scic_college_weight_min = _rate_field(
    "SCIC: Least College Weight",
    "The least weight of a college in the votes (10 % by law).")
scic_college_weight_max = _rate_field(
    "SCIC: Greatest College Weight",
    "The greatest weight of a college in the votes (50 % by law).")
scic_public_capital = _rate_field(
    "SCIC: Public Bodies' Capital",
    "Share of the capital public bodies may hold at most (50 % by law).")
assembly_quorum_ordinary_first = _rate_field(
    "Quorum: Ordinary, First Convocation",
    "Share of the members entitled to vote who must attend an ordinary "
    "assembly on first convocation (1/5 by company law).")
assembly_quorum_ordinary_second = _rate_field(
    "Quorum: Ordinary, Second Convocation",
    "The same on second convocation (none by company law).")
assembly_quorum_extraordinary_first = _rate_field(
    "Quorum: Extraordinary, First Convocation",
    "Share of the members entitled to vote who must attend an "
    "extraordinary assembly on first convocation (1/4 by company law).")
assembly_quorum_extraordinary_second = _rate_field(
    "Quorum: Extraordinary, Second Convocation",
    "The same on second convocation (1/5 by company law).")
assembly_quorum_per_college = fields.Boolean(
    "Quorum in Each College",
    help="Each college must reach the quorum too, as some statutes "
    "ask.")
assembly_proxy_small_members = fields.Integer(
    "Proxies: Small Coop Below", required=True,
    domain=[('assembly_proxy_small_members', '>=', 0)],
    help="A coop with fewer members than this limits the proxies a "
    "member holds to a fixed number (20 members in a SCOP).")
assembly_proxy_small_limit = fields.Integer(
    "Proxies: Small Coop Limit", required=True,
    domain=[('assembly_proxy_small_limit', '>=', 0)],
    help="The proxies a member may hold in a small coop (1 in a SCOP).")
assembly_proxy_share = _rate_field(
    "Proxies: Share of Members",
    "In a larger coop, a member may hold proxies for at most this share "
    "of the members (1/20 in a SCOP).")
assembly_abstention = fields.Selection([
        ('excluded', "Not Counted"),
        ('against', "Counted Against"),
        ], "Abstentions and Blank Votes", required=True,
    help="Whether abstentions and blank votes are left out of the "
    "expressed votes (the law since 2019) or count as votes against.")
# Remote voting (statutes): loi 47-1775 art. 10 allows members to take part
# and vote from afar only when the statutes say so
assembly_remote_voting = fields.Boolean(
    "Remote Voting Allowed",
    help="The statutes allow members to vote online, from the opening "
    "to the closing of the vote the secretary sets on each assembly.")
# The notice between the convocations and the meeting, in days: at least
# 15 on first convocation and 10 on the next (Code de commerce R225-69 for
# an SA; R223-20 asks 15 of a SARL on every convocation). The day the
# convocations are sent does not count, the meeting's does (Cass. com.
# 11 January 2005, no. 02-14118; code de procédure civile art. 641), from
# the day they are sent, not received (Cass. ch. mixte 16 December 2005,
# no. 04-10986): letters sent on 15 June give a meeting on 30 June its 15
# days. See docs/assembly.md.
assembly_notice_first = fields.Integer(
    "Notice: First Convocation", required=True,
    domain=[('assembly_notice_first', '>=', 0)],
    help="Days at least between the convocations and the meeting on first "
    "convocation (15 by company law); the day of sending does not count, "
    "the meeting's does.")
assembly_notice_second = fields.Integer(
    "Notice: Second Convocation", required=True,
    domain=[('assembly_notice_second', '>=', 0)],
    help="The same on second convocation (10 in an SA, R225-69; a SARL "
    "keeps 15).")
# Postal votes (statutes): loi 47-1775 art. 10 allows them only when the
# statutes say so; forms are counted when they reach the coop 3 days at
# least before the meeting unless the statutes set fewer (R225-77)
assembly_postal_voting = fields.Boolean(
    "Postal Voting Allowed",
    help="The statutes allow members to vote by post: each convocation "
    "comes with the member's postal vote form.")
assembly_postal_days = fields.Integer(
    "Postal Votes: Days Before the Meeting", required=True,
    domain=[('assembly_postal_days', '>=', 0)],
    help="A postal vote form counts when it reaches the coop at least "
    "this many days before the meeting (3 unless the statutes set fewer).")
# Each coop's own: a row per company of
# coop.membership.configuration.membership
SETTINGS = [
    'operation_sequence',
    'journal',
    'account_called',
    'account_unpaid',
    'account_paid',
    'account_refund',
    'account_bank',
    'sell_back_waiting_months',
    'minimum_capital',
    'scop_employee_capital',
    'scop_employee_votes',
    'scic_categories',
    'scic_college_weight_min',
    'scic_college_weight_max',
    'scic_public_capital',
    'assembly_quorum_ordinary_first',
    'assembly_quorum_ordinary_second',
    'assembly_quorum_extraordinary_first',
    'assembly_quorum_extraordinary_second',
    'assembly_quorum_per_college',
    'assembly_proxy_small_members',
    'assembly_proxy_small_limit',
    'assembly_proxy_share',
    'assembly_abstention',
    'assembly_remote_voting',
    'assembly_notice_first',
    'assembly_notice_second',
    'assembly_postal_voting',
    'assembly_postal_days',
    ]


class Configuration(
        CompanySettings, ModelSingleton, ModelSQL, ModelView):
    """Settings of the register of members and of the share capital, each
    coop's own"""
    __name__ = 'coop.membership.configuration'
    __string__ = "Membership Configuration"
    _missing_setting_message = 'coop_membership.msg_configuration_missing'
    _no_company_message = 'coop_membership.msg_configuration_no_company'
    _company_not_allowed_message = 'coop_membership.msg_company_not_allowed'
    _missing_setting_error = ConfigurationError

    operation_sequence = fields.MultiValue(own_sequences(operation_sequence))
    journal = fields.MultiValue(journal)
    account_called = fields.MultiValue(account_called)
    account_unpaid = fields.MultiValue(account_unpaid)
    account_paid = fields.MultiValue(account_paid)
    account_refund = fields.MultiValue(account_refund)
    account_bank = fields.MultiValue(account_bank)
    sell_back_waiting_months = fields.MultiValue(sell_back_waiting_months)
    minimum_capital = fields.MultiValue(minimum_capital)
    scop_employee_capital = fields.MultiValue(scop_employee_capital)
    scop_employee_votes = fields.MultiValue(scop_employee_votes)
    scic_categories = fields.MultiValue(scic_categories)
    scic_college_weight_min = fields.MultiValue(scic_college_weight_min)
    scic_college_weight_max = fields.MultiValue(scic_college_weight_max)
    scic_public_capital = fields.MultiValue(scic_public_capital)

    assembly_quorum_ordinary_first = fields.MultiValue(
        assembly_quorum_ordinary_first)
    assembly_quorum_ordinary_second = fields.MultiValue(
        assembly_quorum_ordinary_second)
    assembly_quorum_extraordinary_first = fields.MultiValue(
        assembly_quorum_extraordinary_first)
    assembly_quorum_extraordinary_second = fields.MultiValue(
        assembly_quorum_extraordinary_second)
    assembly_quorum_per_college = fields.MultiValue(
        assembly_quorum_per_college)
    assembly_proxy_small_members = fields.MultiValue(
        assembly_proxy_small_members)
    assembly_proxy_small_limit = fields.MultiValue(assembly_proxy_small_limit)
    assembly_proxy_share = fields.MultiValue(assembly_proxy_share)
    assembly_abstention = fields.MultiValue(assembly_abstention)
    assembly_remote_voting = fields.MultiValue(assembly_remote_voting)
    assembly_notice_first = fields.MultiValue(assembly_notice_first)
    assembly_notice_second = fields.MultiValue(assembly_notice_second)
    assembly_postal_voting = fields.MultiValue(assembly_postal_voting)
    assembly_postal_days = fields.MultiValue(assembly_postal_days)

    @classmethod
    def set_french_accounts(cls, company):
        """Point every empty account setting at the French chart's account

        Used by the demo and tests; an accountant may set them by hand.
        The settings set are the company's own."""
        pool = Pool()
        Account = pool.get('account.account')
        with Transaction().set_context(company=company.id):
            config = cls(1)
            for name, (code, child_code, party) in FRENCH_ACCOUNTS.items():
                if getattr(config, name):
                    continue
                account, = Account.search([
                        ('company', '=', company.id),
                        ('code', '=', code),
                        ])
                if account.closed or account.party_required != party:
                    account = cls._capital_child(account, child_code, party)
                setattr(config, name, account)
            config.save()

    @classmethod
    def _capital_child(cls, parent, code, party_required):
        pool = Pool()
        Account = pool.get('account.account')
        accounts = Account.search([
                ('company', '=', parent.company.id),
                ('code', '=', code),
                ('party_required', '=', party_required),
                ('closed', '!=', True),
                ])
        if accounts:
            return accounts[0]
        account = Account(
            company=parent.company, parent=parent, code=code,
            name=gettext('coop_membership.msg_capital_account_name',
                parent=parent.name),
            type=parent.type, debit_type=parent.debit_type,
            party_required=party_required, reconcile=party_required)
        account.save()
        return account

    @classmethod
    def multivalue_model(cls, field):
        if field in SETTINGS:
            return Pool().get('coop.membership.configuration.membership')
        return super().multivalue_model(field)

    default_assembly_quorum_ordinary_first = default_func(
        'assembly_quorum_ordinary_first')
    default_assembly_quorum_ordinary_second = default_func(
        'assembly_quorum_ordinary_second')
    default_assembly_quorum_extraordinary_first = default_func(
        'assembly_quorum_extraordinary_first')
    default_assembly_quorum_extraordinary_second = default_func(
        'assembly_quorum_extraordinary_second')
    default_assembly_quorum_per_college = default_func(
        'assembly_quorum_per_college')
    default_assembly_proxy_small_members = default_func(
        'assembly_proxy_small_members')
    default_assembly_proxy_small_limit = default_func(
        'assembly_proxy_small_limit')
    default_assembly_proxy_share = default_func('assembly_proxy_share')
    default_assembly_abstention = default_func('assembly_abstention')
    default_assembly_remote_voting = default_func('assembly_remote_voting')
    default_assembly_notice_first = default_func('assembly_notice_first')
    default_assembly_notice_second = default_func('assembly_notice_second')
    default_assembly_postal_voting = default_func('assembly_postal_voting')
    default_assembly_postal_days = default_func('assembly_postal_days')
    default_sell_back_waiting_months = default_func('sell_back_waiting_months')
    default_minimum_capital = default_func('minimum_capital')
    default_scop_employee_capital = default_func('scop_employee_capital')
    default_scop_employee_votes = default_func('scop_employee_votes')
    default_scic_categories = default_func('scic_categories')
    default_scic_college_weight_min = default_func('scic_college_weight_min')
    default_scic_college_weight_max = default_func('scic_college_weight_max')
    default_scic_public_capital = default_func('scic_public_capital')


class ConfigurationMembership(CompanySettingsValue, ModelSQL):
    "A coop's settings of its register, capital and assemblies"
    __name__ = 'coop.membership.configuration.membership'
    __string__ = "Membership Configuration per Coop"
    _configuration = 'coop.membership.configuration'
    _other_company_message = (
        'coop_membership.msg_configuration_other_company')
    _shared_sequence_message = (
        'coop_membership.msg_configuration_shared_sequence')
    _other_company_error = ConfigurationError

    operation_sequence = operation_sequence
    journal = journal
    account_called = account_called
    account_unpaid = account_unpaid
    account_paid = account_paid
    account_refund = account_refund
    account_bank = account_bank
    sell_back_waiting_months = sell_back_waiting_months
    minimum_capital = minimum_capital
    scop_employee_capital = scop_employee_capital
    scop_employee_votes = scop_employee_votes
    scic_categories = scic_categories
    scic_college_weight_min = scic_college_weight_min
    scic_college_weight_max = scic_college_weight_max
    scic_public_capital = scic_public_capital
    assembly_quorum_ordinary_first = assembly_quorum_ordinary_first
    assembly_quorum_ordinary_second = assembly_quorum_ordinary_second
    assembly_quorum_extraordinary_first = assembly_quorum_extraordinary_first
    assembly_quorum_extraordinary_second = assembly_quorum_extraordinary_second
    assembly_quorum_per_college = assembly_quorum_per_college
    assembly_proxy_small_members = assembly_proxy_small_members
    assembly_proxy_small_limit = assembly_proxy_small_limit
    assembly_proxy_share = assembly_proxy_share
    assembly_abstention = assembly_abstention
    assembly_remote_voting = assembly_remote_voting
    assembly_notice_first = assembly_notice_first
    assembly_notice_second = assembly_notice_second
    assembly_postal_voting = assembly_postal_voting
    assembly_postal_days = assembly_postal_days

    @classmethod
    def default_assembly_quorum_ordinary_first(cls):
        return Decimal('0.20')

    @classmethod
    def default_assembly_quorum_ordinary_second(cls):
        return Decimal(0)

    @classmethod
    def default_assembly_quorum_extraordinary_first(cls):
        return Decimal('0.25')

    @classmethod
    def default_assembly_quorum_extraordinary_second(cls):
        return Decimal('0.20')

    @classmethod
    def default_assembly_quorum_per_college(cls):
        return False

    @classmethod
    def default_assembly_proxy_small_members(cls):
        return 20

    @classmethod
    def default_assembly_proxy_small_limit(cls):
        return 1

    @classmethod
    def default_assembly_proxy_share(cls):
        return Decimal('0.05')

    @classmethod
    def default_assembly_abstention(cls):
        return 'excluded'

    @classmethod
    def default_assembly_remote_voting(cls):
        return False

    @classmethod
    def default_assembly_notice_first(cls):
        return 15

    @classmethod
    def default_assembly_notice_second(cls):
        return 10

    @classmethod
    def default_assembly_postal_voting(cls):
        return False

    @classmethod
    def default_assembly_postal_days(cls):
        return 3

    @classmethod
    def default_sell_back_waiting_months(cls):
        return 0

    @classmethod
    def default_minimum_capital(cls):
        return Decimal(30)

    @classmethod
    def default_scop_employee_capital(cls):
        return Decimal('0.51')

    @classmethod
    def default_scop_employee_votes(cls):
        return Decimal('0.65')

    @classmethod
    def default_scic_categories(cls):
        return 3

    @classmethod
    def default_scic_college_weight_min(cls):
        return Decimal('0.10')

    @classmethod
    def default_scic_college_weight_max(cls):
        return Decimal('0.50')

    @classmethod
    def default_scic_public_capital(cls):
        return Decimal('0.50')
