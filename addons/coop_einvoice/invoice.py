# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The customer invoice the French way: the mentions frozen at posting, the
PDF from a template (PDF/A-3b), Factur-X (CII) and UBL attached

The e-invoice is the factur-x library's data dict (keys are EN 16931's
BT-/BG- terms), built by einvoice_data, checked by rules.py, by the
profile's XSD (the library checks it when it writes the XML) and, the final
gate on the XML itself, by the official Schematron of EN 16931 and of the
French CTC (schematron.py) at posting and again on the XML attached."""
import datetime as dt
import logging
from decimal import Decimal

import facturx
from facturx.generate_xml import generate_xml

from trytond.i18n import gettext
from trytond.model import dualmethod, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from coop_tools.report import (
    SIREN_TYPES, SIRET_TYPES, address_lines, company_identifiers,
    selection_string, stylesheet)

from . import rules, schematron
from .company import late_payment_terms
from .exceptions import EInvoiceRuleError

logger = logging.getLogger(__name__)

VAT_TYPES = ('eu_vat', 'fr_tva')
EN16931 = 'urn:cen.eu:en16931:2017'
# UN/ECE Recommendation 20 unit codes of Tryton's unit symbols
UNIT_CODES = {'u': 'C62', 'h': 'HUR', 'km': 'KMT', 'kg': 'KGM', 'm': 'MTR',
    'd': 'DAY', 'min': 'MIN'}
# Invoice type codes (UNTDID 1001)
INVOICE, CREDIT_NOTE = '380', '381'
# The French reform's billing framework (« cadre de facturation », BT-23) of
# an invoice issued and not yet paid, by category of the operation
BILLING_FRAMEWORKS = {'goods': 'B1', 'services': 'S1', 'mixed': 'M1'}
# ISO 6523 ICD 0225: an electronic address of the French directory
# (annuaire), whose address by default is the SIREN
FR_DIRECTORY_SCHEME = '0225'
FACTURX_SUFFIX = '-factur-x.pdf'
UBL_SUFFIX = '-ubl.xml'
# An invoice's fields that its taxes do not depend on: writing only these
# leaves its tax lines as they are (Invoice.on_modification)
TAX_NEUTRAL_FIELDS = {
    'number', 'number_alnum', 'number_digit', 'sequence',
    'sequence_type_cache', 'tax_identifier', 'party_tax_identifier',
    'untaxed_amount_cache', 'tax_amount_cache', 'total_amount_cache',
    'invoice_report_cache', 'invoice_report_format', 'description',
    'comment', 'reference', 'late_penalty_rate', 'operation_category',
    'recovery_indemnity', 'vat_on_debits',
    }


def _date(value):
    return value.isoformat() if value else None


def _money(value):
    return str(Decimal(value).quantize(Decimal('0.01')))


def _number(value):
    "A quantity, price or rate as the library wants it: a plain string"
    value = Decimal(str(value)).normalize()
    return format(value, 'f')


def compact_identifier(party, types):
    "The compact code (no spaces) of party's first identifier of types"
    found = [i for i in party.identifiers if i.type in types]
    return (found[0].code_compact or '') if found else ''


def party_vat(party):
    return compact_identifier(party, VAT_TYPES)


def party_siren(party):
    "The SIREN of party: its SIREN identifier, or its SIRET's first 9 digits"
    siren = compact_identifier(party, SIREN_TYPES)
    if not siren:
        siren = compact_identifier(party, SIRET_TYPES)[:9]
    return siren


class Invoice(metaclass=PoolMeta):
    __name__ = 'account.invoice'

    delivery_address = fields.Many2One(
        'party.address', "Delivery Address", ondelete='RESTRICT',
        domain=[('party', '=', Eval('party', -1))],
        states={
            'invisible': Eval('type') != 'out',
            'readonly': Eval('state') != 'draft',
            },
        help="Where the services were rendered, when it is not the "
        "invoice address (a mention of the e-invoicing reform).")
    operation_category = fields.Selection([
            (None, ""),
            ('services', "Services"),
            ('goods', "Goods"),
            ('mixed', "Goods and Services"),
            ], "Category of Operation", readonly=True,
        help="Frozen at posting, from the lines' products.")
    vat_on_debits = fields.Boolean(
        "VAT on Debits", readonly=True,
        help="Frozen at posting: the seller opted to pay the VAT on its "
        "services when invoiced rather than when paid.")
    late_penalty_rate = fields.Numeric(
        "Late Penalty Rate", digits=(16, 4), readonly=True,
        help="Frozen at posting from the late-payment terms in force.")
    recovery_indemnity = fields.Numeric(
        "Recovery Indemnity", digits=(16, 2), readonly=True,
        help="Frozen at posting from the late-payment terms in force.")

    @classmethod
    def copy(cls, invoices, default=None):
        default = default.copy() if default is not None else {}
        for name in ['operation_category', 'vat_on_debits',
                'late_penalty_rate', 'recovery_indemnity']:
            default.setdefault(name, None)
        return super().copy(invoices, default=default)

    # Taxes

    @classmethod
    def on_modification(cls, mode, invoices, field_names=None):
        # account_invoice recomputes a draft invoice's taxes after any
        # write: ten times an invoice when posting, for its number, its
        # cached totals and its mentions, which taxes do not depend on
        if (mode == 'write' and field_names
                and set(field_names) <= TAX_NEUTRAL_FIELDS):
            with Transaction().set_context(_invoice_taxes_unchanged=True):
                super().on_modification(
                    mode, invoices, field_names=field_names)
        else:
            super().on_modification(mode, invoices, field_names=field_names)

    @dualmethod
    def update_taxes(cls, invoices, exception=False):
        if Transaction().context.get('_invoice_taxes_unchanged'):
            return
        super().update_taxes(invoices, exception=exception)

    # Posting

    @classmethod
    def _post(cls, invoices):
        customer_invoices = [i for i in invoices if i.type == 'out'
            and i.state not in {'posted', 'paid', 'cancelled'}]
        # Numbered and dated first: the e-invoice checked holds them
        cls.set_number(customer_invoices)
        for invoice in customer_invoices:
            invoice.freeze_legal_mentions()
        cls.save(customer_invoices)
        cls.check_einvoice_rules(customer_invoices)
        super()._post(invoices)

    def freeze_legal_mentions(self):
        "Set the mentions that must not change once the invoice is issued"
        terms = late_payment_terms(
            self.company, self.invoice_date or dt.date.today())
        if terms:
            self.late_penalty_rate = terms.penalty_rate
            self.recovery_indemnity = terms.recovery_indemnity
        self.operation_category = self.get_operation_category()
        self.vat_on_debits = self.get_vat_on_debits()

    def get_operation_category(self):
        kinds = {'services' if l.product.type == 'service' else 'goods'
            for l in self.lines if l.type == 'line' and l.product}
        if not kinds:
            # Lines without product: what the coop sells, services
            return 'services'
        return kinds.pop() if len(kinds) == 1 else 'mixed'

    def get_vat_on_debits(self):
        """Whether the seller opted for debits: VAT on the invoice and none
        of it on cash basis (account_tax_cash: the fiscal year's or
        period's tax groups on cash basis)"""
        if self.operation_category == 'goods':
            return False
        taxes = [t for t in self.taxes if t.tax and t.amount]
        return bool(taxes) and not any(t.on_cash_basis for t in taxes)

    @classmethod
    def check_einvoice_rules(cls, invoices):
        """Refuse the invoices that are required to be e-invoices and break
        a rule, naming the invoice, the customer and the rule: the Python
        rules first (translated messages), then the official Schematron on
        the XML itself, CII and UBL"""
        for invoice in invoices:
            if not invoice.company.einvoice_required(invoice.invoice_date):
                continue
            data = invoice.einvoice_data()
            errors = invoice.einvoice_failures(data)
            if errors:
                rule, message = errors[0]
                raise EInvoiceRuleError(gettext(
                        'coop_einvoice.msg_einvoice_rule',
                        invoice=invoice.rec_name,
                        party=invoice.party.rec_name,
                        rule=rule, message=message))
            invoice.check_einvoice_schematron({
                    flavor: invoice.einvoice_xml(flavor, data)
                    for flavor in ['factur-x', 'ubl-2.1']})

    def einvoice_failures(self, data=None):
        """The (rule, message) the e-invoice of the invoice fails; data, if
        given, is its einvoice_data"""
        return rules.failures(data or self.einvoice_data(),
            rules.RULES + rules.FRENCH_RULES)

    def einvoice_schematron_checks(self):
        """The Schematron checks of the invoice's e-invoice (keys of
        schematron.STYLESHEETS): EN 16931, and the French CTC's for a
        French customer (the invoices exchanged through the platforms; one
        abroad is e-reported instead)"""
        checks = ['en16931']
        address = self.invoice_address
        if address and address.country and address.country.code == 'FR':
            checks.append('fr-ctc')
        return checks

    def einvoice_schematron_failures(self, xml):
        "The fatal schematron.Failure of the XML (CII or UBL)"
        return [f for check in self.einvoice_schematron_checks()
            for f in schematron.fatal(schematron.failures(xml, check))]

    def check_einvoice_schematron(self, documents):
        """Raise EInvoiceRuleError naming the first fatal failure of the
        official Schematron on documents ({flavor: XML})"""
        for flavor, xml in documents.items():
            failures = self.einvoice_schematron_failures(xml)
            if failures:
                failure = failures[0]
                raise EInvoiceRuleError(gettext(
                        'coop_einvoice.msg_einvoice_schematron',
                        invoice=self.rec_name, party=self.party.rec_name,
                        syntax='UBL' if flavor.startswith('ubl') else 'CII',
                        rule=failure.rule, message=failure.text,
                        location=failure.location))

    # The e-invoice

    @property
    def einvoice_type_code(self):
        return CREDIT_NOTE if self.total_amount < 0 else INVOICE

    def einvoice_service_period(self):
        """The (start, end) dates of the services invoiced; a module that
        knows them (the month of deliveries) extends it"""
        date = self.invoice_date or dt.date.today()
        return date, date

    @classmethod
    def einvoice_party(cls, party, address, legal_info=None):
        data = {
            'name': party.name,
            'country_code': (
                address.country.code if address and address.country
                else None),
            }
        if address:
            street = [l for l in (address.street or '').splitlines()
                if l.strip()]
            for key, line in zip(['addr_l1', 'addr_l2', 'addr_l3'], street):
                data[key] = line
            if address.postal_code:
                data['postcode'] = address.postal_code
            if address.city:
                data['city'] = address.city
        siren = party_siren(party)
        if siren:
            data['legal_identifier'] = siren
            # ISO 6523 ICD 0002: the French SIRENE system
            data['legal_identifier_schemeid'] = '0002'
            # Its electronic address (BT-34, BT-49) in the directory
            data['einvoicing_addr'] = siren
            data['einvoicing_addr_schemeid'] = FR_DIRECTORY_SCHEME
        vat = party_vat(party)
        if vat:
            data['vat_identifier'] = vat
        if legal_info:
            data['legal_info'] = legal_info
        return {k: v for k, v in data.items() if v}

    def einvoice_notes(self):
        "The invoice's legal notes (BG-1), with the French subject codes"
        pool = Pool()
        Lang = pool.get('ir.lang')
        lang = Lang.get('fr')
        notes = []
        if self.late_penalty_rate is not None:
            notes.append({'BT-21': 'PMD', 'BT-22': gettext(
                        'coop_einvoice.msg_note_penalty',
                        rate=lang.format('%.2f', self.late_penalty_rate * 100)
                        )})
        if self.recovery_indemnity is not None:
            notes.append({'BT-21': 'PMT', 'BT-22': gettext(
                        'coop_einvoice.msg_note_indemnity',
                        amount=lang.format('%.2f', self.recovery_indemnity))})
        notes.append({'BT-21': 'AAB',
                'BT-22': gettext('coop_einvoice.msg_note_no_discount')})
        if self.vat_on_debits:
            notes.append({'BT-21': 'TXD',
                    'BT-22': gettext('coop_einvoice.msg_note_vat_debits')})
        return notes

    def einvoice_data(self):
        "The e-invoice as the factur-x library's data dict (EN 16931 terms)"
        company = self.company
        sign = -1 if self.einvoice_type_code == CREDIT_NOTE else 1
        with Transaction().set_context(language='fr'):
            notes = self.einvoice_notes()
        legal_info = ' '.join(filter(None, [
                    company.legal_form,
                    (gettext('coop_einvoice.msg_capital',
                            capital=_money(company.share_capital))
                        if company.share_capital else '')]))
        start, end = self.einvoice_service_period()
        data = {
            'BT-1': self.number,
            'BT-2': self.invoice_date,
            'BT-3': self.einvoice_type_code,
            'BT-5': self.currency.code,
            'BT-23': BILLING_FRAMEWORKS[
                self.operation_category or self.get_operation_category()],
            'BT-24': EN16931,
            'BT-72': end,
            'BT-73': start,
            'BT-74': end,
            'BT-8': 'invoice' if self.vat_on_debits else 'payment',
            'BG-1': notes,
            'BG-4': self.einvoice_party(
                company.party, company.party.address_get(), legal_info),
            'BG-7': self.einvoice_party(self.party, self.invoice_address),
            }
        if self.reference:
            data['BT-10'] = self.reference
        # The invoices a credit note corrects (BG-3)
        preceding = [{'BT-25': i.number, 'BT-26': i.invoice_date}
            for i in self.origin_invoices if i.number]
        if preceding:
            data['BG-3'] = preceding
        if self.payment_term:
            data['BT-20'] = self.payment_term.rec_name
        due_dates = [l.maturity_date for l in (self.lines_to_pay or [])
            if l.maturity_date]
        if due_dates:
            data['BT-9'] = min(due_dates)
        elif self.payment_term_date or self.invoice_date:
            data['BT-9'] = self.payment_term_date or self.invoice_date
        if (self.delivery_address
                and self.delivery_address != self.invoice_address):
            data['BG-13'] = {
                k: v for k, v in self.einvoice_party(
                    self.party, self.delivery_address).items()
                if k not in {'legal_identifier', 'legal_identifier_schemeid',
                    'vat_identifier', 'einvoicing_addr',
                    'einvoicing_addr_schemeid'}}
        lines = []
        for number, line in enumerate(
                (l for l in self.lines if l.type == 'line'), 1):
            rate = self.einvoice_line_rate(line)
            unit = line.unit.symbol if line.unit else 'u'
            lines.append({
                    'BT-126': str(number),
                    'BT-129': _number(sign * line.quantity),
                    'BT-130': UNIT_CODES.get(unit, 'C62'),
                    'BT-131': _money(sign * line.amount),
                    'BT-146': _number(line.unit_price),
                    'BT-151': 'S' if rate else 'E',
                    'BT-152': _number(rate),
                    'BT-153': (line.description or (
                            line.product.rec_name if line.product
                            else '')).splitlines()[0] if (
                        line.description or line.product) else '',
                    })
        data['BG-25'] = lines
        breakdown = []
        for tax in self.taxes:
            rate = (tax.tax.rate or 0) * 100 if tax.tax else Decimal(0)
            entry = {
                'BT-116': _money(sign * tax.base),
                'BT-117': _money(sign * tax.amount),
                'BT-118': 'S' if rate else 'E',
                'BT-119': _number(rate),
                }
            if not rate:
                entry['BT-120'] = tax.description or 'Exonération'
            breakdown.append(entry)
        data['BG-23'] = breakdown
        untaxed = sign * self.untaxed_amount
        data.update({
                'BT-106': _money(sum(
                        (Decimal(l['BT-131']) for l in lines), Decimal(0))),
                'BT-109': _money(untaxed),
                'BT-110': _money(sign * self.tax_amount),
                'BT-112': _money(sign * self.total_amount),
                'BT-115': _money(sign * self.total_amount),
                })
        return data

    @staticmethod
    def einvoice_line_rate(line):
        """The VAT rate (percent) of an invoice line: of the tax Tryton
        applies at its date, a child of the line's tax when that one groups
        dated rates (as the French chart's « Taux Normal » does)"""
        Tax = Pool().get('account.tax')
        if not line.taxes:
            return Decimal(0)
        applied = Tax.compute(Tax.browse(line.taxes), line.unit_price or 0,
            line.quantity or 0, line.tax_date)
        rates = [t['tax'].rate for t in applied if t['tax'].rate]
        return rates[0] * 100 if rates else Decimal(0)

    def einvoice_xml(self, flavor='factur-x', data=None):
        """The e-invoice's XML (CII for Factur-X, or UBL 2.1), checked
        against the profile's XSD; data, if given, is its einvoice_data"""
        try:
            xml = generate_xml(data or self.einvoice_data(), flavor=flavor,
                level='en16931', check_xsd=False, check_schematron=False)
            schematron.check_xsd(xml)
        except Exception as exception:
            raise EInvoiceRuleError(gettext(
                    'coop_einvoice.msg_einvoice_schema',
                    invoice=self.rec_name, party=self.party.rec_name,
                    message=str(exception))) from exception
        return xml

    # Attachments, once the PDF is made

    @classmethod
    def print_invoice(cls, invoices):
        super().print_invoice(invoices)
        cls.attach_einvoices([i for i in invoices
                if i.type == 'out' and i.state in {'posted', 'paid'}])

    @classmethod
    @without_check_access
    def attach_einvoices(cls, invoices):
        """Attach the Factur-X and the UBL of each invoice that has none;
        one not required to be an e-invoice and failing a rule gets none
        (its PDF stays the invoice)"""
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        InvoiceReport = pool.get('account.invoice', type='report')
        invoices = cls.browse([i.id for i in invoices])
        done = {a.resource.id for a in Attachment.search([
                    ('resource', 'in', [str(i) for i in invoices]),
                    ('name', 'like', '%' + FACTURX_SUFFIX),
                    ])}
        to_create = []
        for invoice in invoices:
            if invoice.id in done:
                continue
            required = invoice.company.einvoice_required(invoice.invoice_date)
            data = invoice.einvoice_data()
            failures = invoice.einvoice_failures(data)
            if failures and not required:
                logger.info("no Factur-X for %s: %s %s",
                    invoice.rec_name, *failures[0])
                continue
            cii = invoice.einvoice_xml('factur-x', data)
            ubl = invoice.einvoice_xml('ubl-2.1', data)
            # The Schematron on the very XML stored (its due date is the
            # posted move's): refused if required, else no e-invoice
            try:
                invoice.check_einvoice_schematron(
                    {'factur-x': cii, 'ubl-2.1': ubl})
            except EInvoiceRuleError as exception:
                if required:
                    raise
                logger.info("no Factur-X for %s: %s",
                    invoice.rec_name, exception.message)
                continue
            if invoice.invoice_report_format == 'pdf':
                pdf = invoice.invoice_report_cache
            else:
                _, pdf, _, _ = InvoiceReport.execute([invoice.id], {})
            with Transaction().set_context(language='fr'):
                title = gettext('coop_einvoice.msg_facturx_title',
                    number=invoice.number)
            # The XML checked above against its XSD
            document = facturx.generate_from_binary(
                bytes(pdf), cii, flavor='factur-x', level='en16931',
                check_xsd=False,
                pdf_metadata={
                    'author': invoice.company.rec_name,
                    'keywords': 'Factur-X',
                    'title': title,
                    'subject': title,
                    },
                lang='fr-FR')
            for suffix, data in [(FACTURX_SUFFIX, document), (UBL_SUFFIX, ubl)]:
                to_create.append({
                        'name': invoice.number + suffix,
                        'resource': str(invoice),
                        'type': 'data',
                        'data': data,
                        })
        if to_create:
            Attachment.create(to_create)

    @property
    def issued(self):
        "Whether the customer invoice was issued (numbered and posted)"
        return bool(self.type == 'out' and self.number
            and self.state in {'posted', 'paid', 'cancelled'})

    def issued_attachment_names(self):
        """The names of the attachments the invoice is issued with, kept as
        issued once it is (attachment.py): its Factur-X and UBL; a module
        that attaches more extends it"""
        names = set()
        parent = super()
        if hasattr(parent, 'issued_attachment_names'):
            names |= parent.issued_attachment_names()
        if self.number:
            names |= {self.number + FACTURX_SUFFIX, self.number + UBL_SUFFIX}
        return names

    def einvoice_attachment(self, suffix=FACTURX_SUFFIX):
        "The invoice's attached e-invoice of suffix, None if it has none"
        Attachment = Pool().get('ir.attachment')
        with without_check_access():
            attachments = Attachment.search([
                    ('resource', '=', str(self)),
                    ('name', '=', (self.number or '') + suffix),
                    ], limit=1)
        return attachments[0] if attachments else None


class InvoiceReport(metaclass=PoolMeta):
    __name__ = 'account.invoice'

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Lang = pool.get('ir.lang')
        context = super().get_context(records, header, data)
        invoice = context['invoice']
        # The customer's language (the French one when they have none)
        language = (invoice.party.lang.code if invoice.party.lang
            else Transaction().language)
        context['language'] = language
        context['lang'] = Lang.get(language)
        context['stylesheet'] = stylesheet()
        context['company_identifiers'] = company_identifiers
        context['address_lines'] = address_lines
        context['selection_string'] = selection_string
        context['party_siren'] = party_siren
        context['party_vat'] = party_vat
        context['format_percent'] = cls.format_percent
        context['due_dates'] = cls.due_dates
        return context

    @classmethod
    def format_percent(cls, value, lang, digits=2):
        if value is None:
            return ''
        return cls.format_number(float(value) * 100, lang, digits) + '\xa0%'

    @classmethod
    def due_dates(cls, invoice):
        "The (date, amount) to pay of a posted invoice, by date"
        return sorted((l.maturity_date or invoice.invoice_date,
                l.debit - l.credit) for l in (invoice.lines_to_pay or []))

    @classmethod
    def convert(cls, report, data, timeout=5 * 60, retry=5):
        # A PDF/A-3b, so that the Factur-X made from it is one too
        if (report.template_extension in {'html', 'xhtml'}
                and report.extension == 'pdf'):
            import weasyprint
            return 'pdf', weasyprint.HTML(
                string=data,
                url_fetcher=weasyprint.URLFetcher(
                    allowed_protocols={'http', 'https'}),
                ).write_pdf(pdf_variant='pdf/a-3b')
        return super().convert(report, data, timeout=timeout, retry=retry)
