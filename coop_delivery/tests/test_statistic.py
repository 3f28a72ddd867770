# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"Monthly figures per store and rider, with the CO2 factor of each date"
import datetime as dt
import unittest
from decimal import Decimal

from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from coop_tools.testing import activate_suite

from .tools import create_delivery, create_rule_set, create_store

FEBRUARY = dt.datetime(2026, 2, 27, 9, 0)
MARCH = dt.datetime(2026, 3, 2, 9, 0)


def kg(value):
    "The database's float division, to the gram"
    assert isinstance(value, Decimal), value
    return value.quantize(Decimal('0.0001'))


class StatisticTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_suite('coop_delivery')

    def _done(self, store, rider, ordered, distance, weight):
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        Task = pool.get('coop.delivery.task')
        Tour = pool.get('coop.delivery.tour')
        delivery = create_delivery(
            store, ordered_at=ordered, date=ordered.date(),
            distance=distance, weight=weight,
            tasks=[{'type': 'pickup', 'sequence': 1},
                {'type': 'dropoff', 'sequence': 2}])
        Delivery.confirm([delivery])
        Tour.assign(rider, ordered.date(), list(delivery.tasks))
        Task.complete(list(delivery.tasks))
        return delivery

    @with_transaction()
    def test_figures_per_store_and_rider(self):
        pool = Pool()
        Factor = pool.get('coop.delivery.co2_factor')
        StoreStatistic = pool.get('coop.delivery.statistic.store')
        RiderStatistic = pool.get('coop.delivery.statistic.rider')
        Delivery = pool.get('coop.delivery')
        company = create_company()
        with set_company(company):
            # The shipped factor (151.9 g/km) holds until March
            Factor.create([{
                        'start_date': dt.date(2026, 3, 1),
                        'grams_per_km': Decimal('200')}])
            rule_set = create_rule_set()
            bakery = create_store(rule_set, "Boulangerie")
            pharmacy = create_store(rule_set, "Pharmacie")
            awa = create_employee(company, "Awa")
            leo = create_employee(company, "Léo")
            self._done(bakery, awa, FEBRUARY, 3000, 2000)
            self._done(bakery, awa, MARCH, 2500, 1500)
            self._done(bakery, leo, MARCH, 1500, 500)
            self._done(pharmacy, leo, MARCH, 4000, 0)
            # Confirmed but not ridden: not counted
            open_ = create_delivery(pharmacy, distance=9999)
            Delivery.confirm([open_])

            rows = {(r.customer.name, r.month.index): r
                for r in StoreStatistic.search([])}
            self.assertEqual(set(rows), {
                    ("Boulangerie", 2), ("Boulangerie", 3),
                    ("Pharmacie", 3)})
            february = rows["Boulangerie", 2]
            self.assertEqual(february.year, 2026)
            self.assertEqual(february.deliveries, 1)
            self.assertIsInstance(february.distance, Decimal)
            self.assertEqual(february.distance, Decimal('3.0'))
            self.assertEqual(february.weight, Decimal('2.0'))
            # 3 km at 151.9 g/km
            self.assertEqual(kg(february.co2_avoided), Decimal('0.4557'))
            march = rows["Boulangerie", 3]
            self.assertEqual(march.deliveries, 2)
            self.assertEqual(march.distance, Decimal('4.0'))
            self.assertEqual(march.weight, Decimal('2.0'))
            # 4 km at 200 g/km
            self.assertEqual(kg(march.co2_avoided), Decimal('0.8'))

            riders = {(r.rider.party.name, r.month.index): r
                for r in RiderStatistic.search([])}
            self.assertEqual(riders["Awa", 3].deliveries, 1)
            self.assertEqual(riders["Léo", 3].deliveries, 2)
            self.assertEqual(riders["Léo", 3].distance, Decimal('5.5'))
            self.assertEqual(kg(riders["Léo", 3].co2_avoided), Decimal('1.1'))

    @with_transaction()
    def test_month_boundary(self):
        """A delivery on a month's last day and one on the next month's
        first day count in their own months, searched by year and month
        (a date range on the deliveries) as by the whole list"""
        pool = Pool()
        StoreStatistic = pool.get('coop.delivery.statistic.store')
        RiderStatistic = pool.get('coop.delivery.statistic.rider')
        company = create_company()
        with set_company(company):
            rule_set = create_rule_set()
            bakery = create_store(rule_set, "Boulangerie")
            awa = create_employee(company, "Awa")
            # 31 March, late, then 1 April at dawn; and a December one
            # (its next month is January of the next year)
            self._done(bakery, awa, dt.datetime(2026, 3, 31, 23, 0), 1000, 0)
            self._done(bakery, awa, dt.datetime(2026, 4, 1, 0, 30), 2000, 0)
            self._done(bakery, awa, dt.datetime(2026, 4, 1, 9, 0), 4000, 0)
            self._done(bakery, awa, dt.datetime(2026, 12, 31, 20, 0), 500, 0)

            def month(Statistic, year, index):
                return [(r.month.index, r.deliveries, r.distance)
                    for r in Statistic.search([
                            ('year', '=', year),
                            ('month.index', '=', index)])]
            for Statistic in [StoreStatistic, RiderStatistic]:
                with self.subTest(model=Statistic.__name__):
                    # March: 1 km; April: 2 + 4 = 6 km
                    self.assertEqual(month(Statistic, 2026, 3),
                        [(3, 1, Decimal('1.0'))])
                    self.assertEqual(month(Statistic, 2026, 4),
                        [(4, 2, Decimal('6.0'))])
                    self.assertEqual(month(Statistic, 2026, 12),
                        [(12, 1, Decimal('0.5'))])
                    self.assertEqual(month(Statistic, 2026, 5), [])
                    self.assertEqual(month(Statistic, 2027, 1), [])
                    # The same rows from the whole list, and by the month's
                    # record and the year alone
                    self.assertEqual(
                        sorted((r.month.index, r.deliveries)
                            for r in Statistic.search([])),
                        [(3, 1), (4, 2), (12, 1)])
                    april, = Statistic.search([
                            ('year', '=', 2026),
                            ('month', '=', StoreStatistic.search([
                                        ('month.index', '=', 4)],
                                    )[0].month.id)])
                    self.assertEqual(april.deliveries, 2)
                    self.assertEqual(Statistic.search(
                            [('year', '=', 2026)], count=True), 3)
                    self.assertEqual(Statistic.search(
                            [('year', '=', 2025)], count=True), 0)
