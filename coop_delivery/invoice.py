# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Monthly invoicing of the stores

Each store gets, for a month's done deliveries, one sale and one posted
invoice. Tryton's own path (a sale line, an invoice line and a move line per
delivery, each validated and taxed on its own) takes most of an hour for a
busy month, so the work is set-based: the headers (one per store) go through
the ORM and Tryton's own methods; the lines (one per delivery) are inserted in
batches from the values Tryton's own code computes once per store; the
accounting move sums the lines per account instead of copying each one.
"""
import datetime as dt
from collections import defaultdict
from decimal import Decimal
from itertools import chain, groupby

from sql import Null, Values
from sql.functions import CurrentTimestamp

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.model.exceptions import AccessError, ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, PYSONEncoder
from trytond.tools import grouped_slice
from trytond.transaction import Transaction
from trytond.wizard import Button, StateAction, StateView, Wizard

from coop_tools.sql import forget, insert, stored_values, update

from .delivery import invoiced_amount

GROUPINGS = [
    ('delivery', "A line per delivery"),
    ('day', "A line per day and price"),
    ('rule', "A line per rule and price"),
    ]
INVOICE_STATES = [
    ('none', "Not Invoiced"),
    ('invoiced', "Invoiced"),
    ('credited', "Credited"),
    ]
# Fields of an invoiced delivery that would change what was invoiced
INVOICED_FIELDS = {'price_override', 'price_override_reason'}


class InvoicingError(ValidationError):
    pass


class Configuration(metaclass=PoolMeta):
    __name__ = 'coop.delivery.configuration'

    invoice_product = fields.Many2One(
        'product.product', "Delivery Product",
        domain=[
            ('type', '=', 'service'),
            ('salable', '=', True),
            ],
        help="The service sold to the stores: its customer taxes and "
        "revenue account go on the invoices.")
    invoice_grouping = fields.Selection(
        GROUPINGS, "Invoice Lines", required=True,
        help="How the month's deliveries of a store appear on its invoice.")

    @classmethod
    def default_invoice_grouping(cls):
        return 'delivery'


class Delivery(metaclass=PoolMeta):
    __name__ = 'coop.delivery'

    sale_line = fields.Many2One(
        'sale.line', "Sale Line", readonly=True, ondelete='RESTRICT',
        help="The line of the store's monthly sale that sold the delivery.")
    invoice_line = fields.Function(fields.Many2One(
            'account.invoice.line', "Invoice Line"), 'get_invoice_line')
    invoice = fields.Function(fields.Many2One(
            'account.invoice', "Invoice"), 'get_invoice_line')
    dispute_reason = fields.Char(
        "Dispute Reason",
        states={
            'invisible': ~Bool(Eval('sale_line')),
            'readonly': Bool(Eval('credit_line')),
            },
        help="Why the store disputes the invoiced delivery; "
        "required to credit it.")
    credit_line = fields.Many2One(
        'account.invoice.line', "Credit Note Line", readonly=True,
        ondelete='RESTRICT',
        help="The credit note line that refunded the delivery.")
    invoice_state = fields.Function(fields.Selection(
            INVOICE_STATES, "Invoice State"),
        'get_invoice_state', searcher='search_invoice_state')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'credit': {
                    'invisible': (~Bool(Eval('sale_line'))
                        | Bool(Eval('credit_line'))),
                    'readonly': ~Eval('dispute_reason'),
                    'icon': 'tryton-undo',
                    'depends': ['sale_line', 'credit_line', 'dispute_reason'],
                    },
                })
        for name in INVOICED_FIELDS:
            field = getattr(cls, name)
            field.states = field.states.copy()
            field.states['readonly'] = (
                field.states.get('readonly', False) | Bool(Eval('sale_line')))

    @classmethod
    def get_invoice_line(cls, deliveries, names):
        result = {name: {} for name in names}
        for delivery in deliveries:
            line = None
            if delivery.sale_line:
                lines = [l for l in delivery.sale_line.invoice_lines
                    if l.invoice and l.invoice.state != 'cancelled']
                line = lines[0] if lines else None
            if 'invoice_line' in names:
                result['invoice_line'][delivery.id] = line.id if line else None
            if 'invoice' in names:
                result['invoice'][delivery.id] = (
                    line.invoice.id if line else None)
        return result

    def get_invoice_state(self, name):
        if self.credit_line:
            return 'credited'
        return 'invoiced' if self.sale_line else 'none'

    @classmethod
    def search_invoice_state(cls, name, clause):
        _, operator, value = clause[:3]
        domains = {
            'none': [('sale_line', '=', None)],
            'invoiced': [
                ('sale_line', '!=', None), ('credit_line', '=', None)],
            'credited': [('credit_line', '!=', None)],
            }
        values = value if operator in {'in', 'not in'} else [value]
        domain = ['OR'] + [domains[v] for v in values if v in domains]
        if operator in {'!=', 'not in'}:
            return ['NOT', domain]
        return domain

    @classmethod
    def copy(cls, deliveries, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('sale_line')
        default.setdefault('credit_line')
        default.setdefault('dispute_reason')
        return super().copy(deliveries, default=default)

    @classmethod
    def check_modification(cls, mode, deliveries, values=None, external=False):
        super().check_modification(
            mode, deliveries, values=values, external=external)
        if mode != 'write':
            return
        for delivery in deliveries:
            if delivery.sale_line and INVOICED_FIELDS & values.keys():
                raise AccessError(gettext(
                        'coop_delivery.msg_delivery_invoiced_price',
                        delivery=delivery.rec_name))
            if delivery.credit_line and 'dispute_reason' in values:
                raise AccessError(gettext(
                        'coop_delivery.msg_delivery_credited',
                        delivery=delivery.rec_name))

    @classmethod
    @ModelView.button
    def credit(cls, deliveries):
        """Credit disputed deliveries: one posted credit note per invoice,
        a line per delivery; the posted invoice is never touched"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        by_invoice = defaultdict(list)
        for delivery in deliveries:
            if delivery.credit_line:
                raise InvoicingError(gettext(
                        'coop_delivery.msg_delivery_credited',
                        delivery=delivery.rec_name))
            line = delivery.invoice_line
            if not line or line.invoice.state not in {'posted', 'paid'}:
                raise InvoicingError(gettext(
                        'coop_delivery.msg_delivery_credit_not_invoiced',
                        delivery=delivery.rec_name))
            if not delivery.dispute_reason:
                raise InvoicingError(gettext(
                        'coop_delivery.msg_delivery_credit_reason',
                        delivery=delivery.rec_name))
            by_invoice[line.invoice].append((delivery, line))
        credit_notes = []
        for invoice, items in by_invoice.items():
            credit_note = invoice._credit()
            credit_note.taxes = []
            credit_note.lines = [
                delivery.credit_line_for(line) for delivery, line in items]
            credit_notes.append(credit_note)
        Invoice.save(credit_notes)
        Invoice.update_taxes(credit_notes)
        Invoice.post(credit_notes)
        for credit_note, items in zip(credit_notes, by_invoice.values()):
            # The lines were created in the order given
            lines = sorted(credit_note.lines, key=lambda l: l.id)
            for (delivery, _), credit_line in zip(items, lines):
                delivery.credit_line = credit_line
        cls.save([d for items in by_invoice.values() for d, _ in items])
        return credit_notes

    def credit_line_for(self, line):
        "A line refunding the delivery, billed on the invoice line"
        credit_line = line._credit()
        credit_line.quantity = -1
        credit_line.unit_price = self.amount
        credit_line.description = gettext(
            'coop_delivery.msg_credit_line',
            delivery=self.rec_name, reason=self.dispute_reason)
        return credit_line

    @classmethod
    def invoice_period(cls, company, start, end, invoice_date, progress=None):
        """Sell and invoice the done deliveries from start to end not
        invoiced yet; return the posted invoices (none when all are)

        progress, if given, is called with a step name and a count."""
        return MonthInvoicing(
            company, invoice_date, progress).run(start, end)


