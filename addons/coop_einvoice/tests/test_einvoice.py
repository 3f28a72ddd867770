# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Customer invoices posted the French way: the frozen mentions, the PDF,
the Factur-X and the UBL; refusals; supplier e-invoices received; the CA3

The figures are worked out by hand: the invoice of tools.create_invoice is
10 × 6.00 + 3 × 12.50 = 60.00 + 37.50 = 97.50 excl. VAT, 20 % of it is
19.50, 117.00 incl. VAT."""
import contextlib
import datetime as dt
import io
import os
import shutil
import tempfile
import unittest
from decimal import Decimal
from unittest import mock

import facturx
from facturx.generate_xml import generate_xml
from facturx.parse_xml import parse_ubl_cii_xml
from lxml import etree
from pypdf import PdfReader

from trytond import config
from trytond.model.exceptions import AccessError, ValidationError
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    DB_NAME, ModuleTestCase, with_transaction)
from trytond.transaction import Transaction
from trytond.modules.company.tests import set_company

from coop_tools.languages import load_french
from coop_tools.testing import (
    SuiteDatabase, activate_suite, commit_setup, setup_records, suite_only)

from coop_einvoice import schematron
from coop_einvoice.exceptions import EInvoiceFileError, EInvoiceRuleError
from coop_payroll.tests.tools import create_rider

from .test_schematron import CII_GRAND_TOTAL, edit
from .tools import (
    COOP_SIREN, COOP_VAT, MARCH, STORE_SIREN, SUPPLIER_SIREN, SUPPLIER_VAT,
    create_invoice, setup_coop)


def pdf_text(content):
    pdf = PdfReader(io.BytesIO(content))
    return ' '.join(' '.join(p.extract_text().split()) for p in pdf.pages)


SUPPLIER = {'name': "Cycles Fournitures",
    'legal_identifier': SUPPLIER_SIREN, 'legal_identifier_schemeid': '0002',
    'vat_identifier': SUPPLIER_VAT, 'country_code': 'FR', 'city': "Lyon",
    'postcode': '69007'}


def supplier_file(flavor='factur-x', **changes):
    """A supplier's e-invoice to the coop: 2 × 25.00 = 50.00 excl. VAT,
    20 % = 10.00 VAT, 60.00 incl. VAT"""
    data = {
        'BT-1': 'FOURN-0042', 'BT-2': dt.date(2026, 3, 20), 'BT-3': '380',
        'BT-5': 'EUR', 'BT-24': 'urn:cen.eu:en16931:2017',
        'BT-9': dt.date(2026, 4, 19), 'BT-72': dt.date(2026, 3, 20),
        'BG-4': SUPPLIER,
        'BG-7': {'name': "Coop Vélo", 'legal_identifier': COOP_SIREN,
            'legal_identifier_schemeid': '0002',
            'vat_identifier': COOP_VAT, 'country_code': 'FR'},
        'BG-23': [{'BT-116': '50.00', 'BT-117': '10.00', 'BT-118': 'S',
                'BT-119': '20'}],
        'BG-25': [{'BT-126': '1', 'BT-129': '2', 'BT-130': 'C62',
                'BT-131': '50.00', 'BT-146': '25', 'BT-151': 'S',
                'BT-152': '20', 'BT-153': "Chambres à air"}],
        'BT-106': '50.00', 'BT-109': '50.00', 'BT-110': '10.00',
        'BT-112': '60.00', 'BT-115': '60.00',
        }
    data.update(changes)
    # Written as it comes, without the library's checks: a broken file
    # must reach the import
    return generate_xml(data, flavor=flavor, check_xsd=False,
        check_schematron=False)


class CoopEInvoiceTestCase(SuiteDatabase, ModuleTestCase):
    "French invoices and e-invoices"
    module = 'coop_einvoice'

    @classmethod
    def setUpClass(cls):
        """The coop, its books and French made once for the class and
        committed (a chart of accounts per test took most of the class's
        minutes); each test's transaction is rolled back"""
        super().setUpClass()
        cls.data = commit_setup(lambda: setup_coop(lock=False),
            lambda: load_french(['coop_einvoice']))

    def setup(self, cash_basis=True):
        "The class's coop in this test's transaction"
        pool = Pool()
        # Periods and fiscal years found by date are cached per process: a
        # rolled-back test's (SQLite reuses its ids) must not be found
        for name in ['account.period', 'account.fiscalyear']:
            pool.get(name)._find_cache.clear()
        data = setup_records(self.data)
        if not cash_basis:
            # The coop opted for debits
            data['fiscal_year'].tax_group_on_cash_basis = []
            data['fiscal_year'].save()
        return data

    def post(self, invoices):
        "Post invoices of March 2026 (due in the past: no warning)"
        Invoice = Pool().get('account.invoice')
        with Transaction().set_context(_skip_warnings=True):
            Invoice.post(invoices)
        # The task posting queued, run after commit when there is no worker
        Invoice.print_invoice(Invoice.browse(invoices))
        return Invoice.browse(invoices)

    def post_credit(self, invoice):
        "Post the credit note of a posted invoice, dated in March"
        Invoice = Pool().get('account.invoice')
        credit, = Invoice.credit([invoice])
        credit.invoice_date = MARCH
        credit.save()
        credit, = self.post([credit])
        return credit

    def attachments(self, invoice):
        Attachment = Pool().get('ir.attachment')
        return {a.name: a for a in Attachment.search([
                    ('resource', '=', str(invoice))])}

    @with_transaction()
    def test_post_freezes_mentions(self):
        "Posting freezes the late-payment terms, the category and the VAT"
        data = self.setup()
        with set_company(data['company']):
            invoice, = self.post([create_invoice(data)])
            self.assertEqual(invoice.state, 'posted')
            self.assertEqual(invoice.late_penalty_rate, Decimal('0.1215'))
            self.assertEqual(invoice.recovery_indemnity, Decimal('40'))
            # Lines without product: what the coop sells, services
            self.assertEqual(invoice.operation_category, 'services')
            # The services' VAT is on cash basis: no option for debits
            self.assertFalse(invoice.vat_on_debits)
            self.assertEqual(invoice.total_amount, Decimal('117.00'))

    @with_transaction()
    def test_taxes_computed_again_for_what_they_depend_on(self):
        """A draft's taxes are computed again when its date is written, not
        when its number, description or mentions are (posting writes those
        several times)"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        InvoiceTax = pool.get('account.invoice.tax')
        data = self.setup()
        with set_company(data['company']):
            invoice = create_invoice(data)
            tax, = invoice.taxes
            # 20 % of 97.50 excl. VAT = 19.50
            self.assertEqual((tax.base, tax.amount),
                (Decimal('97.50'), Decimal('19.50')))
            # Made stale on purpose, to see whether a write computes it
            InvoiceTax.write([tax], {
                    'base': Decimal('1.00'), 'amount': Decimal('0.20')})
            Invoice.write([invoice], {
                    'description': "Mars", 'reference': 'R-1',
                    'operation_category': 'services'})
            self.assertEqual(InvoiceTax(tax.id).base, Decimal('1.00'))
            Invoice.write([invoice], {'invoice_date': dt.date(2026, 4, 1)})
            tax, = Invoice(invoice.id).taxes
            self.assertEqual((tax.base, tax.amount),
                (Decimal('97.50'), Decimal('19.50')))

    @with_transaction()
    def test_late_payment_terms_dated(self):
        "The terms of the invoice's date; the company's own first"
        pool = Pool()
        Terms = pool.get('coop.einvoice.late_payment')
        data = self.setup()
        with set_company(data['company']):
            Terms.create([{
                        'company': data['company'].id,
                        'start_date': dt.date(2026, 3, 15),
                        'penalty_rate': Decimal('0.15'),
                        'recovery_indemnity': Decimal('40'),
                        }])
            before, after = self.post([
                    create_invoice(data, date=dt.date(2026, 3, 2)),
                    create_invoice(data, date=MARCH)])
            self.assertEqual(before.late_penalty_rate, Decimal('0.1215'))
            self.assertEqual(after.late_penalty_rate, Decimal('0.15'))
            # Changing the terms later leaves a posted invoice as issued
            Terms.write(Terms.search([]), {'penalty_rate': Decimal('0.2')})
            self.assertEqual(
                type(after)(after.id).late_penalty_rate, Decimal('0.15'))

    @with_transaction()
    def test_vat_on_debits(self):
        "A coop that opted for debits says so on its invoices"
        data = self.setup(cash_basis=False)
        with set_company(data['company']):
            invoice, = self.post([create_invoice(data)])
            self.assertTrue(invoice.vat_on_debits)
            text = pdf_text(invoice.invoice_report_cache)
            self.assertIn(
                "Option pour le paiement de la taxe d'après les débits", text)

    @with_transaction()
    def test_pdf_mentions(self):
        "The PDF, in the store's French, carries every legal mention"
        data = self.setup()
        with set_company(data['company']):
            invoice, = self.post([create_invoice(data)])
            self.assertEqual(invoice.invoice_report_format, 'pdf')
            content = bytes(invoice.invoice_report_cache)
            text = pdf_text(content)
        for mention in [
                f"Facture {invoice.number}",
                # Seller: identity, legal form, capital, numbers
                # (Tryton's French address format writes streets in capitals)
                "Coop Vélo", "12 RUE DES RAYONS", "SCOP SARL à capital variable",
                "15 000,00 €", "SIRET : 732 829 320 00074",
                "SIREN : 732 829 320",
                "TVA intracommunautaire : FR44732829320", "53.20Z",
                # Customer and the reform's SIREN
                "Le Vélo Gourmand", "3 PLACE DES TERREAUX",
                f"SIREN : {STORE_SIREN}",
                # Dates in French, category of the operation
                "31/03/2026", "prestations de services",
                # Lines, VAT breakdown, totals
                "60,00 €", "37,50 €", "20,00 %", "97,50 €", "19,50 €",
                "117,00 €",
                # Payment: terms, due date (31 March + 30 days), penalties
                "30 jours", "117,00 € le 30/04/2026", "12,15 %", "40,00 €",
                ]:
            with self.subTest(mention=mention):
                self.assertIn(mention, text)
        # No option for debits: the VAT of services is on receipts
        self.assertNotIn("débits", text)
        # A PDF/A-3b (WeasyPrint's variant), so is the Factur-X made from it
        metadata = PdfReader(io.BytesIO(content)).xmp_metadata
        self.assertIn(b'pdfaid', metadata.stream.get_data())

    @with_transaction()
    def test_facturx_and_ubl(self):
        "The Factur-X embeds the CII of the invoice; the UBL is attached too"
        data = self.setup()
        with set_company(data['company']):
            invoice, = self.post([create_invoice(data)])
            attachments = self.attachments(invoice)
        document = attachments[invoice.number + '-factur-x.pdf'].data
        filename, xml = facturx.get_xml_from_pdf(bytes(document))
        self.assertEqual(filename, 'factur-x.xml')
        self.assertTrue(facturx.xml_check_xsd(
                xml, flavor='factur-x', level='en16931'))
        read = parse_ubl_cii_xml(xml)
        self.assertEqual(read['BT-1'], invoice.number)
        self.assertEqual(read['BT-3'], '380')
        self.assertEqual(read['BT-24'], 'urn:cen.eu:en16931:2017')
        self.assertEqual(read['BG-4']['legal_identifier'], COOP_SIREN)
        self.assertEqual(read['BG-4']['vat_identifier'], COOP_VAT)
        self.assertEqual(read['BG-7']['legal_identifier'], STORE_SIREN)
        self.assertEqual(Decimal(read['BT-109']), Decimal('97.50'))
        self.assertEqual(Decimal(read['BT-110']), Decimal('19.50'))
        self.assertEqual(Decimal(read['BT-112']), Decimal('117.00'))
        self.assertEqual(read['BT-9'], dt.date(2026, 4, 30))
        # VAT due on payment (UNTDID 2005: 72)
        self.assertEqual(read['BT-8'], 'payment')
        self.assertEqual(
            [n['BT-21'] for n in read['BG-1']], ['PMD', 'PMT', 'AAB'])
        ubl = bytes(attachments[invoice.number + '-ubl.xml'].data)
        self.assertEqual(etree.fromstring(ubl).tag,
            '{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice')
        self.assertEqual(
            Decimal(parse_ubl_cii_xml(ubl)['BT-112']), Decimal('117.00'))

    @with_transaction()
    def test_credit_note(self):
        "A credit note is a 381 with positive amounts"
        data = self.setup()
        with set_company(data['company']):
            invoice, = self.post([create_invoice(data)])
            credit = self.post_credit(invoice)
            self.assertEqual(credit.total_amount, Decimal('-117.00'))
            attachments = self.attachments(credit)
        _, xml = facturx.get_xml_from_pdf(
            bytes(attachments[credit.number + '-factur-x.pdf'].data))
        read = parse_ubl_cii_xml(xml)
        self.assertEqual(read['BT-3'], '381')
        self.assertEqual(Decimal(read['BT-112']), Decimal('117.00'))
        self.assertEqual(
            Decimal(read['BG-25'][0]['BT-129']), Decimal(10))

    @with_transaction()
    def test_official_schematron_passes(self):
        """The CII in the Factur-X and the UBL attached, of an invoice and of
        its credit note, fail no assertion of the official EN 16931
        Schematron nor of the French CTC's (BT-23 the category S1, BT-34
        and BT-49 the SIRENs in the directory, the credit note's BG-3 the
        invoice)"""
        data = self.setup()
        with set_company(data['company']):
            invoice, = self.post([create_invoice(data)])
            credit = self.post_credit(invoice)
            documents = []
            for record in [invoice, credit]:
                attachments = self.attachments(record)
                _, cii = facturx.get_xml_from_pdf(bytes(
                        attachments[record.number + '-factur-x.pdf'].data))
                ubl = bytes(attachments[record.number + '-ubl.xml'].data)
                documents += [(record.number, 'cii', cii),
                    (record.number, 'ubl', ubl)]
        for number, kind, xml in documents:
            self.assertEqual(schematron.syntax(xml), kind)
            for check in ['en16931', 'fr-ctc']:
                with self.subTest(number=number, kind=kind, check=check):
                    self.assertEqual(schematron.failures(xml, check), [])
        read = parse_ubl_cii_xml(documents[2][2])
        self.assertEqual(read['BT-23'], 'S1')
        self.assertEqual(read['BG-3'][0]['BT-25'], invoice.number)

    @with_transaction()
    def test_schematron_refuses_posting(self):
        """An e-invoice whose XML breaks BR-CO-15 (total with VAT BT-112 =
        total without VAT BT-109 + VAT BT-110: 97.50 + 19.50 is 117.00, the
        XML says 117.01) is refused at posting, naming the rule"""
        Invoice = Pool().get('account.invoice')
        data = self.setup()
        written = Invoice.einvoice_xml

        def einvoice_xml(self, flavor='factur-x', data=None):
            xml = written(self, flavor, data)
            if flavor != 'factur-x':
                return xml
            return edit(xml, {path: '117.01'
                    for path in CII_GRAND_TOTAL})

        with set_company(data['company']):
            invoice = create_invoice(data)
            with mock.patch.object(Invoice, 'einvoice_xml', einvoice_xml):
                with self.assertRaises(EInvoiceRuleError) as cm:
                    self.post([invoice])
            self.assertEqual(Invoice(invoice.id).state, 'draft')
        message = cm.exception.message
        for name in ["BR-CO-15", "CII", "Le Vélo Gourmand", "BT-112"]:
            self.assertIn(name, message)

    @with_transaction()
    def test_store_without_siren_refused(self):
        "A store without SIREN is refused, named with the rule"
        data = self.setup()
        with set_company(data['company']):
            invoice = create_invoice(data, party=data['no_siren'])
            with self.assertRaises(EInvoiceRuleError) as cm:
                self.post([invoice])
        self.assertIn("Épicerie Sans Numéro", cm.exception.message)
        self.assertIn("FR-SIREN", cm.exception.message)

    @with_transaction()
    def test_store_without_address_refused(self):
        "A store whose address says nothing is refused, named with the rule"
        pool = Pool()
        Party = pool.get('party.party')
        data = self.setup()
        with set_company(data['company']):
            store, = Party.create([{
                        'name': "Boutique Sans Adresse",
                        'addresses': [('create', [{}])],
                        'identifiers': [('create', [
                                    {'type': 'fr_siren',
                                        'code': '443061841'}])],
                        }])
            with self.assertRaises(EInvoiceRuleError) as cm:
                self.post([create_invoice(data, party=store)])
        self.assertIn("Boutique Sans Adresse", cm.exception.message)
        self.assertIn("BR-11", cm.exception.message)

    @with_transaction()
    def test_seller_without_vat_refused(self):
        "A coop without VAT number cannot issue a standard rated e-invoice"
        pool = Pool()
        Identifier = pool.get('party.identifier')
        data = self.setup()
        Identifier.delete([i for i in data['company'].party.identifiers
                if i.type == 'eu_vat'])
        with set_company(data['company']):
            with self.assertRaises(EInvoiceRuleError) as cm:
                self.post([create_invoice(data)])
        self.assertIn("BR-S-02", cm.exception.message)
        self.assertIn("Le Vélo Gourmand", cm.exception.message)

    @with_transaction()
    def test_before_issuing_date(self):
        """Before the company's issuing date, an invoice that breaks a rule
        is posted with its PDF and no Factur-X"""
        pool = Pool()
        Company = pool.get('company.company')
        data = self.setup()
        Company.write([data['company']], {
                'einvoice_issuing_date': dt.date(2027, 9, 1)})
        with set_company(data['company']):
            invoice, = self.post([
                    create_invoice(data, party=data['no_siren'])])
            self.assertEqual(invoice.state, 'posted')
            self.assertTrue(invoice.invoice_report_cache)
            self.assertEqual(self.attachments(invoice), {})

    @with_transaction()
    def test_ape_code_checked(self):
        pool = Pool()
        Company = pool.get('company.company')
        data = self.setup()
        with self.assertRaises(ValidationError) as cm:
            Company.write([data['company']], {'ape_code': '5320'})
        self.assertIn("5320", cm.exception.message)

    # Receiving

    def receive(self, data, content, filename):
        Invoice = Pool().get('account.invoice')
        with set_company(data['company']):
            return Invoice.create_from_einvoice(
                content, filename, data['company'])

    @with_transaction()
    def test_receive_cii_ubl_facturx(self):
        "A CII, a UBL, a Factur-X each become a draft supplier invoice"
        data = self.setup()
        cii = supplier_file()
        pdf = facturx.generate_from_binary(
            self.blank_pdf(), cii, flavor='factur-x', level='en16931')
        for filename, content in [('fourn.xml', cii),
                ('fourn-ubl.xml', supplier_file('ubl-2.1')),
                ('fourn.pdf', pdf)]:
            with self.subTest(file=filename):
                invoice = self.receive(data, content, filename)
                self.assertEqual(invoice.type, 'in')
                self.assertEqual(invoice.state, 'draft')
                self.assertEqual(invoice.party, data['supplier'])
                self.assertEqual(invoice.reference, 'FOURN-0042')
                self.assertEqual(invoice.invoice_date, dt.date(2026, 3, 20))
                line, = invoice.lines
                self.assertEqual(line.description, "Chambres à air")
                self.assertEqual(line.quantity, 2)
                self.assertEqual(line.unit_price, Decimal(25))
                self.assertEqual(line.taxes, (data['purchase_tax'],))
                self.assertEqual(invoice.total_amount, Decimal('60.00'))
                self.assertEqual(
                    list(self.attachments(invoice)), [filename])

    def blank_pdf(self):
        from pypdf import PdfWriter
        writer = PdfWriter()
        writer.add_blank_page(595, 842)
        output = io.BytesIO()
        writer.write(output)
        return output.getvalue()

    @with_transaction()
    def test_receive_refused(self):
        "Each file that is not a valid invoice is refused, nothing written"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        data = self.setup()
        cases = [
            ('note.txt', b"Bonjour, voici la facture", "not a CII or UBL"),
            ('order.xml', b'<Order xmlns="urn:x"><ID>1</ID></Order>',
                "not a CII or UBL"),
            ('scan.pdf', self.blank_pdf(), "not a Factur-X"),
            # 50.00 + 10.00 is not 70.00
            ('wrong.xml', supplier_file(**{'BT-112': '70.00',
                        'BT-115': '70.00'}), "BR-CO-15"),
            # BR-CO-09: the seller's VAT identifier (BT-31) has an ISO
            # 3166-1 alpha-2 country prefix; "82542065479" has none (the
            # Python rules do not check it: the official Schematron does)
            ('no-prefix.xml', supplier_file(**{'BG-4': dict(
                            SUPPLIER, vat_identifier='82542065479')}),
                "BR-CO-09"),
            ('no-prefix-ubl.xml', supplier_file('ubl-2.1', **{
                        'BG-4': dict(
                            SUPPLIER, vat_identifier='82542065479')}),
                "BR-CO-09"),
            ('unknown.xml', supplier_file(**{'BG-4': {
                            'name': "Inconnu SA",
                            'legal_identifier': '443061841',
                            'vat_identifier': 'FR64443061841',
                            'country_code': 'FR'}}), "Inconnu SA"),
            ('other.xml', supplier_file(**{'BG-7': {
                            'name': "Autre Coop",
                            'legal_identifier': '443061841',
                            'country_code': 'FR'}}), "Autre Coop"),
            ]
        for filename, content, reason in cases:
            with self.subTest(file=filename):
                with self.assertRaises(EInvoiceFileError) as cm:
                    self.receive(data, content, filename)
                self.assertIn(filename, cm.exception.message)
                self.assertIn(reason, cm.exception.message)
        self.assertEqual(Invoice.search([('type', '=', 'in')]), [])

    # VAT return

    @with_transaction()
    def test_vat_return_debits(self):
        """On debits, a posted sale is in its month's return; a posted
        purchase's VAT is deductible"""
        pool = Pool()
        Period = pool.get('account.period')
        Result = pool.get('coop.einvoice.vat_return.result')
        data = self.setup(cash_basis=False)
        with set_company(data['company']):
            self.post([create_invoice(data)])
            purchase = create_invoice(data, party=data['supplier'],
                lines=[("Chambres à air", 2, Decimal(25))], type='in')
            self.post([purchase])
            # A draft is in no return
            create_invoice(data)
            period = Period.find(data['company'], date=MARCH)
            figures = Result.figures(
                data['company'], period, Decimal('3.00'))
        # Sales: 97.50 at 20 % = 19.50 VAT; purchases: 50.00 at 20 % =
        # 10.00 deductible; 23 = 10.00 + 3.00 carried = 13.00;
        # 28 = 19.50 - 13.00 = 6.50
        self.assertEqual(figures['box_01'], Decimal('97.50'))
        self.assertEqual(figures['box_08_base'], Decimal('97.50'))
        self.assertEqual(figures['box_08_tax'], Decimal('19.50'))
        self.assertEqual(figures['box_16'], Decimal('19.50'))
        self.assertEqual(figures['box_20'], Decimal('10.00'))
        self.assertEqual(figures['box_22'], Decimal('3.00'))
        self.assertEqual(figures['box_23'], Decimal('13.00'))
        self.assertEqual(figures['box_28'], Decimal('6.50'))
        self.assertEqual(figures['box_25'], Decimal('0.00'))
        self.assertEqual(figures['box_32'], Decimal('6.50'))

    @with_transaction()
    def test_many_lines_on_cash_basis(self):
        """A month's invoice of a line per day and price (120 lines) posts
        on cash basis: 120 × 1.00 = 120.00, 20 % VAT = 24.00, and each of
        its 120 base lines and its tax line wait for the payment"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        TaxLine = pool.get('account.tax.line')
        data = self.setup(cash_basis=True)
        with set_company(data['company']):
            invoice = create_invoice(data, lines=[
                    (f"Livraisons du jour {i}", 1, Decimal('1.00'))
                    for i in range(120)])
            with Transaction().set_context(_skip_warnings=True):
                Invoice.post([invoice])
        invoice = Invoice(invoice.id)
        self.assertEqual(invoice.state, 'posted')
        self.assertEqual(invoice.untaxed_amount, Decimal('120.00'))
        self.assertEqual(invoice.tax_amount, Decimal('24.00'))
        lines = TaxLine.search([('move_line.move', '=', invoice.move.id)])
        self.assertEqual(
            sorted(l.type for l in lines), ['base'] * 120 + ['tax'])
        self.assertEqual({l.on_cash_basis for l in lines}, {True})

    @with_transaction()
    def test_vat_return_cash_basis(self):
        """On receipts, an unpaid sale owes no VAT yet: the purchase's 10.00
        makes a credit (25)"""
        pool = Pool()
        Period = pool.get('account.period')
        Result = pool.get('coop.einvoice.vat_return.result')
        data = self.setup(cash_basis=True)
        with set_company(data['company']):
            self.post([create_invoice(data)])
            purchase = create_invoice(data, party=data['supplier'],
                lines=[("Chambres à air", 2, Decimal(25))], type='in')
            self.post([purchase])
            period = Period.find(data['company'], date=MARCH)
            figures = Result.figures(data['company'], period)
        self.assertEqual(figures['box_08_tax'], Decimal('0.00'))
        self.assertEqual(figures['box_16'], Decimal('0.00'))
        self.assertEqual(figures['box_20'], Decimal('10.00'))
        self.assertEqual(figures['box_25'], Decimal('10.00'))
        self.assertEqual(figures['box_28'], Decimal('0.00'))


    # VAT on receipts (CGI art. 269-2-c: services' VAT is due when the
    # price is received, unless the coop opts for debits). The invoice of
    # these tests: 1,000.00 of services + 20 % VAT = 200.00, 1,200.00 in
    # all, posted on 31 March 2026. Each receipt carries the VAT of its
    # share of the price: base = 1,000.00 × received / 1,200.00, tax =
    # 200.00 × received / 1,200.00, each rounded to the cent (Tryton's
    # account_tax_cash, update_cash_basis)

    def services_invoice(self, data, amount=Decimal(1000), **values):
        return self.post([create_invoice(data,
                    lines=[("Livraisons de mars", 1, amount)], **values)])[0]

    def receive_payment(self, data, invoice, amount, date):
        """Record the receipt of amount on date as the pay wizard does
        (no payment_date in the context, on another day than date:
        today); reconciled when it pays the rest"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Journal = pool.get('account.journal')
        Account = pool.get('account.account')
        Method = pool.get('account.invoice.payment.method')
        MoveLine = pool.get('account.move.line')
        cash, = Account.search([
                ('company', '=', data['company'].id), ('code', '=', '1.1.1')])
        journal, = Journal.search([('type', '=', 'cash')], limit=1)
        method, = Method.search([
                ('company', '=', data['company'].id)]) or Method.create([{
                    'name': "Virement", 'company': data['company'].id,
                    'journal': journal.id, 'credit_account': cash.id,
                    'debit_account': cash.id}])
        invoice = Invoice(invoice.id)
        invoice.pay_invoice(amount, method, date)
        invoice = Invoice(invoice.id)
        lines = list(invoice.lines_to_pay) + list(invoice.payment_lines)
        if not sum(l.debit - l.credit for l in lines):
            MoveLine.reconcile(lines)
            # Queued by the reconciliation, run after commit when there is
            # no worker (and without payment_date then too)
            Invoice.process([invoice])
        return Invoice(invoice.id)

    def figures(self, data, date):
        "The CA3 of date's month, and account_tax_cash's tax amounts"
        pool = Pool()
        Period = pool.get('account.period')
        Result = pool.get('coop.einvoice.vat_return.result')
        Tax = pool.get('account.tax')
        period = Period.find(data['company'], date=date, test_state=False)
        figures = Result.figures(data['company'], period)
        # The amounts Tryton's tax codes sum (Tax._amount_domain of
        # account_tax_cash): the VAT return must agree with them (a credit
        # note's amounts are negative there: the net is their sum)
        with Transaction().set_context(periods=[period.id]):
            sale, purchase = Tax.browse(
                [data['sale_tax'].id, data['purchase_tax'].id])
            self.assertEqual(figures['box_08_base'],
                sale.invoice_base_amount + sale.credit_base_amount)
            self.assertEqual(figures['box_08_tax'],
                sale.invoice_tax_amount + sale.credit_tax_amount)
            self.assertEqual(figures['box_20'],
                purchase.invoice_tax_amount + purchase.credit_tax_amount)
        return figures

    def assertBoxes(self, figures, **expected):
        "The boxes given, and every other box 0.00"
        for name, value in figures.items():
            with self.subTest(box=name):
                self.assertEqual(value, Decimal(expected.get(name, '0.00')))

    @with_transaction()
    def test_vat_return_receipts(self):
        """Nothing is due in March for an unpaid sale; 600.00 received in
        April is half of 1,200.00: 500.00 base and 100.00 VAT; the other
        600.00 in May, the same"""
        pool = Pool()
        TaxLine = pool.get('account.tax.line')
        data = self.setup(cash_basis=True)
        april, may = dt.date(2026, 4, 30), dt.date(2026, 5, 15)
        with set_company(data['company']):
            invoice = self.services_invoice(data)
            self.assertEqual(invoice.total_amount, Decimal('1200.00'))
            self.assertBoxes(self.figures(data, MARCH))
            # The VAT waits on cash basis, in no period yet
            waiting = TaxLine.search([('move_line.move', '=', invoice.move)])
            self.assertEqual(
                sorted((l.type, l.amount, l.on_cash_basis, l.period)
                    for l in waiting),
                [('base', Decimal('1000.00'), True, None),
                    ('tax', Decimal('200.00'), True, None)])

            self.receive_payment(data, invoice, Decimal('600.00'), april)
            # 600.00 / 1,200.00 = 1/2: 500.00 base, 100.00 VAT; 28 = 100.00
            april_boxes = dict(box_01='500.00', box_08_base='500.00',
                box_08_tax='100.00', box_16='100.00', box_28='100.00',
                box_32='100.00')
            self.assertBoxes(self.figures(data, april), **april_boxes)
            self.assertBoxes(self.figures(data, MARCH))

            invoice = self.receive_payment(
                data, invoice, Decimal('600.00'), may)
            self.assertEqual(invoice.state, 'paid')
            # The rest: 1,000.00 - 500.00 = 500.00, 200.00 - 100.00 = 100.00
            self.assertBoxes(self.figures(data, may), **april_boxes)
            # April's return stays as filed, March's empty
            self.assertBoxes(self.figures(data, april), **april_boxes)
            self.assertBoxes(self.figures(data, MARCH))

    @with_transaction()
    def test_vat_return_partial_receipts(self):
        """250.00 received in April, 950.00 in May: the shares rounded to
        the cent, whose sums are the invoice's"""
        data = self.setup(cash_basis=True)
        april, may = dt.date(2026, 4, 10), dt.date(2026, 5, 31)
        with set_company(data['company']):
            invoice = self.services_invoice(data)
            self.receive_payment(data, invoice, Decimal('250.00'), april)
            # 1,000.00 × 250 / 1,200 = 208.333... = 208.33 base;
            # 200.00 × 250 / 1,200 = 41.666... = 41.67 VAT;
            # 208.33 + 41.67 = 250.00 received
            self.assertBoxes(self.figures(data, april), box_01='208.33',
                box_08_base='208.33', box_08_tax='41.67', box_16='41.67',
                box_28='41.67', box_32='41.67')
            self.receive_payment(data, invoice, Decimal('950.00'), may)
            # The rest: 1,000.00 - 208.33 = 791.67, 200.00 - 41.67 = 158.33
            # (791.67 + 158.33 = 950.00)
            self.assertBoxes(self.figures(data, may), box_01='791.67',
                box_08_base='791.67', box_08_tax='158.33', box_16='158.33',
                box_28='158.33', box_32='158.33')
            self.assertBoxes(self.figures(data, MARCH))

    @with_transaction()
    def test_vat_return_credit_note_unpaid(self):
        """An unpaid sale cancelled by its credit note in April: no VAT
        was ever received, none is due in March or April (neither the
        invoice's +200.00 nor the credit note's -200.00)"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        data = self.setup(cash_basis=True)
        april = dt.date(2026, 4, 20)
        with set_company(data['company']):
            invoice = self.services_invoice(data)
            with Transaction().set_context(_skip_warnings=True):
                credit, = Invoice.credit(
                    [invoice], refund=True, invoice_date=april)
            self.assertEqual(Invoice(invoice.id).state, 'cancelled')
            self.assertEqual(credit.total_amount, Decimal('-1200.00'))
            self.assertBoxes(self.figures(data, MARCH))
            self.assertBoxes(self.figures(data, april))

    @with_transaction()
    def test_vat_return_credit_note_after_receipt(self):
        """1,200.00 invoiced in March, 600.00 received in April, 360.00 in
        May; in June a credit note of 200.00 + 40.00 VAT settles the
        240.00 left. VAT is due on what is received: 100.00 in April
        (600.00 × 20 / 120), 60.00 in May (360.00 × 20 / 120), nothing
        in June, where the invoice's last fifth (200.00 + 40.00) and the
        credit note (-200.00 - 40.00) meet; the credit note's VAT is not
        taken back in May, before it existed"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        MoveLine = pool.get('account.move.line')
        TaxLine = pool.get('account.tax.line')
        data = self.setup(cash_basis=True)
        april, may, june = (
            dt.date(2026, 4, 30), dt.date(2026, 5, 15), dt.date(2026, 6, 10))
        with set_company(data['company']):
            invoice = self.services_invoice(data)
            self.receive_payment(data, invoice, Decimal('600.00'), april)
            self.receive_payment(data, invoice, Decimal('360.00'), may)
            # As a user makes a partial credit note: Tryton's credit of the
            # invoice (its line points at the invoice's), its price changed
            credit, = Invoice.credit([invoice])
            credit.invoice_date = june
            credit.save()
            line, = credit.lines
            line.unit_price = Decimal(200)
            line.save()
            Invoice.update_taxes([credit])
            credit, = self.post([Invoice(credit.id)])
            self.assertEqual(credit.total_amount, Decimal('-240.00'))
            invoice = Invoice(invoice.id)
            lines = (list(invoice.lines_to_pay) + list(invoice.payment_lines)
                + list(credit.lines_to_pay))
            self.assertEqual(sum(l.debit - l.credit for l in lines), 0)
            MoveLine.reconcile(lines)
            # Queued by the reconciliation, run after commit
            Invoice.process(Invoice.browse([invoice.id, credit.id]))
            self.assertEqual(
                {i.state for i in Invoice.browse([invoice.id, credit.id])},
                {'paid'})

            self.assertBoxes(self.figures(data, april), box_01='500.00',
                box_08_base='500.00', box_08_tax='100.00', box_16='100.00',
                box_28='100.00', box_32='100.00')
            # 360 / 1,200 of 1,000.00 and 200.00
            self.assertBoxes(self.figures(data, may), box_01='300.00',
                box_08_base='300.00', box_08_tax='60.00', box_16='60.00',
                box_28='60.00', box_32='60.00')
            self.assertBoxes(self.figures(data, june))
            self.assertBoxes(self.figures(data, MARCH))
            in_june = sorted(
                (l.move_line.move.origin.id, l.type, l.amount)
                for l in TaxLine.search([
                        ('period.start_date', '=', dt.date(2026, 6, 1))]))
            self.assertEqual(in_june, sorted([
                        (invoice.id, 'base', Decimal('200.00')),
                        (invoice.id, 'tax', Decimal('40.00')),
                        (credit.id, 'base', Decimal('-200.00')),
                        (credit.id, 'tax', Decimal('-40.00'))]))

    @with_transaction()
    def test_vat_return_receipts_on_debits(self):
        """With the option for debits the whole VAT is due in March, the
        month of the invoice; the receipt in April changes no return"""
        data = self.setup(cash_basis=False)
        april = dt.date(2026, 4, 30)
        with set_company(data['company']):
            invoice = self.services_invoice(data)
            self.assertTrue(invoice.vat_on_debits)
            march = dict(box_01='1000.00', box_08_base='1000.00',
                box_08_tax='200.00', box_16='200.00', box_28='200.00',
                box_32='200.00')
            self.assertBoxes(self.figures(data, MARCH), **march)
            self.receive_payment(data, invoice, Decimal('600.00'), april)
            self.assertBoxes(self.figures(data, april))
            self.assertBoxes(self.figures(data, MARCH), **march)

    @with_transaction()
    def test_vat_return_deductible_on_receipts(self):
        """A supplier of services on receipts: its 100.00 + 20.00 VAT
        invoice of March is deductible (box 20) once paid, in April; with
        nothing due, April ends in a credit of 20.00 (25)"""
        data = self.setup(cash_basis=True)
        april = dt.date(2026, 4, 30)
        with set_company(data['company']):
            purchase = create_invoice(data, party=data['supplier'],
                lines=[("Réparation des vélos", 1, Decimal(100))], type='in')
            purchase.tax_group_on_cash_basis = [data['purchase_tax'].group]
            purchase.save()
            purchase, = self.post([purchase])
            self.assertEqual(purchase.total_amount, Decimal('120.00'))
            self.assertBoxes(self.figures(data, MARCH))
            self.receive_payment(data, purchase, Decimal('120.00'), april)
            self.assertBoxes(self.figures(data, april), box_20='20.00',
                box_23='20.00', box_25='20.00')
            self.assertBoxes(self.figures(data, MARCH))

    # Attachments: each follows its record (ir.attachment's resource
    # access); the accountant reads the invoices, so their files

    def as_user(self, data, *groups):
        "A context manager: run as a new user of only groups, access checked"
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        login = '-'.join(g for _, g in groups) or 'nobody'
        user, = User.create([{
                    'name': login, 'login': login,
                    'companies': [('add', [data['company'].id])],
                    'company': data['company'].id,
                    'groups': [('add', [ModelData.get_id(m, g)
                                for m, g in groups])],
                    }])
        transaction = Transaction()
        stack = contextlib.ExitStack()
        stack.enter_context(transaction.set_user(user.id))
        stack.enter_context(transaction.set_context(_check_access=True))
        stack.enter_context(transaction.set_context(
                User.get_preferences(context_only=True)))
        return stack

    # (payslips, the annex's names and the other roles' groups come from
    # other modules: these tests run in the suite's database)

    def invoice_and_others(self, data):
        """A posted invoice with its files (Factur-X, UBL, the delivery
        annex's PDF and CSV as coop_delivery names them), a rider's
        payslip with an attachment, her employee's and the store's party's
        attachments: {name: attachment id}"""
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        Payslip = pool.get('coop.payroll.payslip')
        Contract = pool.get('coop.payroll.contract')
        invoice, = self.post([create_invoice(data)])
        rider = create_rider(
            data['company'], "Awa Diallo", dt.date(2026, 1, 1), '12.02')
        contract, = Contract.search([('employee', '=', rider.id)])
        payslip, = Payslip.create([{
                    'company': data['company'].id, 'employee': rider.id,
                    'contract': contract.id,
                    'start_date': dt.date(2026, 3, 1),
                    'payment_date': dt.date(2026, 3, 31)}])
        Attachment.create([
                {'resource': str(invoice), 'name': name, 'data': b'annex'}
                for name in [f'annexe-{invoice.number}.pdf',
                    f'annexe-{invoice.number}.csv']] + [
                {'resource': str(payslip), 'name': 'bulletin.pdf',
                    'data': b'payslip'},
                {'resource': str(rider), 'name': 'titre-de-sejour.pdf',
                    'data': b'permit'},
                {'resource': str(data['store']), 'name': 'kbis.pdf',
                    'data': b'kbis'},
                ])
        return invoice, {a.name: a.id for a in Attachment.search([])}

    @suite_only
    @with_transaction()
    def test_accountant_reads_invoice_attachments(self):
        """The accountant reads a posted invoice's four files, not the
        payslip's nor the employee's attachment"""
        Attachment = Pool().get('ir.attachment')
        data = self.setup()
        with set_company(data['company']):
            invoice, ids = self.invoice_and_others(data)
            invoice_files = {invoice.number + '-factur-x.pdf',
                invoice.number + '-ubl.xml',
                f'annexe-{invoice.number}.pdf',
                f'annexe-{invoice.number}.csv'}
            with self.as_user(data, ('account', 'group_account')):
                found = Attachment.search([('resource', '=', str(invoice))])
                self.assertEqual({a.name for a in found}, invoice_files)
                read = Attachment.read(
                    [ids[n] for n in invoice_files], ['name', 'data'])
                self.assertTrue(all(r['data'] for r in read))
                # The store's party (as coop_payroll's rules give
                # accounting); not the rider's employee nor her payslip
                self.assertEqual({a.name for a in Attachment.search([
                                ('resource', 'not like', 'coop.payroll%')])},
                    invoice_files | {'kbis.pdf'})
                for name in ['bulletin.pdf', 'titre-de-sejour.pdf']:
                    with self.subTest(name=name):
                        with self.assertRaises(AccessError):
                            Attachment.read([ids[name]], ['name'])

    @suite_only
    @with_transaction()
    def test_issued_files_kept_as_issued(self):
        """A posted invoice's Factur-X and UBL are neither changed nor
        deleted, even by the accountant who may write invoices and their
        attachments; a note attached to it later stays free"""
        Attachment = Pool().get('ir.attachment')
        data = self.setup()
        with set_company(data['company']):
            invoice, ids = self.invoice_and_others(data)
            with self.as_user(data, ('account', 'group_account')):
                note, = Attachment.create([{'resource': str(invoice),
                            'name': 'relance.txt', 'data': b'note'}])
                for suffix in ['-factur-x.pdf', '-ubl.xml']:
                    issued = Attachment(ids[invoice.number + suffix])
                    for change in [
                            lambda: Attachment.write(
                                [issued], {'data': b'other'}),
                            lambda: Attachment.write(
                                [issued], {'name': 'other.pdf'}),
                            lambda: Attachment.delete([issued])]:
                        with self.subTest(suffix=suffix):
                            with self.assertRaises(AccessError) as cm:
                                change()
                            self.assertIn(invoice.number + suffix,
                                cm.exception.message)
                Attachment.write([note], {'data': b'note 2'})
                Attachment.delete([note])
            self.assertTrue(Attachment(ids[invoice.number + '-ubl.xml']).data)

    @suite_only
    @with_transaction()
    def test_others_do_not_read_invoice_attachments(self):
        """Without the accounting group (no group, the dispatcher's, the
        membership's) an invoice's files are not read"""
        Attachment = Pool().get('ir.attachment')
        data = self.setup()
        with set_company(data['company']):
            invoice, ids = self.invoice_and_others(data)
            factur_x = ids[invoice.number + '-factur-x.pdf']
            for groups in [(), (('coop_delivery', 'group_delivery'),),
                    (('coop_membership', 'group_membership_admin'),)]:
                with self.subTest(groups=groups), \
                        self.as_user(data, *groups):
                    with self.assertRaises(AccessError):
                        Attachment.read([factur_x], ['name', 'data'])
                    with self.assertRaises(AccessError):
                        Attachment.search([('resource', '=', str(invoice))])


