# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"The pricing evaluator's edge cases, without a database"
import datetime as dt
import unittest
from decimal import Decimal

from coop_delivery.pricing import (
    Address, Delivery, Evaluator, ExpressionError, Packages, PricingError,
    Rule, Task, compute, parse, price_range, to_amount)

# A square around Lyon's Presqu'île, and a triangle sharing its east edge
CENTRE = {'type': 'Polygon', 'coordinates': [[
            [4.80, 45.74], [4.86, 45.74], [4.86, 45.78], [4.80, 45.78],
            [4.80, 45.74]]]}
EAST = {'type': 'Polygon', 'coordinates': [[
            [4.86, 45.74], [4.90, 45.76], [4.86, 45.78], [4.86, 45.74]]]}


def evaluate(expression, delivery=None, zones=None):
    return Evaluator(zones).evaluate(parse(expression), delivery or Delivery())


class PriceRangeTestCase(unittest.TestCase):

    def test_steps_and_threshold(self):
        "Each started step beyond the threshold costs one price"
        cases = [
            (0, 0), (1999, 0), (2000, 0),  # up to the threshold: free
            (2001, 200), (3000, 200),  # one started step
            (3001, 400), (4000, 400), (4001, 600),
            ]
        for distance, cents in cases:
            with self.subTest(distance=distance):
                self.assertEqual(price_range(distance, 200, 1000, 2000), cents)
                self.assertEqual(evaluate(
                        'price_range(distance, 200, 1000, 2000)',
                        Delivery(distance=distance)), cents)

    def test_never_negative(self):
        "Below the threshold the price is 0, where CoopCycle goes negative"
        self.assertEqual(price_range(500, 200, 1000, 2000), 0)

    def test_zero_threshold(self):
        self.assertEqual(price_range(1, 150, 500, 0), 150)
        self.assertEqual(price_range(500, 150, 500, 0), 150)
        self.assertEqual(price_range(501, 150, 500, 0), 300)


class ExpressionTestCase(unittest.TestCase):

    def test_coopcycle_forms(self):
        "Conditions and prices as CoopCycle writes them"
        delivery = Delivery(
            distance=3500, weight=12000, vehicle='cargo_bike',
            packages=Packages({'box': 2}))
        for expression, expected in [
                ('distance > 3000', True),
                ('distance > 3000 and weight < 10000', False),
                ('not (vehicle == "bike")', True),
                ('vehicle in ["bike", "cargo_bike"]', True),
                ('packages.quantity("box") * 150', 300),
                ('packages.quantity("crate")', 0),
                ('packages.containsAtLeastOne("box")', True),
                ('300 if weight > 10000 else 100', 300),
                ('max(500, distance / 10)', 500),
                ('weight > 5000 or false', True),
                ]:
            with self.subTest(expression=expression):
                self.assertEqual(evaluate(expression, delivery), expected)

    def test_refused_with_position(self):
        "Bad expressions are refused with the 1-based position of the fault"
        for expression, message, position in [
                ('distance >> ', "ends too early", 12),
                ('max(distance, 3', "ends too early", 16),
                ('distance > 3000 &&  weight', "syntax error", 18),
                ('distanc > 3000', "unknown name 'distanc'", 1),
                ('weight > 1 and foo(2)', "unknown function 'foo'", 16),
                ('pickup.__class__', "unknown attribute '__class__'", 1),
                ('packages.keys()', "unknown method 'keys'", 1),
                ('[d for d in [1]]', "listcomp is not allowed", 1),
                ('  distance + speed', "unknown name 'speed'", 14),
                ('max(distance, key=1)', "keyword arguments", 1),
                ('', "empty", 1),
                ]:
            with self.subTest(expression=expression):
                with self.assertRaises(ExpressionError) as context:
                    parse(expression)
                self.assertIn(message, context.exception.message)
                self.assertEqual(context.exception.position, position)

    def test_runtime_error(self):
        "An expression that fails on the values raises a PricingError"
        with self.assertRaises(PricingError):
            evaluate('distance / 0')
        with self.assertRaises(PricingError):
            evaluate('diff_hours(dropoff, "two hours")')


