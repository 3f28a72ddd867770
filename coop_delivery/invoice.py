# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Monthly invoicing of the stores

Each store gets, for a month's done deliveries, one sale and one posted
invoice, made by Tryton's own methods called on the list of stores
(Sale.save, SaleLine.create, Sale.quote, confirm and process, Invoice.post)
so that every extension of sales and invoices runs (payment means, the
frozen report, the history, other modules' _post). The documents stay small
by design: by default a line per day and price (a setting per company),
the per-delivery detail in the annex (annex.py). SQL is used only for the
suite's own table: reading the deliveries to invoice and linking them to
their sale line. A store that cannot be invoiced is refused by name, with
nothing written for it; the others are invoiced.
"""
import datetime as dt
from collections import defaultdict
from decimal import Decimal
from itertools import groupby

from sql import Null, Values
from sql.functions import CurrentTimestamp

from trytond import backend
from trytond.config import config
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.model.exceptions import AccessError, ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import Transaction
from trytond.wizard import Button, StateAction, StateView, Wizard

from coop_tools.model import check_user_company, user_company_domain
from coop_tools.settings import CompanySettingsValue, in_company
from coop_tools.sql import forget

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


invoice_product = fields.Many2One(
    'product.product', "Delivery Product",
    domain=[
        ('type', '=', 'service'),
        ('salable', '=', True),
        ],
    help="The service sold to the stores: its customer taxes and "
    "revenue account go on the invoices.")
invoice_grouping = fields.Selection(
    GROUPINGS, "Invoice Lines",
    help="How the month's deliveries of a store appear on its invoice "
    "(the annex lists every delivery).")
customer_siren_required_from = fields.Date(
    "Customer SIREN Required From",
    help="From this invoice date, a store without a SIREN or SIRET "
    "identifier is not invoiced (France: 1 September 2027 for small "
    "companies, the e-invoicing reform's new mention).")
# The reform's date for small and micro companies (décret 2024-266)
SIREN_REQUIRED_FROM = dt.date(2027, 9, 1)


# Each coop's own: a row per company of
# coop.delivery.configuration.invoicing
INVOICING_SETTINGS = [
    'invoice_product', 'invoice_grouping', 'customer_siren_required_from']


class Configuration(metaclass=PoolMeta):
    __name__ = 'coop.delivery.configuration'

    invoice_product = fields.MultiValue(invoice_product)
    invoice_grouping = fields.MultiValue(invoice_grouping)
    customer_siren_required_from = fields.MultiValue(
        customer_siren_required_from)

    @classmethod
    def multivalue_model(cls, field):
        pool = Pool()
        if field in INVOICING_SETTINGS:
            return pool.get('coop.delivery.configuration.invoicing')
        return super().multivalue_model(field)

    @classmethod
    def default_invoice_grouping(cls, **pattern):
        return cls.multivalue_model(
            'invoice_grouping').default_invoice_grouping()

    @classmethod
    def default_customer_siren_required_from(cls, **pattern):
        return cls.multivalue_model(
            'customer_siren_required_from'
            ).default_customer_siren_required_from()


class ConfigurationInvoicing(CompanySettingsValue, ModelSQL):
    "The stores' invoicing settings of a company"
    __name__ = 'coop.delivery.configuration.invoicing'
    __string__ = "Delivery Configuration Invoicing"
    _configuration = 'coop.delivery.configuration'
    _other_company_message = 'coop_delivery.msg_configuration_other_company'
    _other_company_error = InvoicingError

    invoice_product = in_company(invoice_product)
    invoice_grouping = invoice_grouping
    customer_siren_required_from = customer_siren_required_from

    @classmethod
    def default_invoice_grouping(cls):
        return 'day'

    @classmethod
    def default_customer_siren_required_from(cls):
        return SIREN_REQUIRED_FROM


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
    def invoice_period(cls, company, start, end, invoice_date, progress=None,
            after_customer=None, store_limit=None):
        """Sell and invoice the done deliveries from start to end not
        invoiced yet; return the posted invoices (none when all are)

        progress, if given, is called with a step name and a count; with
        store_limit, only that many stores are invoiced, the first ones (by id)
        after the after_customer id (InvoicingResult.last_customer tells
        where the next part starts)."""
        return MonthInvoicing(
            company, invoice_date, progress).run(
            start, end, after_customer=after_customer, store_limit=store_limit)


class InvoicingResult(list):
    """The posted invoices of a run; refused holds (store, reason) for
    each store that could not be invoiced (nothing written for it);
    last_customer is the id of the last store read (invoiced or refused),
    None when there was none"""

    def __init__(self, invoices=(), refused=(), last_customer=None):
        super().__init__(invoices)
        self.refused = list(refused)
        self.last_customer = last_customer


class MonthInvoicing:
    """One run: a sale and a posted invoice per store, through Tryton's own
    methods called on lists (Sale.quote, confirm, process, Invoice.post),
    so that every module's extension runs; grouped lines keep the
    documents small, the per-delivery detail goes to the annex"""

    def __init__(self, company, invoice_date, progress=None):
        pool = Pool()
        Configuration = pool.get('coop.delivery.configuration')
        self.company = company
        self.currency = company.currency
        self.invoice_date = invoice_date
        self.progress = progress or (lambda step, count: None)
        # The coop's own product, grouping and date
        configuration = Configuration.of_company(company)
        self.product = configuration.invoice_product
        self.grouping = configuration.invoice_grouping or 'day'
        self.siren_required_from = (
            configuration.customer_siren_required_from)
        if not self.product:
            raise InvoicingError(gettext(
                    'coop_delivery.msg_invoice_no_product',
                    company=company.rec_name))

    def run(self, start, end, after_customer=None, store_limit=None):
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        # A second run waits for this one, then finds nothing left to do
        Delivery.lock()
        self.take_locks()
        rows = self.deliveries_to_invoice(
            start, end, after_customer=after_customer, store_limit=store_limit)
        self.progress('deliveries', len(rows))
        if not rows:
            return InvoicingResult()
        last_customer = rows[-1][1]
        stores, refused = [], []
        for customer, customer_rows in groupby(rows, key=lambda r: r[1]):
            store = StoreInvoice(self, customer, list(customer_rows))
            if store.refusal:
                refused.append((store.customer, store.refusal))
            else:
                stores.append(store)
        self.progress('stores', len(stores))
        if refused:
            self.progress('refused', len(refused))
        if stores:
            # With a worker, what posting queues (Tryton's PDF of each
            # invoice, with its e-invoices) and the annexes are queued in
            # small batches, which the worker's processes make side by
            # side; with an expected time, so that the worker takes first
            # the next part of the run (queued without), and never idles
            with Transaction().set_context(
                    queue_batch=config.getint('coop_delivery',
                        'invoice_queue_batch', default=2),
                    queue_expected_at=dt.timedelta(0)):
                self.sell(stores)
                self.progress('sales', len(stores))
                self.post(stores)
                self.progress('posted', len(stores))
                self.link_deliveries(stores)
                self.attach_annexes(stores)
        return InvoicingResult(
            [s.invoice for s in stores], refused, last_customer)

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

    def deliveries_to_invoice(self, start, end, after_customer=None,
            store_limit=None):
        """(id, customer, date, amount, rules, reference) ordered by
        customer: of the first store_limit customers after after_customer (ids)
        if given, else of all"""
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        delivery = Delivery.__table__()
        cursor = Transaction().connection.cursor()
        where = ((delivery.company == self.company.id)
            & (delivery.state == 'done')
            & (delivery.sale_line == Null)
            & (delivery.date >= start)
            & (delivery.date <= end))
        if after_customer is not None:
            where &= delivery.customer > after_customer
        if store_limit is not None:
            first = delivery.select(delivery.customer, where=where,
                group_by=[delivery.customer],
                order_by=[delivery.customer], limit=store_limit)
            where &= delivery.customer.in_(first)
        cursor.execute(*delivery.select(
                delivery.id, delivery.customer, delivery.date,
                delivery.price_override, delivery.price,
                delivery.price_rules, delivery.reference,
                where=where,
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

    def sell(self, stores):
        """The sales with their lines, quoted, confirmed and processed into
        their invoices, on the whole list at once"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        SaleLine = pool.get('sale.line')
        sales = [s.sale for s in stores]
        Sale.save(sales)
        # One create for every line of the run: Tryton's create, values
        # worked out once per store by on_change_product
        to_create = []
        for store in stores:
            to_create.extend(store.sale_line_values())
        lines = SaleLine.create(to_create)
        for line, group in zip(lines, (
                    g for s in stores for g in s.groups)):
            group.sale_line = line.id
        Sale.quote(sales)
        Sale.confirm(sales)
        Sale.process(sales)
        for store in stores:
            store.invoice, = Sale(store.sale.id).invoices

    def post(self, stores):
        pool = Pool()
        Invoice = pool.get('account.invoice')
        invoices = Invoice.browse([s.invoice.id for s in stores])
        Invoice.write(invoices, {'invoice_date': self.invoice_date})
        Invoice.post(invoices)
        for store, invoice in zip(stores, invoices):
            store.invoice = invoice

    def link_deliveries(self, stores):
        "The deliveries point at their sale line (the suite's own table)"
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        delivery = Delivery.__table__()
        cursor = Transaction().connection.cursor()
        pairs = [(id_, group.sale_line)
            for store in stores for group in store.groups
            for id_ in group.deliveries]
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

    def attach_annexes(self, stores):
        """The annexes, made by the worker after the run when there is one
        (queued in batches), else at once"""
        Invoice = Pool().get('account.invoice')
        invoices = [s.invoice for s in stores]
        if config.getboolean('queue', 'worker', default=False):
            Invoice.__queue__.attach_delivery_annexes(invoices)
        else:
            Invoice.attach_delivery_annexes(invoices)


class InvoiceLineGroup:
    "Deliveries billed on one line: quantity × the price they share"

    def __init__(self, description, unit_price):
        self.description = description
        self.unit_price = unit_price
        self.deliveries = []
        self.sale_line = None

    @property
    def quantity(self):
        return float(len(self.deliveries))

    @property
    def amount(self):
        return self.unit_price * len(self.deliveries)


def line_description(grouping, date, amount, rules, reference, lang):
    "The description of an invoice line of the grouping"
    if grouping == 'delivery':
        return gettext('coop_delivery.msg_invoice_line_delivery',
            reference=reference or '', date=lang.strftime(date))
    elif grouping == 'day':
        return gettext('coop_delivery.msg_invoice_line_day',
            date=lang.strftime(date))
    return gettext('coop_delivery.msg_invoice_line_rule', rules=rules or '')


def group_key(grouping, id_, date, amount, rules):
    if grouping == 'delivery':
        return id_
    elif grouping == 'day':
        return (date, amount)
    return (rules or '', amount)


def group_deliveries(grouping, rows):
    """InvoiceLineGroup of (id, date, amount, rules, reference) rows, in
    the order of the rows, in the context's language"""
    Lang = Pool().get('ir.lang')
    lang = Lang.get()
    groups = {}
    for id_, date, amount, rules, reference in rows:
        key = group_key(grouping, id_, date, amount, rules)
        group = groups.get(key)
        if group is None:
            group = groups[key] = InvoiceLineGroup(line_description(
                    grouping, date, amount, rules, reference, lang), amount)
        group.deliveries.append(id_)
    return list(groups.values())


def new_store_sale(company, customer, invoice_date):
    """A store's monthly sale as a user fills it in (no line): the party's
    addresses and payment term, invoiced on order, no shipment"""
    pool = Pool()
    Sale = pool.get('sale.sale')
    Lang = pool.get('ir.lang')
    sale = Sale(company=company, party=customer)
    sale.on_change_party()
    sale.currency = company.currency
    sale.sale_date = invoice_date
    sale.invoice_method = 'order'
    sale.shipment_method = 'manual'
    sale.description = gettext(
        'coop_delivery.msg_sale_description',
        month=Lang.get().strftime(invoice_date, '%B %Y'))
    return sale


def customer_identifier(customer):
    "The store's SIREN or SIRET identifier, or None"
    for identifier in customer.identifiers:
        if identifier.type in {'fr_siren', 'fr_siret'} and identifier.code:
            return identifier
    return None


class StoreInvoice:
    "The sale and the invoice of one store for the run"

    def __init__(self, run, customer, rows):
        pool = Pool()
        Party = pool.get('party.party')
        SaleLine = pool.get('sale.line')
        self.run = run
        self.customer = Party(customer)
        self.invoice = None
        self.refusal = None
        self.rows = rows
        with Transaction().set_context(language=self.customer.lang.code
                if self.customer.lang else None):
            self.sale = new_store_sale(
                run.company, self.customer, run.invoice_date)
            self.groups = group_deliveries(run.grouping, [
                    (id_, date, amount, rules, reference)
                    for id_, _, date, amount, rules, reference in rows])
        # What on_change_product sets, once for the store's lines
        template = SaleLine(sale=self.sale, type='line',
            product=run.product, quantity=1)
        template.on_change_product()
        self.template = template
        self.refusal = self.check()

    def check(self):
        "Why the store cannot be invoiced, or None"
        run = self.run
        name = self.customer.rec_name
        if (run.siren_required_from
                and run.invoice_date >= run.siren_required_from
                and not customer_identifier(self.customer)):
            return gettext('coop_delivery.msg_invoice_no_siren',
                customer=name)
        if not self.sale.invoice_address:
            return gettext('coop_delivery.msg_invoice_no_address',
                customer=name)
        if not self.template.taxes:
            return gettext('coop_delivery.msg_invoice_no_tax',
                customer=name, product=run.product.rec_name)
        if not run.product.account_revenue_used:
            return gettext('coop_delivery.msg_invoice_no_revenue',
                customer=name, product=run.product.rec_name)
        if not self.customer.account_receivable_used:
            return gettext('coop_delivery.msg_invoice_no_receivable',
                customer=name)
        return None

    def sale_line_values(self):
        "The values to create the store's sale lines, as on_change_product"
        common = self.template._save_values()
        common.pop('description', None)
        common['sale'] = self.sale.id
        return [dict(common,
                quantity=group.quantity,
                unit_price=group.unit_price,
                description=group.description)
            for group in self.groups]


class InvoiceStart(ModelView):
    "Invoice the deliveries of a month"
    __name__ = 'coop.delivery.invoice.start'
    __string__ = "Invoice Deliveries"

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True,
        domain=user_company_domain())
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


