# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Customer invoices posted the French way: the frozen mentions, the PDF,
the Factur-X and the UBL; refusals; supplier e-invoices received; the CA3

The figures are worked out by hand: the invoice of tools.create_invoice is
10 × 6.00 + 3 × 12.50 = 60.00 + 37.50 = 97.50 excl. VAT, 20 % of it is
19.50, 117.00 incl. VAT."""
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
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    DB_NAME, ModuleTestCase, with_transaction)
from trytond.transaction import Transaction
from trytond.modules.company.tests import set_company

from coop_tools.languages import load_french
from coop_tools.testing import (
    SuiteDatabase, activate_suite, commit_setup, setup_records)

from coop_einvoice import schematron
from coop_einvoice.exceptions import EInvoiceFileError, EInvoiceRuleError

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
        pool = Pool()
        Invoice = pool.get('account.invoice')
        data = self.setup()
        with set_company(data['company']):
            invoice, = self.post([create_invoice(data)])
            credit, = Invoice.credit([invoice])
            credit.invoice_date = MARCH
            credit.save()
            credit, = self.post([credit])
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
        pool = Pool()
        Invoice = pool.get('account.invoice')
        data = self.setup()
        with set_company(data['company']):
            invoice, = self.post([create_invoice(data)])
            credit, = Invoice.credit([invoice])
            credit.invoice_date = MARCH
            credit.save()
            credit, = self.post([credit])
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

        def einvoice_xml(self, flavor='factur-x'):
            xml = written(self, flavor)
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


class CoopEInvoiceFolderTestCase(unittest.TestCase):
    "The inbox folder the cron reads: each file in its own transaction"

    @classmethod
    def setUpClass(cls):
        # The database is the class's: the next class restores the suite's
        activate_suite()

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
