# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
import datetime as dt
import json
from decimal import Decimal

from coop_delivery.delivery import DeliveryError, TaskError
from coop_delivery.price import PriceRuleValidationError, ZoneValidationError
from trytond.model.exceptions import (
    AccessError, DomainValidationError, RequiredValidationError)
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction

from coop_tools.testing import SuiteDatabase

from .tools import (
    CENTRE, ORDERED, create_delivery, create_rule_set, create_store)


class CoopDeliveryTestCase(SuiteDatabase, CompanyTestMixin, ModuleTestCase):
    "Test the coop_delivery module"
    module = 'coop_delivery'

    @with_transaction()
    def test_delivery_defaults_and_name(self):
        "A new delivery is a draft bike delivery of the user's company"
        company = create_company()
        with set_company(company):
            delivery = create_delivery(create_store(), reference='R-17')
            self.assertEqual(delivery.state, 'draft')
            self.assertEqual(delivery.vehicle, 'bike')
            self.assertEqual(delivery.company, company)
            self.assertEqual(delivery.rec_name, 'R-17 (Le Vélo Gourmand)')
            self.assertEqual(
                [t.status for t in delivery.tasks], ['todo', 'todo'])
            Delivery = Pool().get('coop.delivery')
            self.assertEqual(
                Delivery.search([('rec_name', 'ilike', '%gourmand%')]),
                [delivery])

    @with_transaction()
    def test_negative_distance_refused(self):
        "A negative distance or weight is refused"
        company = create_company()
        with set_company(company):
            store = create_store()
            with self.assertRaises(DomainValidationError):
                create_delivery(store, distance=-1)
            with self.assertRaises(DomainValidationError):
                create_delivery(store, weight=-500)

    @with_transaction()
    def test_confirmed_order_fixed(self):
        "What a confirmed delivery was priced from is refused over RPC too"
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        Package = pool.get('coop.delivery.package')
        PackageType = pool.get('coop.delivery.package.type')
        Task = pool.get('coop.delivery.task')
        company = create_company()
        with set_company(company):
            box, = PackageType.create([{'name': 'box'}])
            delivery = create_delivery(create_store(create_rule_set()))
            Delivery.write([delivery], {'distance': 1200})
            Package.create([{'delivery': delivery.id, 'type': box.id}])
            Delivery.confirm([delivery])
            with self.assertRaises(AccessError):
                Delivery.write([delivery], {'distance': 9000})
            with self.assertRaises(AccessError):
                Package.create([{'delivery': delivery.id, 'type': box.id}])
            with self.assertRaises(AccessError):
                Package.write(list(delivery.packages), {'quantity': 5})
            with self.assertRaises(AccessError):
                Task.write([delivery.tasks[1]], {'type': 'pickup'})
            # Notes are no part of the price
            Delivery.write([delivery], {'notes': "Ring twice"})

    @with_transaction()
    def test_confirm_prices_first_match(self):
        "Confirming prices the delivery with the first matching rule"
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        company = create_company()
        with set_company(company):
            rule_set = create_rule_set()
            store = create_store(rule_set)
            short = create_delivery(store, distance=2000)
            long_ = create_delivery(store, distance=4500)
            cargo = create_delivery(store, distance=4500, vehicle='cargo_bike')
            Delivery.confirm([short, long_, cargo])
            self.assertEqual(short.state, 'confirmed')
            self.assertEqual(short.price, Decimal('6.00'))
            self.assertEqual(short.price_rules, 'Base')
            # 600 + 2 started kilometres beyond 3 km at 200
            self.assertEqual(long_.price, Decimal('10.00'))
            self.assertEqual(long_.price_rules, 'Long')
            self.assertEqual(cargo.price, Decimal('12.00'))
            self.assertEqual(cargo.price_rule_set, rule_set)
            self.assertEqual(cargo.amount, Decimal('12.00'))

    @with_transaction()
    def test_confirm_prices_sum_with_zones(self):
        "With the sum strategy every matching rule adds, zones included"
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        Zone = pool.get('coop.delivery.zone')
        company = create_company()
        with set_company(company):
            Zone.create([{'name': 'centre', 'geometry': json.dumps(CENTRE)}])
            rule_set = create_rule_set('map', [
                    ("Base", '', '500'),
                    ("Out of centre", 'out_zone(dropoff.address, "centre")',
                        '300'),
                    ("Boxes", 'packages.containsAtLeastOne("box")',
                        'packages.quantity("box") * 50'),
                    ])
            store = create_store(rule_set)
            PackageType = pool.get('coop.delivery.package.type')
            box, = PackageType.create([{'name': 'box'}])
            inside = create_delivery(store, packages=[('create', [{
                                'type': box.id, 'quantity': 3}])])
            outside = create_delivery(store, tasks=[
                    {'type': 'pickup', 'sequence': 1},
                    {'type': 'dropoff', 'sequence': 2,
                        'latitude': 45.70, 'longitude': 4.83},
                    ])
            Delivery.confirm([inside, outside])
            self.assertEqual(inside.price, Decimal('6.50'))
            self.assertEqual(inside.price_rules, 'Base, Boxes')
            self.assertEqual(outside.price, Decimal('8.00'))

    @with_transaction()
    def test_override_needs_reason(self):
        "A price can be overridden with a reason; the override is invoiced"
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        company = create_company()
        with set_company(company):
            delivery = create_delivery(create_store(create_rule_set()))
            Delivery.confirm([delivery])
            with self.assertRaises(RequiredValidationError):
                Delivery.write([delivery], {'price_override': Decimal(0)})
            Delivery.write([delivery], {
                    'price_override': Decimal(0),
                    'price_override_reason': "Late: offered",
                    })
            self.assertEqual(delivery.price, Decimal('6.00'))
            self.assertEqual(delivery.amount, Decimal(0))

    @with_transaction()
    def test_confirm_refusals(self):
        "No rule set, no matching rule or no dropoff: refused, named"
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        company = create_company()
        with set_company(company):
            bare = create_delivery(create_store(name="Sans Règles"))
            with self.assertRaises(DeliveryError) as context:
                Delivery.confirm([bare])
            self.assertIn("Sans Règles", context.exception.message)
            self.assertIn("no price rule set", context.exception.message)

            picky = create_rule_set(rules=[("Far", 'distance > 9000', '900')])
            unmatched = create_delivery(create_store(picky, "Loin"))
            with self.assertRaises(DeliveryError) as context:
                Delivery.confirm([unmatched])
            self.assertIn('"Loin"', context.exception.message)
            self.assertIn('"Standard"', context.exception.message)

            store = create_store(create_rule_set(), "Pressé")
            no_dropoff = create_delivery(
                store, tasks=[{'type': 'pickup', 'sequence': 1}])
            with self.assertRaises(DeliveryError) as context:
                Delivery.confirm([no_dropoff])
            self.assertIn("pickup followed by a dropoff",
                context.exception.message)
            reversed_ = create_delivery(store, tasks=[
                    {'type': 'dropoff', 'sequence': 1},
                    {'type': 'pickup', 'sequence': 2}])
            with self.assertRaises(DeliveryError):
                Delivery.confirm([reversed_])
            # Nothing was half-written
            self.assertEqual(
                [d.state for d in [bare, unmatched, no_dropoff, reversed_]],
                ['draft'] * 4)
            self.assertIsNone(bare.price)

    @with_transaction()
    def test_rule_expressions_checked_on_save(self):
        "A bad expression is refused on save, naming rule and position"
        pool = Pool()
        Rule = pool.get('coop.delivery.price.rule')
        company = create_company()
        with set_company(company):
            rule_set = create_rule_set()
            with self.assertRaises(PriceRuleValidationError) as context:
                Rule.create([{
                            'rule_set': rule_set.id, 'name': "Typo",
                            'condition': 'distanse > 3000', 'price': '100'}])
            message = context.exception.message
            self.assertIn('rule "Typo"', message)
            self.assertIn('"Standard"', message)
            self.assertIn('position 1', message)
            self.assertIn('unknown name "distanse"', message)
            with self.assertRaises(PriceRuleValidationError) as context:
                Rule.create([{
                            'rule_set': rule_set.id, 'name': "Half",
                            'condition': '', 'price': '100 +'}])
            self.assertIn('position 6', context.exception.message)
            self.assertIn('Price', context.exception.message)

    @with_transaction()
    def test_zone_must_be_an_area(self):
        "A zone's GeoJSON must be a valid polygon"
        Zone = Pool().get('coop.delivery.zone')
        with self.assertRaises(ZoneValidationError):
            Zone.create([{'name': 'bad', 'geometry': '{"type": "Polyg'}])
        with self.assertRaises(ZoneValidationError) as context:
            Zone.create([{'name': 'line', 'geometry': json.dumps({
                                'type': 'LineString',
                                'coordinates': [[4.8, 45.7], [4.9, 45.8]]})}])
        self.assertIn('LineString', context.exception.message)
        feature = {'type': 'Feature', 'properties': {}, 'geometry': CENTRE}
        zone, = Zone.create([{'name': 'centre',
                    'geometry': json.dumps(feature)}])
        self.assertEqual(zone.shape(), CENTRE)

    @with_transaction()
    def test_task_workflow_drives_delivery_state(self):
        "Tasks are done in order and the delivery's state follows them"
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        Task = pool.get('coop.delivery.task')
        FailureReason = pool.get('coop.delivery.failure_reason')
        company = create_company()
        with set_company(company):
            delivery = create_delivery(create_store(create_rule_set()))
            pickup, dropoff = delivery.tasks
            # Not confirmed yet: nothing to start
            with self.assertRaises(TaskError):
                Task.start([pickup])
            Delivery.confirm([delivery])

            with self.assertRaises(TaskError) as context:
                Task.complete([dropoff])
            self.assertIn("before task", context.exception.message)

            Task.start([pickup])
            self.assertEqual(Delivery(delivery.id).state, 'in_progress')
            Task.complete([pickup])
            self.assertTrue(pickup.done_at)

            with self.assertRaises(TaskError):
                Task.fail([dropoff])  # no reason given
            dropoff.failure_reason, = FailureReason.search(
                [('code', '=', 'NOT_AT_HOME')])
            dropoff.save()
            Task.fail([dropoff])
            self.assertEqual(Delivery(delivery.id).state, 'failed')

            Task.retry([dropoff])
            self.assertEqual(Delivery(delivery.id).state, 'in_progress')
            self.assertIsNone(dropoff.failure_reason)
            Task.complete([dropoff])
            self.assertEqual(Delivery(delivery.id).state, 'done')

    @with_transaction()
    def test_started_task_keeps_its_address_and_window(self):
        "Once under way, a task's address and window are fixed"
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        Task = pool.get('coop.delivery.task')
        company = create_company()
        with set_company(company):
            delivery = create_delivery(create_store(create_rule_set()))
            Delivery.confirm([delivery])
            pickup, dropoff = delivery.tasks
            # Still to do: the dispatcher may move the window
            Task.write([dropoff], {
                    'before': ORDERED + dt.timedelta(hours=2)})
            Task.start([pickup])
            with self.assertRaises(AccessError):
                Task.write([pickup], {'street': "Elsewhere"})
            Task.write([pickup], {'proof_notes': "Signed by the baker"})
            self.assertEqual(pickup.proof_notes, "Signed by the baker")

    @with_transaction()
    def test_both_tasks_completed_together(self):
        "Completing a pickup and its dropoff at once is in order"
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        Task = pool.get('coop.delivery.task')
        company = create_company()
        with set_company(company):
            delivery = create_delivery(create_store(create_rule_set()))
            Delivery.confirm([delivery])
            Task.complete(list(delivery.tasks))
            self.assertEqual(Delivery(delivery.id).state, 'done')

    @with_transaction()
    def test_dropoff_window_before_pickup_refused(self):
        "A dropoff window that ends before the pickup's starts is refused"
        company = create_company()
        with set_company(company):
            store = create_store()
            with self.assertRaises(TaskError) as context:
                create_delivery(store, tasks=[
                        {'type': 'pickup', 'sequence': 1,
                            'after': ORDERED + dt.timedelta(hours=2)},
                        {'type': 'dropoff', 'sequence': 2,
                            'before': ORDERED + dt.timedelta(hours=1)},
                        ])
            self.assertIn("before the pickup", context.exception.message)
            with self.assertRaises(DomainValidationError):
                create_delivery(store, tasks=[
                        {'type': 'pickup', 'sequence': 1,
                            'after': ORDERED + dt.timedelta(hours=2),
                            'before': ORDERED}])

    @with_transaction()
    def test_cancel_and_draft(self):
        "Cancelling cancels the open tasks; reset to draft forgets the price"
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        company = create_company()
        with set_company(company):
            delivery = create_delivery(create_store(create_rule_set()))
            Delivery.confirm([delivery])
            Delivery.cancel([delivery])
            self.assertEqual(
                [t.status for t in delivery.tasks], ['cancelled'] * 2)
            Delivery.draft([delivery])
            self.assertEqual(delivery.state, 'draft')
            self.assertEqual([t.status for t in delivery.tasks], ['todo'] * 2)
            self.assertIsNone(delivery.price)

    @with_transaction()
    def test_delete_confirmed_refused(self):
        "A confirmed delivery cannot be deleted, a cancelled one can"
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        company = create_company()
        with set_company(company):
            delivery = create_delivery(create_store(create_rule_set()))
            Delivery.confirm([delivery])
            with self.assertRaises(AccessError):
                Delivery.delete([delivery])
            Delivery.cancel([delivery])
            Delivery.delete([delivery])
            self.assertEqual(Delivery.search([]), [])


del ModuleTestCase
