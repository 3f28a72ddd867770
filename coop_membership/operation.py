# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The register of shares: numbered operations, never edited

An operation is drafted, approved by the board when it must be (a sell-back),
then recorded: it gets the next number, its lines (what each member gains or
loses of each class) and its accounting entry. Holdings at any date are the
sums of the lines effective by then. A recorded operation is corrected by a
reversal, itself a numbered operation.
"""
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sql import Literal
from sql.aggregate import Min, Sum

from trytond import backend

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.tools import grouped_slice
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from coop_tools.model import rec_name_domain

from .exceptions import OperationError

KINDS = [
    ('subscription', "Subscription"),
    ('increase', "Increase"),
    ('transfer', "Transfer"),
    ('sell_back', "Sell-Back"),
    ('conversion', "Conversion"),
    ]
# Operations the coop chooses to make; a breach of the law they would
# cause is refused. The others (a member leaving, a correction) only warn.
ADMITTING_KINDS = {'subscription', 'increase', 'transfer', 'conversion'}
# Written on recorded operations by the register itself
REGISTER_FIELDS = {'state', 'number', 'move', 'refund_move'}
CENT = Decimal('0.01')


class Operation(Workflow, ModelSQL, ModelView):
    "An operation of the register of shares"
    __name__ = 'coop.share.operation'
    __string__ = "Share Operation"
    _rec_name = 'number'

    _states = {
        'readonly': Eval('state') == 'recorded',
        }

    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    number = fields.Char(
        "Number", readonly=True,
        help="The operation's number in the register, given when recorded.")
    kind = fields.Selection(
        KINDS, "Kind", required=True, states=_states, sort=False)
    state = fields.Selection([
            ('draft', "Draft"),
            ('approved', "Approved"),
            ('recorded', "Recorded"),
            ], "State", readonly=True, required=True, sort=False)
    date = fields.Date(
        "Date", required=True, states=_states,
        help="When the operation was decided.")
    effective_date = fields.Date(
        "Effective Date", required=True, states=_states,
        domain=[If(Eval('date') & Eval('effective_date'),
                ('effective_date', '>=', Eval('date')),
                ())],
        help="When the shares change hands; holdings count it from then.")
    member = fields.Many2One(
        'coop.member', "Member", required=True, states=_states,
        domain=[('company', '=', Eval('company', -1))],
        help="Who subscribes, transfers, sells back or converts shares.")
    share_class = fields.Many2One(
        'coop.share.class', "Share Class", required=True, states=_states,
        domain=[('company', '=', Eval('company', -1))])
    quantity = fields.Integer(
        "Shares", required=True, states=_states,
        domain=[('quantity', '>', 0)])
    amount = fields.Function(fields.Numeric(
            "Amount", digits=(16, 2),
            help="The nominal value of the shares."),
        'on_change_with_amount')
    to_member = fields.Many2One(
        'coop.member', "To Member",
        domain=[
            ('company', '=', Eval('company', -1)),
            ('id', '!=', Eval('member', -1)),
            ],
        states={
            'readonly': _states['readonly'],
            'required': Eval('kind') == 'transfer',
            'invisible': Eval('kind') != 'transfer',
            },
        help="Who receives the shares; a candidate becomes a member.")
    to_class = fields.Many2One(
        'coop.share.class', "To Class",
        domain=[
            ('company', '=', Eval('company', -1)),
            ('id', '!=', Eval('share_class', -1)),
            ],
        states={
            'readonly': _states['readonly'],
            'required': Eval('kind') == 'conversion',
            'invisible': Eval('kind') != 'conversion',
            })
    to_quantity = fields.Integer(
        "To Shares",
        domain=[If(Eval('kind') == 'conversion',
                ('to_quantity', '>', 0),
                ())],
        states={
            'readonly': _states['readonly'],
            'required': Eval('kind') == 'conversion',
            'invisible': Eval('kind') != 'conversion',
            },
        help="The shares of the other class received; their nominal value "
        "must equal that of the shares given.")
    request_date = fields.Date(
        "Request Date",
        states={
            'readonly': _states['readonly'],
            'required': Eval('kind') == 'sell_back',
            'invisible': Eval('kind') != 'sell_back',
            },
        help="When the member asked to sell the shares back; the statutory "
        "waiting period runs from then.")
    approval_date = fields.Date(
        "Board Approval", readonly=True,
        help="When the board approved the operation.")
    description = fields.Char("Description", states=_states)
    subscription = fields.Many2One(
        'coop.share.subscription', "Subscription", readonly=True,
        help="The subscription whose call recorded the shares.")
    reverses = fields.Many2One(
        'coop.share.operation', "Reverses", readonly=True,
        help="The operation this one cancels.")
    reversal = fields.Function(fields.Many2One(
            'coop.share.operation', "Reversed By"), 'get_reversal')
    imported = fields.Boolean(
        "Imported", readonly=True,
        help="Brought from an earlier register: it has no entry, the "
        "opening balances carry it.")
    lines = fields.One2Many(
        'coop.share.operation.line', 'operation', "Lines", readonly=True)
    move = fields.Many2One('account.move', "Entry", readonly=True)
    refund_move = fields.Many2One(
        'account.move', "Refund Entry", readonly=True,
        help="The payment of what a sell-back owes the member.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('effective_date', 'DESC'),
            ('number', 'DESC'),
            ('id', 'DESC'),
            ]
        cls._transitions |= {
            ('draft', 'approved'),
            ('approved', 'draft'),
            ('draft', 'recorded'),
            ('approved', 'recorded'),
            }
        cls._buttons.update({
                'approve': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': Eval('state') != 'approved',
                    'depends': ['state'],
                    },
                'record': {
                    'invisible': Eval('state') == 'recorded',
                    'depends': ['state'],
                    },
                'reverse': {
                    'invisible': ((Eval('state') != 'recorded')
                        | Bool(Eval('reverses'))
                        | Bool(Eval('reversal'))),
                    'depends': ['state', 'reverses', 'reversal'],
                    },
                'refund': {
                    'invisible': ((Eval('state') != 'recorded')
                        | (Eval('kind') != 'sell_back')
                        | Bool(Eval('reverses'))
                        | Bool(Eval('refund_move'))
                        | Bool(Eval('imported'))),
                    'depends': [
                        'state', 'kind', 'reverses', 'refund_move',
                        'imported'],
                    },
                })

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_state():
        return 'draft'

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_imported(cls):
        return False

    @fields.depends('date', 'effective_date')
    def on_change_date(self):
        if self.date and not self.effective_date:
            self.effective_date = self.date

    @fields.depends('share_class', 'quantity')
    def on_change_with_amount(self, name=None):
        if self.share_class and self.quantity:
            return (self.share_class.nominal * self.quantity).quantize(CENT)

    @classmethod
    def get_reversal(cls, operations, name):
        reversals = cls.search([('reverses', 'in', [o.id for o in operations])])
        result = dict.fromkeys((o.id for o in operations))
        result.update((r.reverses.id, r.id) for r in reversals)
        return result

    def get_rec_name(self, name):
        # A draft has no number yet: its description says more than its id
        return self.number or self.description or f'({self.id})'

    @classmethod
    def search_rec_name(cls, name, clause):
        return rec_name_domain(clause, 'number', 'member.rec_name')

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        for operations, values in zip(actions, actions):
            if set(values) - REGISTER_FIELDS:
                cls._check_draft(operations)
        super().write(*args)

    @classmethod
    def delete(cls, operations):
        cls._check_draft(operations)
        super().delete(operations)

    @classmethod
    def _check_draft(cls, operations):
        for operation in operations:
            if operation.state == 'recorded':
                raise AccessError(gettext(
                        'coop_membership.msg_operation_recorded',
                        operation=operation.rec_name))

    @classmethod
    def copy(cls, operations, default=None):
        default = default.copy() if default else {}
        for name in ['number', 'approval_date', 'move', 'refund_move',
                'subscription', 'reverses']:
            default.setdefault(name, None)
        default.setdefault('state', 'draft')
        default.setdefault('lines', None)
        default.setdefault('imported', False)
        return super().copy(operations, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    def approve(cls, operations):
        today = Pool().get('ir.date').today()
        cls.write(operations, {'approval_date': today})

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, operations):
        cls.write(operations, {'approval_date': None})

    @classmethod
    @ModelView.button
    @Workflow.transition('recorded')
    def record(cls, operations):
        """Number the operations in effective-date order, write their lines
        and post their entries, each checked against the holdings that the
        ones before it leave"""
        pool = Pool()
        Configuration = pool.get('coop.membership.configuration')
        Line = pool.get('coop.share.operation.line')
        Legal = pool.get('coop.membership.legal')
        # Each coop numbers its register in its own sequence
        sequences = {company: Configuration.of_company(company).get_required(
                'operation_sequence')
            for company in {o.company for o in operations}}
        # Numbering locks the sequences: better before the work than after
        for sequence in set(sequences.values()):
            sequence.__class__.lock([sequence])
        operations = sorted(
            operations, key=lambda o: (o.effective_date, o.id or 0))
        for operation in operations:
            operation.check_effective_date()
            legs = operation.get_legs()
            operation.check_legs(legs)
            operation.check_kind()
            company, date = operation.company, operation.effective_date
            # Imported history happened: what it broke only warns
            Legal.check(operation, legs,
                refuse=operation.kind in ADMITTING_KINDS
                and not operation.reverses and not operation.imported)
            Line.save([Line(
                        operation=operation, company=company,
                        member=member, share_class=share_class,
                        quantity=quantity, effective_date=date)
                    for member, share_class, quantity in legs])
            operation.number = sequences[company].get()
            operation.state = 'recorded'
            if not operation.imported:
                operation.move = operation.get_move()
            operation.save()
            cls._update_status(operation, legs)
        cls._post([o.move for o in operations if o.move])

    @classmethod
    def _post(cls, moves):
        pool = Pool()
        Move = pool.get('account.move')
        if moves:
            Move.post(moves)

    def check_effective_date(self):
        "Refuse an operation effective before the register's last one"
        last = self.search([
                ('company', '=', self.company.id),
                ('state', '=', 'recorded'),
                ('effective_date', '>', self.effective_date),
                ], limit=1)
        if last:
            last, = last
            raise OperationError(gettext(
                    'coop_membership.msg_operation_backdated',
                    operation=self.rec_name,
                    date=self.effective_date,
                    last=last.rec_name,
                    last_date=last.effective_date))

    def get_legs(self):
        "What each (member, class) gains (or loses) of shares"
        if self.reverses:
            return [(m, c, -q) for m, c, q in self.reverses.get_legs()]
        if self.kind in {'subscription', 'increase'}:
            return [(self.member, self.share_class, self.quantity)]
        elif self.kind == 'sell_back':
            return [(self.member, self.share_class, -self.quantity)]
        elif self.kind == 'transfer':
            return [
                (self.member, self.share_class, -self.quantity),
                (self.to_member, self.share_class, self.quantity),
                ]
        elif self.kind == 'conversion':
            return [
                (self.member, self.share_class, -self.quantity),
                (self.member, self.to_class, self.to_quantity),
                ]

    def check_legs(self, legs):
        "Refuse legs that leave a holding outside its class's limits"
        pool = Pool()
        Line = pool.get('coop.share.operation.line')
        held = Line.quantities(
            [(m, c) for m, c, _ in legs], self.effective_date)
        for member, share_class, quantity in legs:
            if quantity > 0 and not self.reverses:
                share_class.check_holder(member)
            held[member, share_class] += quantity
            share_class.check_quantity(member, held[member, share_class])

    def check_kind(self):
        "Refuse what the kind of operation does not allow"
        pool = Pool()
        Line = pool.get('coop.share.operation.line')
        Subscription = pool.get('coop.share.subscription')
        if self.reverses:
            return
        if self.kind in {'subscription', 'increase'}:
            if not self.subscription and not self.imported:
                raise OperationError(gettext(
                        'coop_membership.msg_operation_subscription_only',
                        operation=self.rec_name))
            holds = bool(Line.member_shares(
                    [self.member], self.effective_date)[self.member.id])
            if self.kind == 'increase' and not holds:
                raise OperationError(gettext(
                        'coop_membership.msg_operation_increase_no_shares',
                        member=self.member.rec_name))
            if self.kind == 'subscription' and holds:
                raise OperationError(gettext(
                        'coop_membership.msg_operation_subscription_holder',
                        member=self.member.rec_name))
            return
        if not self.imported:
            unpaid = Subscription.search([
                    ('member', '=', self.member.id),
                    ('share_class', '=', self.share_class.id),
                    ('state', '=', 'called'),
                    ], limit=1)
            if unpaid:
                raise OperationError(gettext(
                        'coop_membership.msg_operation_unpaid',
                        member=self.member.rec_name,
                        share_class=self.share_class.rec_name,
                        subscription=unpaid[0].rec_name))
        if self.kind == 'sell_back':
            self.check_sell_back()
        elif self.kind == 'conversion':
            to_amount = self.to_class.nominal * self.to_quantity
            if to_amount != self.amount:
                raise OperationError(gettext(
                        'coop_membership.msg_operation_conversion_amount',
                        operation=self.rec_name, amount=self.amount,
                        to_amount=to_amount))

    def check_sell_back(self):
        pool = Pool()
        Configuration = pool.get('coop.membership.configuration')
        Line = pool.get('coop.share.operation.line')
        config = Configuration.of_company(self.company)
        if not self.approval_date and not self.imported:
            raise OperationError(gettext(
                    'coop_membership.msg_sell_back_not_approved',
                    operation=self.rec_name))
        earliest = self.request_date + relativedelta(
            months=config.sell_back_waiting_months)
        if self.effective_date < earliest and not self.imported:
            raise OperationError(gettext(
                    'coop_membership.msg_sell_back_waiting',
                    operation=self.rec_name, earliest=earliest,
                    months=config.sell_back_waiting_months))
        capital = Line.capital(self.company, self.effective_date) - self.amount
        if capital < config.minimum_capital:
            raise OperationError(gettext(
                    'coop_membership.msg_sell_back_minimum_capital',
                    operation=self.rec_name, capital=capital,
                    minimum=config.minimum_capital))

    @classmethod
    def _update_status(cls, operation, legs):
        "A holder becomes a member; who holds nothing any more leaves"
        pool = Pool()
        Line = pool.get('coop.share.operation.line')
        Member = pool.get('coop.member')
        members = list({m for m, _, _ in legs})
        shares = Line.member_shares(members, operation.effective_date)
        for member in members:
            if shares[member.id] and member.status != 'member':
                if member.status == 'former' or not member.entry_date:
                    member.entry_date = operation.effective_date
                member.status = 'member'
                member.exit_date = None
            elif not shares[member.id] and member.status == 'member':
                member.status = 'former'
                member.exit_date = operation.effective_date
        Member.save(members)

    def get_move(self):
        "The operation's entry, or None when it moves no capital account"
        pool = Pool()
        Configuration = pool.get('coop.membership.configuration')
        config = Configuration.of_company(self.company)
        if self.reverses:
            return self._reversal_move()
        party = self.member.party
        paid = (self.share_class.account_paid
            or config.get_required('account_paid'))
        if self.kind in {'subscription', 'increase'}:
            lines = [
                (config.get_required('account_called'), party, self.amount),
                (config.get_required('account_unpaid'), None, -self.amount),
                ]
        elif self.kind == 'sell_back':
            lines = [
                (paid, None, self.amount),
                (config.get_required('account_refund'), party, -self.amount),
                ]
        elif self.kind == 'conversion':
            to_paid = (self.to_class.account_paid
                or config.get_required('account_paid'))
            if to_paid == paid:
                return
            lines = [(paid, None, self.amount), (to_paid, None, -self.amount)]
        else:
            # Shares change hands between members: no capital moves
            return
        return self.company_move(self.company, self.effective_date, self, lines)

    def _reversal_move(self):
        original = self.reverses.move
        if not original:
            return
        move = original.cancel(reversal=True)
        move.date = self.effective_date
        move.origin = self
        move.period = Pool().get('account.period').find(
            self.company, date=self.effective_date)
        move.save()
        return move

    @classmethod
    def company_move(cls, company, date, origin, lines):
        """A capital entry of company at date: lines are (account, party,
        amount), a positive amount being a debit"""
        pool = Pool()
        Configuration = pool.get('coop.membership.configuration')
        Move = pool.get('account.move')
        Line = pool.get('account.move.line')
        Period = pool.get('account.period')
        config = Configuration.of_company(company)
        move = Move(
            company=company, journal=config.get_required('journal'),
            date=date, period=Period.find(company, date=date), origin=origin,
            description=origin.rec_name)
        # The FEC labels each line: its own description or none
        move.lines = [Line(
                account=account, party=party,
                debit=amount if amount > 0 else 0,
                credit=-amount if amount < 0 else 0,
                description=move.description)
            for account, party, amount in lines]
        move.save()
        return move

    @classmethod
    @ModelView.button
    def reverse(cls, operations, date=None):
        """Record, for each operation, an operation that cancels it, at date
        (by default today); a subscription called but not paid is cancelled
        with it"""
        pool = Pool()
        Subscription = pool.get('coop.share.subscription')
        today = pool.get('ir.date').today()
        reversals = []
        for operation in operations:
            if operation.reversal or operation.reverses:
                raise OperationError(gettext(
                        'coop_membership.msg_operation_reversed',
                        operation=operation.rec_name))
            if operation.subscription and operation.subscription.payments:
                raise OperationError(gettext(
                        'coop_membership.msg_operation_reverse_paid',
                        operation=operation.rec_name))
            date = max(date or today, operation.effective_date)
            reversal, = cls.copy([operation], default={
                    'date': date,
                    'effective_date': date,
                    'reverses': operation.id,
                    'imported': operation.imported,
                    'description': gettext(
                        'coop_membership.msg_operation_reversal_description',
                        operation=operation.rec_name),
                    })
            reversals.append(reversal)
        cls.record(reversals)
        Subscription.cancel([
                o.subscription for o in operations if o.subscription])
        return reversals

    @classmethod
    @ModelView.button_action('coop_membership.wizard_refund')
    def refund(cls, operations):
        pass

    def pay_refund(self, date):
        "Post the payment of what the sell-back owes the member"
        pool = Pool()
        Configuration = pool.get('coop.membership.configuration')
        config = Configuration.of_company(self.company)
        if self.kind != 'sell_back' or self.refund_move or self.reverses:
            raise OperationError(gettext(
                    'coop_membership.msg_operation_refund',
                    operation=self.rec_name))
        move = self.company_move(self.company, date, self, [
                (config.get_required('account_refund'), self.member.party,
                    self.amount),
                (config.get_required('account_bank'), None, -self.amount),
                ])
        self._post([move])
        self.refund_move = move
        self.save()
        self.reconcile_party_lines(
            config.account_refund, [self.move, self.refund_move])

    @staticmethod
    def reconcile_party_lines(account, moves):
        "Reconcile the moves' lines on account when they balance"
        pool = Pool()
        MoveLine = pool.get('account.move.line')
        lines = [l for m in moves for l in m.lines
            if l.account == account and not l.reconciliation]
        if lines and sum(l.debit - l.credit for l in lines) == 0:
            MoveLine.reconcile(lines)


class OperationLine(ModelSQL, ModelView):
    "What an operation of the register gives or takes of a member's shares"
    __name__ = 'coop.share.operation.line'
    __string__ = "Share Operation Line"

    operation = fields.Many2One(
        'coop.share.operation', "Operation", required=True,
        ondelete='CASCADE')
    company = fields.Many2One('company.company', "Company", required=True)
    member = fields.Many2One(
        'coop.member', "Member", required=True, ondelete='RESTRICT')
    share_class = fields.Many2One(
        'coop.share.class', "Share Class", required=True,
        ondelete='RESTRICT')
    quantity = fields.Integer(
        "Shares", required=True, help="Negative when the member gives up shares.")
    effective_date = fields.Date("Effective Date", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('operation')
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t,
                    (t.company, Index.Equality()),
                    (t.effective_date, Index.Range())),
                Index(t,
                    (t.member, Index.Equality()),
                    (t.share_class, Index.Equality())),
                })

    @staticmethod
    def register_date(date=None):
        "date, or else the context's date, or else today"
        if date is None:
            date = Transaction().context.get('date')
        if isinstance(date, str):
            date = dt.date.fromisoformat(date)
        return date or Pool().get('ir.date').today()

    @classmethod
    def holding_date_condition(cls, line, date=None):
        "Lines in force at date (see register_date)"
        return line.effective_date <= cls.register_date(date)

    @classmethod
    def holdings_query(cls, line, where=None, date=None):
        """The shares held at date (see register_date) per member and class,
        none left out, from the lines where narrows: id, member,
        share_class, quantity"""
        condition = cls.holding_date_condition(line, date)
        if where is not None:
            condition &= where
        return line.select(
            Min(line.id).as_('id'), line.member, line.share_class,
            Sum(line.quantity).as_('quantity'),
            where=condition,
            group_by=[line.member, line.share_class],
            having=Sum(line.quantity) != Literal(0))

    @classmethod
    def held(cls, members, date=None, classes=None):
        """{(member id, class id): shares} that members hold at date (see
        register_date), of classes if given"""
        line = cls.__table__()
        cursor = Transaction().connection.cursor()
        result = {}
        for sub_ids in grouped_slice(
                [m.id for m in members], backend.MAX_QUERY_PARAMS):
            where = line.member.in_(list(sub_ids))
            if classes is not None:
                where &= line.share_class.in_([c.id for c in classes])
            cursor.execute(*cls.holdings_query(line, where, date))
            result.update(((m, c), int(q)) for _, m, c, q in cursor)
        return result

    @classmethod
    def quantities(cls, pairs, date):
        "Shares held of each (member, class) in pairs at date"
        members = {m for m, _ in pairs}
        classes = {c for _, c in pairs}
        held = cls.held(members, date, classes)
        return defaultdict(int, {(m, c): held[m.id, c.id]
                for m in members for c in classes if (m.id, c.id) in held})

    @classmethod
    def member_shares(cls, members, date=None):
        "Shares held by each member at date, all classes together, by id"
        result = dict.fromkeys((m.id for m in members), 0)
        for (member_id, _), quantity in cls.held(members, date).items():
            result[member_id] += quantity
        return result

    @classmethod
    def class_totals(cls, company, date, where=None):
        """Shares of each class held at date, by class id; where narrows
        the lines (a condition on the line table)"""
        line = cls.__table__()
        cursor = Transaction().connection.cursor()
        condition = (cls.holding_date_condition(line, date)
            & (line.company == company.id))
        if where is not None:
            condition &= where(line)
        cursor.execute(*line.select(
                line.share_class, Sum(line.quantity),
                where=condition, group_by=[line.share_class]))
        return {c: int(q) for c, q in cursor}

    @classmethod
    def capital(cls, company, date, where=None):
        "The nominal value of the shares held at date"
        pool = Pool()
        ShareClass = pool.get('coop.share.class')
        totals = cls.class_totals(company, date, where=where)
        classes = ShareClass.browse(list(totals))
        return sum(
            (c.nominal * totals[c.id] for c in classes), Decimal('0.00'))


class Holding(ModelSQL, ModelView):
    "The shares of a class a member holds at the context's date"
    __name__ = 'coop.share.holding'
    __string__ = "Share Holding"

    member = fields.Many2One(
        'coop.member', "Member", required=True, readonly=True)
    share_class = fields.Many2One(
        'coop.share.class', "Share Class", required=True, readonly=True)
    quantity = fields.Integer("Shares", readonly=True)
    amount = fields.Function(fields.Numeric(
            "Amount", digits=(16, 2)), 'get_amount')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('member')
        cls._order = [('share_class', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Line = pool.get('coop.share.operation.line')
        return Line.holdings_query(Line.__table__())

    def get_amount(self, name):
        return (self.share_class.nominal * self.quantity).quantize(CENT)


class RefundStart(ModelView):
    "Pay a sell-back"
    __name__ = 'coop.share.refund.start'
    __string__ = "Pay Sell-Back"
    date = fields.Date("Payment Date", required=True)

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()


class Refund(Wizard):
    "Post the payment of what a sell-back owes the member"
    __name__ = 'coop.share.refund'
    start = StateView('coop.share.refund.start',
        'coop_membership.refund_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Pay", 'pay', 'tryton-ok', default=True),
            ])
    pay = StateTransition()

    def transition_pay(self):
        for operation in self.records:
            operation.pay_refund(self.start.date)
        return 'end'
