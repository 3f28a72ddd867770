# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"Shares paid by payroll deduction; the surplus allocation and its payroll"
import datetime as dt
from contextlib import contextmanager
from decimal import Decimal

from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from coop_tools.languages import load_french
from coop_tools.testing import SuiteDatabase, lock_tables

from coop_membership.tests.tools import (
    balance, operation, setup_membership, skip_warnings, subscribe)
from coop_payroll.tests.tools import (
    create_rider, pages_text, setup_payroll)

from coop_payroll_membership.surplus import AllocationError, split

D = Decimal
JANUARY = dt.date(2026, 1, 1)
# Accounts the tests add to the test chart: code, name, type
ACCOUNTS = {
    'wage_expense_account': ('6411', "Wages", 'expense'),
    'employer_expense_account': ('645', "Employer contributions", 'expense'),
    'allowance_expense_account': ('6251', "Travel", 'expense'),
    'urssaf_account': ('431', "URSSAF", 'payable'),
    'retirement_account': ('437', "Agirc-Arrco", 'payable'),
    # coop_payroll_fr's: income tax withheld at source
    'income_tax_account': ('4421', "Income tax withheld", 'payable'),
    'surplus_account_result': ('120', "Result", 'payable'),
    'surplus_account_legal_reserve': ('1061', "Legal reserve", 'payable'),
    'surplus_account_reserves': ('1068', "Other reserves", 'payable'),
    'surplus_account_workers': ('424', "Workers' share", 'payable'),
    'surplus_account_interest': ('457', "Dividends payable", 'payable'),
    'surplus_account_carry_forward': ('110', "Carried forward", 'payable'),
    }


def setup(company, form='scop'):
    """Membership and payroll on one test chart, fiscal years 2026 and
    2027; return the share class A and the employees' category"""
    lock_tables()
    from trytond.modules.account.tests import get_fiscalyear
    pool = Pool()
    Account = pool.get('account.account')
    FiscalYear = pool.get('account.fiscalyear')
    PayrollConfiguration = pool.get('coop.payroll.configuration')
    Configuration = pool.get('coop.membership.configuration')
    classes = setup_membership(company, form=form)
    fiscal_year = get_fiscalyear(company, today=dt.date(2027, 1, 1))
    fiscal_year.save()
    FiscalYear.create_period([fiscal_year])
    setup_payroll(company)

    def account(code, name, kind, **values):
        template, = Account.search([
                ('company', '=', company.id),
                ('type.%s' % kind, '=', True),
                ('closed', '!=', True),
                ], limit=1)
        return Account.create([{
                    'company': company.id, 'type': template.type.id,
                    'parent': template.parent.id, 'code': code,
                    'name': name, **values}])[0]
    payroll = PayrollConfiguration(1)
    config = Configuration(1)
    payroll.posting = 'payslip'
    payroll.journal = config.journal
    for name, (code, string, kind) in ACCOUNTS.items():
        setattr(payroll if hasattr(payroll, name) else config, name,
            account(code, string, kind))
    payroll.other_social_account = payroll.retirement_account
    payroll.net_payable_account = account(
        '4211', "Net pay", 'payable', party_required=True, reconcile=True)
    payroll.save()
    config.save()
    return classes['A'], classes['EMP']


def payslip(employee, month, post=True):
    pool = Pool()
    Payslip = pool.get('coop.payroll.payslip')
    record, = Payslip.create([{
                'company': employee.company.id, 'employee': employee.id,
                'start_date': month, 'payment_date': month.replace(day=28),
                }])
    Payslip.compute([record])
    if post:
        Payslip.confirm([record])
        Payslip.post([record])
    return Payslip(record.id)


@contextmanager
def as_user(company, module, group):
    "Run as a new user of company in group, access checked"
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    user, = User.create([{
                'name': group, 'login': group,
                'companies': [('add', [company.id])], 'company': company.id,
                'groups': [('add', [ModelData.get_id(module, group)])],
                }])
    transaction = Transaction()
    with transaction.set_user(user.id), \
            transaction.set_context(_check_access=True), \
            transaction.set_context(User.get_preferences(context_only=True)):
        yield


def after_net(payslip):
    return [(l.code, l.amount) for l in payslip.lines
        if l.kind == 'after_net']


