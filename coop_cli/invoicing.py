# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"`coop invoice`: the month-end invoicing of the stores"
import calendar
import datetime as dt
from decimal import Decimal

from .errors import CoopError

# The steps Delivery.invoice_period reports, in order
STEPS = ['deliveries', 'stores', 'headers', 'lines', 'posted']


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
        from trytond.exceptions import UserError, UserWarning
        from coop_delivery.invoice import default_invoice_date
        from trytond.pool import Pool
        from trytond.transaction import Transaction
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        User = pool.get('res.user')
        admin, = User.search([('login', '=', 'admin')])
        company_record = _company(company)
        with Transaction().set_user(admin.id), \
                Transaction().set_context(
                    company=company_record.id,
                    language=admin.language.code if admin.language
                    else None):
            date = invoice_date or default_invoice_date(end)
            try:
                invoices = Delivery.invoice_period(
                    company_record, start, end, date, progress=report)
            except (UserError, UserWarning) as error:
                raise CoopError(error.message)
            return summary(company_record, start, date, invoices,
                counts.get('deliveries', 0))
    return database.in_transaction(database_name, run)


def _company(name_or_id):
    from trytond.pool import Pool
    Company = Pool().get('company.company')
    if name_or_id is None:
        companies = Company.search([])
        if len(companies) != 1:
            raise CoopError(
                f"the database has {len(companies)} companies: "
                "choose one with --company")
        return companies[0]
    domain = [('party.name', '=', name_or_id)]
    if str(name_or_id).isdigit():
        domain = ['OR', domain, ('id', '=', int(name_or_id))]
    companies = Company.search(domain)
    if len(companies) != 1:
        raise CoopError(f"no company {name_or_id!r}")
    return companies[0]


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
        'untaxed': total('untaxed_amount'),
        'tax': total('tax_amount'),
        'total': total('total_amount'),
        }