RUN_STATES = [
    ('queued', "Queued"),
    ('done', "Done"),
    ('failed', "Failed"),
    ]


class InvoiceRun(ModelSQL, ModelView):
    """A month-end run started from the wizard: done by the worker
    (ir.queue), it shows its progress and, when done, its invoices and the
    stores it refused"""
    __name__ = 'coop.delivery.invoice.run'
    __string__ = "Month-End Invoicing"

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    period = fields.Many2One(
        'account.period', "Month", required=True, readonly=True)
    invoice_date = fields.Date("Invoice Date", required=True, readonly=True)
    state = fields.Selection(RUN_STATES, "State", required=True,
        readonly=True)
    progress = fields.Function(fields.Char("Progress",
            help="The last step done; reload to follow the run."),
        'get_progress')
    summary = fields.Text("Summary", readonly=True,
        help="The invoices posted and the stores not invoiced, with why.")
    stores_done = fields.Integer("Stores Done", readonly=True,
        help="The stores invoiced or refused so far.")
    last_customer = fields.Many2One('party.party', "Last Store",
        readonly=True, ondelete='RESTRICT',
        context={'company': Eval('company', -1)}, depends={'company'},
        help="The last store of the parts done: the next part starts "
        "after it.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('id', 'DESC'))

    @classmethod
    def default_state(cls):
        return 'queued'

    @classmethod
    def get_progress(cls, runs, name):
        Progress = Pool().get('coop.delivery.invoice.run.progress')
        progress = Progress.__table__()
        cursor = Transaction().connection.cursor()
        result = {r.id: None for r in runs}
        for sub_ids in grouped_slice(list(result)):
            cursor.execute(*progress.select(progress.run, progress.step,
                    where=reduce_ids(progress.run, sub_ids)))
            result.update(cursor)
        return result

    @classmethod
    def set_progress(cls, run_id, step):
        """Shown at once: written and committed in a transaction of its own,
        in a row of its own (the run's transaction writes the run's row at
        its end: PostgreSQL refuses a row written meanwhile by another);
        not on SQLite, which would wait on its own lock"""
        if backend.name == 'sqlite':
            return
        Progress = Pool().get('coop.delivery.invoice.run.progress')
        progress = Progress.__table__()
        run = cls.__table__()
        with Transaction().new_transaction() as transaction:
            cursor = transaction.connection.cursor()
            # A run not committed yet (the wizard runs it at once when
            # there is no worker) is seen by nobody else: nothing to show
            cursor.execute(*run.select(run.id, where=run.id == run_id))
            if not cursor.fetchone():
                return
            cursor.execute(*progress.update(
                    [progress.step, progress.write_date],
                    [step, CurrentTimestamp()],
                    where=progress.run == run_id))
            if not cursor.rowcount:
                cursor.execute(*progress.insert(
                        [progress.run, progress.step, progress.create_uid,
                            progress.create_date],
                        [[run_id, step, transaction.user,
                                CurrentTimestamp()]]))
            transaction.commit()

    @classmethod
    def set_failed(cls, run_id, message):
        """The run failed: its own work is rolled back, its state written
        apart (the run's row was not written by its transaction)"""
        if backend.name == 'sqlite':
            return
        table = cls.__table__()
        with Transaction().new_transaction() as transaction:
            cursor = transaction.connection.cursor()
            cursor.execute(*table.update(
                    [table.state, table.summary], ['failed', message],
                    where=table.id == run_id))
            transaction.commit()

    @classmethod
    def stores_per_task(cls):
        """How many stores a task of the worker invoices: a run is done in
        parts, each part queueing the next after what its posting queued
        (PDFs, e-invoices, annexes), so that the worker's processes make
        those of one part while the next is invoiced; None (the whole month
        in one transaction) without a worker"""
        if config.getboolean('queue', 'worker', default=False):
            return config.getint(
                'coop_delivery', 'invoice_stores_per_task', default=10)
        return None

    @classmethod
    def run(cls, runs):
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        store_limit = cls.stores_per_task()
        to_continue = []
        for run in runs:
            # A run whose attempt Tryton started again (to take a lock, as
            # month-end does first) is still queued: its work rolled back
            if run.state != 'queued':
                continue
            done = run.stores_done or 0

            def progress(step, count, run_id=run.id, done=done):
                cls.set_progress(run_id, gettext(
                        'coop_delivery.msg_invoice_run_progress',
                        done=done, step=step, count=count))
            after = run.last_customer.id if run.last_customer else None
            try:
                with Transaction().set_context(company=run.company.id):
                    invoices = Delivery.invoice_period(
                        run.company, run.period.start_date,
                        run.period.end_date, run.invoice_date,
                        progress=progress, after_customer=after,
                        store_limit=store_limit)
            except UserError as error:
                # Shown on the run (nothing of this part is written; the
                # parts before it are committed); the worker reports the
                # error too
                cls.set_failed(run.id, '\n'.join(
                        filter(None, [run.summary, error.message])))
                raise
            lines = [f'{i.number} {i.party.rec_name} '
                f'{i.total_amount}' for i in invoices]
            lines += [gettext('coop_delivery.msg_invoice_run_refused',
                    customer=store.rec_name, reason=reason)
                for store, reason in invoices.refused]
            run.summary = '\n'.join(filter(None, [run.summary] + lines))
            run.stores_done = done + len(invoices) + len(invoices.refused)
            if (store_limit is not None and invoices.last_customer
                    and len(invoices) + len(invoices.refused)
                    >= store_limit):
                # Queued after what this part's posting queued
                run.last_customer = invoices.last_customer
                to_continue.append(run)
            else:
                run.state = 'done'
        cls.save(runs)
        if to_continue:
            cls.__queue__.run(to_continue)


class InvoiceRunProgress(ModelSQL):
    "The last step of a month-end run, committed as it is reached"
    __name__ = 'coop.delivery.invoice.run.progress'
    __string__ = "Month-End Invoicing Progress"

    run = fields.Many2One('coop.delivery.invoice.run', "Run",
        required=True, ondelete='CASCADE')
    step = fields.Char("Step")


class Invoice(Wizard):
    "Invoice the deliveries of a month"
    __name__ = 'coop.delivery.invoice'

    start = StateView(
        'coop.delivery.invoice.start',
        'coop_delivery.invoice_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Invoice", 'invoice', 'tryton-ok', default=True),
            ])
    invoice = StateAction('coop_delivery.act_invoice_run_form')

    def do_invoice(self, action):
        """Queue the run (the worker does it, so the client never waits on
        it) and open it: its progress, then its invoices and refusals"""
        pool = Pool()
        Run = pool.get('coop.delivery.invoice.run')
        # The form's company and month, checked: the wizard runs without
        # the user's record rules
        check_user_company(self.start.company,
            'coop_delivery.msg_company_not_allowed')
        check_user_company(self.start.period.company,
            'coop_delivery.msg_company_not_allowed')
        run = Run(company=self.start.company, period=self.start.period,
            invoice_date=self.start.invoice_date)
        run.save()
        if config.getboolean('queue', 'worker', default=False):
            Run.__queue__.run([run])
        else:  # no worker to wait for: run now, as the queue would
            Run.run([run])
        action['res_id'] = [run.id]
        return action, {}


def proportional(taxes):
    "Whether the taxes are a rate of the base, so a sum's is the sum's tax"
    return all(
        tax.type == 'percentage'
        or (tax.type == 'none' and proportional(tax.childs))
        for tax in taxes)