class MonthInvoicing:
    """One run: a sale and a posted invoice per store

    Every ORM write on an invoice reads and validates all its lines, so the
    headers are saved and numbered before any line exists, and the posted
    state is set in SQL once the move is posted."""

    def __init__(self, company, invoice_date, progress=None):
        pool = Pool()
        Configuration = pool.get('coop.delivery.configuration')
        self.company = company
        self.currency = company.currency
        self.invoice_date = invoice_date
        self.progress = progress or (lambda step, count: None)
        configuration = Configuration(1)
        self.product = configuration.invoice_product
        self.grouping = configuration.invoice_grouping
        if not self.product:
            raise InvoicingError(gettext(
                    'coop_delivery.msg_invoice_no_product'))

    def run(self, start, end):
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        # A second run waits for this one, then finds nothing left to do
        Delivery.lock()
        self.take_locks()
        rows = self.deliveries_to_invoice(start, end)
        self.progress('deliveries', len(rows))
        if not rows:
            return []
        stores = [StoreInvoice(self, customer, list(customer_rows))
            for customer, customer_rows in groupby(rows, key=lambda r: r[1])]
        self.progress('stores', len(stores))
        self.create_headers(stores)
        self.progress('headers', len(stores))
        self.create_lines(stores)
        self.progress('lines', sum(len(s.lines) for s in stores))
        self.post(stores)
        self.progress('posted', len(stores))
        return [s.invoice for s in stores]

    def take_locks(self):
        """Take first the locks that numbering and posting ask for: each
        lock asked for restarts the transaction, better before the work"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        MoveLine = pool.get('account.move.line')
        Period = pool.get('account.period')
        invoice = Invoice(
            company=self.company, type='out', invoice_date=self.invoice_date,
            accounting_date=None, sequence_type_cache='invoice')
        invoice.set_journal()
        period = Period.find(self.company, date=self.invoice_date)
        sequence, _ = invoice._number_sequence()
        for record in [sequence, period.move_sequence_used]:
            record.__class__.lock([record])
        MoveLine.check_journal_period_modify(period, invoice.journal)

    def deliveries_to_invoice(self, start, end):
        "(id, customer, date, amount, rules, reference) ordered by customer"
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        delivery = Delivery.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*delivery.select(
                delivery.id, delivery.customer, delivery.date,
                delivery.price_override, delivery.price,
                delivery.price_rules, delivery.reference,
                where=(delivery.company == self.company.id)
                & (delivery.state == 'done')
                & (delivery.sale_line == Null)
                & (delivery.date >= start)
                & (delivery.date <= end),
                order_by=[
                    delivery.customer, delivery.date, delivery.id]))
        rows = []
        for (id_, customer, date, override, price, rules,
                reference) in cursor:
            # Selected apart: SQLite gives a COALESCE of numerics as text
            amount = invoiced_amount(override, price)
            if amount is None:
                raise InvoicingError(gettext(
                        'coop_delivery.msg_invoice_no_price',
                        delivery=Delivery(id_).rec_name))
            if not isinstance(date, dt.date):  # SQLite gives text
                date = dt.date.fromisoformat(date)
            amount = self.currency.round(Decimal(str(amount)))
            rows.append((id_, customer, date, amount, rules, reference))
        return rows

    def create_headers(self, stores):
        "Sales and invoices saved and numbered while they have no line"
        pool = Pool()
        Sale = pool.get('sale.sale')
        Invoice = pool.get('account.invoice')
        sales = [s.sale for s in stores]
        Sale.save(sales)
        Sale.set_number(sales)
        invoices = [s.new_invoice() for s in stores]
        Invoice.save(invoices)
        Invoice.set_number(invoices)

    def create_lines(self, stores):
        pool = Pool()
        SaleLine = pool.get('sale.line')
        InvoiceLine = pool.get('account.invoice.line')
        VARYING = {'sequence', 'quantity', 'unit_price', 'description'}
        for store in stores:
            rows = [{
                    'sequence': sequence,
                    'quantity': line.quantity,
                    'unit_price': line.unit_price,
                    'description': line.description,
                    } for sequence, line in enumerate(store.lines, 1)]
            common = {k: v for k, v in store.sale_line_template.items()
                if k not in VARYING}
            common['sale'] = store.sale.id
            ids = insert(SaleLine, rows, common)
            for line, row, id_ in zip(store.lines, rows, ids):
                line.sale_line = id_
                row['origin'] = f'sale.line,{id_}'
            common = {k: v for k, v in store.invoice_line_template.items()
                if k not in VARYING | {'origin'}}
            common['invoice'] = store.invoice.id
            for line, id_ in zip(
                    store.lines, insert(InvoiceLine, rows, common)):
                line.invoice_line = id_
        insert_many2many(SaleLine.taxes, [(line.sale_line, tax.id)
                for store in stores for line in store.lines
                for tax in store.sale_taxes])
        insert_many2many(InvoiceLine.taxes, [(line.invoice_line, tax.id)
                for store in stores for line in store.lines
                for tax in store.invoice_taxes])
        self.link_deliveries(stores)

    def link_deliveries(self, stores):
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        delivery = Delivery.__table__()
        cursor = Transaction().connection.cursor()
        pairs = [(id_, line.sale_line)
            for store in stores for line in store.lines
            for id_ in line.deliveries]
        for sub_pairs in grouped_slice(pairs, 1000):
            values = Values(list(sub_pairs))
            cursor.execute(*delivery.update(
                    [delivery.sale_line, delivery.write_uid,
                        delivery.write_date],
                    [values.column2, Transaction().user,
                        CurrentTimestamp()],
                    from_=[values],
                    where=delivery.id == values.column1))
        forget(Delivery, [id_ for id_, _ in pairs])

    def post(self, stores):
        "Post as Invoice._post does, with moves summed per account"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        InvoiceTax = pool.get('account.invoice.tax')
        Move = pool.get('account.move')
        Sale = pool.get('sale.sale')
        User = pool.get('res.user')
        InvoiceTax.save(list(chain.from_iterable(
                    s.compute_taxes() for s in stores)))
        moves = [s.move() for s in stores]
        Move.save(moves)
        Move.post(moves)
        employee = User(Transaction().user).employee
        update(Invoice, {s.invoice.id: s.posted_invoice_values(employee)
                for s in stores})
        update(Sale, {s.sale.id: s.processed_sale_values() for s in stores})


class InvoiceLineGroup:
    "Deliveries billed on one line: quantity × the price they share"

    def __init__(self, description, unit_price):
        self.description = description
        self.unit_price = unit_price
        self.deliveries = []
        self.sale_line = None
        self.invoice_line = None

    @property
    def quantity(self):
        return float(len(self.deliveries))

    @property
    def amount(self):
        return self.unit_price * len(self.deliveries)


class StoreInvoice:
    "The sale and the invoice of one store for the run"

    def __init__(self, run, customer, rows):
        pool = Pool()
        Party = pool.get('party.party')
        self.run = run
        self.customer = Party(customer)
        with Transaction().set_context(language=self.customer.lang.code
                if self.customer.lang else None):
            self.sale = self.new_sale()
            self.lines = self.group(rows)
        self.invoice = None

    def new_sale(self):
        pool = Pool()
        Sale = pool.get('sale.sale')
        Lang = pool.get('ir.lang')
        run = self.run
        sale = Sale(company=run.company, party=self.customer,
            invoice_party=None, shipment_party=None, warehouse=None,
            payment_term=None, lines=[])
        sale.on_change_party()
        if not sale.invoice_address:
            raise InvoicingError(gettext(
                    'coop_delivery.msg_invoice_no_address',
                    customer=self.customer.rec_name))
        sale.currency = run.currency
        sale.sale_date = run.invoice_date
        # The run invoices; no shipment is made for a service
        sale.invoice_method = 'manual'
        sale.shipment_method = 'manual'
        sale.description = gettext(
            'coop_delivery.msg_sale_description',
            month=Lang.get().strftime(run.invoice_date, '%B %Y'))
        sale.state = 'processing'
        return sale

    def group(self, rows):
        pool = Pool()
        Lang = pool.get('ir.lang')
        lang = Lang.get()
        grouping = self.run.grouping
        groups = {}
        for id_, _, date, amount, rules, reference in rows:
            if grouping == 'delivery':
                key = id_
            elif grouping == 'day':
                key = (date, amount)
            else:
                key = (rules or '', amount)
            group = groups.get(key)
            if group is None:
                if grouping == 'delivery':
                    description = gettext(
                        'coop_delivery.msg_invoice_line_delivery',
                        reference=reference or '', date=lang.strftime(date))
                elif grouping == 'day':
                    description = gettext(
                        'coop_delivery.msg_invoice_line_day',
                        date=lang.strftime(date))
                else:
                    description = gettext(
                        'coop_delivery.msg_invoice_line_rule',
                        rules=rules or '')
                group = groups[key] = InvoiceLineGroup(description, amount)
            group.deliveries.append(id_)
        return list(groups.values())

    def new_invoice(self):
        """The invoice of the saved sale, and the values every sale and
        invoice line of the store shares, as Tryton sets them"""
        pool = Pool()
        SaleLine = pool.get('sale.line')
        InvoiceLine = pool.get('account.invoice.line')
        sale = self.sale
        sale_line = SaleLine(
            sale=sale, type='line', product=self.run.product,
            quantity=1, unit=None, taxes=[], invoice_lines=[], moves=[],
            description=None, note=None)
        sale_line.on_change_product()
        self.sale_line_template = stored_values(SaleLine, sale_line)
        self.sale_taxes = list(sale_line.taxes)
        invoice = sale._get_invoice()
        invoice.invoice_date = self.run.invoice_date
        # As sale's Invoice.get_tax_identifier would, without reading
        # every line to find the sale
        pattern = {}
        if sale.shipment_address and sale.shipment_address.country:
            pattern['country'] = sale.shipment_address.country.id
        invoice.sales = []
        invoice.tax_identifier = invoice.get_tax_identifier(pattern)
        invoice.description = sale.description
        line, = sale_line.get_invoice_line()
        line.invoice = None
        self.invoice_line_template = stored_values(InvoiceLine, line)
        self.invoice_taxes = list(line.taxes)
        self._invoice_line = line
        self.invoice = invoice
        return invoice

    def compute_taxes(self):
        "Taxes as Tryton computes them, from the lines in memory"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        InvoiceLine = pool.get('account.invoice.line')
        InvoiceTax = pool.get('account.invoice.tax')
        Configuration = pool.get('account.configuration')
        invoice = self.invoice
        lines = [(line.unit_price, line.quantity) for line in self.lines]
        rounding = Configuration(1).get_multivalue(
            'tax_rounding', company=invoice.company.id)
        # Rounded once per document, Tryton sums each line's exact tax:
        # lines may be summed first where that sum is the same
        if rounding == 'document' and proportional(self.invoice_taxes):
            lines = [(self.untaxed_amount, 1)]
        elif rounding == 'document':  # a fixed amount per unit
            quantities = defaultdict(float)
            for unit_price, quantity in lines:
                quantities[unit_price] += quantity
            lines = list(quantities.items())
        # A copy in memory: the saved invoice must not save these lines
        taxable = Invoice(
            company=invoice.company, currency=invoice.currency,
            type=invoice.type, party=invoice.party,
            invoice_date=invoice.invoice_date,
            accounting_date=invoice.accounting_date)
        taxable.lines = [InvoiceLine(
                type='line', invoice=taxable, taxes=self.invoice_taxes,
                unit_price=unit_price, quantity=quantity, taxes_date=None)
            for unit_price, quantity in lines]
        self.taxes = []
        for _, values in taxable._compute_taxes():
            values['invoice'] = invoice.id
            self.taxes.append(InvoiceTax(**values))
        return self.taxes

    @property
    def untaxed_amount(self):
        return sum((l.amount for l in self.lines), Decimal(0))

    @property
    def tax_amount(self):
        return sum((t.amount for t in self.taxes), Decimal(0))

    def move(self):
        "The invoice's move, the lines summed per account"
        pool = Pool()
        Move = pool.get('account.move')
        MoveLine = pool.get('account.move.line')
        TaxLine = pool.get('account.tax.line')
        Period = pool.get('account.period')
        invoice = self.invoice
        revenue = MoveLine(
            account=self._invoice_line.account,
            debit=Decimal(0), credit=self.untaxed_amount,
            amount_second_currency=None, second_currency=None)
        if revenue.account.party_required:
            revenue.party = invoice.party
        revenue.tax_lines = [
            TaxLine(amount=t.base, type='base', tax=t.tax)
            for t in self.taxes]
        lines = [revenue]
        for tax in self.taxes:
            lines.extend(tax.get_move_lines())
        total = self.untaxed_amount + self.tax_amount
        for date, amount in invoice.payment_term.compute(
                total, invoice.currency, invoice.invoice_date) \
                if invoice.payment_term else [(invoice.invoice_date, total)]:
            lines.append(invoice._get_move_line(date, amount))
        accounting_date = invoice.accounting_date or invoice.invoice_date
        self.account_move = Move(
            journal=invoice.journal,
            period=Period.find(invoice.company, date=accounting_date),
            date=accounting_date,
            origin=invoice,
            company=invoice.company,
            lines=lines)
        return self.account_move

    def amounts(self):
        untaxed, tax = self.untaxed_amount, self.tax_amount
        return {
            'untaxed_amount_cache': untaxed,
            'tax_amount_cache': tax,
            'total_amount_cache': untaxed + tax,
            }

    def posted_invoice_values(self, employee):
        return dict(self.amounts(),
            state='posted',
            move=self.account_move.id,
            posted_by=employee.id if employee else None,
            payment_term_date=self.invoice.invoice_date)

    def processed_sale_values(self):
        # What Sale.process would find: its invoice is posted, not paid;
        # paying the invoice processes the sale as usual
        return dict(self.amounts(), invoice_state='awaiting payment')


def proportional(taxes):
    "Whether the taxes are a rate of the base, so a sum's is the sum's tax"
    return all(
        tax.type == 'percentage'
        or (tax.type == 'none' and proportional(tax.childs))
        for tax in taxes)


def insert_many2many(field, pairs):
    "Insert (origin id, target id) pairs into a Many2Many's relation table"
    pool = Pool()
    Relation = pool.get(field.relation_name)
    insert(Relation, [{field.origin: o, field.target: t} for o, t in pairs])


class InvoiceStart(ModelView):
    "Invoice the deliveries of a month"
    __name__ = 'coop.delivery.invoice.start'
    __string__ = "Invoice Deliveries"

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    period = fields.Many2One(
        'account.period', "Month", required=True,
        domain=[
            ('company', '=', Eval('company', -1)),
            ('type', '=', 'standard'),
            ],
        help="The accounting period whose done deliveries are invoiced.")
    invoice_date = fields.Date(
        "Invoice Date", required=True,
        help="By default the period's last day, or today if it is not over.")

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @fields.depends('period')
    def on_change_period(self):
        if self.period:
            self.invoice_date = default_invoice_date(self.period.end_date)


def default_invoice_date(end):
    "The period's last day, or today if it is not over"
    pool = Pool()
    Date = pool.get('ir.date')
    return min(end, Date.today())


class Invoice(Wizard):
    "Invoice the deliveries of a month"
    __name__ = 'coop.delivery.invoice'

    start = StateView(
        'coop.delivery.invoice.start',
        'coop_delivery.invoice_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Invoice", 'invoice', 'tryton-ok', default=True),
            ])
    invoice = StateAction('account_invoice.act_invoice_out_form')

    def do_invoice(self, action):
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        period = self.start.period
        invoices = Delivery.invoice_period(
            self.start.company, period.start_date, period.end_date,
            self.start.invoice_date)
        action['domains'] = []
        action['pyson_domain'] = PYSONEncoder().encode(
            [('id', 'in', [i.id for i in invoices])])
        return action, {}
