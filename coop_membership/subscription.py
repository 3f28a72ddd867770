# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Subscriptions: request, board approval, call, payment, shares paid up

The call records the shares in the register (what the member owes is then
in 4561, the capital in 1012); each payment, by hand or from a bank
statement line, moves its amount from 1012 to 1013. Payments may come in
instalments; the subscription is paid when they cover it.
"""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from coop_tools.model import rec_name_domain

from .operation import CENT
from .exceptions import SubscriptionError

# Written by the workflow once the board has approved
WORKFLOW_FIELDS = {'state', 'approval_date', 'operation'}


class Subscription(Workflow, ModelSQL, ModelView):
    "A member's request for shares, up to their payment"
    __name__ = 'coop.share.subscription'
    __string__ = "Share Subscription"

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    member = fields.Many2One(
        'coop.member', "Member", required=True, states=_states,
        domain=[('company', '=', Eval('company', -1))])
    share_class = fields.Many2One(
        'coop.share.class', "Share Class", required=True, states=_states,
        domain=[('company', '=', Eval('company', -1))])
    quantity = fields.Integer(
        "Shares", required=True, states=_states,
        domain=[('quantity', '>', 0)])
    amount = fields.Function(fields.Numeric(
            "Amount", digits=(16, 2)), 'on_change_with_amount')
    request_date = fields.Date("Request Date", required=True, states=_states)
    consent_statutes = fields.Boolean(
        "Accepts the Statutes", states=_states,
        help="The member has read and accepts the statutes and the rules "
        "of procedure.")
    consent_data = fields.Boolean(
        "Consents to the Register", states=_states,
        help="The member consents to their data being kept in the register "
        "of members and shown to the members who ask for it.")
    approval_date = fields.Date("Board Approval", readonly=True)
    call_date = fields.Date(
        "Call Date",
        states={
            'readonly': ~Eval('state').in_(['draft', 'approved']),
            'required': Eval('state').in_(['called', 'paid']),
            },
        domain=[If(Eval('call_date') & Eval('request_date'),
                ('call_date', '>=', Eval('request_date')),
                ())],
        help="When the capital is called: the shares are in the register "
        "from then.")
    operation = fields.Many2One(
        'coop.share.operation', "Register Operation", readonly=True)
    payments = fields.One2Many(
        'coop.share.payment', 'subscription', "Payments", readonly=True)
    amount_paid = fields.Function(fields.Numeric(
            "Paid", digits=(16, 2)), 'get_paid')
    amount_due = fields.Function(fields.Numeric(
            "Due", digits=(16, 2)), 'get_paid')
    state = fields.Selection([
            ('draft', "Requested"),
            ('approved', "Approved"),
            ('called', "Called"),
            ('paid', "Paid"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('request_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'approved'),
            ('approved', 'called'),
            ('called', 'paid'),
            ('draft', 'cancelled'),
            ('approved', 'cancelled'),
            # When the call's operation is reversed before any payment
            ('called', 'cancelled'),
            ('cancelled', 'draft'),
            }
        cls._buttons.update({
                'approve': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'call': {
                    'invisible': Eval('state') != 'approved',
                    'depends': ['state'],
                    },
                'pay': {
                    'invisible': Eval('state') != 'called',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(['draft', 'approved']),
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': Eval('state') != 'cancelled',
                    'depends': ['state'],
                    },
                })

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_state():
        return 'draft'

    @classmethod
    def default_request_date(cls):
        return Pool().get('ir.date').today()

    @fields.depends('share_class', 'quantity')
    def on_change_with_amount(self, name=None):
        if self.share_class and self.quantity:
            return (self.share_class.nominal * self.quantity).quantize(CENT)

    @classmethod
    def get_paid(cls, subscriptions, names):
        result = {n: {} for n in names}
        for subscription in subscriptions:
            paid = sum((p.amount for p in subscription.payments),
                Decimal('0.00'))
            if 'amount_paid' in names:
                result['amount_paid'][subscription.id] = paid
            if 'amount_due' in names:
                result['amount_due'][subscription.id] = (
                    (subscription.amount or 0) - paid)
        return result

    def get_rec_name(self, name):
        return f'{self.member.rec_name} × {self.quantity} {self.share_class.code}'

    @classmethod
    def search_rec_name(cls, name, clause):
        return rec_name_domain(clause, 'member.rec_name')

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        for subscriptions, values in zip(actions, actions):
            changed = set(values) - WORKFLOW_FIELDS
            for subscription in subscriptions:
                # The board approved these terms; only the call date waits
                editable = {
                    'draft': changed,
                    'approved': {'call_date'},
                    }.get(subscription.state, set())
                if changed - editable:
                    raise AccessError(gettext(
                            'coop_membership.msg_subscription_modify',
                            subscription=subscription.rec_name))
        super().write(*args)

    @classmethod
    def delete(cls, subscriptions):
        for subscription in subscriptions:
            if subscription.state not in {'draft', 'cancelled'}:
                raise SubscriptionError(gettext(
                        'coop_membership.msg_subscription_delete',
                        subscription=subscription.rec_name))
        super().delete(subscriptions)

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    def approve(cls, subscriptions):
        today = Pool().get('ir.date').today()
        for subscription in subscriptions:
            if not (subscription.consent_statutes
                    and subscription.consent_data):
                raise SubscriptionError(gettext(
                        'coop_membership.msg_subscription_consents',
                        subscription=subscription.rec_name))
            subscription.share_class.check_holder(subscription.member)
        cls.write(subscriptions, {'approval_date': today})

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, subscriptions):
        cls.write(subscriptions, {'approval_date': None})

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, subscriptions):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('called')
    def call(cls, subscriptions):
        "Record the shares in the register and what the members owe"
        pool = Pool()
        Operation = pool.get('coop.share.operation')
        Line = pool.get('coop.share.operation.line')
        today = pool.get('ir.date').today()
        for subscription in sorted(
                subscriptions, key=lambda s: (s.call_date or today, s.id)):
            date = subscription.call_date or today
            holds = Line.member_shares([subscription.member], date)[
                subscription.member.id]
            operation = Operation(
                company=subscription.company,
                kind='increase' if holds else 'subscription',
                date=date, effective_date=date,
                member=subscription.member,
                share_class=subscription.share_class,
                quantity=subscription.quantity,
                approval_date=subscription.approval_date,
                subscription=subscription)
            operation.save()
            Operation.record([operation])
            subscription.operation = operation
            subscription.call_date = date
        cls.save(subscriptions)

    @classmethod
    @ModelView.button_action('coop_membership.wizard_payment')
    def pay(cls, subscriptions):
        pass

    @classmethod
    @Workflow.transition('paid')
    def paid(cls, subscriptions):
        "Shares paid up: settle what the members owed on the call"
        pool = Pool()
        Configuration = pool.get('coop.membership.configuration')
        Operation = pool.get('coop.share.operation')
        for subscription in subscriptions:
            config = Configuration.of_company(subscription.company)
            moves = [p.move for p in subscription.payments]
            moves += [p.statement_line.move for p in subscription.payments
                if p.statement_line and p.statement_line.move]
            if subscription.operation.move:
                moves.append(subscription.operation.move)
            Operation.reconcile_party_lines(config.account_called, moves)

    def check_payment(self, amount):
        if self.state != 'called':
            raise SubscriptionError(gettext(
                    'coop_membership.msg_payment_not_called',
                    subscription=self.rec_name))
        if amount <= 0 or amount > self.amount_due:
            raise SubscriptionError(gettext(
                    'coop_membership.msg_payment_amount',
                    subscription=self.rec_name, amount=amount,
                    due=self.amount_due))

    @classmethod
    def record_payments(cls, payments):
        """Save payments (new coop.share.payment) with their entries; the
        ones from a statement line already have their bank line"""
        pool = Pool()
        Configuration = pool.get('coop.membership.configuration')
        Operation = pool.get('coop.share.operation')
        moves = []
        for payment in payments:
            # Instalments of one subscription read what is due afresh
            subscription = cls(payment.subscription.id)
            config = Configuration.of_company(subscription.company)
            payment.amount = subscription.company.currency.round(
                payment.amount)
            subscription.check_payment(payment.amount)
            paid_account = (subscription.share_class.account_paid
                or config.get_required('account_paid'))
            lines = [
                (config.get_required('account_unpaid'), None, payment.amount),
                (paid_account, None, -payment.amount),
                ]
            if not payment.settled_elsewhere():
                lines += [
                    (config.get_required('account_bank'), None,
                        payment.amount),
                    (config.get_required('account_called'),
                        subscription.member.party, -payment.amount),
                    ]
            payment.move = Operation.company_move(
                subscription.company, payment.date, subscription, lines)
            payment.save()
            moves.append(payment.move)
            subscription = cls(subscription.id)
            if subscription.amount_due == 0:
                cls.paid([subscription])
        Operation._post(moves)
        return payments


class Payment(ModelSQL, ModelView):
    "A payment towards a subscription of shares"
    __name__ = 'coop.share.payment'
    __string__ = "Share Payment"

    subscription = fields.Many2One(
        'coop.share.subscription', "Subscription", required=True,
        readonly=True, ondelete='RESTRICT')
    date = fields.Date("Date", required=True, readonly=True)
    amount = fields.Numeric(
        "Amount", digits=(16, 2), required=True, readonly=True)
    statement_line = fields.Many2One(
        'account.statement.line', "Statement Line", readonly=True,
        ondelete='RESTRICT',
        help="The bank statement line the payment came in on.")
    move = fields.Many2One('account.move', "Entry", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('subscription')
        cls._order = [('date', 'ASC'), ('id', 'ASC')]

    def settled_elsewhere(self):
        """Whether another entry credits what the member owed (4561): a
        bank statement line's, or another module's; the payment's own entry
        then only moves the capital from called unpaid to paid up"""
        return bool(getattr(self, 'statement_line', None))


class PaymentStart(ModelView):
    "Record a payment of shares by hand"
    __name__ = 'coop.share.payment.start'
    __string__ = "Record Share Payment"
    date = fields.Date("Date", required=True)
    amount = fields.Numeric(
        "Amount", digits=(16, 2), required=True,
        domain=[('amount', '>', 0)],
        help="All that is due, or an instalment.")


class RecordPayment(Wizard):
    "Record a payment of shares by hand"
    __name__ = 'coop.share.payment.record'
    start = StateView('coop.share.payment.start',
        'coop_membership.payment_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Record", 'confirm', 'tryton-ok', default=True),
            ])
    confirm = StateTransition()

    def default_start(self, fields):
        return {
            'date': Pool().get('ir.date').today(),
            'amount': self.record.amount_due,
            }

    def transition_confirm(self):
        pool = Pool()
        Subscription = pool.get('coop.share.subscription')
        Payment = pool.get('coop.share.payment')
        Subscription.record_payments([Payment(
                    subscription=self.record, date=self.start.date,
                    amount=self.start.amount)])
        return 'end'