class ZoneTestCase(unittest.TestCase):

    def delivery(self, latitude, longitude):
        return Delivery(dropoff=Task('dropoff',
                address=Address(latitude, longitude)))

    def test_inside_outside_and_border(self):
        "A point on a zone's border is in the zone"
        zones = {'centre': CENTRE, 'east': EAST}
        for (latitude, longitude), centre, east in [
                ((45.76, 4.83), True, False),
                ((45.76, 4.87), False, True),
                ((45.76, 4.86), True, True),  # the shared border
                ((45.74, 4.80), True, False),  # a corner
                ((45.73, 4.83), False, False),
                ]:
            with self.subTest(latitude=latitude, longitude=longitude):
                delivery = self.delivery(latitude, longitude)
                self.assertEqual(evaluate(
                        'in_zone(dropoff.address, "centre")', delivery,
                        zones), centre)
                self.assertEqual(evaluate(
                        'in_zone(dropoff.address, "east")', delivery,
                        zones), east)
                self.assertEqual(evaluate(
                        'out_zone(dropoff.address, "centre")', delivery,
                        zones), not centre)

    def test_unknown_zone_or_address(self):
        "No coordinates or no such zone: never in, out only of no zone"
        zones = {'centre': CENTRE}
        no_address = Delivery()
        self.assertFalse(evaluate(
                'in_zone(dropoff.address, "centre")', no_address, zones))
        self.assertFalse(evaluate(
                'out_zone(dropoff.address, "centre")', no_address, zones))
        inside = self.delivery(45.76, 4.83)
        self.assertFalse(evaluate(
                'in_zone(dropoff.address, "nowhere")', inside, zones))
        self.assertTrue(evaluate(
                'out_zone(dropoff.address, "nowhere")', inside, zones))


class TimeTestCase(unittest.TestCase):

    def test_diff_hours(self):
        "Hours between the order and the end of the task's window"
        ordered = dt.datetime(2026, 3, 2, 10, 0)
        delivery = Delivery(ordered_at=ordered, dropoff=Task('dropoff',
                after=ordered + dt.timedelta(minutes=30),
                before=ordered + dt.timedelta(hours=1, minutes=30)))
        self.assertEqual(evaluate('diff_hours(dropoff)', delivery), 1.5)
        self.assertTrue(evaluate('diff_hours(dropoff, "< 2")', delivery))
        self.assertFalse(evaluate('diff_hours(dropoff, ">= 2")', delivery))
        self.assertEqual(evaluate('diff_days(dropoff)', delivery), 1)
        self.assertEqual(evaluate('time_range_length(dropoff)', delivery), 1)
        # Without a window the task is not urgent: -1 as in CoopCycle
        self.assertEqual(evaluate('diff_hours(pickup)', delivery), -1)


class StrategyTestCase(unittest.TestCase):

    rules = [
        Rule('base', '', '500'),
        Rule('long', 'distance > 3000', 'price_range(distance, 200, 1000, 3000)'),
        Rule('heavy', 'weight > 10000', '300'),
        ]

    def test_find_takes_the_first_match(self):
        rules = list(reversed(self.rules))
        cents, matched = compute(
            rules, 'find', Evaluator(), Delivery(distance=4500, weight=20000))
        self.assertEqual((cents, matched), (300, ['heavy']))
        cents, matched = compute(
            rules, 'find', Evaluator(), Delivery(distance=4500))
        self.assertEqual((cents, matched), (400, ['long']))

    def test_map_sums_every_match(self):
        cents, matched = compute(
            self.rules, 'map', Evaluator(),
            Delivery(distance=4500, weight=20000))
        self.assertEqual(cents, 500 + 400 + 300)
        self.assertEqual(matched, ['base', 'long', 'heavy'])

    def test_no_match(self):
        cents, matched = compute(
            self.rules[1:], 'map', Evaluator(), Delivery(distance=100))
        self.assertEqual((cents, matched), (None, []))

    def test_price_must_be_a_number(self):
        with self.assertRaises(PricingError) as context:
            compute([Rule('odd', '', 'vehicle')], 'find', Evaluator(),
                Delivery())
        self.assertIn('odd', str(context.exception))

    def test_to_amount(self):
        "Cents become currency amounts, rounded half to even"
        self.assertEqual(to_amount(1234), Decimal('12.34'))
        self.assertEqual(to_amount(1234.5), Decimal('12.34'))
        self.assertEqual(to_amount(1235.5), Decimal('12.36'))
