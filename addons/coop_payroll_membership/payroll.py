# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Shares paid by payroll deduction; one-off elements paid after the net

A member who is also an employee may pay the shares of their called
subscriptions by a monthly deduction from the net pay (the member's *Monthly
Payroll Deduction*). Computing a payslip adds an "after net" line, negative,
up to what remains due on the member's called subscriptions (the oldest call
first) and up to the net pay; the gross, the contributions and the taxable
net are untouched. Posting the payslip credits the member's 4561 (what they
owe since the call) instead of 421 for that amount, and records a share
payment whose own entry only moves the capital from 1012 to 1013, as a
payment from a bank statement line does; the call's 4561 is reconciled when
the subscription is paid. A posted reversal payslip reverses those payments.

A one-off element (coop.payroll.extra) is an amount the payslip of a month
pays after the net, debiting its own account: the workers' share of a
surplus allocation (424) is one.
"""
from collections import defaultdict
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from coop_payroll.bonus import EmployeeMonthMixin

# The after-net lines come after those the payroll computes
SEQUENCE = 1000


class Member(metaclass=PoolMeta):
    __name__ = 'coop.member'
    payroll_deduction = fields.Numeric(
        "Monthly Payroll Deduction", digits=(16, 2),
        domain=['OR',
            ('payroll_deduction', '=', None),
            ('payroll_deduction', '>=', 0),
            ],
        help="What the member, an employee, pays each month towards their "
        "called shares, deducted from the net pay.")


class Subscription(metaclass=PoolMeta):
    __name__ = 'coop.share.subscription'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # A payroll payment reversed after the last instalment
        cls._transitions |= {('paid', 'called')}

    @classmethod
    def paid(cls, subscriptions):
        """Also reconcile the member's 4561 when payslips paid part: their
        entries credit it, and a batch entry holds other members' lines"""
        pool = Pool()
        Configuration = pool.get('coop.membership.configuration')
        MoveLine = pool.get('account.move.line')
        super().paid(subscriptions)
        for subscription in subscriptions:
            payments = subscription.payments
            if not any(p.payslip for p in payments):
                continue
            account = Configuration.of_company(
                subscription.company).account_called
            moves = {p.move for p in payments if p.move}
            moves |= {p.payslip.move for p in payments
                if p.payslip and p.payslip.move}
            moves |= {p.statement_line.move for p in payments
                if p.statement_line and p.statement_line.move}
            if subscription.operation.move:
                moves.add(subscription.operation.move)
            party = subscription.member.party
            lines = [l for m in moves for l in m.lines
                if l.account == account and l.party == party
                and not l.reconciliation]
            if lines and sum(l.debit - l.credit for l in lines) == 0:
                MoveLine.reconcile(lines)

    @classmethod
    @Workflow.transition('called')
    def reopen(cls, subscriptions):
        "Due again: undo the reconciliation of what the members owed"
        pool = Pool()
        Configuration = pool.get('coop.membership.configuration')
        Reconciliation = pool.get('account.move.reconciliation')
        # Each coop's members owe on its own account
        accounts = {s.company: Configuration.of_company(s.company
                ).account_called for s in subscriptions}
        reconciliations = {l.reconciliation
            for s in subscriptions if s.operation and s.operation.move
            for l in s.operation.move.lines
            if l.account == accounts[s.company] and l.reconciliation}
        if reconciliations:
            Reconciliation.delete(list(reconciliations))


class Payment(metaclass=PoolMeta):
    __name__ = 'coop.share.payment'
    payslip = fields.Many2One(
        'coop.payroll.payslip', "Payslip", readonly=True,
        ondelete='RESTRICT',
        help="The payslip whose deduction paid the shares.")
    reverses = fields.Many2One(
        'coop.share.payment', "Reverses", readonly=True,
        ondelete='RESTRICT',
        help="The payroll payment this one cancels.")

    def settled_elsewhere(self):
        return (super().settled_elsewhere()
            or bool(getattr(self, 'payslip', None)))

    @classmethod
    def reverse_payroll(cls, reversal_payslips):
        """Cancel the payments the originals of reversal_payslips made: a
        negative payment with the reversed entry, at the reversal's date"""
        pool = Pool()
        Period = pool.get('account.period')
        Subscription = pool.get('coop.share.subscription')
        Move = pool.get('account.move')
        by_original = {p.reversal_of.id: p for p in reversal_payslips}
        payments = cls.search([
                ('payslip', 'in', list(by_original)),
                ('reverses', '=', None),
                ])
        if not payments:
            return []
        reversals, moves = [], []
        for payment in payments:
            payslip = by_original[payment.payslip.id]
            date = payslip.move.date
            move = payment.move.cancel(reversal=True)
            move.date = date
            move.period = Period.find(payment.move.company, date=date)
            move.origin = payment.subscription
            move.save()
            moves.append(move)
            reversals.append(cls(
                    subscription=payment.subscription, date=date,
                    amount=-payment.amount, payslip=payslip, move=move,
                    reverses=payment))
        cls.save(reversals)
        Move.post(moves)
        paid = Subscription.browse({
                p.subscription.id for p in payments
                if p.subscription.state == 'paid'})
        if paid:
            Subscription.reopen(paid)
        return reversals


