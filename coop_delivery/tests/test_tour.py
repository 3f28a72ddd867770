# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"Human dispatch: tours, their order, default riders and riders' time"
import datetime as dt
import unittest

from coop_delivery.tour import TourError, WindowWarning
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from coop_tools.testing import activate_suite
from trytond.transaction import Transaction

from .tools import ORDERED, create_delivery, create_rule_set, create_store


class TourTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_suite('coop_delivery')

    def _confirmed(self, store, count=1, **values):
        Delivery = Pool().get('coop.delivery')
        deliveries = [create_delivery(store, **values) for _ in range(count)]
        Delivery.confirm(deliveries)
        return deliveries

    @with_transaction()
    def test_assign_appends_to_the_day_tour(self):
        "Assigning makes one tour per rider and day, tasks in order"
        pool = Pool()
        Tour = pool.get('coop.delivery.tour')
        company = create_company()
        with set_company(company):
            rider = create_employee(company, "Awa Diallo")
            store = create_store(create_rule_set())
            first, second = self._confirmed(store, 2)
            tour = Tour.assign(rider, ORDERED.date(), list(first.tasks))
            same = Tour.assign(rider, ORDERED.date(), list(second.tasks))
            self.assertEqual(tour, same)
            tour = Tour(tour.id)
            self.assertEqual(
                [t.id for t in tour.tasks],
                [t.id for t in first.tasks + second.tasks])
            self.assertEqual(
                [t.tour_sequence for t in tour.tasks], [1, 2, 3, 4])
            self.assertEqual(first.tasks[0].rider, rider)
            other_day = Tour.assign(
                rider, ORDERED.date() + dt.timedelta(days=1),
                [second.tasks[1]])
            self.assertNotEqual(other_day, tour)
            self.assertEqual(len(Tour(tour.id).tasks), 3)

    @with_transaction()
    def test_assign_wizard_from_deliveries(self):
        "The wizard assigns every open task of the chosen deliveries"
        pool = Pool()
        Assign = pool.get('coop.delivery.assign', type='wizard')
        Delivery = pool.get('coop.delivery')
        Tour = pool.get('coop.delivery.tour')
        company = create_company()
        with set_company(company):
            rider = create_employee(company, "Léo Martin")
            deliveries = self._confirmed(create_store(create_rule_set()), 2)
            session_id, _, _ = Assign.create()
            with Transaction().set_context(
                    active_model='coop.delivery',
                    active_ids=[d.id for d in deliveries],
                    active_id=deliveries[0].id):
                wizard = Assign(session_id)
                defaults = wizard.default_start(None)
                self.assertEqual(defaults['date'], ORDERED.date())
                wizard.start.rider = rider
                wizard.start.date = defaults['date']
                self.assertEqual(wizard.transition_assign(), 'open_')
                # The feedback: the tour opens, its form first
                action, _ = wizard.do_open_({
                        'views': [(1, 'tree'), (2, 'form')]})
            tour, = Tour.search([('rider', '=', rider.id)])
            self.assertEqual(action['res_id'], [tour.id])
            self.assertEqual(action['views'][0], (2, 'form'))
            self.assertEqual(len(tour.tasks), 4)
            self.assertTrue(all(t.rider == rider
                    for d in Delivery.browse(deliveries) for t in d.tasks))

    @with_transaction()
    def test_reorder_that_breaks_windows_warns(self):
        "A dispatcher's order that cannot keep the windows warns, once"
        pool = Pool()
        Tour = pool.get('coop.delivery.tour')
        Warning = pool.get('res.user.warning')
        company = create_company()
        with set_company(company):
            rider = create_employee(company)
            store = create_store(create_rule_set())
            early, = self._confirmed(store, reference='EARLY')
            late, = self._confirmed(store, reference='LATE', tasks=[
                    {'type': 'pickup', 'sequence': 1,
                        'after': ORDERED + dt.timedelta(hours=3)},
                    {'type': 'dropoff', 'sequence': 2,
                        'after': ORDERED + dt.timedelta(hours=3),
                        'before': ORDERED + dt.timedelta(hours=4)},
                    ])
            tour = Tour.assign(rider, ORDERED.date(),
                list(early.tasks) + list(late.tasks))
            self.assertEqual(tour.window_problems(), [])

            # Drag the late pickup to the top: the early dropoff, due by
            # 10:00, now comes after a pickup that opens at 12:00
            with self.assertRaises(WindowWarning) as context:
                Tour.write([tour], {'tasks': [
                            ('write', [late.tasks[0].id], {
                                    'tour_sequence': 0})]})
            message = context.exception.message
            self.assertIn(early.tasks[1].rec_name, message)
            self.assertIn(late.tasks[0].rec_name, message)
            # The dispatcher confirms the warning: that order stands
            Warning.create([{
                        'user': Transaction().user,
                        'name': context.exception.name,
                        'always': False}])
            Tour.check_windows([Tour(tour.id)])
            self.assertEqual(Tour(tour.id).tasks[0], late.tasks[0])

            # Another order warns again: a dropoff before its own pickup
            with self.assertRaises(WindowWarning) as context:
                Tour.write([tour], {'tasks': [
                            ('write', [early.tasks[1].id], {
                                    'tour_sequence': -1})]})
            self.assertIn("comes before its pickup", context.exception.message)

    @with_transaction()
    def test_default_rider_on_confirm(self):
        "A store's default rider gets its deliveries when they are confirmed"
        pool = Pool()
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            rider = create_employee(company, "Inès Benali")
            store = create_store(create_rule_set())
            Party.write([store], {'delivery_default_rider': rider.id})
            delivery, = self._confirmed(store)
            self.assertEqual({t.rider for t in delivery.tasks}, {rider})
            self.assertEqual(delivery.tasks[0].tour.date, delivery.date)

    @with_transaction()
    def test_over_task_cannot_be_assigned(self):
        pool = Pool()
        Task = pool.get('coop.delivery.task')
        Tour = pool.get('coop.delivery.tour')
        company = create_company()
        with set_company(company):
            rider = create_employee(company)
            delivery, = self._confirmed(create_store(create_rule_set()))
            Task.complete([delivery.tasks[0]])
            with self.assertRaises(TourError):
                Tour.assign(rider, ORDERED.date(), [delivery.tasks[0]])

    @with_transaction()
    def test_worked_time_becomes_a_timesheet_line(self):
        "From first start to last done, breaks deducted, one line a tour"
        pool = Pool()
        Task = pool.get('coop.delivery.task')
        Tour = pool.get('coop.delivery.tour')
        Line = pool.get('timesheet.line')
        company = create_company()
        with set_company(company):
            rider = create_employee(company, "Tom Rousseau")
            first, second = self._confirmed(
                create_store(create_rule_set()), 2)
            tasks = list(first.tasks) + list(second.tasks)
            tour = Tour.assign(rider, ORDERED.date(), tasks)
            Task.start(tasks[:1])
            self.assertEqual(Line.search([]), [])  # not over yet
            Task.complete(tasks)

            # The clock of the test is now: set the times the rider rode
            Task.write([tasks[0]], {
                    'started_at': ORDERED,
                    'done_at': ORDERED + dt.timedelta(minutes=20)})
            Task.write(tasks[1:], {
                    'done_at': ORDERED + dt.timedelta(hours=2, minutes=30)})
            Tour.write([tour], {'breaks': dt.timedelta(minutes=15)})
            Tour.record_time([tour])
            line, = Line.search([])
            self.assertEqual(line.employee, rider)
            self.assertEqual(line.date, ORDERED.date())
            self.assertEqual(line.duration, dt.timedelta(hours=2, minutes=15))

            # A correction updates the same line
            Tour.write([tour], {'breaks': dt.timedelta(minutes=30)})
            Tour.record_time([tour])
            line, = Line.search([])
            self.assertEqual(line.duration, dt.timedelta(hours=2))
            self.assertEqual(Tour(tour.id).timesheet_line, line)


    def _windowed(self, store, reference, pickup, dropoff):
        "A confirmed delivery whose windows are (after, before) in minutes"
        def at(minutes):
            return ORDERED + dt.timedelta(minutes=minutes) if (
                minutes is not None) else None
        delivery, = self._confirmed(store, reference=reference, tasks=[
                {'type': 'pickup', 'sequence': 1,
                    'after': at(pickup[0]), 'before': at(pickup[1])},
                {'type': 'dropoff', 'sequence': 2,
                    'after': at(dropoff[0]), 'before': at(dropoff[1])},
                ])
        return delivery

    @with_transaction()
    def test_batch_assign_orders_by_window(self):
        """Assigning several deliveries at once rides them by window, each
        pickup before its dropoff, whatever order they were chosen in"""
        pool = Pool()
        Assign = pool.get('coop.delivery.assign', type='wizard')
        Tour = pool.get('coop.delivery.tour')
        company = create_company()
        with set_company(company):
            rider = create_employee(company, "Awa Diallo")
            store = create_store(create_rule_set())
            # LATE: 10:00-10:30 then 10:00-11:00; EARLY: 9:00-9:20 then
            # 9:00-9:45 (minutes after 9:00)
            late = self._windowed(store, 'LATE', (60, 90), (60, 120))
            early = self._windowed(store, 'EARLY', (0, 20), (0, 45))
            session_id, _, _ = Assign.create()
            with Transaction().set_context(
                    active_model='coop.delivery',
                    active_ids=[late.id, early.id], active_id=late.id):
                wizard = Assign(session_id)
                wizard.start.rider = rider
                wizard.start.date = ORDERED.date()
                wizard.transition_assign()
            tour, = Tour.search([('rider', '=', rider.id)])
            self.assertEqual([t.rec_name for t in tour.tasks],
                [t.rec_name for t in early.tasks + late.tasks])

    @with_transaction()
    def test_batch_order_keeps_pickup_first(self):
        """A dropoff whose window opens before its pickup's is ridden after
        it: DROP's dropoff (9:00-11:00) sorts first by window, its pickup
        (9:50-10:30) comes forward; SOON's (9:20-9:40, 9:20-10:00) after"""
        pool = Pool()
        Tour = pool.get('coop.delivery.tour')
        company = create_company()
        with set_company(company):
            store = create_store(create_rule_set())
            drop = self._windowed(store, 'DROP', (50, 90), (0, 120))
            soon = self._windowed(store, 'SOON', (20, 40), (20, 60))
            tasks = list(soon.tasks) + list(drop.tasks)
            self.assertEqual(Tour.riding_order(tasks),
                list(drop.tasks) + list(soon.tasks))
            # Tasks without a window come last, in their delivery's order
            loose = self._windowed(
                store, 'LOOSE', (None, None), (None, None))
            self.assertEqual(
                Tour.riding_order(list(loose.tasks) + tasks)[-2:],
                list(loose.tasks))

    @with_transaction()
    def test_delivery_shows_rider_and_tour(self):
        "A delivery's form shows the tour its tasks are in and its rider"
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        Tour = pool.get('coop.delivery.tour')
        company = create_company()
        with set_company(company):
            rider = create_employee(company, "Léo Martin")
            delivery, = self._confirmed(create_store(create_rule_set()))
            self.assertIsNone(Delivery(delivery.id).rider)
            tour = Tour.assign(rider, ORDERED.date(), list(delivery.tasks))
            delivery = Delivery(delivery.id)
            self.assertEqual(delivery.tour, tour)
            self.assertEqual(delivery.rider, rider)

    @with_transaction()
    def test_tour_tasks_show_place_and_contact(self):
        """A tour's tasks say where to go: the store and its street at a
        pickup, the address at a dropoff; and whom to ask for"""
        pool = Pool()
        Task = pool.get('coop.delivery.task')
        company = create_company()
        with set_company(company):
            store = create_store(create_rule_set(), name="Boulangerie Lumière",
                addresses=[{'street': "3 rue Paul Bert",
                        'postal_code': '69003', 'city': "Lyon"}])
            delivery, = self._confirmed(store, tasks=[
                    {'type': 'pickup', 'sequence': 1,
                        'address': store.addresses[0].id},
                    {'type': 'dropoff', 'sequence': 2,
                        'street': "12 quai Perrache", 'city': "Lyon",
                        'contact': "Mme Roux 06 12 34 56 78"},
                    ])
            pickup, dropoff = Task.browse(delivery.tasks)
            self.assertEqual(pickup.place,
                "Boulangerie Lumière, 3 rue Paul Bert 69003 Lyon")
            self.assertEqual(dropoff.place, "12 quai Perrache Lyon")
            self.assertEqual(dropoff.contact, "Mme Roux 06 12 34 56 78")
