# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Month-end makes the very documents a user makes by hand

The same month is built twice in one transaction, each time from the same
savepoint: once store by store through Sale and Invoice as a user would
(tools.invoice_store_by_hand), once by month-end. Every stored column of
the sales, invoices, their lines and taxes, the moves, their lines and tax
lines, the many2many relations and the history (ir.model.log) is compared;
ids, create/write dates and users are left out, references between these
records are compared by their rank on each side, and numbers taken from
sequences (not rolled back on PostgreSQL) by their shape and order."""
import datetime as dt
import re
import unittest
from decimal import Decimal

from trytond.model import fields
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from coop_tools.testing import activate_suite

from .tools import (
    create_done_deliveries, create_rule_set, create_store,
    invoice_store_by_hand, setup_invoicing)

MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
INVOICE_DATE = dt.date(2026, 3, 31)
MODELS = [
    'sale.sale', 'sale.line', 'account.invoice', 'account.invoice.line',
    'account.invoice.tax', 'account.move', 'account.move.line',
    'account.tax.line',
    ]
# Relation tables of the documents' many2many fields
RELATIONS = [
    ('sale.line', 'taxes'), ('account.invoice.line', 'taxes'),
    ]
IGNORED = {'id', 'create_date', 'write_date', 'create_uid', 'write_uid'}
# Numbers from sequences: compared by shape and order
NUMBERS = {
    'sale.sale': {'number'},
    'account.invoice': {'number'},
    'account.move': {'number'},
    }


def max_ids():
    pool = Pool()
    cursor = Transaction().connection.cursor()
    result = {}
    for name in MODELS + ['ir.model.log']:
        table = pool.get(name).__table__()
        cursor.execute(*table.select(table.id, order_by=[table.id.desc],
                limit=1))
        row = cursor.fetchone()
        result[name] = row[0] if row else 0
    return result


def stored_columns(Model):
    "The columns of Model's table: its stored fields"
    return [name for name, field in Model._fields.items()
        if not isinstance(field, (
                fields.Function, fields.One2Many, fields.Many2Many))
        and not (isinstance(field, fields.Binary) and field.file_id)]


def snapshot(since):
    """The rows created since the max ids, normalised: a sorted list of
    tuples per table"""
    pool = Pool()
    cursor = Transaction().connection.cursor()
    raw, ranks = {}, {}
    for name in MODELS:
        Model = pool.get(name)
        table = Model.__table__()
        columns = stored_columns(Model)
        cursor.execute(*table.select(
                *[getattr(table, c) for c in columns],
                where=table.id > since[name], order_by=[table.id]))
        rows = [dict(zip(columns, r)) for r in cursor]
        raw[name] = rows
        ranks[name] = {r['id']: i for i, r in enumerate(rows)}

    def reference(model, id_):
        if model in ranks:
            return (model, ranks[model].get(id_, f'old {id_}'))
        return (model, id_)

    def normalise(Model, name, column, value):
        field = Model._fields.get(column)
        if value is None:
            return None
        if isinstance(field, fields.Many2One):
            return reference(field.model_name, value)
        if isinstance(field, fields.Reference) and isinstance(value, str):
            model, id_ = value.split(',')
            return reference(model, int(id_))
        if isinstance(value, float):
            return round(value, 6)
        if isinstance(value, Decimal):
            return value.normalize()
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat()
        return value

    result = {}
    for name in MODELS:
        Model = pool.get(name)
        numbered = NUMBERS.get(name, set())
        rows = []
        for row in raw[name]:
            rows.append(tuple(sorted(
                        (c, normalise(Model, name, c, v))
                        for c, v in row.items()
                        if c not in IGNORED and c not in numbered)))
        result[name] = sorted(rows, key=repr)
        for column in numbered:
            numbers = [r.get(column) for r in raw[name]]
            # The shape (digits as #) and the order of the numbers
            result[f'{name} {column}'] = (
                [re.sub(r'\d', '#', n) if n else n for n in numbers],
                sorted(range(len(numbers)),
                    key=lambda i: (numbers[i] is None, numbers[i] or '')))
    for name, field_name in RELATIONS:
        field = pool.get(name)._fields[field_name]
        Relation = pool.get(field.relation_name)
        table = Relation.__table__()
        origin, target = getattr(table, field.origin), getattr(
            table, field.target)
        cursor.execute(*table.select(origin, target,
                where=origin > since[name]))
        result[field.relation_name] = sorted(
            (reference(name, o), t) for o, t in cursor)
    log = pool.get('ir.model.log').__table__()
    cursor.execute(*log.select(log.resource, log.event, log.target,
            where=log.id > since['ir.model.log'], order_by=[log.id]))
    logs = []
    for resource, event, target in cursor:
        model, id_ = resource.split(',')
        logs.append((reference(model, int(id_)), event, target))
    result['ir.model.log'] = sorted(logs, key=repr)
    return result


class EquivalenceTestCase(unittest.TestCase):
    "Month-end's documents are those Tryton makes by hand"

    @classmethod
    def setUpClass(cls):
        activate_suite('coop_delivery')

    @with_transaction()
    def test_month_end_equals_hand_path(self):
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        Invoice = pool.get('account.invoice')
        cursor = Transaction().connection.cursor()
        company = create_company()
        with set_company(company):
            setup_invoicing(company, grouping='day')
            rule_set = create_rule_set()
            stores = [create_store(rule_set, name=n)
                for n in ["Bakery", "Grocer"]]
            prices = {
                stores[0]: [Decimal('5.57'), Decimal('5.57'),
                    Decimal('12.34')],
                stores[1]: [Decimal('7.01')],
                }
            for store, store_prices in prices.items():
                create_done_deliveries(store, store_prices)
            create_done_deliveries(stores[0], [Decimal('6')],
                date=dt.date(2026, 3, 9))
            since = max_ids()
            cursor.execute('SAVEPOINT equivalence')

            by_hand = []
            for store in stores:
                deliveries = Delivery.search([('customer', '=', store.id)])
                by_hand.append(invoice_store_by_hand(
                        store, INVOICE_DATE, deliveries, grouping='day'))
            hand = snapshot(since)
            hand_totals = [(i.untaxed_amount, i.tax_amount, len(i.lines))
                for i in Invoice.browse(by_hand)]

            cursor.execute('ROLLBACK TO SAVEPOINT equivalence')
            Transaction().cache.clear()
            invoices = Delivery.invoice_period(
                company, *MARCH, INVOICE_DATE)
            month_end = snapshot(since)

            self.assertEqual(set(hand), set(month_end))
            for name in hand:
                with self.subTest(table=name):
                    self.assertEqual(month_end[name], hand[name])
            self.assertTrue(hand['account.move.line'])
            # Tie-out to the cent: Bakery 5.57 × 2 + 12.34 on the 2nd and
            # 6 on the 9th = 29.48, VAT 20 % = 5.896 → 5.90 (3 lines: two
            # prices on the 2nd, one on the 9th); Grocer 7.01, VAT 1.40
            expected = [(Decimal('29.48'), Decimal('5.90'), 3),
                (Decimal('7.01'), Decimal('1.40'), 1)]
            self.assertEqual(hand_totals, expected)
            self.assertEqual([(i.untaxed_amount, i.tax_amount, len(i.lines))
                    for i in invoices], expected)
            self.assertEqual({i.state for i in invoices}, {'posted'})
