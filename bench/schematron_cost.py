# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""What the official Schematron costs per e-invoice (coop_einvoice's
schematron.py): each stylesheet's compilation once, then per document the
checks posting runs, on a month-end store invoice of --lines lines.

    .venv/bin/python bench/schematron_cost.py [--lines 31] [--documents 200]

No database: the invoice is the factur-x data dict of a store's month (a
line per day, 20 % VAT, the suite's notes and identifiers), written as CII
and UBL by the library, checked as posting checks it (EN 16931 and the
French CTC, both syntaxes). Figures are wall-clock, one process, median
and worst of --documents runs."""
import argparse
import datetime as dt
import os
import statistics
import sys
import time
from decimal import Decimal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'addons'))

from facturx.generate_xml import generate_xml  # noqa: E402

from coop_einvoice import schematron  # noqa: E402


def month_invoice(lines):
    party = {'legal_identifier_schemeid': '0002', 'country_code': 'FR',
        'city': "Lyon", 'postcode': '69001', 'einvoicing_addr_schemeid': '0225'}
    rows = [{'BT-126': str(i), 'BT-129': '12', 'BT-130': 'C62',
            'BT-131': '72.00', 'BT-146': '6', 'BT-151': 'S', 'BT-152': '20',
            'BT-153': f"Livraisons du {i} mars"} for i in range(1, lines + 1)]
    base = Decimal('72.00') * lines
    tax = base * Decimal('0.2')
    return {
        'BT-1': 'F2026-00042', 'BT-2': dt.date(2026, 3, 31), 'BT-3': '380',
        'BT-5': 'EUR', 'BT-23': 'S1', 'BT-24': 'urn:cen.eu:en16931:2017',
        'BT-9': dt.date(2026, 4, 30), 'BT-72': dt.date(2026, 3, 31),
        'BT-8': 'payment', 'BT-20': "30 jours",
        'BG-1': [{'BT-21': 'PMD', 'BT-22': "Pénalités au taux de 12,15 %."},
            {'BT-21': 'PMT', 'BT-22': "Indemnité forfaitaire de 40,00 EUR."},
            {'BT-21': 'AAB', 'BT-22': "Pas d'escompte."}],
        'BG-4': dict(party, name="Coop Vélo", legal_identifier='732829320',
            einvoicing_addr='732829320', vat_identifier='FR44732829320'),
        'BG-7': dict(party, name="Le Vélo Gourmand",
            legal_identifier='552100554', einvoicing_addr='552100554'),
        'BG-23': [{'BT-116': f'{base:.2f}', 'BT-117': f'{tax:.2f}',
                'BT-118': 'S', 'BT-119': '20'}],
        'BG-25': rows,
        'BT-106': f'{base:.2f}', 'BT-109': f'{base:.2f}',
        'BT-110': f'{tax:.2f}', 'BT-112': f'{base + tax:.2f}',
        'BT-115': f'{base + tax:.2f}',
        }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--lines', type=int, default=31)
    parser.add_argument('--documents', type=int, default=200)
    args = parser.parse_args()
    data = month_invoice(args.lines)
    documents = {kind: generate_xml(data, flavor=flavor, level='en16931',
            check_xsd=True, check_schematron=False)
        for kind, flavor in [('cii', 'factur-x'), ('ubl', 'ubl-2.1')]}
    print(f"factur-x {schematron.FACTURX_VERSION}, one invoice of "
        f"{args.lines} lines: CII {len(documents['cii'])} bytes, "
        f"UBL {len(documents['ubl'])} bytes")
    print("compilation, once per process:")
    for key in schematron.STYLESHEETS:
        start = time.perf_counter()
        with schematron._lock:
            schematron._executable(key)
        print(f"  {key[0]} {key[1]:8} {time.perf_counter() - start:6.3f} s")
    print(f"per document, {args.documents} runs (median / worst):")
    totals = []
    for run in range(args.documents):
        total = 0
        for key in schematron.STYLESHEETS:
            kind, check = key
            start = time.perf_counter()
            found = schematron.failures(documents[kind], check)
            elapsed = time.perf_counter() - start
            assert not schematron.fatal(found), found
            total += elapsed
            totals.append((key, elapsed))
        totals.append(('invoice', total))
    for key in list(schematron.STYLESHEETS) + ['invoice']:
        times = [t for k, t in totals if k == key]
        label = ' '.join(key) if key != 'invoice' else (
            'an invoice: the four checks')
        print(f"  {label:28} {statistics.median(times) * 1000:6.1f} ms"
            f" / {max(times) * 1000:6.1f} ms")


if __name__ == '__main__':
    main()
