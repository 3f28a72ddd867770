# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"Net pay paid by SEPA credit transfer (account_payment_sepa)"
import datetime as dt
import unittest
from contextlib import contextmanager
from decimal import Decimal

from trytond.modules.account.tests import create_chart, get_fiscalyear
from trytond.modules.company.tests import create_company, create_employee
from trytond.modules.currency.tests import add_currency_rate, create_currency
from coop_payroll.configuration import ConfigurationError
from coop_payroll.payment import PaymentError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from coop_tools.testing import (
    activate_suite, commit_setup, company_records, setup_company)
from trytond.transaction import Transaction

COMPANY_IBAN = 'FR1420041010050500013M02606'
RIDER_IBAN = 'FR7630006000011234567890189'
# What _setup sets on the test, read from the class's fixture
RECORDS = [
    'company', 'net_account', 'expense', 'journal', 'rider',
    'payment_journal']


class CoopPayrollPaymentTestCase(unittest.TestCase):
    "Test the payment of the net pay"

    @classmethod
    def setUpClass(cls):
        activate_suite('coop_payroll')
        # The company, its chart and fiscal year, the SEPA journal and the
        # rider built once, committed; each test rolls back what it adds
        cls.today = dt.date.today()
        cls.data = commit_setup(cls._fixture)

    @classmethod
    def _fixture(cls):
        currency = create_currency('EUR')
        add_currency_rate(currency, 1)
        company = create_company(name="Coop Vélo", currency=currency)
        with setup_company(company):
            records = cls._setup_company(company, currency)
        return {'company': company, **records}

    @contextmanager
    def _setup(self):
        "Company, chart, net-pay account, SEPA journal, rider's IBAN"
        with company_records(self.data) as records:
            for name in RECORDS:
                setattr(self, name, records[name])
            yield records['config']

    @classmethod
    def _setup_company(cls, company, currency):
        "The records of _setup but the company, by name"
        pool = Pool()
        FiscalYear = pool.get('account.fiscalyear')
        Account = pool.get('account.account')
        AccountType = pool.get('account.account.type')
        Journal = pool.get('account.journal')
        Party = pool.get('party.party')
        Bank = pool.get('bank')
        BankAccount = pool.get('bank.account')
        PaymentJournal = pool.get('account.payment.journal')
        Configuration = pool.get('coop.payroll.configuration')

        fiscalyear = get_fiscalyear(company, today=cls.today)
        fiscalyear.save()
        FiscalYear.create_period([fiscalyear])
        create_chart(company)
        payable_type, = AccountType.search([
                ('company', '=', company.id),
                ('payable', '=', True),
                ], limit=1)
        net_account = Account(
            company=company, code='4211', name="Net pay due",
            type=payable_type, party_required=True, reconcile=True)
        net_account.save()
        expense, = Account.search([
                ('company', '=', company.id),
                ('type.expense', '=', True),
                ('closed', '=', False),
                ], limit=1)
        journal, = Journal.search([('code', '=', 'EXP')])

        rider = create_employee(company, "Awa Diallo")
        bank_party = Party(name="Banque Coopérative")
        bank_party.save()
        bank = Bank(party=bank_party, bic='CCBPFRPPXXX')
        bank.save()
        company_account, rider_account = BankAccount.create([{
                    'bank': bank.id,
                    'owners': [('add', [company.party.id])],
                    'numbers': [('create', [{
                                    'type': 'iban',
                                    'number': COMPANY_IBAN,
                                    }])],
                    }, {
                    'bank': bank.id,
                    'owners': [('add', [rider.party.id])],
                    'numbers': [('create', [{
                                    'type': 'iban',
                                    'number': RIDER_IBAN,
                                    }])],
                    }])
        payment_journal = PaymentJournal(
            name="SEPA", company=company, currency=currency,
            process_method='sepa',
            sepa_bank_account_number=company_account.numbers[0],
            sepa_payable_flavor='pain.001.001.03',
            sepa_receivable_flavor='pain.008.001.02')
        payment_journal.save()

        config = Configuration(1)
        config.net_payable_account = net_account
        config.journal = journal
        config.save()
        return {
            'net_account': net_account, 'expense': expense,
            'journal': journal, 'rider': rider,
            'payment_journal': payment_journal, 'config': config,
            }

    def _posted_payslip(self, net_pay, number, **values):
        "A posted payslip and its move, made by hand (no payroll run)"
        pool = Pool()
        Payslip = pool.get('coop.payroll.payslip')
        Move = pool.get('account.move')
        Period = pool.get('account.period')
        start = self.today.replace(day=1)
        payslip, = Payslip.create([{
                    'company': self.company.id,
                    'employee': self.rider.id,
                    'start_date': start,
                    'payment_date': self.today,
                    'net_pay': net_pay,
                    **values,
                    }])
        lines = [{
                'account': self.expense.id,
                'debit': max(net_pay, 0),
                'credit': max(-net_pay, 0),
                }, {
                'account': self.net_account.id,
                'party': self.rider.party.id,
                'debit': max(-net_pay, 0),
                'credit': max(net_pay, 0),
                }]
        move, = Move.create([{
                    'company': self.company.id,
                    'journal': self.journal.id,
                    'date': start,
                    'period': Period.find(self.company, date=start).id,
                    'origin': str(payslip),
                    'lines': [('create', lines)],
                    }])
        Move.post([move])
        Payslip.write([payslip], {
                'state': 'posted', 'move': move.id, 'number': number})
        return payslip

    @with_transaction()
    def test_pay_by_sepa(self):
        "Posted payslips are paid once by a SEPA credit transfer"
        pool = Pool()
        Payslip = pool.get('coop.payroll.payslip')
        Batch = pool.get('coop.payroll.batch')
        Payment = pool.get('account.payment')
        ProcessPayment = pool.get('account.payment.process', type='wizard')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        with self._setup() as config:
            batch = Batch(
                company=self.company, start_date=self.today.replace(day=1),
                payment_date=self.today)
            batch.save()
            payslip = self._posted_payslip(
                Decimal('1234.56'), 'P-0001', batch=batch.id)
            self.assertEqual(payslip.payment_state, 'unpaid')

            # Without a payment journal: a clear error
            with self.assertRaises(ConfigurationError) as cm:
                Batch.pay([batch])
            self.assertIn("Payment Journal", cm.exception.message)
            config.payment_journal = self.payment_journal
            config.save()

            # A payroll administrator without payment rights may pay
            admin, = User.create([{
                        'name': "Payroll", 'login': 'payroll',
                        'companies': [('add', [self.company.id])],
                        'company': self.company.id,
                        'groups': [('add', [ModelData.get_id(
                                        'coop_payroll',
                                        'group_payroll_admin')])],
                        }])
            with Transaction().set_user(admin.id), \
                    Transaction().set_context(_check_access=True), \
                    Transaction().set_context(
                        User.get_preferences(context_only=True)):
                Batch.pay([Batch(batch.id)])
            payment, = Payment.search([])
            net_line, = [l for l in payslip.move.lines
                if l.account == self.net_account]
            self.assertEqual(payment.amount, Decimal('1234.56'))
            self.assertEqual(payment.party, self.rider.party)
            self.assertEqual(payment.line, net_line)
            self.assertEqual(payment.kind, 'payable')
            self.assertEqual(payment.journal, self.payment_journal)
            self.assertEqual(payment.date, self.today)
            self.assertEqual(payment.reference, 'P-0001')
            self.assertEqual(payment.origin, payslip)
            self.assertEqual(payment.state, 'submitted')
            self.assertEqual(net_line.payment_amount, Decimal(0))
            self.assertEqual(Payslip(payslip.id).payment_state, 'pending')

            # Paying again creates nothing, from the batch or the payslip
            Batch.pay([batch])
            Payslip.pay([payslip])
            self.assertEqual(Payment.search([], count=True), 1)

            # The accountant approves and processes: a pain.001 message
            Payment.approve([payment])
            with Transaction().set_context(
                    active_model='account.payment', active_ids=[payment.id],
                    active_id=payment.id):
                session_id, _, _ = ProcessPayment.create()
                process = ProcessPayment(session_id)
                _, data = process.do_process(None)
            group_id, = data['res_id']
            payment = Payment(payment.id)
            self.assertEqual(payment.state, 'processing')
            self.assertEqual(payment.group.id, group_id)
            self.assertEqual(
                payment.sepa_payable_bank_account_number.number_compact,
                RIDER_IBAN)
            message, = payment.group.sepa_messages
            xml = message.message
            if isinstance(xml, bytes):
                xml = xml.decode('utf-8')
            self.assertIn('pain.001.001.03', xml)
            self.assertIn(f'<IBAN>{RIDER_IBAN}</IBAN>', xml)
            self.assertIn(f'<IBAN>{COMPANY_IBAN}</IBAN>', xml)
            self.assertIn('>1234.56</InstdAmt>', xml)
            self.assertIn('<Ustrd>P-0001</Ustrd>', xml)
            self.assertIn('Awa Diallo', xml)

            # A failed payment lets the payslip be paid again
            Payment.fail([payment])
            self.assertEqual(Payslip(payslip.id).payment_state, 'unpaid')
            Payslip.pay([payslip])
            self.assertEqual(Payment.search([], count=True), 2)
            # Not paid yet: no day of payment (the portal then says when
            # it is due, not « paid on »)
            self.assertEqual(Payslip.paid_dates([Payslip(payslip.id)]), {})

            # Paid in the books: the net-pay line reconciled on the 5th
            pool = Pool()
            Move = pool.get('account.move')
            Line = pool.get('account.move.line')
            Period = pool.get('account.period')
            paid_on = self.today.replace(day=5)
            move, = Move.create([{
                        'company': self.company.id,
                        'journal': self.journal.id,
                        'date': paid_on,
                        'period': Period.find(self.company, date=paid_on).id,
                        'lines': [('create', [{
                                        'account': self.net_account.id,
                                        'party': self.rider.party.id,
                                        'debit': Decimal('1234.56'),
                                        'credit': 0,
                                        }, {
                                        'account': self.expense.id,
                                        'debit': 0,
                                        'credit': Decimal('1234.56'),
                                        }])],
                        }])
            Move.post([move])
            counterpart, = [l for l in move.lines
                if l.account == self.net_account]
            Line.reconcile([Line(net_line.id), counterpart], date=paid_on)
            payslip = Payslip(payslip.id)
            self.assertEqual(payslip.payment_state, 'paid')
            self.assertEqual(Payslip.paid_dates([payslip]),
                {payslip: paid_on})

    @with_transaction()
    def test_pay_skips(self):
        "Reversals, zero net pay and unposted payslips are not paid"
        pool = Pool()
        Payslip = pool.get('coop.payroll.payslip')
        Payment = pool.get('account.payment')
        with self._setup() as config:
            config.payment_journal = self.payment_journal
            config.save()
            paid = self._posted_payslip(Decimal('800'), 'P-0001')
            reversal = self._posted_payslip(
                Decimal('-800'), 'P-0002', reversal_of=paid.id)
            zero = self._posted_payslip(Decimal(0), 'P-0003')
            draft, = Payslip.create([{
                        'company': self.company.id,
                        'employee': self.rider.id,
                        'start_date': self.today,
                        'payment_date': self.today,
                        'net_pay': Decimal(500),
                        }])
            # paid is corrected by reversal: its net pay is cancelled
            self.assertEqual(
                Payslip.create_payments([paid, reversal, zero, draft]), [])
            self.assertEqual(Payment.search([], count=True), 0)
            self.assertIsNone(Payslip(reversal.id).payment_state)

    @with_transaction()
    def test_pay_needs_payable_account(self):
        "The net-pay account must have a payable type"
        pool = Pool()
        AccountType = pool.get('account.account.type')
        with self._setup() as config:
            config.payment_journal = self.payment_journal
            config.save()
            payslip = self._posted_payslip(Decimal('800'), 'P-0001')
            AccountType.write([self.net_account.type], {'payable': False})
            with self.assertRaises(PaymentError) as cm:
                Pool().get('coop.payroll.payslip').pay([payslip])
            self.assertIn("payable", cm.exception.message)

