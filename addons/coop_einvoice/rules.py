# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The EN 16931 business rules an invoice of the suite (or one received) can
break, checked in Python on the factur-x library's data dict (keys are the
model's BT-/BG- terms): the first check, with messages the coop reads in
its language, each rule tested (tests/test_rules.py) and listed in
docs/einvoicing.md. The official Schematron (schematron.py) is run after
them on the XML itself, the final gate. A rule returns the messages of its
failures."""
from decimal import Decimal, InvalidOperation

CENT = Decimal('0.01')


def amount(value):
    "A data dict amount (a string) as a Decimal; 0 when missing"
    if value in (None, ''):
        return Decimal(0)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal('NaN')


def _lines(data):
    return data.get('BG-25') or []


def _breakdown(data):
    return data.get('BG-23') or []


def _party(data, key):
    return data.get(key) or {}


def _rate(value):
    return amount(value).normalize() if value not in (None, '') else None


def br_01(data):
    "An invoice has a specification identifier (BT-24)"
    if not data.get('BT-24'):
        yield "the specification identifier (BT-24) is missing"


def br_02(data):
    "An invoice has an invoice number (BT-1)"
    if not data.get('BT-1'):
        yield "the invoice number (BT-1) is missing"


def br_03(data):
    "An invoice has an issue date (BT-2)"
    if not data.get('BT-2'):
        yield "the issue date (BT-2) is missing"


def br_04(data):
    "An invoice has a type code (BT-3)"
    if not data.get('BT-3'):
        yield "the type code (BT-3) is missing"


def br_05(data):
    "An invoice has a currency code (BT-5)"
    if not data.get('BT-5'):
        yield "the currency (BT-5) is missing"


def br_06(data):
    "An invoice has the seller's name (BT-27)"
    if not _party(data, 'BG-4').get('name'):
        yield "the seller's name (BT-27) is missing"


def br_07(data):
    "An invoice has the buyer's name (BT-44)"
    if not _party(data, 'BG-7').get('name'):
        yield "the buyer's name (BT-44) is missing"


def br_09(data):
    "The seller's postal address has a country code (BT-40)"
    if not _party(data, 'BG-4').get('country_code'):
        yield "the seller's country (BT-40) is missing"


def br_11(data):
    "The buyer's postal address has a country code (BT-55)"
    if not _party(data, 'BG-7').get('country_code'):
        yield "the buyer's country (BT-55) is missing"


def br_16(data):
    "An invoice has at least one line (BG-25)"
    if not _lines(data):
        yield "the invoice has no line (BG-25)"


def br_21_to_27(data):
    """Each line has an identifier (BR-21), a quantity (BR-22) and its unit
    (BR-23), a net amount (BR-24), an item name (BR-25), a net price
    (BR-26) that is not negative (BR-27)"""
    for number, line in enumerate(_lines(data), 1):
        name = line.get('BT-126') or number
        if not line.get('BT-126'):
            yield f"BR-21: line {name} has no identifier (BT-126)"
        if line.get('BT-129') in (None, ''):
            yield f"BR-22: line {name} has no quantity (BT-129)"
        if not line.get('BT-130'):
            yield f"BR-23: line {name} has no unit (BT-130)"
        if line.get('BT-131') in (None, ''):
            yield f"BR-24: line {name} has no net amount (BT-131)"
        if not line.get('BT-153'):
            yield f"BR-25: line {name} has no item name (BT-153)"
        if line.get('BT-146') in (None, ''):
            yield f"BR-26: line {name} has no net price (BT-146)"
        elif amount(line['BT-146']) < 0:
            yield f"BR-27: line {name} has a negative net price (BT-146)"


def br_co_10(data):
    "The sum of the lines' net amounts (BT-106) is that of BT-131"
    total = sum((amount(l.get('BT-131')) for l in _lines(data)), Decimal(0))
    if total != amount(data.get('BT-106')):
        yield (f"the lines' net amounts add up to {total}, "
            f"not to BT-106 {data.get('BT-106')}")


def br_co_13(data):
    "BT-109 = BT-106 - allowances (BT-107) + charges (BT-108)"
    expected = (amount(data.get('BT-106')) - amount(data.get('BT-107'))
        + amount(data.get('BT-108')))
    if expected != amount(data.get('BT-109')):
        yield (f"the total without VAT (BT-109) {data.get('BT-109')} "
            f"is not {expected}")


def br_co_14(data):
    "The invoice's VAT (BT-110) is the sum of the breakdown's (BT-117)"
    total = sum((amount(b.get('BT-117')) for b in _breakdown(data)),
        Decimal(0))
    if total != amount(data.get('BT-110')):
        yield (f"the VAT breakdown adds up to {total}, "
            f"not to BT-110 {data.get('BT-110')}")


def br_co_15(data):
    "BT-112 = BT-109 + BT-110"
    expected = amount(data.get('BT-109')) + amount(data.get('BT-110'))
    if expected != amount(data.get('BT-112')):
        yield (f"the total with VAT (BT-112) {data.get('BT-112')} "
            f"is not {expected}")


def br_co_16(data):
    "BT-115 = BT-112 - paid (BT-113) + rounding (BT-114)"
    expected = (amount(data.get('BT-112')) - amount(data.get('BT-113'))
        + amount(data.get('BT-114')))
    if expected != amount(data.get('BT-115')):
        yield (f"the amount due (BT-115) {data.get('BT-115')} "
            f"is not {expected}")


def br_co_25(data):
    "A positive amount due has a due date (BT-9) or payment terms (BT-20)"
    if (amount(data.get('BT-115')) > 0
            and not data.get('BT-9') and not data.get('BT-20')):
        yield "the amount due has neither due date (BT-9) nor terms (BT-20)"


def br_co_26(data):
    "The seller has a VAT number (BT-31) or a legal identifier (BT-30)"
    seller = _party(data, 'BG-4')
    if not seller.get('vat_identifier') and not seller.get(
            'legal_identifier'):
        yield "the seller has neither VAT number (BT-31) nor SIREN (BT-30)"


def br_s_01(data):
    "A standard rated line (S) has a standard rated breakdown"
    if (any(l.get('BT-151') == 'S' for l in _lines(data))
            and not any(b.get('BT-118') == 'S' for b in _breakdown(data))):
        yield "a line is at standard rate (S) but no breakdown is"


def br_s_02(data):
    "A standard rated invoice has the seller's VAT number (BT-31)"
    if (any(l.get('BT-151') == 'S' for l in _lines(data))
            and not _party(data, 'BG-4').get('vat_identifier')):
        yield "a line is at standard rate (S) but the seller has no VAT number"


def br_s_05(data):
    "A standard rated line's VAT rate (BT-152) is above zero"
    for line in _lines(data):
        if line.get('BT-151') == 'S' and not (
                _rate(line.get('BT-152')) or 0) > 0:
            yield (f"line {line.get('BT-126')} is at standard rate (S) "
                "with no rate above zero")


def br_s_08(data):
    """A standard rated breakdown's taxable amount (BT-116) is the sum of
    its rate's lines' net amounts"""
    for tax in _breakdown(data):
        if tax.get('BT-118') != 'S':
            continue
        rate = _rate(tax.get('BT-119'))
        total = sum((amount(l.get('BT-131')) for l in _lines(data)
                if l.get('BT-151') == 'S'
                and _rate(l.get('BT-152')) == rate), Decimal(0))
        if total != amount(tax.get('BT-116')):
            yield (f"the lines at {rate} % add up to {total}, not to the "
                f"taxable amount {tax.get('BT-116')}")


def br_s_09(data):
    "A standard rated breakdown's VAT (BT-117) is BT-116 × BT-119, rounded"
    for tax in _breakdown(data):
        if tax.get('BT-118') != 'S':
            continue
        base = amount(tax.get('BT-116'))
        rate = _rate(tax.get('BT-119')) or Decimal(0)
        expected = (base * rate / 100).quantize(CENT)
        if abs(expected - amount(tax.get('BT-117'))) > CENT / 2:
            yield (f"the VAT at {rate} % of {base} is {expected}, "
                f"not {tax.get('BT-117')}")


def fr_buyer_siren(data):
    """The French reform's mention: the buyer's SIREN (BT-47) on invoices
    between French companies (CGI 242 nonies A as amended)"""
    buyer = _party(data, 'BG-7')
    if (buyer.get('country_code') == 'FR'
            and not buyer.get('legal_identifier')):
        yield f"the buyer {buyer.get('name')} has no SIREN (BT-47)"


# (rule, check): the rules checked, in docs/einvoicing.md's order
RULES = [
    ('BR-01', br_01), ('BR-02', br_02), ('BR-03', br_03), ('BR-04', br_04),
    ('BR-05', br_05), ('BR-06', br_06), ('BR-07', br_07), ('BR-09', br_09),
    ('BR-11', br_11), ('BR-16', br_16), ('BR-21..27', br_21_to_27),
    ('BR-CO-10', br_co_10), ('BR-CO-13', br_co_13), ('BR-CO-14', br_co_14),
    ('BR-CO-15', br_co_15), ('BR-CO-16', br_co_16), ('BR-CO-25', br_co_25),
    ('BR-CO-26', br_co_26), ('BR-S-01', br_s_01), ('BR-S-02', br_s_02),
    ('BR-S-05', br_s_05), ('BR-S-08', br_s_08), ('BR-S-09', br_s_09),
    ]
# The French reform's rules, checked on the invoices the coop issues
FRENCH_RULES = [('FR-SIREN', fr_buyer_siren)]


def failures(data, rules=RULES):
    "The (rule, message) of each failure of data against rules"
    return [(code, message)
        for code, check in rules for message in check(data)]
