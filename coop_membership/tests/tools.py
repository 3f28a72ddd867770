# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"Building blocks of the membership tests"
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from trytond.pool import Pool
from trytond.transaction import Transaction

from coop_tools.testing import lock_tables, setup_company

YEAR = 2026
# Accounts of the test chart, by configuration setting
ACCOUNTS = {
    'account_called': ('4561', "Members' contributions", 'receivable', True),
    'account_unpaid': ('1012', "Capital called unpaid", 'payable', False),
    'account_paid': ('1013', "Capital paid up", 'payable', False),
    'account_refund': ('4567', "Capital to refund", 'payable', True),
    'account_bank': ('512', "Bank", 'receivable', False),
    }
CAPITAL_CODES = ('1012', '1013', '10131')


def set_membership_accounts(company):
    """The register's sequence, the CASH journal and an account for each
    membership setting, on the company's test chart (create_chart's);
    return the configuration, unsaved"""
    pool = Pool()
    Account = pool.get('account.account')
    Journal = pool.get('account.journal')
    Sequence = pool.get('ir.sequence.strict')
    SequenceType = pool.get('ir.sequence.type')
    ModelData = pool.get('ir.model.data')
    Configuration = pool.get('coop.membership.configuration')
    config = Configuration(1)
    config.operation_sequence, = Sequence.create([{
                'name': "Register",
                'sequence_type': SequenceType(ModelData.get_id(
                        'coop_membership', 'sequence_type_operation')),
                'company': company.id,
                }])
    config.journal, = Journal.search([('code', '=', 'CASH')])
    for name, (code, string, kind, party) in ACCOUNTS.items():
        template, = Account.search([
                ('company', '=', company.id),
                ('type.%s' % kind, '=', True),
                ('closed', '!=', True),
                ], limit=1)
        setattr(config, name, Account.create([{
                        'company': company.id, 'code': code, 'name': string,
                        'type': template.type.id,
                        'parent': template.parent.id,
                        'party_required': party, 'reconcile': party,
                        }])[0])
    return config


def membership_fixture(company, build=None):
    """setup_membership's records on company, the company and what
    build(company, records) adds to them, for commit_setup (a class's
    fixture built once)"""
    with setup_company(company):
        data = setup_membership(company)
        if build:
            data.update(build(company, data))
    return {'company': company, **data}


def vary_membership(company, form=None, **settings):
    """The coop form of company and the register's settings of a test
    that needs a variant of membership_fixture's (waiting_months and
    minimum_capital as setup_membership names them)"""
    pool = Pool()
    Company = pool.get('company.company')
    Configuration = pool.get('coop.membership.configuration')
    if form is not None:
        Company.write([company], {'coop_form': form})
    names = {'waiting_months': 'sell_back_waiting_months'}
    config = Configuration(1)
    for name, value in settings.items():
        setattr(config, names.get(name, name), value)
    config.save()


def setup_membership(company, form='scop', waiting_months=0,
        minimum_capital=Decimal(30)):
    """A test chart, a fiscal year over YEAR, the register's settings and
    three categories and a share class of 25.00; return them by code"""
    lock_tables()
    from trytond.modules.account.tests import create_chart, get_fiscalyear
    pool = Pool()
    FiscalYear = pool.get('account.fiscalyear')
    Category = pool.get('coop.member.category')
    ShareClass = pool.get('coop.share.class')
    company.coop_form = form
    company.save()
    create_chart(company)
    fiscal_year = get_fiscalyear(company, today=dt.date(YEAR, 1, 1))
    fiscal_year.save()
    FiscalYear.create_period([fiscal_year])

    config = set_membership_accounts(company)
    config.sell_back_waiting_months = waiting_months
    config.minimum_capital = minimum_capital
    config.save()
    categories = Category.create([
            {'code': code, 'name': name, 'kind': kind}
            for code, name, kind in [
                ('EMP', "Employees", 'employee'),
                ('BEN', "Beneficiaries", 'beneficiary'),
                ('SUP', "Supporters", 'supporter'),
                ('PUB', "Public bodies", 'public_body'),
                ]])
    share_class, = ShareClass.create([{
                'code': 'A', 'name': "Ordinary", 'nominal': Decimal(25),
                }])
    result = {c.code: c for c in categories}
    result['A'] = share_class
    return result


_numbers = defaultdict(int)


def create_members(company, category, names, person_kind='person'):
    "Candidates of category, numbered in the register"
    pool = Pool()
    Party = pool.get('party.party')
    Member = pool.get('coop.member')
    parties = Party.create([{'name': n} for n in names])
    members = []
    for party in parties:
        _numbers[company.id] += 1
        members.append({
                'company': company.id, 'party': party.id,
                'number': f'M{_numbers[company.id]:04d}',
                'category': category.id, 'person_kind': person_kind,
                })
    return Member.create(members)


def subscribe(members, share_class, quantity, date, paid=True):
    """Subscriptions of quantity shares by each member, requested, approved
    and called on date, and paid in full on date when paid"""
    pool = Pool()
    Subscription = pool.get('coop.share.subscription')
    Payment = pool.get('coop.share.payment')
    subscriptions = Subscription.create([{
                'member': m.id, 'share_class': share_class.id,
                'quantity': quantity, 'request_date': date, 'call_date': date,
                'consent_statutes': True, 'consent_data': True,
                } for m in members])
    Subscription.approve(subscriptions)
    Subscription.call(subscriptions)
    if paid:
        Subscription.record_payments([
                Payment(subscription=s, date=date, amount=s.amount)
                for s in subscriptions])
    return Subscription.browse(subscriptions)


def operation(kind, member, share_class, quantity, date, **values):
    "A recorded operation of the register (a sell-back approved first)"
    pool = Pool()
    Operation = pool.get('coop.share.operation')
    if kind == 'sell_back':
        values.setdefault('request_date', date)
    record, = Operation.create([{
                'kind': kind, 'member': member.id,
                'share_class': share_class.id, 'quantity': quantity,
                'date': date, 'effective_date': date, **values}])
    if kind == 'sell_back':
        Operation.approve([record])
    Operation.record([record])
    return record


def balance(codes, date):
    "Credit minus debit of the accounts with codes, posted up to date"
    pool = Pool()
    Line = pool.get('account.move.line')
    lines = Line.search([
            ('account.code', 'in', list(codes)),
            ('move.date', '<=', date),
            ('move.state', '=', 'posted'),
            ])
    return sum((l.credit - l.debit for l in lines), Decimal(0))


def capital(company, date):
    "The register's capital at date"
    pool = Pool()
    Line = pool.get('coop.share.operation.line')
    return Line.capital(company, date)


def skip_warnings():
    return Transaction().set_context(_skip_warnings=True)
