# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
import datetime as dt
import unittest
from decimal import Decimal
from unittest import mock

from coop_delivery.invoice import InvoicingError
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from coop_tools.testing import activate_suite, activated

from .tools import (
    ORDERED, create_delivery, create_done_deliveries, create_rule_set,
    create_store, setup_invoicing)

MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
INVOICE_DATE = dt.date(2026, 3, 31)


def invoice_march(company):
    Delivery = Pool().get('coop.delivery')
    return Delivery.invoice_period(company, *MARCH, INVOICE_DATE)


class DeliveryInvoiceTestCase(unittest.TestCase):
    "Monthly invoicing of the stores"

    @classmethod
    def setUpClass(cls):
        activate_suite('coop_delivery')

    @with_transaction()
    def test_run_started_again(self):
        """A run whose progress was committed apart, as Tryton starts an
        attempt again to take a lock, is done when run again; a done run
        is not done twice"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Period = pool.get('account.period')
        Run = pool.get('coop.delivery.invoice.run')
        company = create_company()
        with set_company(company):
            setup_invoicing(company)
            bakery = create_store(create_rule_set(), name="Bakery")
            create_done_deliveries(bakery, [Decimal('5.57')])
            run, = Run.create([{
                        'company': company.id,
                        'period': Period.find(
                            company, date=ORDERED.date()).id,
                        'invoice_date': INVOICE_DATE,
                        }])
            pool.get('coop.delivery.invoice.run.progress').create([{
                        'run': run.id, 'step': 'posted: 1'}])
            self.assertEqual(run.progress, 'posted: 1')
            Run.run([run])
            self.assertEqual(run.state, 'done')
            invoice, = Invoice.search([])
            self.assertEqual(invoice.untaxed_amount, Decimal('5.57'))
            self.assertIn(invoice.number, run.summary)
            Run.run([run])
            self.assertEqual(Invoice.search([]), [invoice])

    @with_transaction()
    def test_run_in_parts(self):
        """With a worker a run invoices its stores a part at a time, each
        part queueing the next: three stores two at a time make two parts,
        every store invoiced once, the run done after the second"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Period = pool.get('account.period')
        Queue = pool.get('ir.queue')
        Run = pool.get('coop.delivery.invoice.run')
        company = create_company()
        with set_company(company):
            setup_invoicing(company)
            rule_set = create_rule_set()
            stores = [create_store(rule_set, name=name)
                for name in ["Bakery", "Grocer", "Florist"]]
            for store, price in zip(stores, ['5.57', '6.00', '7.01']):
                create_done_deliveries(store, [Decimal(price)])
            run, = Run.create([{
                        'company': company.id,
                        'period': Period.find(
                            company, date=ORDERED.date()).id,
                        'invoice_date': INVOICE_DATE,
                        }])
            with mock.patch.object(Run, 'stores_per_task', lambda: 2):
                Run.run([run])
                self.assertEqual(run.state, 'queued')
                self.assertEqual(run.stores_done, 2)
                self.assertEqual(run.last_customer, stores[1])
                self.assertEqual(
                    sorted(i.party.name for i in Invoice.search([])),
                    ["Bakery", "Grocer"])
                # The next part is queued, after what posting queued
                tasks = Queue.search([], order=[('id', 'ASC')])
                *posted, task = [
                    (t.data['model'], t.data['method'], list(t.data['instances']))
                    for t in tasks]
                self.assertEqual(
                    task, ('coop.delivery.invoice.run', 'run', [run.id]))
                self.assertIn('print_invoice', {m for _, m, _ in posted})
                Run.run([run])
            self.assertEqual(run.state, 'done')
            self.assertEqual(run.stores_done, 3)
            invoices = Invoice.search([])
            self.assertEqual(
                sorted(i.party.name for i in invoices),
                ["Bakery", "Florist", "Grocer"])
            for invoice in invoices:
                self.assertIn(invoice.number, run.summary)

    @with_transaction()
    def test_annex_rows(self):
        """An annex row: the first pickup's and the last dropoff's address
        in the tasks' order (a party address on one line, or the task's
        own street, postal code and city), distance in km, weight in kg,
        the price overridden if it is"""
        from coop_delivery.annex import delivery_rows
        company = create_company()
        with set_company(company):
            store = create_store(addresses=[{
                        'street': "3 rue Mercière", 'postal_code': "69002",
                        'city': "Lyon"}])
            address, = store.addresses
            window = {'after': ORDERED,
                'before': ORDERED + dt.timedelta(hours=1)}
            delivery = create_delivery(store, tasks=[
                    dict(window, type='dropoff', sequence=3,
                        street="9 quai Perrache", postal_code="69002",
                        city="Lyon"),
                    dict(window, type='pickup', sequence=1,
                        address=address.id),
                    dict(window, type='dropoff', sequence=2,
                        street="1 place Bellecour"),
                    dict(window, type='pickup', sequence=2,
                        street="Second pickup"),
                    ], reference='R1', distance=2350, weight=1500,
                price=Decimal('9.00'), price_override=Decimal('7.50'),
                price_override_reason="Geste")
            row, = delivery_rows([delivery.id])
            lines = [l.strip() for l in address.full_address.splitlines()
                if l.strip()]
            self.assertIn("3 rue Mercière", lines)
            self.assertEqual(row, {
                    'date': ORDERED.date(), 'reference': 'R1',
                    'pickup': ', '.join(lines),
                    'dropoff': "9 quai Perrache, 69002 Lyon",
                    'distance': Decimal('2.35'), 'weight': Decimal('1.5'),
                    'price': Decimal('7.50')})

    @with_transaction()
    def test_month_invoicing(self):
        """The wizard gives each store one posted invoice that ties out to
        its done deliveries; a re-run invoices only what is new"""
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        Invoice = pool.get('account.invoice')
        MoveLine = pool.get('account.move.line')
        Period = pool.get('account.period')
        Wizard = pool.get('coop.delivery.invoice', type='wizard')
        Run = pool.get('coop.delivery.invoice.run')
        company = create_company()
        with set_company(company):
            product = setup_invoicing(company)
            rule_set = create_rule_set()
            bakery = create_store(rule_set, name="Bakery")
            grocer = create_store(rule_set, name="Grocer")
            prices = [Decimal('5.57'), Decimal('6.00'), Decimal('12.34')]
            bakery_deliveries = create_done_deliveries(bakery, prices)
            create_done_deliveries(grocer, [Decimal('7.01')])
            confirmed = create_delivery(bakery)
            Delivery.confirm([confirmed])

            session_id, _, _ = Wizard.create()
            wizard = Wizard(session_id)
            wizard.start.company = company
            wizard.start.period = Period.find(company, date=ORDERED.date())
            wizard.start.on_change_period()
            self.assertEqual(wizard.start.invoice_date, INVOICE_DATE)
            action, _ = wizard.do_invoice({'res_id': None})
            # No worker in tests: the run is done at once, as queued
            run, = Run.browse(action['res_id'])
            self.assertEqual(run.state, 'done')
            invoices = Invoice.search([])
            for invoice in invoices:
                self.assertIn(invoice.number, run.summary)
            self.assertEqual(
                sorted(i.party.name for i in invoices), ["Bakery", "Grocer"])
            invoice, = [i for i in invoices if i.party == bakery]
            self.assertEqual(invoice.state, 'posted')
            self.assertTrue(invoice.number)
            self.assertEqual(invoice.invoice_date, INVOICE_DATE)
            # Only the done deliveries
            self.assertEqual(len(invoice.lines), 3)
            self.assertEqual(confirmed.invoice_state, 'none')
            self.assertEqual(invoice.untaxed_amount, sum(prices))
            # VAT on the document: 20% of 23.91, rounded once
            self.assertEqual(invoice.tax_amount, Decimal('4.78'))
            self.assertEqual(invoice.total_amount, Decimal('28.69'))
            # The cached amounts are those Tryton computes from the lines
            Invoice.write([invoice], {})
            fresh = Invoice(invoice.id)
            self.assertEqual(
                (fresh.untaxed_amount_cache, fresh.tax_amount_cache),
                (sum(prices), Decimal('4.78')))
            for line in invoice.lines:
                self.assertEqual(line.product, product)
                self.assertEqual(len(line.taxes), 1)
                self.assertEqual(line.origin.sale.party, bakery)
            self.assertEqual(
                [d.invoice for d in bakery_deliveries], [invoice] * 3)
            self.assertEqual(
                {d.invoice_state for d in bakery_deliveries}, {'invoiced'})
            self.assertEqual(
                sorted(l.amount for l in invoice.lines), sorted(prices))

            # The move balances, the receivable is the total
            move = invoice.move
            self.assertEqual(move.state, 'posted')
            self.assertEqual(
                sum(l.debit for l in move.lines),
                sum(l.credit for l in move.lines))
            receivable, = invoice.lines_to_pay
            self.assertEqual(receivable.debit, Decimal('28.69'))
            self.assertEqual(receivable.party, bakery)
            # Tax reports see the base and the tax
            base = sum(t.amount for l in move.lines for t in l.tax_lines
                if t.type == 'base')
            self.assertEqual(base, sum(prices))
            self.assertEqual(MoveLine.search([
                        ('move', '=', move.id),
                        ('account', '=', receivable.account.id)]),
                [receivable])

            # The sale behind it: invoiced on order, awaiting payment
            sale = invoice.lines[0].origin.sale
            self.assertEqual(sale.state, 'processing')
            self.assertEqual(sale.invoice_method, 'order')
            self.assertEqual(sale.invoices, (invoice,))
            self.assertEqual(sale.get_invoice_state(), 'awaiting payment')
            self.assertEqual(sale.total_amount, invoice.total_amount)

            # A re-run finds nothing; a late delivery gets its own invoice
            self.assertEqual(invoice_march(company), [])
            late, = create_done_deliveries(
                bakery, [Decimal('8')], date=dt.date(2026, 3, 30))
            second, = invoice_march(company)
            self.assertEqual(second.untaxed_amount, Decimal('8'))
            self.assertEqual(late.invoice, second)
            self.assertEqual(len(Invoice.search([])), 3)
            # April's deliveries wait for April
            create_done_deliveries(
                bakery, [Decimal('9')], date=dt.date(2026, 4, 1))
            self.assertEqual(invoice_march(company), [])

    @with_transaction()
    def test_grouping_per_day_and_rule(self):
        "Grouped lines keep one price each, so totals stay exact"
        pool = Pool()
        Configuration = pool.get('coop.delivery.configuration')
        company = create_company()
        with set_company(company):
            setup_invoicing(company, grouping='day')
            store = create_store(create_rule_set())
            create_done_deliveries(
                store, [Decimal('5'), Decimal('5'), Decimal('7.5')])
            create_done_deliveries(
                store, [Decimal('5')], date=dt.date(2026, 3, 3))
            invoice, = invoice_march(company)
            self.assertEqual(
                sorted((l.quantity, l.unit_price) for l in invoice.lines),
                [(1, Decimal('5')), (1, Decimal('7.5')),
                    (2, Decimal('5'))])
            self.assertEqual(invoice.untaxed_amount, Decimal('22.5'))

            Configuration.write([Configuration(1)], {
                    'invoice_grouping': 'rule'})
            create_done_deliveries(
                store, [Decimal('5'), Decimal('5')], date=dt.date(2026, 3, 4))
            invoice, = invoice_march(company)
            line, = invoice.lines
            self.assertEqual(line.quantity, 2)
            self.assertIn("Base", line.description)

    @with_transaction()
    def test_bad_input_then_credit(self):
        """No product or no address: a clear error and nothing written;
        a disputed delivery is then refunded by a posted credit note"""
        pool = Pool()
        Configuration = pool.get('coop.delivery.configuration')
        Address = pool.get('party.address')
        Delivery = pool.get('coop.delivery')
        Sale = pool.get('sale.sale')
        company = create_company()
        with set_company(company):
            product = setup_invoicing(company)
            store = create_store(create_rule_set(), name="Nowhere")
            disputed, kept = create_done_deliveries(
                store, [Decimal('5.57'), Decimal('6')])
            Configuration.write([Configuration(1)], {
                    'invoice_product': None})
            with self.assertRaises(InvoicingError) as cm:
                invoice_march(company)
            self.assertIn("delivery product", cm.exception.message)
            Configuration.write([Configuration(1)], {
                    'invoice_product': product.id})
            addresses = list(store.addresses)
            Address.write(addresses, {'active': False})
            # Refused, named, nothing written
            result = invoice_march(company)
            self.assertEqual(result, [])
            (refused, reason), = result.refused
            self.assertEqual(refused, store)
            self.assertIn("Nowhere", reason)
            self.assertIn("invoice address", reason)
            self.assertEqual(Sale.search([]), [])
            self.assertEqual(disputed.invoice_state, 'none')
            Address.write(addresses, {'active': True})
            invoice, = invoice_march(company)

            with self.assertRaises(InvoicingError):
                Delivery.credit([disputed])  # no reason given
            with self.assertRaises(AccessError):
                Delivery.write([disputed], {'price_override': Decimal(1)})
            disputed.dispute_reason = "Parcel crushed"
            disputed.save()
            credit_note, = Delivery.credit([disputed])

            self.assertEqual(credit_note.state, 'posted')
            self.assertEqual(credit_note.party, store)
            line, = credit_note.lines
            self.assertEqual(line.amount, Decimal('-5.57'))
            self.assertEqual(line.origin, disputed.invoice_line)
            self.assertIn("Parcel crushed", line.description)
            self.assertEqual(credit_note.total_amount, Decimal('-6.68'))
            self.assertEqual(disputed.invoice_state, 'credited')
            self.assertEqual(kept.invoice_state, 'invoiced')
            # The invoice itself is untouched
            self.assertEqual(invoice.state, 'posted')
            self.assertEqual(invoice.untaxed_amount, Decimal('11.57'))
            self.assertEqual(
                Delivery.search([('invoice_state', '=', 'credited')]),
                [disputed])
            with self.assertRaises(InvoicingError):
                Delivery.credit([disputed])
            with self.assertRaises(AccessError):
                Delivery.write([disputed], {'dispute_reason': "Other"})

    @with_transaction()
    def test_refused_stores_and_annex(self):
        """A store without SIREN (required from the setting's date) or
        whose delivery product has no tax is refused by name, nothing
        written for it; the others are invoiced with their annex"""
        pool = Pool()
        Configuration = pool.get('coop.delivery.configuration')
        Identifier = pool.get('party.identifier')
        Sale = pool.get('sale.sale')
        Attachment = pool.get('ir.attachment')
        company = create_company()
        with set_company(company):
            product = setup_invoicing(company, grouping='day')
            Configuration.write([Configuration(1)], {
                    'customer_siren_required_from': dt.date(2026, 1, 1)})
            rule_set = create_rule_set()
            anonymous = create_store(rule_set, name="No Siren")
            known = create_store(rule_set, name="Known")
            # 732829320: a SIREN that passes the Luhn check
            Identifier.create([{'party': known.id, 'type': 'fr_siren',
                        'code': '732829320'}])
            create_done_deliveries(anonymous, [Decimal('5')])
            two = create_done_deliveries(known, [Decimal('5'), Decimal('5')])
            late, = create_done_deliveries(
                known, [Decimal('7.50')], date=dt.date(2026, 3, 3))

            result = invoice_march(company)
            (store, reason), = result.refused
            self.assertEqual(store, anonymous)
            self.assertIn("No Siren", reason)
            self.assertIn("SIREN", reason)
            self.assertEqual(Sale.search([('party', '=', anonymous.id)]), [])
            invoice, = result
            self.assertEqual(invoice.party, known)
            # A line per day and price: 2 × 5.00 on the 2nd, 7.50 on the 3rd
            self.assertEqual(
                [(l.quantity, l.unit_price) for l in invoice.lines],
                [(2, Decimal('5')), (1, Decimal('7.50'))])
            self.assertEqual(
                {d.invoice for d in two + [late]}, {invoice})

            # The annex: every delivery, as CSV and PDF, on the invoice
            attachments = Attachment.search(
                [('resource', '=', str(invoice))], order=[('name', 'ASC')])
            self.assertEqual(
                [a.name[-4:] for a in attachments], ['.csv', '.pdf'])
            csv_text = attachments[0].data.decode('utf-8').splitlines()
            self.assertEqual(csv_text[0],
                'date,reference,pickup,dropoff,distance_km,weight_kg,price')
            self.assertEqual(len(csv_text), 1 + 3)
            self.assertTrue(csv_text[1].startswith('2026-03-02,D1,'))
            self.assertTrue(csv_text[3].endswith(',7.50'))
            pdf = bytes(attachments[1].data)
            self.assertTrue(pdf.startswith(b'%PDF-'))
            import io
            from pypdf import PdfReader
            text = ''.join(
                p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
            self.assertIn(invoice.number, text)
            self.assertIn('D1', text)
            # Issued with the invoice: kept as issued by coop_einvoice
            # (the module that freezes issued files), when it is there
            self.assertLessEqual({a.name for a in attachments},
                invoice.issued_attachment_names())
            if activated('coop_einvoice'):
                for attachment in attachments:
                    with self.assertRaises(AccessError):
                        Attachment.delete([attachment])

            # The product loses its tax: the store is refused, not invoiced
            create_done_deliveries(known, [Decimal('5')],
                date=dt.date(2026, 3, 4))
            product.account_category.customer_taxes = []
            product.account_category.save()
            result = invoice_march(company)
            self.assertEqual(result, [])
            refused = dict(result.refused)
            self.assertEqual(set(refused), {known, anonymous})
            self.assertIn("Known", refused[known])
            self.assertIn("tax", refused[known])


class FECNameTestCase(unittest.TestCase):
    "The FEC file's legal name"

    def test_fec_filename(self):
        "SIREN (the SIRET's first 9 digits) + FEC + closing date, .txt"
        from types import SimpleNamespace

        from coop_delivery.fec import fec_filename
        party = SimpleNamespace(identifiers=[SimpleNamespace(
                    type='fr_siret', code='90012345600015', address=None)],
            address_get=lambda: None)
        year = SimpleNamespace(end_date=dt.date(2026, 12, 31),
            company=SimpleNamespace(party=party))
        self.assertEqual(fec_filename(year), '900123456FEC20261231.txt')
