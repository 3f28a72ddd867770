# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"Helpers to build deliveries in tests"
import datetime as dt

from trytond.pool import Pool

ORDERED = dt.datetime(2026, 3, 2, 9, 0)
CENTRE = {'type': 'Polygon', 'coordinates': [[
            [4.80, 45.74], [4.86, 45.74], [4.86, 45.78], [4.80, 45.78],
            [4.80, 45.74]]]}


def create_rule_set(strategy='find', rules=None):
    RuleSet = Pool().get('coop.delivery.price.rule_set')
    rules = rules or [
        ("Cargo", 'vehicle == "cargo_bike"', '1200'),
        ("Long", 'distance > 3000',
            '600 + price_range(distance, 200, 1000, 3000)'),
        ("Base", '', '600'),
        ]
    rule_set, = RuleSet.create([{
                'name': "Standard",
                'strategy': strategy,
                'rules': [('create', [{
                                'name': name, 'condition': condition,
                                'price': price, 'sequence': i,
                                } for i, (name, condition, price)
                            in enumerate(rules)])],
                }])
    return rule_set

def create_store(rule_set=None, name="Le Vélo Gourmand"):
    Party = Pool().get('party.party')
    store, = Party.create([{
                'name': name,
                'delivery_price_rule_set': (
                    rule_set.id if rule_set else None),
                }])
    return store

def create_delivery(store, tasks=None, **values):
    Delivery = Pool().get('coop.delivery')
    if tasks is None:
        tasks = [
            {'type': 'pickup', 'sequence': 1,
                'after': ORDERED, 'before': ORDERED + dt.timedelta(
                    minutes=30),
                'latitude': 45.76, 'longitude': 4.83},
            {'type': 'dropoff', 'sequence': 2,
                'after': ORDERED, 'before': ORDERED + dt.timedelta(
                    hours=1),
                'latitude': 45.76, 'longitude': 4.85},
            ]
    values.setdefault('customer', store.id)
    values.setdefault('date', ORDERED.date())
    values.setdefault('ordered_at', ORDERED)
    values['tasks'] = [('create', tasks)]
    delivery, = Delivery.create([values])
    return delivery
