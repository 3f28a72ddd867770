# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Each EN 16931 rule of rules.py, broken by an invoice made for it

The valid invoice: two lines, 2 × 50.00 = 100.00 and 1 × 20.00 = 20.00 at
20 %, so 120.00 excl. VAT, 24.00 VAT, 144.00 incl. VAT."""
import copy
import datetime as dt
import unittest

from coop_einvoice import rules

VALID = {
    'BT-1': 'F2026-00001', 'BT-2': dt.date(2026, 3, 31), 'BT-3': '380',
    'BT-5': 'EUR', 'BT-24': 'urn:cen.eu:en16931:2017',
    'BT-9': dt.date(2026, 4, 30),
    'BG-4': {'name': "Coop Vélo", 'legal_identifier': '732829320',
        'vat_identifier': 'FR44732829320', 'country_code': 'FR'},
    'BG-7': {'name': "Le Vélo Gourmand", 'legal_identifier': '552100554',
        'country_code': 'FR'},
    'BG-23': [{'BT-116': '120.00', 'BT-117': '24.00', 'BT-118': 'S',
            'BT-119': '20'}],
    'BG-25': [
        {'BT-126': '1', 'BT-129': '2', 'BT-130': 'C62', 'BT-131': '100.00',
            'BT-146': '50', 'BT-151': 'S', 'BT-152': '20',
            'BT-153': "Livraisons"},
        {'BT-126': '2', 'BT-129': '1', 'BT-130': 'C62', 'BT-131': '20.00',
            'BT-146': '20', 'BT-151': 'S', 'BT-152': '20.00',
            'BT-153': "Attente"},
        ],
    'BT-106': '120.00', 'BT-109': '120.00', 'BT-110': '24.00',
    'BT-112': '144.00', 'BT-115': '144.00',
    }


def broken(change):
    data = copy.deepcopy(VALID)
    change(data)
    return data


def drop(*path):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
    return change


def put(value, *path):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


# (rule, how the invoice breaks it)
CASES = [
    ('BR-01', drop('BT-24')),
    ('BR-02', drop('BT-1')),
    ('BR-03', drop('BT-2')),
    ('BR-04', drop('BT-3')),
    ('BR-05', drop('BT-5')),
    ('BR-06', drop('BG-4', 'name')),
    ('BR-07', drop('BG-7', 'name')),
    ('BR-09', drop('BG-4', 'country_code')),
    ('BR-11', drop('BG-7', 'country_code')),
    ('BR-16', put([], 'BG-25')),
    ('BR-21..27', drop('BG-25', 0, 'BT-126')),
    ('BR-21..27', drop('BG-25', 0, 'BT-129')),
    ('BR-21..27', drop('BG-25', 0, 'BT-130')),
    ('BR-21..27', drop('BG-25', 0, 'BT-153')),
    ('BR-21..27', drop('BG-25', 0, 'BT-146')),
    # A negative price, the line's amount left as it was
    ('BR-21..27', put('-50', 'BG-25', 0, 'BT-146')),
    # 100.00 + 20.00 is 120.00, not 121.00
    ('BR-CO-10', put('121.00', 'BT-106')),
    ('BR-CO-13', put('119.00', 'BT-109')),
    ('BR-CO-14', put('25.00', 'BT-110')),
    # 120.00 + 24.00 is 144.00
    ('BR-CO-15', put('145.00', 'BT-112')),
    ('BR-CO-16', put('140.00', 'BT-115')),
    ('BR-CO-25', drop('BT-9')),
    ('BR-CO-26', lambda d: d['BG-4'].pop('vat_identifier') and d[
            'BG-4'].pop('legal_identifier')),
    ('BR-S-01', put('E', 'BG-23', 0, 'BT-118')),
    ('BR-S-02', drop('BG-4', 'vat_identifier')),
    ('BR-S-05', put('0', 'BG-25', 1, 'BT-152')),
    # The lines at 20 % make 120.00, not 100.00
    ('BR-S-08', put('100.00', 'BG-23', 0, 'BT-116')),
    # 20 % of 120.00 is 24.00, not 24.50
    ('BR-S-09', put('24.50', 'BG-23', 0, 'BT-117')),
    ]


class RulesTestCase(unittest.TestCase):
    "The business rules, each with an invoice that breaks it"

    def test_valid(self):
        self.assertEqual(
            rules.failures(VALID, rules.RULES + rules.FRENCH_RULES), [])

    def test_each_rule_broken(self):
        for rule, change in CASES:
            data = broken(change)
            with self.subTest(rule=rule, data=data):
                self.assertIn(rule, [r for r, _ in rules.failures(data)])

    def test_every_rule_tested(self):
        tested = {rule for rule, _ in CASES}
        self.assertEqual(tested, {rule for rule, _ in rules.RULES})

    def test_buyer_siren(self):
        "The reform's mention: a French buyer's SIREN"
        data = broken(drop('BG-7', 'legal_identifier'))
        self.assertEqual(
            [r for r, _ in rules.failures(data, rules.FRENCH_RULES)],
            ['FR-SIREN'])
        # A buyer abroad has no SIREN
        data['BG-7']['country_code'] = 'BE'
        self.assertEqual(rules.failures(data, rules.FRENCH_RULES), [])

    def test_rounding_tolerated(self):
        "BR-S-09 allows half a cent: 20 % of 0.33 is 0.066, 0.07"
        data = broken(put([{'BT-116': '0.33', 'BT-117': '0.07',
                        'BT-118': 'S', 'BT-119': '20'}], 'BG-23'))
        self.assertEqual(list(rules.br_s_09(data)), [])
