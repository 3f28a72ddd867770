# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Net pay paid by payments of account_payment (SEPA credit transfers)

The payroll administrator creates, from posted payslips, one submitted
payable payment per net-pay move line (account 421x, party = the employee)
in the configuration's payment journal. The accountant approves the
payments and processes them: with a SEPA journal, processing makes a
payment group and its pain.001 message for the bank.
"""
from collections import defaultdict

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import without_check_access


class PaymentError(ValidationError):
    pass


class Payslip(metaclass=PoolMeta):
    __name__ = 'coop.payroll.payslip'

    payment_state = fields.Function(fields.Selection([
                (None, ""),
                ('unpaid', "Unpaid"),
                ('pending', "Payment Pending"),
                ('paid', "Paid"),
                ], "Payment State",
            help="How the net pay stands: unpaid, in a payment not yet "
            "done, or paid (a succeeded payment or a reconciled line)."),
        'get_payment_state')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'pay': {
                    'invisible': (
                        (Eval('state') != 'posted')
                        | Eval('reversal_of')
                        | (Eval('payment_state') != 'unpaid')),
                    'icon': 'tryton-forward',
                    'depends': ['state', 'reversal_of', 'payment_state'],
                    },
                })

    @classmethod
    def get_net_pay_lines(cls, payslips):
        "Map the posted payslips to their net-pay move line (or None)"
        pool = Pool()
        Configuration = pool.get('coop.payroll.configuration')
        MoveLine = pool.get('account.move.line')
        result = {}
        for company, company_payslips in cls.by_company(payslips):
            # Each coop's net pay is owed on its own account
            account = Configuration.of_company(company).net_payable_account
            posted = [p for p in company_payslips if p.move]
            if not account or not posted:
                continue
            lines = MoveLine.search([
                    ('move', 'in', list({p.move.id for p in posted})),
                    ('account', '=', account.id),
                    ('party', 'in',
                        list({p.employee.party.id for p in posted})),
                    ])
            by_key = {(l.move.id, l.party.id): l for l in lines}
            result.update({p: by_key.get((p.move.id, p.employee.party.id))
                    for p in posted})
        return result

    @classmethod
    def get_payment_state(cls, payslips, name):
        states = {p.id: None for p in payslips}
        with without_check_access():
            lines = cls.get_net_pay_lines([
                    p for p in payslips
                    if p.state == 'posted' and not p.reversal_of
                    and p.net_pay and p.net_pay > 0])
            for payslip, line in lines.items():
                if not line:
                    continue
                payments = [p for p in line.payments if p.state != 'failed']
                if line.reconciliation or any(
                        p.state == 'succeeded' for p in payments):
                    state = 'paid'
                elif payments:
                    state = 'pending'
                else:
                    state = 'unpaid'
                states[payslip.id] = state
        return states

    @classmethod
    def paid_dates(cls, payslips):
        """{payslip: the day its net pay was paid} of the payslips whose
        payment_state is paid: the reconciliation's date of the net-pay
        line, else its latest succeeded payment's"""
        result = {}
        with without_check_access():
            lines = cls.get_net_pay_lines([
                    p for p in payslips
                    if p.state == 'posted' and not p.reversal_of])
            for payslip, line in lines.items():
                if not line:
                    continue
                if line.reconciliation:
                    result[payslip] = line.reconciliation.date
                    continue
                dates = [p.date for p in line.payments
                    if p.state == 'succeeded']
                if dates:
                    result[payslip] = max(dates)
        return result

    @classmethod
    @ModelView.button
    def pay(cls, payslips):
        cls.create_payments(payslips)

    @classmethod
    def create_payments(cls, payslips):
        """Submitted payments of the net pay of posted payslips, each coop's
        from its own payment journal (see _create_company_payments)"""
        payments = []
        for company, company_payslips in cls.by_company(payslips):
            payments.extend(cls._create_company_payments(
                    company, company_payslips))
        return payments

    @classmethod
    def _create_company_payments(cls, company, payslips):
        """Submitted payments of the net pay of posted payslips

        Payslips that are reversals, corrected, not positive or whose
        net-pay line already has a payment that did not fail (or is
        reconciled) are skipped. Return the payments created."""
        pool = Pool()
        Configuration = pool.get('coop.payroll.configuration')
        Payment = pool.get('account.payment')
        MoveLine = pool.get('account.move.line')
        Date = pool.get('ir.date')
        # The payroll administrator hands the payments to the accountant,
        # who approves and processes them: creating them needs no right on
        # payments beyond the button's own group.
        with without_check_access():
            payslips = [p for p in payslips
                if p.state == 'posted' and p.move
                and not p.reversal_of and not p.corrected
                and p.net_pay and p.net_pay > 0]
            if not payslips:
                return []
            config = Configuration.of_company(company)
            journal = config.get_required('payment_journal')
            account = config.get_required('net_payable_account')
            if not account.type or not account.type.payable:
                raise PaymentError(gettext(
                        'coop_payroll.msg_payment_account_not_payable',
                        account=account.rec_name))
            lines = cls.get_net_pay_lines(payslips)
            by_line = defaultdict(list)
            for payslip in payslips:
                line = lines.get(payslip)
                if not line:
                    raise PaymentError(gettext(
                            'coop_payroll.msg_payment_no_net_pay_line',
                            payslip=payslip.rec_name,
                            account=account.rec_name))
                by_line[line].append(payslip)
            today = Date.today()
            payments, maturities = [], []
            for line, group in by_line.items():
                if line.reconciliation or any(
                        p.state != 'failed' for p in line.payments):
                    continue
                amount = line.credit - line.debit
                if amount <= 0:
                    continue
                date = max(max(p.payment_date for p in group), today)
                if not line.maturity_date:
                    # A payment's line must be due
                    maturities.extend(([line], {'maturity_date': date}))
                payments.append(Payment(
                        company=group[0].company,
                        journal=journal,
                        kind='payable',
                        party=line.party,
                        amount=amount,
                        line=line,
                        date=date,
                        reference=', '.join(
                            p.number or str(p.id) for p in group)[:140],
                        origin=group[0]))
            if maturities:
                MoveLine.write(*maturities)
            if payments:
                Payment.save(payments)
                Payment.submit(payments)
        return payments


class Batch(metaclass=PoolMeta):
    __name__ = 'coop.payroll.batch'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'pay': {
                    'invisible': Eval('state') != 'posted',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                })

    @classmethod
    @ModelView.button
    def pay(cls, batches):
        pool = Pool()
        Payslip = pool.get('coop.payroll.payslip')
        Payslip.create_payments([p for b in batches for p in b.payslips])


class Payment(metaclass=PoolMeta):
    __name__ = 'account.payment'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['coop.payroll.payslip']
