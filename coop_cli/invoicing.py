# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"`coop invoice`: the month-end invoicing of the stores"
import calendar
import datetime as dt
from decimal import Decimal

from .errors import CoopError
from .session import as_admin

# The steps Delivery.invoice_period reports, in order
STEPS = ['deliveries', 'stores', 'sales', 'posted']


def parse_month(text):
    "(first day, last day) of a YYYY-MM month"
    try:
        first = dt.datetime.strptime(text, '%Y-%m').date()
    except ValueError:
        raise CoopError(f"--month must be YYYY-MM, like 2026-10, not {text!r}")
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return first, last


def parse_date(text):
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CoopError(f"--date must be YYYY-MM-DD, not {text!r}")


def invoice_month(database_name, month, company=None, invoice_date=None,
        progress=None):
    """Invoice the month's done deliveries of the company (its name or id;
    the only one by default), as the admin user; return a summary"""
    from . import database
    if not database.exists(database_name):
        raise CoopError(f"no database {database_name!r}")
    start, end = month
    counts = {}

    def report(step, count):
        counts[step] = count
        if progress:
            progress(step, count)

    def run():
        from coop_delivery.invoice import default_invoice_date
        from trytond.pool import Pool
        Delivery = Pool().get('coop.delivery')
        with as_admin(company) as company_record:
            date = invoice_date or default_invoice_date(end)
            invoices = Delivery.invoice_period(
                company_record, start, end, date, progress=report)
            return summary(company_record, start, date, invoices,
                counts.get('deliveries', 0))
    return database.in_transaction(database_name, run)


def summary(company, start, invoice_date, invoices, deliveries):
    "Amounts as strings: JSON has no decimals"
    def total(name):
        return str(sum((getattr(i, name) for i in invoices), Decimal(0)))
    return {
        'company': company.rec_name,
        'month': start.strftime('%Y-%m'),
        'invoice_date': invoice_date.isoformat(),
        'deliveries': deliveries,
        'invoices': [{
                'number': i.number,
                'store': i.party.rec_name,
                'untaxed': str(i.untaxed_amount),
                'tax': str(i.tax_amount),
                'total': str(i.total_amount),
                } for i in invoices],
        # The stores month-end could not invoice, each with why
        'refused': [{'store': store.rec_name, 'reason': reason}
            for store, reason in getattr(invoices, 'refused', [])],
        'untaxed': total('untaxed_amount'),
        'tax': total('tax_amount'),
        'total': total('total_amount'),
        }
