# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from trytond.exceptions import UserError, UserWarning
from trytond.model.exceptions import (
    AccessError, DomainValidationError, RequiredValidationError)
from trytond.modules.company.tests import CompanyTestMixin, create_company
from coop_membership.legal import CollegeWeightError, LegalLimitError
from coop_membership.member import MemberValidationError
from coop_membership.operation import OperationError
from coop_membership.share import ShareClassError
from coop_membership.subscription import SubscriptionError
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from coop_tools.testing import (
    SuiteDatabase, commit_setup, company_records)

from .tools import (
    CAPITAL_CODES, balance, capital, create_members, membership_fixture,
    operation, skip_warnings, subscribe, vary_membership)

JAN, FEB, MAR, APR, MAY, JUN, JUL, AUG = (
    dt.date(2026, m, 15) for m in range(1, 9))


def move_lines(move):
    "Debit minus credit per account code and party"
    result = defaultdict(Decimal)
    for line in move.lines:
        result[line.account.code, line.party] += line.debit - line.credit
    return dict(result)


def create_account(company, code, name):
    "A capital account beside 1013"
    pool = Pool()
    Account = pool.get('account.account')
    paid, = Account.search([('code', '=', '1013')])
    account, = Account.copy([paid], default={'code': code, 'name': name})
    return account


