# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"Imports, the API connector and the webhook, in the suite's database"
import datetime as dt
import json
from decimal import Decimal

from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, create_employee, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction

from coop_coopcycle.coopcycle import CoopCycleError, import_data
from coop_coopcycle.loader import ImportRefused
from coop_delivery.tests.tools import setup_invoicing
from coop_tools.testing import SuiteDatabase

from .test_formats import PAYROLL
from .tools import (
    FakeCoopCycle, api_delivery, delivery_rows, task_row, to_csv)

MARCH = dt.date(2026, 3, 1)


def setup_coop(company):
    "Riders with their CoopCycle usernames, a store, the delivery product"
    pool = Pool()
    Employee = pool.get('company.employee')
    Party = pool.get('party.party')
    setup_invoicing(company)
    company.timezone = 'Europe/Paris'
    company.save()
    riders = []
    for name, username in [("Awa Diallo", 'awa'), ("Noé Martin", 'noe')]:
        employee = create_employee(company, name)
        employee.coopcycle_username = username
        riders.append(employee)
    Employee.save(riders)
    bakery, = Party.create([
            {'name': "Bakery", 'addresses': [('create', [{}])]}])
    return riders, bakery


def counts():
    pool = Pool()
    return tuple(pool.get(m).search_count([]) for m in [
            'coop.delivery', 'coop.delivery.task', 'coop.delivery.tour',
            'party.party', 'coop.payroll.monthly_hours'])


