# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The annex of a store's invoice: every delivery it bills

The invoice's lines are grouped (by default a line per day and price); the
annex lists each delivery with its date, reference, pickup and dropoff
addresses, distance, weight and price, as a PDF (report/annex.html, see
docs/templates.md) and as CSV, both attached to the invoice when month-end
posts it."""
import csv
import io
from decimal import Decimal

from trytond.config import config
from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta

from coop_tools.report import HTMLReport

from .delivery import invoiced_amount


def task_address(task, addresses):
    """A task's address on one line; task is a dict read of the task (None
    for none), addresses its party addresses by id"""
    if not task:
        return ''
    if task['address']:
        lines = addresses[task['address']].full_address.splitlines()
        return ', '.join(l.strip() for l in lines if l.strip())
    return ', '.join(p for p in [
            task['street'], ' '.join(
                p for p in [task['postal_code'], task['city']] if p)] if p)


def annex_rows(invoice):
    """The deliveries billed by the invoice, in date and reference order:
    dicts of date, reference, pickup, dropoff, distance (km), weight (kg)
    and price (without tax)

    Read as values, not records (a month of a busy store is 250 deliveries
    and 500 tasks: records cost a third of the time)."""
    Delivery = Pool().get('coop.delivery')
    sale_lines = [l.origin.id for l in invoice.lines
        if l.origin and l.origin.__name__ == 'sale.line']
    return delivery_rows([d.id for d in Delivery.search([
                    ('sale_line', 'in', sale_lines),
                    ], order=[('date', 'ASC'), ('reference', 'ASC'),
                    ('id', 'ASC')])])


def delivery_rows(ids):
    "The annex's rows of the deliveries of ids, in that order"
    pool = Pool()
    Delivery = pool.get('coop.delivery')
    Task = pool.get('coop.delivery.task')
    Address = pool.get('party.address')
    deliveries = Delivery.read(ids, [
            'date', 'reference', 'distance', 'weight', 'price_override',
            'price'])
    # The first pickup and the last dropoff, in the tasks' order
    pickups, dropoffs = {}, {}
    tasks = Task.search_read([('delivery', 'in', ids)], fields_names=[
            'delivery', 'type', 'address', 'street', 'postal_code', 'city'])
    for task in tasks:
        if task['type'] == 'pickup':
            pickups.setdefault(task['delivery'], task)
        elif task['type'] == 'dropoff':
            dropoffs[task['delivery']] = task
    addresses = {a.id: a for a in Address.browse(
            {t['address'] for t in tasks if t['address']})}
    rows = []
    order = {id_: i for i, id_ in enumerate(ids)}
    for delivery in sorted(deliveries, key=lambda d: order[d['id']]):
        id_ = delivery['id']
        rows.append({
                'date': delivery['date'],
                'reference': delivery['reference'] or '',
                'pickup': task_address(pickups.get(id_), addresses),
                'dropoff': task_address(dropoffs.get(id_), addresses),
                'distance': (Decimal(delivery['distance']) / 1000
                    if delivery['distance'] is not None else None),
                'weight': (Decimal(delivery['weight']) / 1000
                    if delivery['weight'] is not None else None),
                'price': invoiced_amount(
                    delivery['price_override'], delivery['price']),
                })
    return rows


CSV_COLUMNS = ['date', 'reference', 'pickup', 'dropoff', 'distance',
    'weight', 'price']


def annex_csv(rows):
    "The annex as CSV (UTF-8, comma, a header line; dates ISO, points)"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\r\n')
    writer.writerow([
            'date', 'reference', 'pickup', 'dropoff', 'distance_km',
            'weight_kg', 'price'])
    for row in rows:
        writer.writerow([
                row['date'].isoformat(), row['reference'], row['pickup'],
                row['dropoff'],
                '' if row['distance'] is None else f"{row['distance']:.3f}",
                '' if row['weight'] is None else f"{row['weight']:.3f}",
                '' if row['price'] is None else f"{row['price']:.2f}"])
    return out.getvalue().encode('utf-8')


class AnnexReport(HTMLReport):
    "Delivery statement: the annex of a store's invoice"
    __name__ = 'coop.delivery.annex'

    @classmethod
    def document_language(cls, records, data):
        "The store's language"
        langs = {r.party.lang.code for r in records if r.party.lang}
        return langs.pop() if len(langs) == 1 else None

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        # The rows already read for an invoice (render_annex) are not read
        # again
        known = data.get('_annex_rows', {})

        def rows(invoice):
            if invoice.id in known:
                return known[invoice.id]
            return annex_rows(invoice)
        context['annex_rows'] = rows
        return context

    @classmethod
    def render_annex(cls, invoice, rows=None):
        """The PDF of the invoice's annex, from the report's template; rows,
        if given, are the invoice's annex_rows"""
        pool = Pool()
        ActionReport = pool.get('ir.action.report')
        action, = ActionReport.search([('report_name', '=', cls.__name__)])
        data = {'_annex_rows': {invoice.id: rows}} if rows is not None else {}
        _, content = cls._execute([invoice], {}, data, action)
        return content

    @classmethod
    def attachments(cls, invoice, pdf=True):
        "The annex of the invoice as unsaved attachments: PDF and CSV"
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        name = gettext('coop_delivery.msg_annex_name',
            number=invoice.number or '')
        rows = annex_rows(invoice)
        attachments = [Attachment(
                resource=invoice, name=f'{name}.csv', type='data',
                data=annex_csv(rows))]
        if pdf:
            attachments.append(Attachment(
                    resource=invoice, name=f'{name}.pdf', type='data',
                    data=cls.render_annex(invoice, rows)))
        return attachments


class Invoice(metaclass=PoolMeta):
    __name__ = 'account.invoice'

    def issued_attachment_names(self):
        """The attachments the invoice is issued with (kept as issued by a
        module that freezes them, coop_einvoice): its annex, in each
        language it may be named in"""
        pool = Pool()
        Lang = pool.get('ir.lang')
        names = set()
        parent = super()
        if hasattr(parent, 'issued_attachment_names'):
            names |= parent.issued_attachment_names()
        if self.number:
            codes = {config.get('database', 'language', default='en')}
            codes |= {l.code for l in Lang.search(
                    [('translatable', '=', True)])}
            for code in codes:
                name = gettext('coop_delivery.msg_annex_name', code,
                    number=self.number)
                names |= {f'{name}.pdf', f'{name}.csv'}
        return names

    @classmethod
    def attach_delivery_annexes(cls, invoices):
        """Attach its annex (PDF and CSV) to each invoice; month-end queues
        it for the worker, in batches, as Tryton queues the invoice's PDF"""
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        Annex = pool.get('coop.delivery.annex', type='report')
        attachments = []
        for invoice in cls.browse(invoices):
            attachments.extend(Annex.attachments(invoice))
        Attachment.save(attachments)