class Payslip(metaclass=PoolMeta):
    __name__ = 'coop.payroll.payslip'

    @classmethod
    def compute_after_net(cls, computations):
        """The month's one-off elements, then the share deductions, each
        changing the net pay"""
        super().compute_after_net(computations)
        # The payroll reads the members' settings and subscriptions that
        # its users may not see
        with without_check_access():
            cls._add_after_net_lines(computations)

    @classmethod
    def _add_after_net_lines(cls, computations):
        pool = Pool()
        Configuration = pool.get('coop.membership.configuration')
        by_payslip = {c.payslip: c for c in computations}
        payslips = list(by_payslip)
        net = {p: by_payslip[p].totals['net_pay'] for p in payslips}
        sequences = {p: SEQUENCE for p in payslips}

        def add(payslip, *args, **values):
            line = cls._after_net_line(payslip, *args, **values)
            line['sequence'] = sequences[payslip]
            sequences[payslip] += 1
            by_payslip[payslip].lines.append(line)

        for payslip, extra in cls._extras(payslips):
            net[payslip] += extra.amount
            add(payslip, 'EXTRA', extra.name, extra.amount,
                extra.account, None, extra=extra.id)
        for payslip, subscription, amount in cls._share_deductions(
                payslips, net):
            net[payslip] -= amount
            add(payslip, 'SHARES', gettext(
                    'coop_payroll_membership.msg_line_shares',
                    subscription=subscription.rec_name),
                -amount,
                Configuration.of_company(payslip.company).get_required(
                    'account_called'),
                subscription.member.party,
                subscription=subscription.id)
        for payslip, amount in net.items():
            by_payslip[payslip].totals['net_pay'] = amount

    @staticmethod
    def _after_net_line(payslip, code, name, amount, account, party,
            **values):
        return {
            'payslip': payslip.id, 'kind': 'after_net', 'code': code,
            'name': name, 'amount': amount,
            'employee_amount': Decimal(0), 'employer_amount': Decimal(0),
            'account': account.id, 'party': party.id if party else None,
            **values,
            }

    @classmethod
    def _extras(cls, payslips):
        "(payslip, one-off element) pairs of the payslips' months"
        pool = Pool()
        Extra = pool.get('coop.payroll.extra')
        keys = {(p.company.id, p.employee.id, p.start_date): p
            for p in payslips}
        extras = Extra.search([
                ('company', 'in', list({k[0] for k in keys})),
                ('employee', 'in', list({k[1] for k in keys})),
                ('month', 'in', list({k[2] for k in keys})),
                ['OR',
                    ('allocation', '=', None),
                    ('allocation.state', '=', 'posted'),
                    ],
                ], order=[('id', 'ASC')])
        for extra in extras:
            payslip = keys.get(
                (extra.company.id, extra.employee.id, extra.month))
            if payslip:
                yield payslip, extra

    @classmethod
    def _share_deductions(cls, payslips, net):
        """(payslip, subscription, amount) to deduct: at most the member's
        monthly amount and the net pay, what remains due on the called
        subscriptions once the confirmed payslips not yet posted pay theirs"""
        pool = Pool()
        Member = pool.get('coop.member')
        Subscription = pool.get('coop.share.subscription')
        Line = pool.get('coop.payroll.payslip.line')
        members = {(m.company.id, m.party.id): m for m in Member.search([
                    ('party', 'in', list({p.employee.party.id
                                for p in payslips})),
                    ('payroll_deduction', '>', 0),
                    ])}
        if not members:
            return
        subscriptions = defaultdict(list)
        for subscription in Subscription.search([
                    ('member', 'in', list(members.values())),
                    ('state', '=', 'called'),
                    ], order=[('call_date', 'ASC'), ('id', 'ASC')]):
            subscriptions[subscription.member].append(subscription)
        if not subscriptions:
            return
        due = {s: s.amount_due for ss in subscriptions.values() for s in ss}
        for line in Line.search([
                    ('subscription', 'in', list(due)),
                    ('payslip.state', '=', 'confirmed'),
                    ('payslip', 'not in', [p.id for p in payslips]),
                    ]):
            # Their amounts are negative
            due[line.subscription] += line.amount
        for payslip in sorted(payslips, key=lambda p: (p.start_date, p.id)):
            member = members.get(
                (payslip.company.id, payslip.employee.party.id))
            if not member:
                continue
            budget = min(member.payroll_deduction, net[payslip])
            for subscription in subscriptions.get(member, []):
                amount = min(budget, due[subscription])
                if amount <= 0:
                    continue
                due[subscription] -= amount
                budget -= amount
                yield payslip, subscription, amount

    @classmethod
    def moves_amounts(cls, payslips, config, totals):
        pool = Pool()
        Line = pool.get('coop.payroll.payslip.line')
        yield from super().moves_amounts(payslips, config, totals)
        # One search for all: each payslip's lines read inside the list of
        # payslips cost the square of its length (Tryton's record check)
        for line in Line.search([
                    ('payslip', 'in', [p.id for p in payslips]),
                    ('kind', '=', 'after_net'),
                    ('amount', '!=', 0),
                    ], order=[('payslip', 'ASC'), ('sequence', 'ASC')]):
            # An element paid debits its account; a deduction credits
            yield (line.account, line.party), line.amount

    @classmethod
    def post(cls, payslips):
        ids = [p.id for p in payslips if p.state == 'confirmed']
        super().post(payslips)
        with without_check_access():
            cls._pay_shares(ids)

    @classmethod
    def _pay_shares(cls, ids):
        "Record the share payments of the payslips' deductions, or undo them"
        pool = Pool()
        Payment = pool.get('coop.share.payment')
        Subscription = pool.get('coop.share.subscription')
        Line = pool.get('coop.payroll.payslip.line')
        lines = Line.search([
                ('payslip', 'in', ids),
                ('kind', '=', 'after_net'),
                ('subscription', '!=', None),
                ], order=[('payslip', 'ASC'), ('sequence', 'ASC')])
        payments = [Payment(
                subscription=l.subscription, date=l.payslip.move.date,
                amount=-l.amount, payslip=l.payslip)
            for l in lines if not l.payslip.reversal_of]
        if payments:
            Subscription.record_payments(payments)
        reversals = {l.payslip for l in lines if l.payslip.reversal_of}
        if reversals:
            Payment.reverse_payroll(list(reversals))


