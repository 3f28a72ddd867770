# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The files an invoice was issued with are kept as issued

A posted customer invoice's Factur-X and UBL (and the documents other
modules issue with it: Invoice.issued_attachment_names) are the copies the
customer received and the archive the law requires: nobody changes or
deletes them, whatever their access to the invoice. Other attachments of
the invoice (correspondence, notes) stay free."""
from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta


class Attachment(metaclass=PoolMeta):
    __name__ = 'ir.attachment'

    @classmethod
    def check_modification(
            cls, mode, attachments, values=None, external=False):
        super().check_modification(
            mode, attachments, values=values, external=external)
        if mode not in {'write', 'delete'}:
            return
        Invoice = Pool().get('account.invoice')
        for attachment in attachments:
            resource = attachment.resource
            if (isinstance(resource, Invoice) and resource.issued
                    and attachment.name in resource.issued_attachment_names()):
                raise AccessError(gettext(
                        'coop_einvoice.msg_issued_attachment',
                        attachment=attachment.name,
                        invoice=resource.rec_name))
