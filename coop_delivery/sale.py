# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
from trytond.pool import PoolMeta


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'

    def _get_invoice(self):
        "The sale's description (a store's month) names its invoice too"
        invoice = super()._get_invoice()
        if not getattr(invoice, 'description', None):
            invoice.description = self.description
        return invoice
