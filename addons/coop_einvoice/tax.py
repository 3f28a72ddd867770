# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
from collections import defaultdict

from trytond import backend
from trytond.modules.account.exceptions import PeriodNotFoundError
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

# On SQLite, Tryton checks account_tax_cash's partial exclusion constraint
# with one nested OR per record written, and SQLite's parser gives up past
# about 85 (posting a month-end invoice of a hundred lines on cash basis
# failed with "parser stack overflow")
SQLITE_VALIDATE_SLICE = 50


class TaxLine(metaclass=PoolMeta):
    __name__ = 'account.tax.line'

    @classmethod
    def validate(cls, lines):
        if backend.name != 'sqlite':
            return super().validate(lines)
        for sub_lines in grouped_slice(lines, SQLITE_VALIDATE_SLICE):
            super().validate(list(sub_lines))


class Invoice(metaclass=PoolMeta):
    __name__ = 'account.invoice'

    @property
    def cash_receipt_date(self):
        """The date of the invoice's latest receipt (or payment): of its
        payment lines and of the reconciliations of its lines to pay, each
        dated by its latest line (a credit note settles what it offsets on
        its own date, not on that of the receipts before it); None before
        any"""
        dates = [l.date for l in self.payment_lines]
        for line in self.lines_to_pay:
            if line.reconciliation:
                dates.append(max(l.date for l in line.reconciliation.lines))
        return max(dates, default=None)

    @classmethod
    def _update_tax_cash_basis(cls, invoices):
        """Date the share of VAT on cash basis by its receipt

        account_tax_cash puts the share paid in the period of the context's
        payment_date, else of today: a receipt of 30 April recorded on
        2 May went in May's return, and the pay wizard sets no
        payment_date. VAT on services is due when the price is received
        (CGI art. 269-2-c), so without payment_date each invoice's share
        goes to the period of its latest receipt when that period is
        still open (else, as upstream, to today's)."""
        pool = Pool()
        Period = pool.get('account.period')
        if Transaction().context.get('payment_date'):
            return super()._update_tax_cash_basis(invoices)
        by_date = defaultdict(list)
        for invoice in invoices:
            date = invoice.cash_receipt_date if invoice.move else None
            if date:
                try:
                    Period.find(invoice.company, date=date)
                except PeriodNotFoundError:
                    date = None
            by_date[date].append(invoice)
        for date, date_invoices in by_date.items():
            if date:
                with Transaction().set_context(payment_date=date):
                    super()._update_tax_cash_basis(date_invoices)
            else:
                super()._update_tax_cash_basis(date_invoices)