class PayrollMembershipTestCase(SuiteDatabase, ModuleTestCase):
    "Shares paid by payroll, surplus allocation"
    module = 'coop_payroll_membership'
    # Its payslips are computed with French legal amounts
    extras = ['coop_payroll_fr']

    @with_transaction()
    def test_shares_by_payroll_deduction(self):
        "Deducted up to what is due, paid, reconciled; a reversal undoes it"
        pool = Pool()
        Member = pool.get('coop.member')
        Payslip = pool.get('coop.payroll.payslip')
        Payment = pool.get('coop.share.payment')
        Subscription = pool.get('coop.share.subscription')
        company = create_company()
        with set_company(company):
            share_class, category = setup(company)
            awa = create_rider(company, "Awa", JANUARY, '12.50')
            member, = Member.create([{
                        'company': company.id, 'party': awa.party.id,
                        'number': 'M1', 'category': category.id,
                        'payroll_deduction': D(100),
                        }])
            # 10 shares of 25.00, called, nothing paid
            subscription, = subscribe(
                [member], share_class, 10, JANUARY, paid=False)

            january = payslip(awa, JANUARY)
            self.assertEqual(after_net(january), [('SHARES', D(-100))])
            # The net pay less the deduction; gross and taxable untouched
            self.assertEqual(january.gross, D('1895.83'))
            self.assertEqual(january.net_pay, january.gross
                - january.employee_contributions + january.allowances
                - 100)
            self.assertEqual(
                january.taxable_net - january.net_pay > 100, True)
            subscription = Subscription(subscription.id)
            self.assertEqual(subscription.amount_due, D(150))
            payment, = subscription.payments
            self.assertEqual(
                (payment.amount, payment.payslip, payment.date),
                (D(100), january, dt.date(2026, 1, 31)))
            # The payslip credits the member's 4561, the payment moves
            # the capital from called unpaid to paid up
            self.assertEqual(
                [(l.account.code, l.party, l.credit) for l in
                    january.move.lines if l.account.code == '4561'],
                [('4561', awa.party, D(100))])
            self.assertEqual(balance(['4561'], dt.date(2026, 12, 31)),
                D(-150))
            self.assertEqual(balance(['1013'], dt.date(2026, 12, 31)),
                D(100))
            self.assertEqual(balance(['1012'], dt.date(2026, 12, 31)),
                D(150))
            self.assertEqual(balance(['4211'], dt.date(2026, 12, 31)),
                january.net_pay)

            # At most what is due: 100, then the 50 left
            february = payslip(awa, dt.date(2026, 2, 1), post=False)
            # A confirmed payslip not posted yet counts as paying its part
            Payslip.confirm([february])
            march = payslip(awa, dt.date(2026, 3, 1), post=False)
            self.assertEqual(after_net(march), [('SHARES', D(-50))])
            Payslip.post([february])
            Payslip.confirm([march])
            Payslip.post([march])
            subscription = Subscription(subscription.id)
            self.assertEqual(
                (subscription.state, subscription.amount_due),
                ('paid', D(0)))
            called = [l for l in subscription.operation.move.lines
                if l.account.code == '4561']
            self.assertTrue(all(l.reconciliation for l in called))
            self.assertEqual(balance(['4561'], dt.date(2026, 12, 31)), 0)
            self.assertEqual(balance(['1013'], dt.date(2026, 12, 31)),
                D(250))
            april = payslip(awa, dt.date(2026, 4, 1), post=False)
            self.assertEqual(after_net(april), [])

            # Correcting March: its reversal cancels the payment of 50
            draft, = Payslip.correct([Payslip(march.id)])
            reversal, = Payslip(march.id).reversals
            self.assertEqual(after_net(reversal), [('SHARES', D(50))])
            cancel, = Payment.search([('payslip', '=', reversal.id)])
            self.assertEqual(cancel.amount, D(-50))
            self.assertEqual(cancel.reverses.payslip, march)
            subscription = Subscription(subscription.id)
            self.assertEqual(
                (subscription.state, subscription.amount_due),
                ('called', D(50)))
            self.assertFalse(any(l.reconciliation for l in called))
            self.assertEqual(balance(['4561'], dt.date(2026, 12, 31)),
                D(-50))
            self.assertEqual(balance(['1013'], dt.date(2026, 12, 31)),
                D(200))
            # The new draft deducts it again, and pays it when posted; a
            # payroll administrator computes it without seeing the register
            self.assertEqual(after_net(draft), [('SHARES', D(-50))])
            with as_user(company, 'coop_payroll', 'group_payroll_admin'):
                Payslip.compute([Payslip(draft.id)])
            draft = Payslip(draft.id)
            self.assertEqual(after_net(draft), [('SHARES', D(-50))])
            Payslip.confirm([draft])
            Payslip.post([draft])
            subscription = Subscription(subscription.id)
            self.assertEqual(subscription.state, 'paid')
            self.assertEqual(balance(['4561'], dt.date(2026, 12, 31)), 0)

            # The payslip PDF lists the deduction
            Report = pool.get('coop.payroll.payslip', type='report')
            load_french(['coop_payroll'])
            with Transaction().set_context(language='fr'):
                _, data, _, _ = Report.execute([draft.id], {})
            text = ' '.join(pages_text(data)).replace(' usd', '')
            self.assertIn(
                "Éléments après le net (retenues et versements) Montant "
                "Shares paid by payroll deduction (M1 Awa × 10 A) -50,00 "
                "Net payé", text)

    def _allocation(self, company, **values):
        pool = Pool()
        Allocation = pool.get('coop.surplus.allocation')
        FiscalYear = pool.get('account.fiscalyear')
        fiscal_year, = FiscalYear.search([
                ('company', '=', company.id),
                ('start_date', '=', JANUARY),
                ])
        allocation, = Allocation.create([{
                    'company': company.id, 'fiscal_year': fiscal_year.id,
                    'date': dt.date(2027, 5, 15),
                    'payroll_month': dt.date(2027, 6, 1),
                    **values}])
        Allocation.fetch([allocation])
        return allocation

    def assertRefused(self, allocation, *figures, **values):
        pool = Pool()
        Allocation = pool.get('coop.surplus.allocation')
        Allocation.write([allocation], values)
        with self.assertRaises(AllocationError) as context:
            Allocation.check([allocation])
        for figure in figures:
            self.assertIn(figure, context.exception.message)
        self.assertEqual(Allocation(allocation.id).state, 'draft')

    def assertAccepted(self, allocation, **values):
        pool = Pool()
        Allocation = pool.get('coop.surplus.allocation')
        Allocation.write([allocation], values)
        Allocation.check([allocation])
        self.assertEqual(Allocation(allocation.id).state, 'checked')
        Allocation.draft([allocation])

    def _result(self, company, code, amount, date):
        "Post amount to the credit of account code, from the bank"
        pool = Pool()
        Account = pool.get('account.account')
        Move = pool.get('account.move')
        Period = pool.get('account.period')
        Configuration = pool.get('coop.membership.configuration')
        config = Configuration(1)
        account, = Account.search([
                ('company', '=', company.id), ('code', '=', code)])
        move, = Move.create([{
                    'company': company.id, 'journal': config.journal.id,
                    'date': date,
                    'period': Period.find(company, date=date).id,
                    'lines': [('create', [{
                                    'account': config.account_bank.id,
                                    'debit': amount, 'credit': 0,
                                    }, {
                                    'account': account.id,
                                    'debit': 0, 'credit': amount,
                                    }])],
                    }])
        Move.post([move])

    @with_transaction()
    def test_surplus_allocation_scop(self):
        "Each SCOP limit on both sides; the entry; split by hours to payroll"
        pool = Pool()
        Allocation = pool.get('coop.surplus.allocation')
        Configuration = pool.get('coop.membership.configuration')
        Member = pool.get('coop.member')
        Payslip = pool.get('coop.payroll.payslip')
        company = create_company()
        with set_company(company), skip_warnings():
            share_class, category = setup(company)
            riders = [create_rider(company, n, JANUARY, '12.50')
                for n in ["Awa", "Léo", "Inès"]]
            members = Member.create([{
                        'company': company.id, 'party': r.party.id,
                        'number': f'M{i}', 'category': category.id,
                        } for i, r in enumerate(riders)])
            # Capital 4,000.00 at most, 3,000.00 at the year's end
            subscribe(members[:2], share_class, 80, JANUARY)
            operation('sell_back', members[1], share_class, 40,
                dt.date(2026, 6, 1))
            for rider in riders:
                payslip(rider, dt.date(2026, 3, 1))
            self._result(company, '120', D(10000), dt.date(2026, 12, 31))

            allocation = self._allocation(company)
            self.assertEqual(
                (allocation.surplus, allocation.highest_capital,
                    allocation.capital, allocation.legal_reserve_balance,
                    allocation.interest_cap_rate),
                (D(10000), D(4000), D(3000), D(0), D('4.59')))
            good = {
                'legal_reserve': D(1500), 'development_fund': D('5862.30'),
                'workers_share': D(2500), 'share_interest': D('137.70'),
                'carry_forward': D(0),
                }
            self.assertAccepted(allocation, **good)
            self.assertRefused(allocation, "14.99 %", "10,000.00",
                "1,500.00", **{**good, 'legal_reserve': D('1499.99'),
                    'carry_forward': D('0.01')})
            self.assertRefused(allocation, "24.99 %", "2,500.00",
                **{**good, 'workers_share': D('2499.99'),
                    'carry_forward': D('0.01')})
            self.assertRefused(allocation, "137.71", "4.59 %", "3,000.00",
                "137.70", **{**good, 'share_interest': D('137.71'),
                    'development_fund': D('5862.29')})
            self.assertRefused(allocation, "9,999.99",
                **{**good, 'development_fund': D('5862.29')})
            # Interest never more than the workers' share
            config = Configuration(1)
            config.surplus_workers_rate = D('0.01')
            config.save()
            self.assertRefused(allocation, "100.01", "100.00", **{
                    **good, 'workers_share': D(100),
                    'share_interest': D('100.01'),
                    'development_fund': D('8299.99')})
            self.assertAccepted(allocation, **{
                    **good, 'workers_share': D(100),
                    'share_interest': D(100), 'development_fund': D(8300)})
            config.surplus_workers_rate = D('0.25')
            config.save()
            # The legal reserve needs only what brings it to the highest
            # capital: 400.00 once it holds 3,600.00
            self._result(company, '1061', D(3600), dt.date(2026, 12, 31))
            Allocation.fetch([allocation])
            allocation = Allocation(allocation.id)
            self.assertEqual(
                (allocation.surplus, allocation.legal_reserve_balance),
                (D(10000), D(3600)))
            self.assertRefused(allocation, "399.99", "3,600.00",
                "4,000.00", "400.00", **{**good,
                    'legal_reserve': D('399.99'),
                    'development_fund': D('6962.31')})
            self.assertAccepted(allocation, **{**good,
                    'legal_reserve': D(400), 'development_fund': D('5962.30'),
                    'carry_forward': D(1000)})

            # Checked: the workers' share split by hours (the same for
            # each: the first gets the cent left over); posted
            Allocation.write([allocation], good)
            # A membership administrator checks it: the payroll's records
            # are made for them
            with as_user(company, 'coop_membership', 'group_membership_admin'):
                Allocation.check([Allocation(allocation.id)])
            allocation = Allocation(allocation.id)
            self.assertEqual(
                [(w.employee, w.basis, w.amount)
                    for w in allocation.workers],
                [(r, D('151.67'), a) for r, a in zip(riders,
                        [D('833.34'), D('833.33'), D('833.33')])])
            # A payslip before the posting pays nothing yet
            june = payslip(riders[0], dt.date(2027, 6, 1), post=False)
            self.assertEqual(after_net(june), [])
            Allocation.post([allocation])
            move = allocation.move
            self.assertEqual(move.state, 'posted')
            self.assertEqual(
                sorted((l.account.code, l.debit - l.credit)
                    for l in move.lines),
                [('1061', D(-1500)), ('1068', D('-5862.30')),
                    ('120', D(10000)), ('424', D(-2500)),
                    ('457', D('-137.70'))])
            end = dt.date(2027, 12, 31)
            self.assertEqual(balance(['120'], end), 0)
            self.assertEqual(balance(['1061'], end), D(5100))
            # The workers' share reaches the payslip, after the net
            Payslip.compute([june])
            june = Payslip(june.id)
            self.assertEqual(after_net(june), [('EXTRA', D('833.34'))])
            self.assertEqual(june.net_pay, june.gross
                - june.employee_contributions + june.allowances
                + D('833.34'))
            Payslip.confirm([june])
            Payslip.post([june])
            self.assertEqual(balance(['424'], end), D('1666.66'))

    @with_transaction()
    def test_surplus_allocation_scic_salary_split(self):
        "SCIC reserves on both sides of 57.5 %; the split by salary"
        pool = Pool()
        Allocation = pool.get('coop.surplus.allocation')
        company = create_company()
        with set_company(company):
            setup(company, form='scic')
            riders = [create_rider(company, n, JANUARY, w)
                for n, w in [("Awa", '12.50'), ("Léo", '12.50'),
                    ("Inès", '15.00')]]
            for rider in riders:
                payslip(rider, dt.date(2026, 3, 1))
            allocation = self._allocation(company, workers_split='salary')
            # No result posted: the surplus entered
            self.assertEqual(allocation.surplus, 0)
            good = {
                'surplus': D(10000), 'legal_reserve': D(1500), 'development_fund': D(4250),
                'workers_share': D(1000), 'share_interest': D(0),
                'carry_forward': D(3250),
                }
            self.assertRefused(allocation, "57.49 %", "5,749.99",
                "5,750.00", **{**good, 'development_fund': D('4249.99'),
                    'carry_forward': D('3250.01')})
            # No capital: no interest
            self.assertRefused(allocation, "0.01", "0.00", **{**good,
                    'share_interest': D('0.01'),
                    'carry_forward': D('3249.99')})
            Allocation.write([allocation], good)
            Allocation.check([allocation])
            allocation = Allocation(allocation.id)
            self.assertEqual(
                [(w.basis, w.amount) for w in allocation.workers],
                [(D('1895.83'), D('312.50')), (D('1895.83'), D('312.50')),
                    (D('2275.00'), D('375.00'))])
        self.assertEqual(
            split(D('0.02'), {'a': 1, 'b': 1, 'c': 1}),
            {'a': D('0.01'), 'b': D('0.01'), 'c': D(0)})


del ModuleTestCase
