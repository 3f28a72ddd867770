# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The dispatch board's JSON routes, called through trytond's WSGI
application as the page calls them, logged in through Tryton's own session

The test data is committed once for the class (the routes run in
transactions of their own, as behind a server); each test works on
deliveries and riders of its own."""
import datetime as dt

from werkzeug.test import Client

from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, ModuleTestCase
from trytond.transaction import Transaction
from trytond.wsgi import app

from coop_delivery.tests.tools import (
    ORDERED, create_delivery, create_rule_set, create_store)
from coop_tools.testing import SuiteDatabase, activated, commit_setup

PASSWORD = 'dispatch-secret-1'
BASE = f'/{DB_NAME}/dispatch'
DAY = ORDERED.date().isoformat()
NINE = ORDERED
HOUR = dt.timedelta(hours=1)
# Lyon: the store's pickups at A, the dropoffs 0.02 degrees east, 1551.5 m
# (see test_eta)
A = {'latitude': 45.76, 'longitude': 4.83}
B = {'latitude': 45.76, 'longitude': 4.85}


def tasks(after=NINE, before=NINE + HOUR):
    return [
        {'type': 'pickup', 'sequence': 1, 'after': after,
            'before': before, **A},
        {'type': 'dropoff', 'sequence': 2, 'after': after,
            'before': before, **B},
        ]


class DispatchBoardTestCase(SuiteDatabase, ModuleTestCase):
    "The dispatch board"
    module = 'coop_dispatch'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # commit_setup restarts the transaction when it asks for table
        # locks (the configuration's singleton)
        data = {}
        commit_setup(lambda: data.update(cls.populate()) or {})
        cls.data = data

    @classmethod
    def populate(cls):
        """Coop Vélo with four riders and deliveries on 2 March 2026, its
        dispatcher and a rider who logs in; another coop's dispatcher"""
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        Task = pool.get('coop.delivery.task')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        Configuration = pool.get('coop.delivery.configuration')
        group = ModelData.get_id('coop_delivery', 'group_delivery')
        data = {}
        company = create_company("Coop Vélo")
        other = create_company("Autre Coop")
        with set_company(company):
            Configuration.write([Configuration(1)], {
                    'dispatch_tile_url': None,
                    'dispatch_speed': 18,
                    'dispatch_stop_minutes': 3,
                    })
            for name in ["Awa Diallo", "Léo Martin", "Inès Benali",
                    "Zoé Petit"]:
                data[name.split()[0].lower()] = create_employee(
                    company, name).id
            store = create_store(create_rule_set())
            deliveries = {}
            for reference in ['D1', 'D2', 'D3', 'D4', 'D5', 'D6', 'D7',
                    'DONE', 'CANCELLED']:
                deliveries[reference] = create_delivery(
                    store, reference=reference, tasks=tasks())
            # Opens at noon: ridden before D1's dropoff, it breaks D1's
            # window
            deliveries['NOON'] = create_delivery(store, reference='NOON',
                tasks=tasks(NINE + 3 * HOUR, NINE + 4 * HOUR))
            draft = create_delivery(store, reference='DRAFT')
            Delivery.confirm([d for r, d in deliveries.items()])
            Task.complete(list(deliveries['DONE'].tasks))
            Delivery.cancel([deliveries['CANCELLED']])
            data['deliveries'] = {r: d.id for r, d in deliveries.items()}
            data['tasks'] = {r: [t.id for t in Delivery(d.id).tasks]
                for r, d in deliveries.items()}
            data['draft'] = draft.id
            data['store'] = store.id
            data['company'] = company.id
        for login, user_company, groups in [
                ('dispatcher', company, [group]),
                ('rider', company, []),
                ('elsewhere', other, [group])]:
            User.create([{
                        'name': login, 'login': login, 'password': PASSWORD,
                        'company': user_company.id,
                        'companies': [('add', [user_company.id])],
                        'groups': [('add', groups)],
                        }])
        return data

    def client(self, login='dispatcher'):
        "A browser logged in as login, through Tryton's session cookie"
        client = Client(app, use_cookies=True)
        response = client.post(f'/{DB_NAME}/session/login',
            base_url='https://localhost', json={
                'method': 'common.db.login',
                'params': [login, {'password': PASSWORD}, 'en'],
                })
        self.assertEqual(response.status_code, 200, response.data)
        return client

    def get(self, client, path='/data', date=DAY):
        return client.get(f'{BASE}{path}', query_string={'date': date},
            base_url='https://localhost')

    def post(self, client, path, **json):
        json.setdefault('date', DAY)
        return client.post(f'{BASE}{path}', json=json,
            base_url='https://localhost')

    def board(self, client=None):
        response = self.get(client or self.client())
        self.assertEqual(response.status_code, 200, response.data)
        return response.json

    def lane(self, board, rider):
        lane, = [r for r in board['riders'] if r['id'] == self.data[rider]]
        return lane

    def unassigned(self, board):
        return {d['reference'] for d in board['unassigned']}

    def tour_of(self, rider):
        "The tasks of rider's tour of DAY, in order, from the database"
        with Transaction().start(DB_NAME, 0, readonly=True):
            Tour = Pool().get('coop.delivery.tour')
            tours = Tour.search([
                    ('rider', '=', self.data[rider]),
                    ('date', '=', ORDERED.date())])
            return [t.id for t in tours[0].tasks] if tours else []

    def test_session_required(self):
        "Without Tryton's session the data answers 401, the page is served"
        client = Client(app)
        response = client.get(f'{BASE}/data', base_url='https://localhost')
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json, {'status': 'login'})
        response = client.get(f'{BASE}/', base_url='https://localhost')
        self.assertEqual(response.status_code, 200)
        self.assertIn(b'board.js', response.data)

    def test_without_portal(self):
        """coop_dispatch stands without coop_portal (an extras_depend):
        where the portal is not activated, neither its pages nor the
        riders' shifts pages coop_dispatch adds to it are served (404),
        the availability and applications are there for the dispatcher"""
        with Transaction().start(DB_NAME, 0, readonly=True):
            if activated('coop_portal'):
                self.skipTest("coop_portal is activated (the suite's "
                    "database): tested in test_portal_shifts")
            pool = Pool()
            for model in ['coop.dispatch.availability',
                    'coop.dispatch.application']:
                pool.get(model)
            with self.assertRaises(KeyError):
                pool.get('web.user')
        client = Client(app)
        for method, path in [('GET', '/'), ('GET', '/login'),
                ('GET', '/shifts'), ('GET', '/availability'),
                ('POST', '/shifts/slots/1/apply'),
                ('POST', '/availability/1')]:
            with self.subTest(method=method, path=path):
                response = client.open(f'/{DB_NAME}/portal{path}',
                    method=method, base_url='https://localhost')
                self.assertEqual(response.status_code, 404)

    def test_rider_refused(self):
        "A user without the dispatcher's rights gets 403, reads nothing"
        response = self.get(self.client('rider'))
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json['status'], 'forbidden')
        self.assertNotIn('riders', response.json)
        response = self.post(self.client('rider'), '/assign',
            rider=self.data['zoé'], deliveries=[self.data['deliveries']['D7']],
            versions={})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.tour_of('zoé'), [])

    def test_other_company_refused(self):
        """Another coop's dispatcher sees none of Coop Vélo's board and
        cannot assign its tasks"""
        client = self.client('elsewhere')
        board = self.board(client)
        self.assertEqual(board['riders'], [])
        self.assertEqual(board['unassigned'], [])
        response = self.post(client, '/assign', rider=self.data['zoé'],
            tasks=self.data['tasks']['D7'], versions={})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json['status'], 'error')
        self.assertEqual(self.tour_of('zoé'), [])

    def test_contents(self):
        """The day's riders by name, the open deliveries to assign (not the
        draft, done or cancelled ones), the settings, the words"""
        board = self.board()
        self.assertEqual(board['date'], DAY)
        names = [r['name'] for r in board['riders']]
        self.assertEqual(names, sorted(names))
        self.assertTrue({"Awa Diallo", "Zoé Petit"} <= set(names))
        unassigned = self.unassigned(board)
        self.assertIn('D7', unassigned)
        self.assertFalse(unassigned & {'DONE', 'CANCELLED', 'DRAFT'})
        d7, = [d for d in board['unassigned'] if d['reference'] == 'D7']
        self.assertEqual([t['type'] for t in d7['tasks']],
            ['pickup', 'dropoff'])
        self.assertEqual(d7['tasks'][0]['after'], '2026-03-02T09:00:00')
        self.assertEqual(d7['slot'], '09:00')
        self.assertEqual(d7['store'], self.data['store'])
        self.assertEqual(board['stores'][0]['id'], self.data['store'])
        self.assertEqual(board['settings']['tile_url'], '')
        self.assertEqual(board['settings']['speed'], 18)
        self.assertEqual(board['labels']['unassigned'], "Unassigned")
        # The stamp changes when the board does
        stamp = self.get(self.client(), '/stamp').json['stamp']
        self.assertEqual(stamp, board['stamp'])

    def test_assign_and_reorder(self):
        """Drag D1 to Awa, then D2 before it; the estimated arrivals at
        18 km/h with 3 minutes a stop; a reorder"""
        client = self.client()
        board = self.board(client)
        self.assertIsNone(self.lane(board, 'awa')['tour'])
        response = self.post(client, '/assign', rider=self.data['awa'],
            deliveries=[self.data['deliveries']['D1']], versions={})
        self.assertEqual(response.status_code, 200, response.json)
        # The answer: what changed, Awa's lane and D1 (off the list)
        changes = response.json['changes']
        self.assertEqual([r['id'] for r in changes['riders']],
            [self.data['awa']])
        self.assertEqual(changes['deliveries'], {
                str(self.data['deliveries']['D1']): None})
        board = self.board(client)
        self.assertEqual(changes['riders'][0], self.lane(board, 'awa'))
        self.assertEqual(changes['stamp'], board['stamp'])
        self.assertNotIn('D1', self.unassigned(board))
        tour = self.lane(board, 'awa')['tour']
        self.assertEqual([t['id'] for t in tour['tasks']],
            self.data['tasks']['D1'])
        # The pickup at 9:00, its window's start; 3 minutes there, then
        # 1551.5 m at 5 m/s (310 s): 9:08:10
        self.assertEqual([t['eta'] for t in tour['tasks']],
            ['2026-03-02T09:00:00', '2026-03-02T09:08:10'])
        self.assertEqual([t['late'] for t in tour['tasks']], [False, False])

        # D2 at the head of the tour
        response = self.post(client, '/assign', rider=self.data['awa'],
            deliveries=[self.data['deliveries']['D2']], index=0,
            versions={tour['id']: tour['version']})
        self.assertEqual(response.status_code, 200, response.json)
        tour = self.lane(self.board(client), 'awa')['tour']
        d1, d2 = self.data['tasks']['D1'], self.data['tasks']['D2']
        self.assertEqual([t['id'] for t in tour['tasks']], d2 + d1)
        self.assertEqual(self.tour_of('awa'), d2 + d1)
        # D2: 9:00 and 9:08:10, 3 minutes there (9:11:10), back to A for
        # D1's pickup, 310 s: 9:16:20; 3 minutes, to B: 9:24:30
        self.assertEqual([t['eta'][11:] for t in tour['tasks']],
            ['09:00:00', '09:08:10', '09:16:20', '09:24:30'])

        # Reorder: both pickups first
        order = [d2[0], d1[0], d2[1], d1[1]]
        response = self.post(client, '/reorder', tour=tour['id'],
            tasks=order, version=tour['version'])
        self.assertEqual(response.status_code, 200, response.json)
        self.assertEqual(self.tour_of('awa'), order)

    def test_window_warning(self):
        """A reorder that breaks a window warns with the model's message
        and saves nothing, until the dispatcher goes past it"""
        client = self.client()
        deliveries = self.data['deliveries']
        response = self.post(client, '/assign', rider=self.data['léo'],
            deliveries=[deliveries['D3'], deliveries['NOON']], versions={})
        self.assertEqual(response.status_code, 200, response.json)
        tour = self.lane(self.board(client), 'léo')['tour']
        d3, noon = self.data['tasks']['D3'], self.data['tasks']['NOON']
        before = self.tour_of('léo')
        self.assertEqual(before, d3 + noon)
        # NOON's pickup first: D3, due by 10:00, comes after a window
        # that opens at noon
        order = [noon[0]] + d3 + [noon[1]]
        response = self.post(client, '/reorder', tour=tour['id'],
            tasks=order, version=tour['version'])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json['status'], 'warning')
        self.assertIn("D3", response.json['message'])
        self.assertEqual(self.tour_of('léo'), before)
        response = self.post(client, '/reorder', tour=tour['id'],
            tasks=order, version=tour['version'],
            skip=[response.json['name']])
        self.assertEqual(response.json['status'], 'ok', response.json)
        self.assertEqual(self.tour_of('léo'), order)
        tour = self.lane(self.board(client), 'léo')['tour']
        # The D3 tasks are ridden after noon: late
        self.assertEqual([t['late'] for t in tour['tasks']],
            [False, True, True, False])

    def test_refusals_write_nothing(self):
        """A stale tour, a done task, a cancelled delivery, a draft one:
        refused with a message, nothing written"""
        client = self.client()
        deliveries, tasks = self.data['deliveries'], self.data['tasks']
        response = self.post(client, '/assign', rider=self.data['inès'],
            deliveries=[deliveries['D4']], versions={})
        tour = self.lane(self.board(client), 'inès')['tour']
        stale = tour['version']
        # Someone else moves D5 into the tour meanwhile
        self.post(self.client(), '/assign', rider=self.data['inès'],
            deliveries=[deliveries['D5']],
            versions={tour['id']: stale})
        self.assertEqual(self.tour_of('inès'), tasks['D4'] + tasks['D5'])
        for values, status, code in [
                ({'deliveries': [deliveries['D6']],
                        'versions': {tour['id']: stale}}, 'stale', 409),
                # The board showed no tour: one was made meanwhile
                ({'deliveries': [deliveries['D6']], 'versions': {}},
                    'stale', 409),
                ({'tasks': tasks['D6'] + tasks['DONE'][:1]}, 'error', 400),
                ({'tasks': tasks['D6'] + tasks['CANCELLED'][:1]},
                    'error', 400),
                ({'deliveries': [deliveries['D6'], self.data['draft']]},
                    'error', 400),
                ]:
            with self.subTest(values=values):
                values.setdefault('versions', {
                        tour['id']: self.lane(self.board(client), 'inès')[
                            'tour']['version']})
                response = self.post(client, '/assign',
                    rider=self.data['inès'], **values)
                self.assertEqual(response.status_code, code, response.json)
                self.assertEqual(response.json['status'], status)
                self.assertTrue(response.json['message'])
                self.assertEqual(
                    self.tour_of('inès'), tasks['D4'] + tasks['D5'])
                self.assertIn('D6', self.unassigned(self.board(client)))
        response = self.post(client, '/reorder', tour=tour['id'],
            tasks=tasks['D5'] + tasks['D4'], version=stale)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(self.tour_of('inès'), tasks['D4'] + tasks['D5'])

    def test_unassign(self):
        "A task taken off its tour goes back to the unassigned list"
        client = self.client()
        deliveries, tasks = self.data['deliveries'], self.data['tasks']
        response = self.post(client, '/assign', rider=self.data['zoé'],
            deliveries=[deliveries['D7']], versions={})
        tour = self.lane(self.board(client), 'zoé')['tour']
        response = self.post(client, '/unassign', tasks=tasks['D7'],
            versions={tour['id']: tour['version']})
        self.assertEqual(response.status_code, 200, response.json)
        changes = response.json['changes']
        d7, = changes['deliveries'].values()
        self.assertEqual([t['id'] for t in d7['tasks']], tasks['D7'])
        self.assertIsNone(changes['riders'][0]['tour']['tasks'] or None)
        self.assertIn('D7', self.unassigned(self.board(client)))
        self.assertEqual(self.tour_of('zoé'), [])

    def test_shifts(self):
        """The lanes say who is on shift; assigning to a rider off shift
        warns, and is saved once the dispatcher goes on; a shift ending
        before it starts or overlapping another is refused"""
        from coop_dispatch.exceptions import ShiftError
        client = self.client()
        day = ORDERED.date() + dt.timedelta(days=1)
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Shift = pool.get('coop.dispatch.shift')
            Delivery = pool.get('coop.delivery')
            with set_company(pool.get('company.company')(
                        self.data['company'])):
                Shift.create([{
                            'rider': self.data['awa'], 'date': day,
                            'start': dt.time(8), 'end': dt.time(12)}, {
                            'rider': self.data['zoé'], 'date': day,
                            'start': dt.time(18), 'end': dt.time(20)}])
                store = pool.get('party.party')(self.data['store'])
                tomorrow = create_delivery(store, reference='TOMORROW',
                    date=day, tasks=tasks(NINE + dt.timedelta(days=1),
                        NINE + dt.timedelta(days=1) + HOUR))
                Delivery.confirm([tomorrow])
            transaction.commit()
        # Refused, in a transaction rolled back (the refused rows were
        # inserted before their check)
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Shift = pool.get('coop.dispatch.shift')
            with set_company(pool.get('company.company')(
                        self.data['company'])):
                for start, end in [(dt.time(12), dt.time(11)),
                        (dt.time(11), dt.time(14))]:
                    with self.subTest(start=start, end=end):
                        with self.assertRaises(ShiftError):
                            Shift.create([{
                                        'rider': self.data['awa'],
                                        'date': day, 'start': start,
                                        'end': end}])
            transaction.rollback()
        board = self.board_of(client, day)
        awa, = [r for r in board['riders'] if r['id'] == self.data['awa']]
        leo, = [r for r in board['riders'] if r['id'] == self.data['léo']]
        self.assertEqual((awa['shifts'], awa['on_shift']),
            (['08:00-12:00'], True))
        self.assertEqual((leo['shifts'], leo['on_shift']), ([], False))
        # Those on shift first (Zoé before Inès and Léo), each by name
        names = [r['name'] for r in board['riders']]
        self.assertEqual(names[:2], ["Awa Diallo", "Zoé Petit"])
        self.assertEqual(names[2:], sorted(names[2:]))
        # No shift on the test's day: nobody is off shift
        board = self.board(client)
        self.assertEqual({r['on_shift'] for r in board['riders']}, {None})

        values = {'date': day.isoformat(), 'rider': self.data['léo'],
            'deliveries': [tomorrow.id], 'versions': {}}
        response = self.post(client, '/assign', **values)
        self.assertEqual(response.json['status'], 'warning')
        self.assertIn("Léo Martin has no shift", response.json['message'])
        self.assertIn('TOMORROW', self.unassigned(
                self.board_of(client, day)))
        response = self.post(client, '/assign',
            skip=[response.json['name']], **values)
        self.assertEqual(response.json['status'], 'ok', response.json)
        self.assertNotIn('TOMORROW', self.unassigned(
                self.board_of(client, day)))

    def board_of(self, client, day):
        response = self.get(client, date=day.isoformat())
        self.assertEqual(response.status_code, 200, response.data)
        return response.json


del ModuleTestCase