class PayslipLine(metaclass=PoolMeta):
    __name__ = 'coop.payroll.payslip.line'
    account = fields.Many2One(
        'account.account', "Account", readonly=True,
        states={'invisible': Eval('kind') != 'after_net'},
        help="What an element after the net debits (or a deduction "
        "credits) instead of the net pay.")
    party = fields.Many2One(
        'party.party', "Party", readonly=True,
        states={'invisible': Eval('kind') != 'after_net'})
    subscription = fields.Many2One(
        'coop.share.subscription', "Subscription", readonly=True,
        ondelete='RESTRICT',
        states={'invisible': ~Eval('subscription')},
        help="The subscription the deduction pays.")
    extra = fields.Many2One(
        'coop.payroll.extra', "One-Off Element", readonly=True,
        ondelete='RESTRICT',
        states={'invisible': ~Eval('extra')})

    @classmethod
    def __setup__(cls):
        super().__setup__()
        selection = list(cls.kind.selection)
        if ('after_net', "After Net") not in selection:
            selection.append(('after_net', "After Net"))
        cls.kind.selection = selection


class Extra(EmployeeMonthMixin, ModelSQL, ModelView):
    "An amount a month's payslip pays after the net"
    __name__ = 'coop.payroll.extra'
    __string__ = "One-Off Payroll Element"

    _states = {'readonly': Eval('allocation', -1) != -1}

    name = fields.Char("Name", required=True, states=_states)
    amount = fields.Numeric(
        "Amount", digits=(16, 2), required=True, states=_states)
    account = fields.Many2One(
        'account.account', "Account", required=True, states=_states,
        domain=[
            ('company', '=', Eval('company', -1)),
            ('closed', '!=', True),
            ('type', '!=', None),
            ],
        help="What the payment debits instead of an expense.")
    basis = fields.Numeric(
        "Basis", digits=(16, 2), readonly=True,
        help="The hours or the salary the amount was shared out by.")
    allocation = fields.Many2One(
        'coop.surplus.allocation', "Surplus Allocation", readonly=True,
        ondelete='CASCADE',
        help="Paid once the allocation is posted.")

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # An allocation's elements are the allocation's
        for name in ['company', 'employee', 'month']:
            field = getattr(cls, name)
            field.states = {
                **field.states, 'readonly': Eval('allocation', -1) != -1}

