# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""A supplier's e-invoice received: a Factur-X PDF, a CII or a UBL file
becomes a draft supplier invoice with its lines, the original attached

Uploaded through the wizard, or dropped in the inbox folder ([coop_einvoice]
inbox in trytond's configuration) that the cron reads: each file is moved
to done/ or to refused/ with a .txt beside it saying why (docs/einvoicing.md:
the platform's interface)."""
import logging
import os
import shutil
from decimal import Decimal

import facturx
from facturx.parse_xml import parse_ubl_cii_xml

from trytond.config import config
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateAction, StateTransition, StateView, Wizard

from coop_tools.model import check_user_company

from . import rules, schematron
from .exceptions import EInvoiceFileError
from .invoice import VAT_TYPES, party_siren, party_vat

logger = logging.getLogger(__name__)
CREDIT_NOTE_CODES = {'381', '261', '262', '296', '308', '396', '420', '458'}


def inbox_folder():
    return config.get('coop_einvoice', 'inbox', default=None)


def read_einvoice(content, filename):
    """The data dict of an e-invoice file (Factur-X PDF, CII or UBL XML);
    EInvoiceFileError when it is not one, with the reason"""
    content = bytes(content or b'')
    if content.startswith(b'%PDF'):
        try:
            _, xml = facturx.get_xml_from_pdf(content, check_xsd=False)
        except Exception as exception:
            xml = None
            logger.debug("no XML in %s: %s", filename, exception)
        if not xml:
            raise EInvoiceFileError(gettext(
                    'coop_einvoice.msg_file_no_xml', file=filename))
    else:
        xml = content
    try:
        data = parse_ubl_cii_xml(xml, check_xsd=True)
    except Exception as exception:
        raise EInvoiceFileError(gettext(
                'coop_einvoice.msg_file_not_invoice', file=filename,
                reason=str(exception).splitlines()[0][:300])) from exception
    failures = rules.failures(data)
    if failures:
        rule, message = failures[0]
        raise EInvoiceFileError(gettext(
                'coop_einvoice.msg_file_rule', file=filename, rule=rule,
                message=message))
    # The official EN 16931 Schematron on the XML itself (a supplier's
    # file is not held to the French CTC's: its platform checked them)
    try:
        failures = schematron.fatal(schematron.failures(xml, 'en16931'))
    except schematron.SchematronError as exception:
        raise EInvoiceFileError(gettext(
                'coop_einvoice.msg_file_not_invoice', file=filename,
                reason=str(exception).splitlines()[0][:300])) from exception
    if failures:
        raise EInvoiceFileError(gettext(
                'coop_einvoice.msg_file_schematron', file=filename,
                rule=failures[0].rule, message=failures[0].text))
    return data


class Invoice(metaclass=PoolMeta):
    __name__ = 'account.invoice'

    @classmethod
    def einvoice_find_party(cls, party_data):
        """The party of an e-invoice's party: by SIRET or SIREN, then by VAT
        number; None if none"""
        pool = Pool()
        Identifier = pool.get('party.identifier')
        siren = party_data.get('legal_identifier')
        identifiers = set((party_data.get('identifiers') or {}).values())
        if siren:
            identifiers.add(siren)
        for code in identifiers:
            found = Identifier.search([
                    ('type', 'in', ['fr_siren', 'fr_siret']),
                    ['OR', ('code_compact', '=', code),
                        ('code_compact', 'like', code + '%')],
                    ], limit=1)
            if found:
                return found[0].party
        vat = party_data.get('vat_identifier')
        if vat:
            found = Identifier.search([
                    ('type', 'in', list(VAT_TYPES)),
                    ('code_compact', '=', vat.replace(' ', '').upper()),
                    ], limit=1)
            if found:
                return found[0].party
        return None

    @classmethod
    def einvoice_buyer_is(cls, data, company):
        "Whether the e-invoice is addressed to company (SIREN or VAT)"
        buyer = data.get('BG-7') or {}
        siren, vat = party_siren(company.party), party_vat(company.party)
        codes = {buyer.get('legal_identifier'), buyer.get('vat_identifier')}
        codes |= set((buyer.get('identifiers') or {}).values())
        codes.discard(None)
        if not codes:
            # Nothing to say otherwise: the company that receives it
            return True
        return any(c and (c == vat or c[:9] == siren) for c in codes)

    @classmethod
    def einvoice_purchase_tax(cls, company, rate, line_name):
        pool = Pool()
        Tax = pool.get('account.tax')
        taxes = Tax.search([
                ('company', '=', company.id),
                ('parent', '=', None),
                ('type', '=', 'percentage'),
                ('group.kind', 'in', ['purchase', 'both']),
                ])
        for tax in taxes:
            if (tax.rate or 0) * 100 == rate:
                return tax
        raise EInvoiceFileError(gettext(
                'coop_einvoice.msg_file_no_tax', line=line_name,
                rate=rate, company=company.rec_name))

    @classmethod
    def create_from_einvoice(cls, content, filename, company):
        """A draft supplier invoice from an e-invoice file, the file
        attached; nothing written when it is refused"""
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        Currency = pool.get('currency.currency')
        Configuration = pool.get('account.configuration')
        data = read_einvoice(content, filename)
        if not cls.einvoice_buyer_is(data, company):
            raise EInvoiceFileError(gettext(
                    'coop_einvoice.msg_file_other_buyer', file=filename,
                    buyer=(data.get('BG-7') or {}).get('name'),
                    company=company.rec_name))
        seller = data.get('BG-4') or {}
        party = cls.einvoice_find_party(seller)
        if not party:
            raise EInvoiceFileError(gettext(
                    'coop_einvoice.msg_file_no_supplier', file=filename,
                    supplier=seller.get('name'),
                    siren=seller.get('legal_identifier') or '',
                    vat=seller.get('vat_identifier') or ''))
        currencies = Currency.search([('code', '=', data['BT-5'])], limit=1)
        if not currencies:
            raise EInvoiceFileError(gettext(
                    'coop_einvoice.msg_file_currency', file=filename,
                    currency=data['BT-5']))
        with Transaction().set_context(company=company.id):
            account = Configuration(1).get_multivalue(
                'default_category_account_expense', company=company.id)
        if not account:
            raise EInvoiceFileError(gettext(
                    'coop_einvoice.msg_file_no_expense_account',
                    company=company.rec_name))
        sign = -1 if data['BT-3'] in CREDIT_NOTE_CODES else 1
        invoice = cls(
            type='in', company=company, party=party,
            currency=currencies[0],
            invoice_date=data['BT-2'], reference=data['BT-1'],
            description=filename)
        invoice.on_change_type()
        invoice.on_change_party()
        lines = []
        for line_data in data.get('BG-25') or []:
            name = line_data.get('BT-153') or line_data.get('BT-126')
            line = invoice.lines_new_line(line_data, sign, account, name)
            lines.append(line)
        invoice.lines = lines
        invoice.on_change_lines()
        invoice.save()
        cls.update_taxes([invoice])
        invoice = cls(invoice.id)
        expected = sign * Decimal(str(data.get('BT-112') or 0))
        if invoice.total_amount != expected:
            raise EInvoiceFileError(gettext(
                    'coop_einvoice.msg_file_total', file=filename,
                    total=invoice.total_amount, expected=expected))
        with without_check_access():
            Attachment.create([{
                    'name': filename,
                    'resource': str(invoice),
                    'type': 'data',
                    'data': bytes(content),
                    }])
        return invoice

    def lines_new_line(self, line_data, sign, account, name):
        Line = Pool().get('account.invoice.line')
        rate = Decimal(str(line_data.get('BT-152') or 0))
        line = Line(
            invoice=self, type='line', company=self.company,
            currency=self.currency, account=account,
            description=name,
            quantity=float(sign * Decimal(str(line_data['BT-129']))),
            unit_price=Decimal(str(line_data['BT-146'])),
            )
        line.invoice_type = 'in'
        if rate:
            line.taxes = [self.einvoice_purchase_tax(
                    self.company, rate.normalize(), name)]
        else:
            line.taxes = []
        return line

    @classmethod
    def import_einvoice_folder(cls):
        """Import the files of the inbox folder for the companies they are
        addressed to; each moved to done/ or refused/ (with the reason)"""
        pool = Pool()
        Company = pool.get('company.company')
        folder = inbox_folder()
        if not folder or not os.path.isdir(folder):
            return
        companies = Company.search([])
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if not os.path.isfile(path):
                continue
            with open(path, 'rb') as file:
                content = file.read()
            reason = None
            transaction = Transaction()
            try:
                with transaction.new_transaction() as sub:
                    company = cls.einvoice_company(content, name, companies)
                    with sub.set_context(company=company.id):
                        cls.create_from_einvoice(content, name, company)
                    sub.commit()
            except EInvoiceFileError as exception:
                reason = exception.message
            cls.einvoice_file_done(folder, name, reason)

    @classmethod
    def einvoice_company(cls, content, filename, companies):
        data = read_einvoice(content, filename)
        for company in companies:
            if cls.einvoice_buyer_is(data, company):
                return company
        raise EInvoiceFileError(gettext(
                'coop_einvoice.msg_file_other_buyer', file=filename,
                buyer=(data.get('BG-7') or {}).get('name'),
                company=', '.join(c.rec_name for c in companies)))

    @classmethod
    def einvoice_file_done(cls, folder, name, reason):
        target = os.path.join(folder, 'refused' if reason else 'done')
        os.makedirs(target, exist_ok=True)
        shutil.move(os.path.join(folder, name), os.path.join(target, name))
        if reason:
            with open(os.path.join(target, name + '.txt'), 'w',
                    encoding='utf-8') as file:
                file.write(reason + '\n')
            logger.warning("e-invoice %s refused: %s", name, reason)


class ReceiveStart(ModelView):
    "Receive a supplier's e-invoice"
    __name__ = 'coop.einvoice.receive.start'
    __string__ = "Receive E-Invoice"

    file = fields.Binary("File", filename='filename', required=True,
        help="A Factur-X PDF, or a CII or UBL XML file.")
    filename = fields.Char("File Name")
    invoice = fields.Many2One(
        'account.invoice', "Invoice", readonly=True,
        states={'invisible': True})


class Receive(Wizard):
    "Receive a supplier's e-invoice"
    __name__ = 'coop.einvoice.receive'
    start = StateView('coop.einvoice.receive.start',
        'coop_einvoice.receive_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Import", 'import_', 'tryton-ok', default=True),
            ])
    import_ = StateTransition()
    open_ = StateAction('account_invoice.act_invoice_in_form')

    def transition_import_(self):
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Company = pool.get('company.company')
        company = Company(Transaction().context['company'])
        # The context's company is the client's word: checked, as the
        # wizard runs without the user's record rules
        check_user_company(
            company, 'coop_einvoice.msg_company_not_allowed')
        invoice = Invoice.create_from_einvoice(
            self.start.file, self.start.filename or 'e-invoice', company)
        self.start.file = None
        self.start.invoice = invoice
        return 'open_'

    def do_open_(self, action):
        action['res_id'] = [self.start.invoice.id]
        action['views'].reverse()
        return action, {}


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('account.invoice|import_einvoice_folder',
                "Import Received E-Invoices"))
