# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""A week's schedule filled with riders, the planned and worked hours of a
month, a store's round making the day's tour

The coop, its riders, a zone and two stores are committed once for the
class; each test works in a transaction rolled back."""
import datetime as dt
import json
import unittest
from decimal import Decimal

from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from coop_delivery.tests.tools import (
    CENTRE, create_delivery, create_rule_set, create_store)
from coop_tools.testing import activate_suite, commit_setup

# Monday 2 March 2026 (1 March 2026 is a Sunday)
MONDAY = dt.date(2026, 3, 2)
T = dt.time


def tasks(day, hour, minute=0):
    "A pickup opening at hour:minute on day, its dropoff within the hour"
    after = dt.datetime.combine(day, T(hour, minute))
    return [
        {'type': 'pickup', 'sequence': 1, 'after': after,
            'before': after + dt.timedelta(minutes=30),
            'latitude': 45.76, 'longitude': 4.83},
        {'type': 'dropoff', 'sequence': 2, 'after': after,
            'before': after + dt.timedelta(hours=1),
            'latitude': 45.76, 'longitude': 4.85},
        ]


class ScheduleTestCase(unittest.TestCase):
    """Schedules, planned hours and rounds (Tryton's generic module tests
    run in test_board's ModuleTestCase, once)"""

    @classmethod
    def setUpClass(cls):
        activate_suite('coop_dispatch')
        data = {}
        commit_setup(lambda: data.update(cls.populate()) or {})
        cls.data = data

    @classmethod
    def populate(cls):
        pool = Pool()
        Zone = pool.get('coop.delivery.zone')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        company = create_company("Coop Planning")
        data = {'company': company.id}
        with set_company(company):
            for name in ["Awa Diallo", "Léo Martin", "Inès Benali",
                    "Zoé Petit"]:
                data[name.split()[0].lower()] = create_employee(
                    company, name).id
            zone, = Zone.create([{
                        'name': "Centre", 'geometry': json.dumps(CENTRE)}])
            data['zone'] = zone.id
            rule_set = create_rule_set()
            data['store'] = create_store(rule_set).id
            data['other_store'] = create_store(
                rule_set, name="La Cantine").id
        user, = User.create([{
                    'name': 'planner', 'login': 'planner',
                    'company': company.id,
                    'companies': [('add', [company.id])],
                    'groups': [('add', [ModelData.get_id(
                                    'coop_delivery', 'group_delivery')])],
                    }])
        data['user'] = user.id
        return data

    def company(self):
        return Pool().get('company.company')(self.data['company'])

    def employee(self, name):
        return Pool().get('company.employee')(self.data[name])

    def as_planner(self):
        "The dispatcher, whose warnings are raised (root's are not)"
        return Transaction().set_user(self.data['user'])

    @with_transaction()
    def test_schedule(self):
        """Slots from the templates, published then fixed; riders placed,
        one too many warned, a rider in two overlapping slots refused;
        reopened saying why, as the next version"""
        from coop_dispatch.exceptions import (
            ScheduleError, ShiftError, SlotOverfilledWarning)
        pool = Pool()
        Template = pool.get('coop.dispatch.shift.template')
        Schedule = pool.get('coop.dispatch.schedule')
        Slot = pool.get('coop.dispatch.schedule.slot')
        Shift = pool.get('coop.dispatch.shift')
        Warning = pool.get('res.user.warning')
        awa, leo, ines = (self.employee(n) for n in ['awa', 'léo', 'inès'])
        with set_company(self.company()), self.as_planner():
            Template.create([
                    {'weekday': '0', 'start': T(11), 'end': T(14),
                        'zone': self.data['zone'], 'wanted': 2},
                    {'weekday': '0', 'start': T(12), 'end': T(15),
                        'wanted': 1},
                    {'weekday': '2', 'start': T(18), 'end': T(22),
                        'wanted': 1},
                    # No longer ridden: not in new schedules
                    {'weekday': '4', 'start': T(8), 'end': T(9),
                        'active': False},
                    ])
            # Any day of the week: its Monday
            schedule, = Schedule.create([{'week': MONDAY + dt.timedelta(2)}])
            self.assertEqual(schedule.week, MONDAY)
            self.assertEqual(schedule.rec_name,
                "Week of 2026-03-02 (version 1)")
            Schedule.fill_from_templates([schedule])
            Schedule.fill_from_templates([schedule])
            lunch, noon, evening = schedule.slots
            self.assertEqual(
                [(s.date, s.start, s.end, s.wanted) for s in schedule.slots],
                [(MONDAY, T(11), T(14), 2), (MONDAY, T(12), T(15), 1),
                    (MONDAY + dt.timedelta(2), T(18), T(22), 1)])
            self.assertEqual(lunch.zone.id, self.data['zone'])
            self.assertEqual(schedule.wanted, 4)
            Schedule.publish([schedule])
            self.assertEqual(schedule.state, 'published')

            # Published: its slots are fixed
            for change in [
                    lambda: Slot.write([lunch], {'wanted': 3}),
                    lambda: Slot.delete([evening]),
                    ]:
                with self.subTest(change=change):
                    with self.assertRaises(ScheduleError) as cm:
                        change()
                    self.assertIn("is published", cm.exception.message)
            with self.assertRaises(ScheduleError):
                Schedule.reopen([schedule])

            # The dispatcher fills the slots: shifts on their hours
            Slot.fill(lunch, [awa, leo])
            shifts = Shift.search([('slot', '=', lunch.id)],
                order=[('rider.party.name', 'ASC')])
            self.assertEqual(
                [(s.rider, s.date, s.start, s.end, s.zone.id)
                    for s in shifts],
                [(awa, MONDAY, T(11), T(14), self.data['zone']),
                    (leo, MONDAY, T(11), T(14), self.data['zone'])])
            self.assertEqual(Shift.of_day(MONDAY, [awa.id, ines.id]), (
                    {awa.id: [(T(11), T(14))], ines.id: []}, True))
            # A third rider where two are wanted: warned, then placed
            with self.assertRaises(SlotOverfilledWarning) as cm:
                Slot.fill(lunch, [ines])
            self.assertIn("wants 2 riders and would have 3",
                cm.exception.message)
            Warning.skip(cm.exception.name)
            Slot.fill(lunch, [ines])
            self.assertEqual(Slot(lunch.id).filled, 3)

            # Reopened, saying why: version 2, its history kept
            Schedule.write([schedule], {'reason': "Rain on Wednesday"})
            Schedule.reopen([schedule])
            self.assertEqual(
                (schedule.state, schedule.version, schedule.reason),
                ('draft', 2, None))
            self.assertIn("Version 1 reopened", schedule.history)
            self.assertIn("Rain on Wednesday", schedule.history)
            # Now a slot moves, and its riders' shifts with it
            Slot.write([lunch], {'start': T(11, 30)})
            self.assertEqual(
                {s.start for s in Shift.search([('slot', '=', lunch.id)])},
                {T(11, 30)})
            Schedule.publish([schedule])
            self.assertEqual(schedule.rec_name,
                "Week of 2026-03-02 (version 2)")

            # Refused last (the rows are written before their check; the
            # transaction of a refusal is rolled back whole, not this one)
            # Awa, 11:30-14:00, cannot also ride 12:00-15:00
            with self.assertRaises(ShiftError) as cm:
                Slot.fill(noon, [awa])
            self.assertIn("overlaps", cm.exception.message)
            # A shift keeps its slot's hours
            with self.assertRaises(ShiftError) as cm:
                Shift.write([shifts[0]], {'start': T(10)})
            self.assertIn("must keep the hours of its slot",
                cm.exception.message)
            Schedule.write([schedule], {'reason': "One more slot"})
            Schedule.reopen([schedule])
            Schedule.publish([schedule])
            with self.assertRaises(ScheduleError) as cm:
                Slot.create([{'schedule': schedule.id, 'date': MONDAY,
                            'start': T(8), 'end': T(10)}])
            self.assertIn("is published", cm.exception.message)

    def shift(self, rider, day, start, end):
        return {'rider': self.data[rider], 'date': day, 'start': start,
            'end': end}

    def timesheet(self, rider, day, hours, minutes=0):
        pool = Pool()
        Configuration = pool.get('coop.delivery.configuration')
        return {'employee': self.data[rider], 'date': day,
            'company': self.data['company'],
            'work': Configuration.get_timesheet_work(self.company()).id,
            'duration': dt.timedelta(hours=hours, minutes=minutes)}

    def month_data(self):
        """Shifts and timesheet lines around March 2026, whose payroll
        weeks run from Monday 23 February to Sunday 29 March (the weeks
        whose Sunday is in March, coop_payroll/hours.py)"""
        pool = Pool()
        Shift = pool.get('coop.dispatch.shift')
        Line = pool.get('timesheet.line')
        Shift.create([
                # Awa: 4 h + 3 h in March's weeks; 30 March is April's
                self.shift('awa', dt.date(2026, 2, 23), T(10), T(14)),
                self.shift('awa', MONDAY, T(11), T(14)),
                self.shift('awa', dt.date(2026, 3, 30), T(8), T(12)),
                # Léo: 4 h + 3 h 30
                self.shift('léo', dt.date(2026, 3, 4), T(18), T(22)),
                self.shift('léo', dt.date(2026, 3, 5), T(18), T(21, 30)),
                # Before the month's first week
                self.shift('léo', dt.date(2026, 2, 22), T(18), T(22)),
                ])
        Line.create([
                # Awa: 2 h 30 + 4 h; 31 March is April's
                self.timesheet('awa', dt.date(2026, 2, 24), 2, 30),
                self.timesheet('awa', dt.date(2026, 3, 10), 4),
                self.timesheet('awa', dt.date(2026, 3, 31), 3),
                # Inès rode without a shift: 2 h
                self.timesheet('inès', dt.date(2026, 3, 3), 2),
                ])

    @with_transaction()
    def test_planned_worked(self):
        """March 2026: Awa planned 4 + 3 = 7 h, worked 2.5 + 4 = 6.5 h (gap
        -0.5); Léo planned 4 + 3.5 = 7.5 h, worked none (-7.5); Inès
        planned none, worked 2 h (+2); Zoé, neither, is not listed;
        together 14.5 planned, 8.5 worked, gap -6"""
        from coop_dispatch.hours import planned_worked
        pool = Pool()
        Hours = pool.get('coop.dispatch.hours', type='wizard')
        with set_company(self.company()):
            self.month_data()
            rows = planned_worked(self.company(), dt.date(2026, 3, 1))
            self.assertEqual(
                [(r.rec_name, p, w, s) for r, p, w, s in rows], [
                    ("Awa Diallo", Decimal('7.00'), Decimal('6.50'),
                        'timesheet'),
                    ("Inès Benali", Decimal('0.00'), Decimal('2.00'),
                        'timesheet'),
                    ("Léo Martin", Decimal('7.50'), Decimal('0'), None),
                    ])
            with self.as_planner():
                session_id, _, _ = Hours.create()
                hours = Hours(session_id)
                hours.start.month = dt.date(2026, 3, 17)
                result = hours.default_result(None)
            self.assertEqual((result['first'], result['last']),
                (dt.date(2026, 2, 23), dt.date(2026, 3, 29)))
            self.assertEqual(
                [(l['planned'], l['worked'], l['gap'])
                    for l in result['lines']], [
                    (Decimal('7.00'), Decimal('6.50'), Decimal('-0.50')),
                    (Decimal('0.00'), Decimal('2.00'), Decimal('2.00')),
                    (Decimal('7.50'), Decimal('0'), Decimal('-7.50')),
                    ])
            self.assertEqual(
                (result['planned'], result['worked'], result['gap']),
                (Decimal('14.50'), Decimal('8.50'), Decimal('-6.00')))

    @with_transaction()
    def test_planned_imported(self):
        """With coop_payroll, a month's imported hours are what payroll
        reads, rather than the timesheet lines: Awa's 6.5 h become the
        7.25 h CoopCycle counted"""
        from coop_dispatch.hours import planned_worked
        pool = Pool()
        try:
            MonthlyHours = pool.get('coop.payroll.monthly_hours')
        except KeyError:
            self.skipTest("coop_payroll is not activated")
        with set_company(self.company()):
            self.month_data()
            MonthlyHours.create([{
                        'employee': self.data['awa'],
                        'month': dt.date(2026, 3, 1),
                        'worked_hours': Decimal('7.25')}])
            with self.as_planner():
                rows = planned_worked(self.company(), dt.date(2026, 3, 1))
            self.assertEqual(rows[0][1:],
                (Decimal('7.00'), Decimal('7.25'), 'imported'))

    @with_transaction()
    def test_round(self):
        """The lunch round of the store, Mondays and Wednesdays 11:00 to
        14:00 with Zoé, makes Monday's tour of its open deliveries of that
        window, in riding order; a delivery confirmed later joins it; a
        round without a rider, its store without a default one, makes
        none"""
        from coop_dispatch.exceptions import RoundError
        pool = Pool()
        Round = pool.get('coop.dispatch.round')
        Delivery = pool.get('coop.delivery')
        Party = pool.get('party.party')
        store = Party(self.data['store'])
        other = Party(self.data['other_store'])
        zoe = self.employee('zoé')
        with set_company(self.company()):
            lunch, = Round.create([{
                        'name': "Tournée du midi", 'store': store.id,
                        'weekdays': ['0', '2'], 'start': T(11),
                        'end': T(14), 'rider': zoe.id}])
            with self.assertRaises(RoundError):
                Round.create([{'name': "Never", 'store': store.id,
                            'weekdays': ['1'], 'start': T(14),
                            'end': T(11)}])

            def delivery(reference, hour, minute=0, customer=store):
                return create_delivery(customer, reference=reference,
                    date=MONDAY, tasks=tasks(MONDAY, hour, minute))
            late = delivery('LATE', 12, 15)
            early = delivery('EARLY', 11, 30)
            afternoon = delivery('AFTERNOON', 15)
            elsewhere = delivery('ELSEWHERE', 12, customer=other)
            draft = delivery('DRAFT', 11, 45)
            Delivery.confirm([late, early, afternoon, elsewhere])

            # Tuesday: the round does not run
            self.assertEqual(Round.create_tours(
                    [lunch], MONDAY + dt.timedelta(1)), ([], []))
            (tour,), unstaffed = Round.create_tours([lunch], MONDAY)
            self.assertEqual(unstaffed, [])
            self.assertEqual((tour.rider, tour.date, tour.round),
                (zoe, MONDAY, lunch))
            self.assertEqual(tour.rec_name,
                "Tournée du midi (Zoé Petit 2026-03-02)")
            # By window: the 11:30 delivery, then the 12:15 one
            self.assertEqual([t.delivery.reference for t in tour.tasks],
                ['EARLY', 'EARLY', 'LATE', 'LATE'])
            self.assertIsNone(afternoon.tour)
            self.assertIsNone(elsewhere.tour)
            # Confirmed later, within the window: it joins the round
            Delivery.confirm([draft])
            self.assertEqual(Delivery(draft.id).tour, tour)
            # Again: nothing twice
            Round.create_tours([lunch], MONDAY)
            self.assertEqual(len(tour.tasks), 6)

            # No rider, no default rider: left to the dispatcher
            store_round, = Round.create([{
                        'name': "Cantine", 'store': other.id,
                        'weekdays': ['0'], 'start': T(11), 'end': T(14)}])
            self.assertEqual(Round.create_tours([store_round], MONDAY),
                ([], [store_round]))
            # The store's default rider rides it
            Party.write([other], {'delivery_default_rider': zoe.id})
            (tour2,), _ = Round.create_tours([store_round], MONDAY)
            self.assertEqual(tour2, tour)
            self.assertEqual(Delivery(elsewhere.id).tour, tour)