class CoopMembershipTestCase(SuiteDatabase, CompanyTestMixin, ModuleTestCase):
    "Members, the register of shares, its accounting and the legal checks"
    module = 'coop_membership'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # One coop for the class, committed, with its chart, fiscal year and
        # register's settings (setup_membership's: seconds each); each test
        # rolls back what it adds, variants included (vary_membership)
        cls.data = commit_setup(lambda: membership_fixture(create_company()))

    def coop(self):
        """The class's coop and its register's settings by key, the coop
        as the user's company"""
        return company_records(self.data)

    def _member(self, name, number, **values):
        pool = Pool()
        Party = pool.get('party.party')
        Member = pool.get('coop.member')
        Category = pool.get('coop.member.category')
        party, = Party.create([{'name': name}])
        category = Category.search([('code', '=', 'EMP')])
        if not category:
            category = Category.create([{
                        'code': 'EMP', 'name': "Employees",
                        'kind': 'employee'}])
        values.update(party=party.id, number=number, category=category[0].id)
        member, = Member.create([values])
        return member

    @with_transaction()
    def test_member_lifecycle(self):
        "A candidate becomes a member, then a former member"
        pool = Pool()
        Member = pool.get('coop.member')
        with self.coop():
            member = self._member("Awa Diallo", 'M-001')
            self.assertEqual(member.status, 'candidate')
            self.assertEqual(member.rec_name, 'M-001 Awa Diallo')
            Member.write([member], {
                    'status': 'member',
                    'entry_date': dt.date(2025, 6, 1),
                    })
            Member.write([member], {
                    'status': 'former',
                    'exit_date': dt.date(2026, 6, 30),
                    })
            self.assertEqual(
                Member.search([('rec_name', 'ilike', '%diallo%')]), [member])

    @with_transaction()
    def test_status_needs_dates(self):
        "A member needs an entry date and a former member an exit date"
        with self.coop():
            with self.assertRaises(RequiredValidationError):
                self._member("A", 'M-1', status='member')
            with self.assertRaises(RequiredValidationError):
                self._member(
                    "B", 'M-2', status='former',
                    entry_date=dt.date(2025, 1, 1))
            with self.assertRaises(MemberValidationError):
                self._member(
                    "C", 'M-3', status='member',
                    entry_date=dt.date(2025, 1, 1),
                    exit_date=dt.date(2025, 12, 31))
            with self.assertRaises(DomainValidationError):
                self._member(
                    "D", 'M-4', status='former',
                    entry_date=dt.date(2025, 1, 1),
                    exit_date=dt.date(2024, 12, 31))

    @with_transaction()
    def test_number_unique(self):
        "Two members of one company cannot share a number"
        with self.coop():
            self._member("A", 'M-1')
            with self.assertRaises(UserError):
                self._member("B", 'M-1')

    @with_transaction()
    def test_register_reserved_to_membership_admin(self):
        "A user outside the membership administrators cannot read members"
        pool = Pool()
        User = pool.get('res.user')
        Member = pool.get('coop.member')
        with self.coop() as data:
            company = data['company']
            self._member("A", 'M-1')
            user, = User.create([{
                        'name': "Clerk", 'login': 'clerk',
                        'companies': [('add', [company.id])],
                        'company': company.id,
                        }])
        with Transaction().set_user(user.id), \
                Transaction().set_context(_check_access=True):
            with self.assertRaises(AccessError):
                Member.search([])

    # The register of shares, its accounting and the legal checks

    @with_transaction()
    def test_subscription_from_request_to_paid(self):
        "A subscription is approved, called, paid in two instalments"
        pool = Pool()
        Subscription = pool.get('coop.share.subscription')
        Payment = pool.get('coop.share.payment')
        Operation = pool.get('coop.share.operation')
        with self.coop() as data:
            company = data['company']
            awa, = create_members(company, data['EMP'], ["Awa"])
            subscription, = Subscription.create([{
                        'member': awa.id, 'share_class': data['A'].id,
                        'quantity': 4, 'request_date': JAN,
                        'call_date': FEB,
                        }])
            self.assertEqual(subscription.amount, Decimal('100.00'))
            with self.assertRaises(SubscriptionError):
                Subscription.approve([subscription])
            subscription.consent_statutes = subscription.consent_data = True
            subscription.save()
            Subscription.approve([subscription])
            with self.assertRaises(AccessError):
                Subscription.write([subscription], {'quantity': 5})
            Subscription.call([subscription])
            self.assertEqual(subscription.state, 'called')
            with self.assertRaises(AccessError):
                Subscription.write([subscription], {'call_date': MAR})
            operation = subscription.operation
            self.assertEqual(
                (operation.kind, operation.number, operation.effective_date),
                ('subscription', '1', FEB))
            self.assertEqual(awa.status, 'member')
            self.assertEqual(awa.entry_date, FEB)
            self.assertEqual(move_lines(operation.move), {
                    ('4561', awa.party): Decimal('100.00'),
                    ('1012', None): Decimal('-100.00'),
                    })
            with self.assertRaises(SubscriptionError):
                Subscription.record_payments([Payment(
                            subscription=subscription, date=MAR,
                            amount=Decimal('100.01'))])
            first, = Subscription.record_payments([Payment(
                        subscription=subscription, date=MAR,
                        amount=Decimal('40'))])
            self.assertEqual(Subscription(subscription.id).state, 'called')
            self.assertEqual(move_lines(first.move), {
                    ('512', None): Decimal('40.00'),
                    ('4561', awa.party): Decimal('-40.00'),
                    ('1012', None): Decimal('40.00'),
                    ('1013', None): Decimal('-40.00'),
                    })
            Subscription.record_payments([Payment(
                        subscription=subscription, date=APR,
                        amount=Decimal('60'))])
            subscription = Subscription(subscription.id)
            self.assertEqual(subscription.state, 'paid')
            self.assertEqual(subscription.amount_due, Decimal(0))
            # What she owed on the call is settled and reconciled
            called = [l for m in [operation.move] + [
                    p.move for p in subscription.payments]
                for l in m.lines if l.account.code == '4561']
            self.assertTrue(all(l.reconciliation for l in called))
            self.assertEqual(balance(['1013'], APR), Decimal(100))
            self.assertEqual(balance(['1012'], APR), Decimal(0))
            with Transaction().set_context(date=APR):
                awa = awa.__class__(awa.id)
                self.assertEqual((awa.shares, awa.capital), (4, Decimal(100)))
                holding, = awa.holdings
                self.assertEqual(holding.amount, Decimal(100))
            with Transaction().set_context(date=JAN):
                awa = awa.__class__(awa.id)
                self.assertEqual((awa.shares, awa.holdings), (0, ()))
            # More shares are an increase
            second, = subscribe([awa], data['A'], 2, APR)
            self.assertEqual(second.operation.kind, 'increase')
            self.assertEqual(Operation.search([], order=[('number', 'ASC')]),
                [operation, second.operation])

    @with_transaction()
    def test_payment_from_bank_statement(self):
        "A bank statement line related to a subscription pays it"
        pool = Pool()
        Configuration = pool.get('coop.membership.configuration')
        Journal = pool.get('account.journal')
        StatementJournal = pool.get('account.statement.journal')
        Statement = pool.get('account.statement')
        Subscription = pool.get('coop.share.subscription')
        with self.coop() as data:
            company = data['company']
            config = Configuration(1)
            awa, = create_members(company, data['EMP'], ["Awa"])
            subscription, = subscribe([awa], data['A'], 4, JAN, paid=False)
            bank, = StatementJournal.create([{
                        'name': "Bank", 'journal': Journal.create([{
                                    'name': "Bank", 'code': 'BNK',
                                    'type': 'statement'}])[0].id,
                        'currency': company.currency.id,
                        'account': config.account_bank.id,
                        'validation': 'balance',
                        }])
            line = Pool().get('account.statement.line')(
                date=FEB, amount=Decimal(100), related_to=subscription)
            line.on_change_related_to()
            self.assertEqual(
                (line.party, line.account), (awa.party, config.account_called))
            statement, = Statement.create([{
                        'name': "February", 'journal': bank.id,
                        'date': FEB, 'start_balance': Decimal(0),
                        'end_balance': Decimal(100),
                        'lines': [('create', [{
                                        'date': FEB, 'amount': Decimal(100),
                                        'party': line.party.id,
                                        'account': line.account.id,
                                        'related_to': str(subscription),
                                        }])],
                        }])
            Statement.validate_statement([statement])
            Statement.post([statement])
            subscription = Subscription(subscription.id)
            self.assertEqual(subscription.state, 'paid')
            payment, = subscription.payments
            self.assertEqual(payment.statement_line, statement.lines[0])
            # The statement posted the bank side; the payment moves the
            # capital from called unpaid to paid up
            self.assertEqual(move_lines(payment.move), {
                    ('1012', None): Decimal('100.00'),
                    ('1013', None): Decimal('-100.00'),
                    })
            self.assertEqual(balance(['512'], FEB), Decimal(-100))
            self.assertEqual(balance(['4561'], FEB), Decimal(0))

    @with_transaction()
    def test_capital_accounts_equal_register(self):
        "At every date the capital accounts hold what the register says"
        pool = Pool()
        Operation = pool.get('coop.share.operation')
        ShareClass = pool.get('coop.share.class')
        Subscription = pool.get('coop.share.subscription')
        Payment = pool.get('coop.share.payment')
        with self.coop() as data:
            company = data['company']
            share_a = data['A']
            share_b, = ShareClass.create([{
                        'code': 'B', 'name': "Hundreds",
                        'nominal': Decimal(100), 'account_paid':
                        create_account(company, '10131', "Capital B").id,
                        }])
            awa, leo, zoe = create_members(
                company, data['EMP'], ["Awa", "Léo", "Zoé"])
            subscribe([awa], share_a, 8, JAN)
            unpaid, = subscribe([leo], share_a, 4, FEB, paid=False)
            operation('sell_back', awa, share_a, 2, MAR)
            newcomer, = create_members(company, data['EMP'], ["Noa"])
            operation('transfer', awa, share_a, 2, APR, to_member=newcomer.id)
            operation('conversion', awa, share_a, 4, MAY,
                to_class=share_b.id, to_quantity=1)
            Subscription.record_payments([Payment(
                        subscription=unpaid, date=JUN, amount=Decimal(50))])
            late, = subscribe([zoe], share_b, 2, JUL, paid=False)
            Operation.reverse([late.operation], date=AUG)
            self.assertEqual(Subscription(late.id).state, 'cancelled')
            dates = [JAN, FEB, MAR, APR, MAY, JUN, JUL, AUG]
            expected = [200, 300, 250, 250, 250, 250, 450, 250]
            for date, amount in zip(dates, expected):
                with self.subTest(date=date):
                    register = capital(company, date)
                    self.assertEqual(register, Decimal(amount))
                    self.assertEqual(
                        balance(CAPITAL_CODES, date), register)
            # Paid up: all but Léo's 50 still due and Zoé's reversed call
            self.assertEqual(
                balance(['1013', '10131'], AUG), Decimal(200))
            self.assertEqual(balance(['1012'], AUG), Decimal(50))

    @with_transaction()
    def test_sell_back_rules(self):
        "A sell-back needs approval, waits, keeps the floor, is refunded"
        pool = Pool()
        Operation = pool.get('coop.share.operation')
        with self.coop() as data:
            company = data['company']
            vary_membership(
                company, waiting_months=3, minimum_capital=Decimal(100))
            share_a = data['A']
            awa, leo = create_members(company, data['EMP'], ["Awa", "Léo"])
            share_a.minimum = 2
            share_a.save()
            subscribe([awa, leo], share_a, 4, JAN)

            def sell_back(quantity, date, request=JAN, approve=True):
                record, = Operation.create([{
                            'kind': 'sell_back', 'member': awa.id,
                            'share_class': share_a.id, 'quantity': quantity,
                            'date': date, 'effective_date': date,
                            'request_date': request}])
                if approve:
                    Operation.approve([record])
                return record

            with self.assertRaises(OperationError):
                Operation.record([sell_back(1, MAY, approve=False)])
            # Three months after the request on 15 January: 15 April
            with self.assertRaises(OperationError):
                Operation.record([sell_back(1, dt.date(2026, 4, 14))])
            # Leaving one share is below the class's minimum of two
            with self.assertRaises(ShareClassError):
                Operation.record([sell_back(3, APR)])
            with self.assertRaises(ShareClassError):
                Operation.record([sell_back(5, APR)])
            partial = sell_back(2, dt.date(2026, 4, 15))
            Operation.record([partial])
            self.assertEqual(partial.number, '3')
            self.assertEqual(move_lines(partial.move), {
                    ('1013', None): Decimal('50.00'),
                    ('4567', awa.party): Decimal('-50.00'),
                    })
            # 150 left: selling 2 more leaves 100, the floor; 3 would not
            Operation.record([sell_back(2, MAY)])
            self.assertEqual(Pool().get('coop.member')(awa.id).status,
                'former')
            self.assertEqual(capital(company, MAY), Decimal(100))
            partial.pay_refund(JUN)
            self.assertEqual(move_lines(partial.refund_move), {
                    ('4567', awa.party): Decimal('50.00'),
                    ('512', None): Decimal('-50.00'),
                    })
            self.assertTrue(all(l.reconciliation
                    for m in [partial.move, partial.refund_move]
                    for l in m.lines if l.account.code == '4567'))
            with self.assertRaises(OperationError):
                partial.pay_refund(JUN)
            leo_out, = Operation.create([{
                        'kind': 'sell_back', 'member': leo.id,
                        'share_class': share_a.id, 'quantity': 2,
                        'date': JUN, 'effective_date': JUN,
                        'request_date': JAN}])
            Operation.approve([leo_out])
            with self.assertRaises(OperationError):
                Operation.record([leo_out])

    @with_transaction()
    def test_register_is_append_only(self):
        "Recorded operations are not edited; corrections are reversals"
        pool = Pool()
        Operation = pool.get('coop.share.operation')
        with self.coop() as data:
            company = data['company']
            awa, leo = create_members(company, data['EMP'], ["Awa", "Léo"])
            subscribe([awa], data['A'], 4, FEB)
            transfer = operation(
                'transfer', awa, data['A'], 1, MAR, to_member=leo.id)
            with self.assertRaises(AccessError):
                Operation.write([transfer], {'quantity': 2})
            with self.assertRaises(AccessError):
                Operation.delete([transfer])
            # Nothing effective before the register's last operation
            early, = Operation.create([{
                        'kind': 'transfer', 'member': awa.id,
                        'share_class': data['A'].id, 'quantity': 1,
                        'date': FEB, 'effective_date': FEB,
                        'to_member': leo.id}])
            with self.assertRaises(OperationError):
                Operation.record([early])
            reversal, = Operation.reverse([transfer], date=APR)
            self.assertEqual(
                (reversal.number, reversal.reverses, reversal.kind),
                ('3', transfer, 'transfer'))
            self.assertEqual(transfer.reversal, reversal)
            self.assertIsNone(reversal.move)
            self.assertEqual(Pool().get('coop.member')(leo.id).status,
                'former')
            with Transaction().set_context(date=APR):
                self.assertEqual(
                    [h.quantity for h in awa.__class__(awa.id).holdings], [4])
            with self.assertRaises(OperationError):
                Operation.reverse([transfer], date=APR)

    @with_transaction()
    def test_transfer_and_conversion(self):
        "A transfer to a newcomer makes her a member; conversions balance"
        pool = Pool()
        Member = pool.get('coop.member')
        ShareClass = pool.get('coop.share.class')
        with self.coop() as data:
            company = data['company']
            share_b, = ShareClass.create([{
                        'code': 'B', 'name': "Hundreds",
                        'nominal': Decimal(100), 'maximum': 2,
                        'for_organisations': False,
                        }])
            awa, = create_members(company, data['EMP'], ["Awa"])
            shop, = create_members(
                company, data['EMP'], ["Shop"], person_kind='organisation')
            subscribe([awa], data['A'], 12, JAN)
            newcomer, = create_members(company, data['EMP'], ["Noa"])
            self.assertEqual(newcomer.status, 'candidate')
            transfer = operation(
                'transfer', awa, data['A'], 4, FEB, to_member=newcomer.id)
            self.assertIsNone(transfer.move)
            newcomer = Member(newcomer.id)
            self.assertEqual(
                (newcomer.status, newcomer.entry_date), ('member', FEB))
            with self.assertRaises(OperationError):
                operation('conversion', awa, data['A'], 4, MAR,
                    to_class=share_b.id, to_quantity=2)
            with self.assertRaises(ShareClassError):
                operation('conversion', awa, data['A'], 8, MAR,
                    to_class=share_b.id, to_quantity=3)
            conversion = operation('conversion', awa, data['A'], 8, MAR,
                to_class=share_b.id, to_quantity=2)
            # Both classes keep their capital in 1013: no entry
            self.assertIsNone(conversion.move)
            with Transaction().set_context(date=MAR):
                self.assertEqual(sorted(
                        (h.share_class.code, h.quantity)
                        for h in Member(awa.id).holdings), [('B', 2)])
            # Class B is not open to legal persons
            with self.assertRaises(ShareClassError):
                operation('transfer', Member(awa.id), share_b, 1, APR,
                    to_member=shop.id)

    @with_transaction()
    def test_scop_capital_limit(self):
        "Employees hold at least 51 % of a SCOP's capital"
        with self.coop() as data:
            company = data['company']
            vary_membership(company, form='scop')
            share_a = data['A']
            first, second = create_members(
                company, data['EMP'], ["E1", "E2"])
            subscribe([first], share_a, 26, JAN)
            subscribe([second], share_a, 25, JAN)
            supporter, = create_members(company, data['SUP'], ["S1"])
            # 51 of 100 shares: exactly 51 %
            subscribe([supporter], share_a, 49, FEB)
            with self.assertRaises(LegalLimitError) as cm:
                subscribe([supporter], share_a, 1, MAR)
            self.assertIn('50.50 %', cm.exception.message)
            self.assertEqual(capital(company, MAR), Decimal(2500))

    @with_transaction()
    def test_scop_votes_limit(self):
        "Thirteen employees of twenty members are 65 % of the votes"
        with self.coop() as data:
            company = data['company']
            vary_membership(company, form='scop')
            share_a = data['A']
            employees = create_members(
                company, data['EMP'], [f"E{i}" for i in range(13)])
            subscribe(employees, share_a, 10, JAN)
            supporters = create_members(
                company, data['SUP'], [f"S{i}" for i in range(8)])
            subscribe(supporters[:7], share_a, 1, FEB)
            with self.assertRaises(LegalLimitError) as cm:
                subscribe(supporters[7:], share_a, 1, FEB)
            self.assertIn('61.90 %', cm.exception.message)
            # An employee leaving is the coop's drift to fix: it warns
            sell_back, = Pool().get('coop.share.operation').create([{
                        'kind': 'sell_back', 'member': employees[0].id,
                        'share_class': share_a.id, 'quantity': 10,
                        'date': MAR, 'effective_date': MAR,
                        'request_date': JAN}])
            Operation = Pool().get('coop.share.operation')
            Operation.approve([sell_back])
            with self.assertRaises(UserWarning):
                Operation.record([sell_back])
            with skip_warnings():
                Operation.record([sell_back])
            self.assertEqual(sell_back.state, 'recorded')

    @with_transaction()
    def test_scic_limits(self):
        "A SCIC's colleges weigh 10 % to 50 %; public bodies hold half"
        pool = Pool()
        Category = pool.get('coop.member.category')
        with self.coop() as data:
            company = data['company']
            vary_membership(company, form='scic')
            for code, weight in [('EMP', '0.50'), ('BEN', '0.10')]:
                data[code].vote_weight = Decimal(weight)
                data[code].save()
            for weight in ['0.0999', '0.5001']:
                data['SUP'].vote_weight = Decimal(weight)
                with self.assertRaises(CollegeWeightError):
                    data['SUP'].save()
            data['SUP'].vote_weight = Decimal('0.40')
            data['SUP'].save()
            data['PUB'].vote_weight = Decimal('0.10')
            with self.assertRaises(CollegeWeightError):
                # 110 % in all
                data['PUB'].save()
            # The refused weight was written before the check: a failed
            # transaction rolls it back, the test must take it out
            Category.write([data['PUB']], {'vote_weight': None})
            share_a = data['A']
            worker, = create_members(company, data['EMP'], ["Worker"])
            client, = create_members(company, data['BEN'], ["Client"])
            city, = create_members(
                company, data['PUB'], ["City"], person_kind='organisation')
            # Two categories so far: a drift to fix, it warns
            with self.assertRaises(UserWarning):
                subscribe([worker], share_a, 10, JAN)
            with skip_warnings():
                subscribe([worker], share_a, 10, JAN)
                subscribe([client], share_a, 10, JAN)
            with self.assertRaises(LegalLimitError):
                subscribe([city], share_a, 21, FEB)
            # 20 of 40 shares: exactly half
            subscribe([city], share_a, 20, FEB)


del ModuleTestCase