class CoopCycleTestCase(SuiteDatabase, CompanyTestMixin, ModuleTestCase):
    "CoopCycle's exports, API and webhooks"
    module = 'coop_coopcycle'

    @with_transaction()
    def test_task_export_import_and_reimport(self):
        """Tasks become deliveries with their tours and untaxed prices; the
        same file again changes nothing; a newer export updates"""
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        Party = pool.get('party.party')
        Task = pool.get('coop.delivery.task')
        Tour = pool.get('coop.delivery.tour')
        company = create_company()
        with set_company(company):
            (awa, noe), bakery = setup_coop(company)
            rows = (delivery_rows(101, 55, total='14.40')
                + delivery_rows(103, 56, total='', dropoff='FAILED',
                    courier='noe',
                    **{'event.FAILED.notes': "Nobody home"})
                + delivery_rows(105, 57, total='6.00', pickup='TODO',
                    dropoff='TODO', organization="Café Vélo",
                    courier='')
                + delivery_rows(109, 59, organization='FOURNIL-69'))
            # A store known to CoopCycle by another name
            fournil, = Party.create([{'name': "Le Fournil",
                        'coopcycle_organization': 'FOURNIL-69'}])
            Party.create([{'name': 'FOURNIL-69'}])
            data = to_csv(rows)
            summary = import_data(company, data)
            self.assertEqual(
                (summary.deliveries_created, summary.tasks_created,
                    summary.tours_created, summary.stores_created),
                (4, 8, 2, ["Café Vélo"]))
            fourth, = Delivery.search([('coopcycle_order', '=', 'ORD59')])
            self.assertEqual(fourth.customer, fournil)

            first, = Delivery.search([('coopcycle_order', '=', 'ORD55')])
            self.assertEqual(first.customer, bakery)
            self.assertEqual(first.state, 'done')
            # 14.40 with 20 % VAT is 12.00 without
            self.assertEqual(first.price, Decimal('12.00'))
            self.assertEqual(first.amount, Decimal('12.00'))
            self.assertEqual(first.distance, 2400)
            self.assertEqual(first.date, dt.date(2026, 3, 2))
            pickup, dropoff = first.tasks
            self.assertEqual(pickup.coopcycle_key, '/api/tasks/101')
            self.assertEqual((pickup.type, dropoff.type),
                ('pickup', 'dropoff'))
            # Paris is UTC+1 in March: 09:00 there is 08:00 UTC
            self.assertEqual(pickup.after, dt.datetime(2026, 3, 2, 8, 0))
            self.assertEqual(dropoff.done_at, dt.datetime(2026, 3, 2, 8, 40))
            self.assertEqual(pickup.tour.rider, awa)
            # Awa's tour of the day, in the order of the windows
            self.assertEqual([t.coopcycle_key for t in pickup.tour.tasks], [
                    '/api/tasks/101', '/api/tasks/109', '/api/tasks/102',
                    '/api/tasks/110'])
            self.assertEqual([t.tour_sequence for t in pickup.tour.tasks],
                [1, 2, 3, 4])

            second, = Delivery.search([('coopcycle_order', '=', 'ORD56')])
            self.assertEqual(second.state, 'failed')
            self.assertEqual(second.tasks[1].incident, "Nobody home")
            self.assertEqual(second.tasks[0].rider, noe)
            # No order total: no price from CoopCycle
            self.assertIsNone(second.price)
            third, = Delivery.search([('coopcycle_order', '=', 'ORD57')])
            self.assertEqual(third.state, 'confirmed')
            self.assertEqual(third.customer.coopcycle_organization,
                "Café Vélo")
            self.assertEqual(third.price, Decimal('5.00'))
            self.assertFalse(any(t.tour for t in third.tasks))

            before = counts()
            again = import_data(company, data)
            self.assertEqual(counts(), before)
            self.assertEqual(
                (again.deliveries_created, again.deliveries_updated,
                    again.tasks_created, again.tasks_updated,
                    again.unchanged),
                (0, 0, 0, 0, 8))

            # A later export: ORD57 ridden by Noé, and a new order
            newer = to_csv(
                delivery_rows(105, 57, total='6.00', courier='noe',
                    organization="Café Vélo")
                + delivery_rows(107, 58))
            summary = import_data(company, newer)
            self.assertEqual(
                (summary.deliveries_created, summary.deliveries_updated,
                    summary.tasks_created, summary.tasks_updated),
                (1, 1, 2, 2))
            self.assertEqual(Delivery.search_count([]), 5)
            third = Delivery(third.id)
            self.assertEqual(third.state, 'done')
            self.assertEqual({t.rider for t in third.tasks}, {noe})
            self.assertEqual(Task.search_count(
                    [('coopcycle_key', '=', '/api/tasks/105')]), 1)
            self.assertEqual(Tour.search_count([]), 2)

    @with_transaction()
    def test_invoiced_price_is_kept(self):
        "An invoiced delivery keeps its price when CoopCycle's changes"
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        company = create_company()
        with set_company(company):
            setup_coop(company)
            import_data(company, to_csv(delivery_rows(1, 1, total='12.00')))
            Delivery.invoice_period(company, MARCH, dt.date(2026, 3, 31),
                dt.date(2026, 3, 31))
            delivery, = Delivery.search([])
            self.assertEqual(delivery.invoice_state, 'invoiced')
            summary = import_data(company, to_csv(
                    delivery_rows(1, 1, total='18.00')))
            self.assertEqual(summary.prices_kept, [2])
            self.assertEqual(Delivery(delivery.id).price, Decimal('10.00'))

    @with_transaction()
    def test_bad_file_writes_nothing(self):
        "Every bad row is reported, with its line, and nothing is written"
        company = create_company()
        with set_company(company):
            setup_coop(company)
            before = counts()
            rows = (delivery_rows(1, 1)
                + delivery_rows(3, 2, courier='zoe', organization="New")
                + [task_row(5, 3, 'PICKUP', status='LOST'),
                    task_row(6, 3, 'DROPOFF', courier='zoe')])
            with self.assertRaises(ImportRefused) as refused:
                import_data(company, to_csv(rows))
            self.assertEqual(
                [(e.line, e.code) for e in refused.exception.errors], [
                    (4, 'msg_import_unknown_courier'),
                    (5, 'msg_import_unknown_courier'),
                    (6, 'msg_import_status'),
                    (7, 'msg_import_unknown_courier'),
                    ])
            self.assertEqual(counts(), before)

    @with_transaction()
    def test_dry_run(self):
        "A dry run counts what would change and writes nothing"
        company = create_company()
        with set_company(company):
            setup_coop(company)
            before = counts()
            summary = import_data(company, to_csv(
                    delivery_rows(1, 1, organization="New Store")),
                dry_run=True)
            self.assertEqual((summary.deliveries_created,
                    summary.tasks_created, summary.stores_created),
                (1, 2, ["New Store"]))
            self.assertEqual(counts(), before)

    @with_transaction()
    def test_payroll_export(self):
        "Monthly hours per courier, updated by a newer export"
        pool = Pool()
        MonthlyHours = pool.get('coop.payroll.monthly_hours')
        company = create_company()
        with set_company(company):
            (awa, noe), _ = setup_coop(company)
            with self.assertRaises(ImportRefused) as refused:
                import_data(company, PAYROLL)
            self.assertEqual([e.code for e in refused.exception.errors],
                ['msg_import_month_required'])

            summary = import_data(company, PAYROLL, month=MARCH)
            self.assertEqual((summary.hours_created, summary.hours_updated),
                (2, 0))
            hours = {h.employee: h for h in MonthlyHours.search([])}
            self.assertEqual(hours[awa].worked_hours, Decimal('160.50'))
            self.assertEqual(hours[awa].overtime_hours, Decimal('8.83'))
            self.assertEqual(hours[noe].worked_hours, Decimal('98.25'))
            self.assertEqual(hours[awa].month, MARCH)
            self.assertEqual(hours[awa].source, "CoopCycle")

            newer = PAYROLL.replace(b'160.5,8.83', b'162,10')
            summary = import_data(company, newer, month=dt.date(2026, 3, 31))
            self.assertEqual(
                (summary.hours_created, summary.hours_updated,
                    summary.unchanged), (0, 1, 1))
            self.assertEqual(MonthlyHours.search_count([]), 2)
            self.assertEqual(
                MonthlyHours(hours[awa].id).worked_hours, Decimal(162))

            with self.assertRaises(ImportRefused) as refused:
                import_data(company, PAYROLL + b'zoe,Zoe,1,2,0,0\n',
                    month=MARCH)
            self.assertEqual(
                [(e.line, e.code) for e in refused.exception.errors],
                [(4, 'msg_import_unknown_courier')])

    def _instance(self, company, store, url, **values):
        Instance = Pool().get('coop.coopcycle.instance')
        instance, = Instance.create([dict({
                        'name': "Lyon", 'base_url': url, 'store_id': 7,
                        'store': store.id, 'client_id': 'key',
                        'client_secret': 'secret',
                        'webhook_secret': 'shh',
                        }, **values)])
        return instance

    @with_transaction()
    def test_sync_pages_and_expired_token(self):
        "The store's deliveries page by page; an expired token is renewed"
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        Instance = pool.get('coop.coopcycle.instance')
        company = create_company()
        with set_company(company), FakeCoopCycle() as fake:
            _, bakery = setup_coop(company)
            for id_ in range(1, 21):
                fake.deliveries[id_] = api_delivery(id_, status='DONE')
            instance = self._instance(company, bakery, fake.url)

            Instance.sync([instance])
            self.assertEqual(Delivery.search_count([]), 20)
            pages = [p for m, p in fake.requests if 'deliveries' in p]
            self.assertEqual(pages, [
                    '/api/stores/7/deliveries',
                    '/api/stores/7/deliveries?page=2'])
            self.assertEqual(fake.tokens_issued, 1)
            delivery, = Delivery.search(
                [('coopcycle_key', '=', '/api/deliveries/3')])
            self.assertEqual(delivery.state, 'done')
            self.assertEqual(delivery.customer, bakery)
            self.assertEqual(delivery.price, Decimal('10.00'))
            self.assertEqual(delivery.coopcycle_order, 'A3')
            self.assertIsNotNone(instance.last_sync)

            # The token expires; one delivery fails; one is new
            fake.expire_tokens()
            fake.deliveries[3] = api_delivery(3, status='FAILED')
            fake.deliveries[21] = api_delivery(21)
            Instance.sync([instance])
            self.assertEqual(fake.tokens_issued, 2)
            self.assertEqual(Delivery.search_count([]), 21)
            self.assertEqual(Delivery(delivery.id).state, 'failed')

            # Credentials refused: a clear error, nothing written
            instance.client_secret = 'wrong'
            instance.token = None
            instance.save()
            fake.expire_tokens()
            with self.assertRaises(CoopCycleError) as error:
                Instance.sync([instance])
            self.assertIn('401', error.exception.message)

    @with_transaction()
    def test_webhook(self):
        """A signed event fetches and upserts the delivery; a bad or missing
        signature is 401 and changes nothing; a replay changes nothing
        more; other events are ignored"""
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        Event = pool.get('coop.coopcycle.event')
        Instance = pool.get('coop.coopcycle.instance')
        company = create_company()
        with set_company(company), FakeCoopCycle() as fake:
            _, bakery = setup_coop(company)
            fake.deliveries[1] = api_delivery(1, status='DOING')
            instance = self._instance(company, bakery, fake.url)
            body = json.dumps({'data': {'object': '/api/deliveries/1',
                        'event': 'delivery.picked'}}).encode()
            signature = Instance.signature('shh', body)

            for bad in [None, '', Instance.signature('other', body),
                    signature[:-4] + 'AAA=']:
                self.assertEqual(Instance.receive_webhook(
                        instance.id, body, bad)[0], 401)
            self.assertEqual(Instance.receive_webhook(
                    instance.id, body + b' ', signature)[0], 401)
            self.assertEqual(Instance.receive_webhook(
                    instance.id + 1000, body, signature)[0], 401)
            self.assertEqual((Delivery.search_count([]),
                    Event.search_count([])), (0, 0))

            status, answer = Instance.receive_webhook(
                instance.id, body, signature)
            self.assertEqual((status, answer['status']), (200, 'done'))
            delivery, = Delivery.search([])
            self.assertEqual(delivery.state, 'in_progress')
            self.assertEqual([t.status for t in delivery.tasks],
                ['doing', 'doing'])

            status, answer = Instance.receive_webhook(
                instance.id, body, signature)
            self.assertEqual((status, answer['changed']), (200, 0))
            self.assertEqual(Delivery.search_count([]), 1)

            fake.deliveries[1] = api_delivery(1, status='DONE')
            completed = json.dumps({'data': {'object': '/api/deliveries/1',
                        'event': 'delivery.completed'}}).encode()
            status, answer = Instance.receive_webhook(
                instance.id, completed, Instance.signature('shh', completed))
            self.assertEqual(Delivery(delivery.id).state, 'done')

            unknown = json.dumps({'data': {'object': '/api/orders/9',
                        'event': 'order.created'}}).encode()
            self.assertEqual(Instance.receive_webhook(
                    instance.id, unknown, Instance.signature('shh', unknown)),
                (200, {'status': 'ignored'}))
            self.assertEqual([e.result for e in Event.search(
                        [], order=[('id', 'ASC')])],
                ['done', 'unchanged', 'done', 'ignored'])

    @with_transaction()
    def test_import_wizard(self):
        "The wizard shows every error of a refused file, or the summary"
        pool = Pool()
        Wizard = pool.get('coop.coopcycle.import', type='wizard')
        company = create_company()
        with set_company(company):
            setup_coop(company)
            before = counts()
            session_id, _, _ = Wizard.create()
            wizard = Wizard(session_id)
            wizard.start.company = company
            wizard.start.file = to_csv(
                delivery_rows(1, 1, courier='zoe')
                + [task_row(3, 2, 'PICKUP', status='LOST')])
            wizard.start.kind = None
            wizard.start.month = None
            wizard.start.dry_run = False
            self.assertEqual(wizard.transition_import_(), 'result')
            self.assertTrue(wizard.result.refused)
            report = wizard.result.report.splitlines()
            self.assertEqual(len(report), 4)
            self.assertIn('zoe', report[1])
            self.assertTrue(report[3].startswith('Line 4'))
            self.assertEqual(counts(), before)

            wizard.start.file = to_csv(delivery_rows(1, 1))
            wizard.transition_import_()
            self.assertFalse(wizard.result.refused)
            self.assertIn('1 deliveries created', wizard.result.report)


del ModuleTestCase
