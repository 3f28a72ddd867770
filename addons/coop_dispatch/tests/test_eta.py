# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"Estimated arrivals along a tour, worked by hand"
import datetime as dt
import unittest

from coop_dispatch.eta import distance, plan

NINE = dt.datetime(2026, 3, 2, 9, 0)
# Two points 0.02 degrees of longitude apart at 45.76 N: 0.02 * pi / 180 *
# 6,371,008.8 m * cos(45.76 deg) = 2223.92 * 0.697666 = 1551.5 m
A = (45.76, 4.83)
B = (45.76, 4.85)


def task(point=None, status='todo', after=None, before=None, done_at=None):
    return {'status': status, 'latitude': point[0] if point else None,
        'longitude': point[1] if point else None, 'after': after,
        'before': before, 'done_at': done_at}


class EtaTestCase(unittest.TestCase):

    def test_distance(self):
        self.assertAlmostEqual(distance(A, B), 1551.5, delta=0.5)
        self.assertEqual(distance(A, A), 0)

    def test_ride_and_stop(self):
        """At 18 km/h (5 m/s), 1551.5 m take 310 s; 3 minutes at the
        pickup: 9:00 + 3:00 + 5:10 = 9:08:10"""
        result = plan([task(A, after=NINE), task(B, after=NINE,
                    before=NINE + dt.timedelta(minutes=8))],
            18, stop=dt.timedelta(minutes=3))
        self.assertEqual(result[0], (NINE, False))
        arrival, late = result[1]
        self.assertEqual(arrival, NINE + dt.timedelta(minutes=8, seconds=10))
        # Due by 9:08: ten seconds late
        self.assertTrue(late)

    def test_waits_for_the_window(self):
        """A rider who arrives before a window opens waits: B at 9:05:10
        (no stop), its window opens at 9:30, back to A (5:10): 9:35:10"""
        half_past = NINE + dt.timedelta(minutes=30)
        result = plan([task(A, after=NINE), task(B, after=half_past),
                task(A)], 18)
        self.assertEqual(result[1][0], NINE + dt.timedelta(
                minutes=5, seconds=10))
        self.assertEqual(result[2][0], half_past + dt.timedelta(
                minutes=5, seconds=10))

    def test_done_tasks_and_now(self):
        """A task done at 9:20 counts from then: B at 9:25:10; with now
        9:40, nothing is expected before now"""
        done = NINE + dt.timedelta(minutes=20)
        tasks = [task(A, status='done', done_at=done), task(B)]
        self.assertEqual(plan(tasks, 18)[1][0],
            done + dt.timedelta(minutes=5, seconds=10))
        now = NINE + dt.timedelta(minutes=40)
        self.assertEqual(plan(tasks, 18, now=now)[1][0], now)

    def test_no_coordinates_no_window(self):
        "Without a window nor a time before it, nothing is estimated"
        self.assertEqual(plan([task(), task(B)], 15), [
                (None, False), (None, False)])