class CoopEInvoiceFolderTestCase(unittest.TestCase):
    "The inbox folder the cron reads: each file in its own transaction"

    @classmethod
    def setUpClass(cls):
        # The database is the class's: the next class restores the suite's
        activate_suite('coop_einvoice')

    def test_receive_folder(self):
        "The cron imports the inbox's files, moves them, says why it refused"
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder)
        with open(os.path.join(folder, 'a.xml'), 'wb') as file:
            file.write(supplier_file())
        with open(os.path.join(folder, 'b.txt'), 'wb') as file:
            file.write(b"pas une facture")
        if not config.has_section('coop_einvoice'):
            config.add_section('coop_einvoice')
        config.set('coop_einvoice', 'inbox', folder)
        self.addCleanup(config._cache_clear)
        self.addCleanup(config.remove_section, 'coop_einvoice')
        commit_setup(lambda: setup_coop(lock=False))
        with Transaction().start(DB_NAME, 0):
            Invoice = Pool().get('account.invoice')
            Invoice.import_einvoice_folder()
            self.assertEqual(sorted(os.listdir(folder)), ['done', 'refused'])
            self.assertEqual(os.listdir(os.path.join(folder, 'done')),
                ['a.xml'])
            self.assertEqual(
                sorted(os.listdir(os.path.join(folder, 'refused'))),
                ['b.txt', 'b.txt.txt'])
            with open(os.path.join(folder, 'refused', 'b.txt.txt'),
                    encoding='utf-8') as file:
                self.assertIn('b.txt', file.read())
        # Each file is committed in a transaction of its own: on
        # PostgreSQL the cron's snapshot does not see them, a new one does
        with Transaction().start(DB_NAME, 0, readonly=True):
            Invoice = Pool().get('account.invoice')
            invoice, = Invoice.search([('type', '=', 'in')])
            self.assertEqual(invoice.reference, 'FOURN-0042')
            self.assertEqual(invoice.state, 'draft')


del ModuleTestCase
