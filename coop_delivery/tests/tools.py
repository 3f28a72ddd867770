# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"Helpers to build deliveries in tests"
import datetime as dt

from trytond.pool import Pool

from coop_tools.testing import lock_tables

ORDERED = dt.datetime(2026, 3, 2, 9, 0)
CENTRE = {'type': 'Polygon', 'coordinates': [[
            [4.80, 45.74], [4.86, 45.74], [4.86, 45.78], [4.80, 45.78],
            [4.80, 45.74]]]}


def create_rule_set(strategy='find', rules=None):
    RuleSet = Pool().get('coop.delivery.price.rule_set')
    rules = rules or [
        ("Cargo", 'vehicle == "cargo_bike"', '1200'),
        ("Long", 'distance > 3000',
            '600 + price_range(distance, 200, 1000, 3000)'),
        ("Base", '', '600'),
        ]
    rule_set, = RuleSet.create([{
                'name': "Standard",
                'strategy': strategy,
                'rules': [('create', [{
                                'name': name, 'condition': condition,
                                'price': price, 'sequence': i,
                                } for i, (name, condition, price)
                            in enumerate(rules)])],
                }])
    return rule_set


def create_store(rule_set=None, name="Le Vélo Gourmand", addresses=None):
    Party = Pool().get('party.party')
    store, = Party.create([{
                'name': name,
                'delivery_price_rule_set': (
                    rule_set.id if rule_set else None),
                'addresses': [('create', addresses or [{}])],
                }])
    return store


def create_delivery(store, tasks=None, **values):
    Delivery = Pool().get('coop.delivery')
    if tasks is None:
        tasks = [
            {'type': 'pickup', 'sequence': 1,
                'after': ORDERED, 'before': ORDERED + dt.timedelta(
                    minutes=30),
                'latitude': 45.76, 'longitude': 4.83},
            {'type': 'dropoff', 'sequence': 2,
                'after': ORDERED, 'before': ORDERED + dt.timedelta(
                    hours=1),
                'latitude': 45.76, 'longitude': 4.85},
            ]
    values.setdefault('customer', store.id)
    values.setdefault('date', ORDERED.date())
    values.setdefault('ordered_at', ORDERED)
    values['tasks'] = [('create', tasks)]
    delivery, = Delivery.create([values])
    return delivery


def setup_invoicing(company, grouping='delivery'):
    """A chart with a 20% VAT, a fiscal year of 2026 with invoice sequences
    and a delivery product sold with that VAT; return the product"""
    lock_tables()
    from decimal import Decimal

    from trytond.modules.account.tests import create_chart, get_fiscalyear
    from trytond.modules.account_invoice.tests import set_invoice_sequences
    pool = Pool()
    Account = pool.get('account.account')
    Tax = pool.get('account.tax')
    FiscalYear = pool.get('account.fiscalyear')
    Category = pool.get('product.category')
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    Configuration = pool.get('coop.delivery.configuration')
    create_chart(company, tax=True)
    # Up to today: credit notes are dated the day they are made
    fiscal_year = set_invoice_sequences(get_fiscalyear(
            company, today=ORDERED.date(),
            end_date=dt.date(max(ORDERED.year, dt.date.today().year), 12, 31)))
    fiscal_year.save()
    FiscalYear.create_period([fiscal_year])
    revenue, = Account.search([
            ('type.revenue', '=', True), ('closed', '!=', True),
            ('company', '=', company.id)],
        limit=1)
    # The chart's tax (a second company's chart has a copy of the first's
    # test tax template too: the last one made)
    tax, = Tax.search([('company', '=', company.id)],
        order=[('id', 'DESC')], limit=1)
    category, = Category.create([{
                'name': "Deliveries", 'accounting': True,
                'account_revenue': revenue.id,
                'customer_taxes': [('add', [tax.id])],
                }])
    unit, = Uom.search([('name', '=', "Unit")])
    template, = Template.create([{
                'name': "Bike delivery", 'type': 'service',
                'salable': True, 'list_price': Decimal(0),
                'default_uom': unit.id, 'sale_uom': unit.id,
                'account_category': category.id,
                'products': [('create', [{}])],
                }])
    product, = template.products
    Configuration.write([Configuration(1)], {
            'invoice_product': product.id,
            'invoice_grouping': grouping,
            })
    return product


def create_done_deliveries(store, prices, date=ORDERED.date()):
    "Done deliveries of store on date, their price overridden to prices"
    pool = Pool()
    Delivery = pool.get('coop.delivery')
    Task = pool.get('coop.delivery.task')
    deliveries = [create_delivery(store, date=date, reference=f'D{i}')
        for i, _ in enumerate(prices, 1)]
    Delivery.confirm(deliveries)
    for delivery, price in zip(deliveries, prices):
        delivery.price_override = price
        delivery.price_override_reason = "Agreed"
    Delivery.save(deliveries)
    Task.complete([t for d in deliveries for t in d.tasks])
    return Delivery.browse(deliveries)


def invoice_store_by_hand(store, invoice_date, deliveries, grouping='day'):
    """Tryton's own path for one store, as a user fills the documents in
    (the equivalence test's and bench/invoice_month.py's hand path): a
    sale with a line per group of deliveries (by day and price, or per
    delivery), each line from the product (on_change_product) with the
    group's price and description; quoted, confirmed, processed into its
    invoice, the invoice dated and posted; the deliveries linked to their
    line. Return the posted invoice."""
    from trytond.i18n import gettext
    pool = Pool()
    Sale = pool.get('sale.sale')
    SaleLine = pool.get('sale.line')
    Invoice = pool.get('account.invoice')
    Delivery = pool.get('coop.delivery')
    Lang = pool.get('ir.lang')
    Configuration = pool.get('coop.delivery.configuration')
    product = Configuration(1).invoice_product
    lang = Lang.get()
    sale = Sale(party=store)
    sale.on_change_party()
    sale.sale_date = invoice_date
    sale.invoice_method = 'order'
    sale.shipment_method = 'manual'
    sale.description = gettext('coop_delivery.msg_sale_description',
        month=lang.strftime(invoice_date, '%B %Y'))
    groups = {}  # key: (description, price, deliveries), in date order
    for delivery in sorted(deliveries, key=lambda d: (d.date, d.id)):
        if grouping == 'delivery':
            key = delivery.id
            description = gettext('coop_delivery.msg_invoice_line_delivery',
                reference=delivery.reference or '',
                date=lang.strftime(delivery.date))
        else:
            key = (delivery.date, delivery.amount)
            description = gettext('coop_delivery.msg_invoice_line_day',
                date=lang.strftime(delivery.date))
        groups.setdefault(key, (description, delivery.amount, []))[2].append(
            delivery)
    lines = []
    for description, price, grouped in groups.values():
        line = SaleLine(sale=sale, type='line', product=product,
            quantity=len(grouped))
        line.on_change_product()
        line.unit_price = price
        line.description = description
        lines.append(line)
    sale.lines = lines
    sale.save()
    Sale.quote([sale])
    Sale.confirm([sale])
    Sale.process([sale])
    invoice, = sale.invoices
    invoice.invoice_date = invoice_date
    invoice.save()
    Invoice.post([invoice])
    for line, (_, _, grouped) in zip(sale.lines, groups.values()):
        Delivery.write(grouped, {'sale_line': line.id})
    return invoice
