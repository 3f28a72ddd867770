# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The dispatch board of a busy day on PostgreSQL: 1,000 deliveries (2,000
tasks) and 60 riders, 600 deliveries already in the riders' tours; the
board's first load and one assignment, timed (targets: first load under
1 s, an assignment under 200 ms).

    .venv/bin/python bench/dispatch_board.py [--deliveries 1000]
        [--riders 60] [--assigned 600] [--keep] [--profile FILE]

The database (coop_bench_dispatch, on $TRYTOND_DATABASE__URI or the local
server) is created with the suite, given a company, a store, a zone, the
riders, the day's deliveries confirmed and some assigned by Tour.assign
(not measured). Then a dispatcher logs in through Tryton's session and,
through trytond's WSGI application in this process, as the page does:
GET /dispatch/data (the first load, then again warm), GET /dispatch/stamp
(the polling), and POST /dispatch/assign of one delivery at the head of a
rider's tour, whose answer carries what changed (the rider's lane, the
delivery off the list); the board is read again after. Each is timed
end to end (routing, session check, transaction, JSON), best of --repeat;
the database is dropped unless --keep.
"""
import argparse
import cProfile
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time

import postgresql  # bench/postgresql.py: the script's folder is on sys.path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
DATABASE = 'coop_bench_dispatch'
DAY = dt.date(2026, 3, 2)
PASSWORD = 'bench-dispatch-2026'
# Lyon: the presqu'île and around
SOUTH, NORTH, WEST, EAST = 45.73, 45.79, 4.80, 4.88
ZONE = {'type': 'Polygon', 'coordinates': [[
            [4.82, 45.75], [4.85, 45.75], [4.85, 45.77], [4.82, 45.77],
            [4.82, 45.75]]]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--deliveries', type=int, default=1000)
    parser.add_argument('--riders', type=int, default=60)
    parser.add_argument('--assigned', type=int, default=600)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--keep', action='store_true')
    parser.add_argument('--reuse', action='store_true',
        help="measure again on the database a --keep run left")
    parser.add_argument('--profile', metavar='FILE',
        help="write a cProfile of one first load to FILE")
    args = parser.parse_args()
    version = subprocess.run(
        ['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT,
        capture_output=True, text=True).stdout.strip()
    bench = Bench(args)
    if args.reuse:
        postgresql.configure()
    else:
        postgresql.create(DATABASE)
    try:
        start = time.monotonic()
        if args.reuse:
            bench.read_ids()
        else:
            bench.setup()
        print(f"set-up done in {time.monotonic() - start:.0f} s", flush=True)
        bench.measure(version)
    finally:
        if not args.keep:
            postgresql.drop(DATABASE)


class Bench:

    def __init__(self, args):
        self.args = args
        self.rng = random.Random(2026)

    def setup(self):
        from coop_cli import database
        database.in_transaction(DATABASE, self.create_company)
        for step in [self.create_riders, self.create_deliveries,
                self.confirm, self.assign]:
            start = time.monotonic()
            database.in_transaction(
                DATABASE, step, context={'company': self.company_id})
            print(f"  {step.__name__}: {time.monotonic() - start:.1f} s",
                flush=True)

    def create_company(self):
        from coop_cli import demo
        company = demo._create_company()
        demo._attach_admin(company)
        self.company_id = company.id

    def create_riders(self):
        from trytond.pool import Pool
        pool = Pool()
        Party = pool.get('party.party')
        Employee = pool.get('company.employee')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        Zone = pool.get('coop.delivery.zone')
        parties = Party.create([{'name': f"Rider {i:02d}"}
                for i in range(self.args.riders)])
        self.rider_ids = [e.id for e in Employee.create([{
                        'party': p.id, 'company': self.company_id}
                    for p in parties])]
        User.create([{
                    'login': 'dispatch', 'name': "Dispatch",
                    'password': PASSWORD,
                    'companies': [('add', [self.company_id])],
                    'company': self.company_id,
                    'groups': [('add', [ModelData.get_id(
                                    'coop_delivery', 'group_delivery')])],
                    }])
        Zone.create([{'name': "Presqu'île", 'geometry': json.dumps(ZONE)}])

    def create_deliveries(self):
        from trytond.pool import Pool
        pool = Pool()
        Party = pool.get('party.party')
        RuleSet = pool.get('coop.delivery.price.rule_set')
        Delivery = pool.get('coop.delivery')
        rule_set, = RuleSet.create([{
                    'name': "Standard", 'strategy': 'find',
                    'rules': [('create', [{
                                    'name': "Base", 'condition': '',
                                    'price': '600', 'sequence': 1}])]}])
        stores = Party.create([{
                    'name': f"Store {i:02d}",
                    'delivery_price_rule_set': rule_set.id,
                    'addresses': [('create', [{}])]} for i in range(20)])
        rng = self.rng
        values = []
        for i in range(self.args.deliveries):
            start = dt.datetime.combine(DAY, dt.time(8)) + dt.timedelta(
                minutes=rng.randrange(0, 12 * 60, 15))

            def point():
                return {'latitude': round(rng.uniform(SOUTH, NORTH), 6),
                    'longitude': round(rng.uniform(WEST, EAST), 6)}
            values.append({
                    'customer': rng.choice(stores).id,
                    'reference': f'B{i:04d}', 'date': DAY,
                    'ordered_at': start - dt.timedelta(hours=1),
                    'tasks': [('create', [
                                {'type': 'pickup', 'sequence': 1,
                                    'after': start,
                                    'before': start + dt.timedelta(
                                        minutes=30),
                                    'street': f"{i} rue de la République",
                                    'city': "Lyon", **point()},
                                {'type': 'dropoff', 'sequence': 2,
                                    'after': start,
                                    'before': start + dt.timedelta(
                                        minutes=90),
                                    'street': f"{i} cours Gambetta",
                                    'city': "Lyon", **point()}])],
                    })
        self.delivery_ids = []
        for i in range(0, len(values), 200):
            self.delivery_ids += [d.id for d in Delivery.create(
                    values[i:i + 200])]

    def confirm(self):
        from trytond.pool import Pool
        Delivery = Pool().get('coop.delivery')
        for i in range(0, len(self.delivery_ids), 200):
            Delivery.confirm(Delivery.browse(self.delivery_ids[i:i + 200]))

    def assign(self):
        "Deliveries to the riders in turn, by Tour.assign"
        from trytond.pool import Pool
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        Employee = pool.get('company.employee')
        Tour = pool.get('coop.delivery.tour')
        chosen = self.delivery_ids[:self.args.assigned]
        by_rider = {}
        for i, delivery_id in enumerate(chosen):
            by_rider.setdefault(
                self.rider_ids[i % len(self.rider_ids)], []).append(
                delivery_id)
        # The warnings of these random orders are not the benchmark's
        with_warnings_off = pool.get('res.user.warning')
        for rider_id, delivery_ids in by_rider.items():
            deliveries = Delivery.browse(delivery_ids)
            tasks = Tour.riding_order(
                [t for d in deliveries for t in d.tasks])
            key = None
            while True:
                try:
                    Tour.assign(Employee(rider_id), DAY, tasks)
                    break
                except Exception as error:  # a WindowWarning
                    if getattr(error, 'name', None) in (None, key):
                        raise
                    key = error.name
                    with_warnings_off.skip(key)
        self.free = self.delivery_ids[self.args.assigned:]

    def read_ids(self):
        "The riders and the deliveries left to assign of a kept database"
        from coop_cli import database

        def read():
            from trytond.pool import Pool
            pool = Pool()
            Employee = pool.get('company.employee')
            Delivery = pool.get('coop.delivery')
            self.rider_ids = [e.id for e in Employee.search(
                    [], order=[('id', 'ASC')])]
            self.free = [d.id for d in Delivery.search([
                        ('date', '=', DAY), ('state', '=', 'confirmed'),
                        ('tasks.tour', '=', None)], order=[('id', 'ASC')])]
        database.in_transaction(DATABASE, read)

    def measure(self, version):
        from werkzeug.test import Client

        from trytond.pool import Pool
        from trytond.wsgi import app
        from coop_cli import database
        import coop_dispatch.routes  # noqa: F401 (the board's routes)
        database.load_pool(DATABASE)
        Pool(DATABASE)
        client = Client(app, use_cookies=True)
        https = 'https://localhost'
        response = client.post(f'/{DATABASE}/session/login', base_url=https,
            json={'method': 'common.db.login',
                'params': ['dispatch', {'password': PASSWORD}, 'en']})
        assert response.status_code == 200, response.data
        data = f'/{DATABASE}/dispatch/data?date={DAY}'

        def timed(call):
            start = time.perf_counter()
            response = call()
            elapsed = time.perf_counter() - start
            assert response.status_code == 200, response.data[:500]
            return elapsed, response

        first, response = timed(lambda: client.get(data, base_url=https))
        board = response.json
        size = len(response.data)
        warm = min(timed(lambda: client.get(data, base_url=https))[0]
            for _ in range(self.args.repeat))
        stamp = min(timed(lambda: client.get(
                    f'/{DATABASE}/dispatch/stamp?date={DAY}',
                    base_url=https))[0] for _ in range(self.args.repeat))
        if self.args.profile:
            profile = cProfile.Profile()
            profile.enable()
            client.get(data, base_url=https)
            profile.disable()
            profile.dump_stats(self.args.profile)
        assigns = []
        lanes = {r['id']: r for r in board['riders']}
        for i in range(self.args.repeat):
            rider = lanes[self.rider_ids[i]]
            delivery = self.free[i]
            versions = {rider['tour']['id']: rider['tour']['version']} if (
                rider['tour']) else {}
            elapsed, response = timed(lambda: client.post(
                    f'/{DATABASE}/dispatch/assign', base_url=https,
                    json={'date': str(DAY), 'rider': rider['id'],
                        'deliveries': [delivery], 'index': 0,
                        'versions': versions}))
            answer = response.json
            if answer['status'] == 'warning':
                elapsed, response = timed(lambda: client.post(
                        f'/{DATABASE}/dispatch/assign', base_url=https,
                        json={'date': str(DAY), 'rider': rider['id'],
                            'deliveries': [delivery], 'index': 0,
                            'versions': versions,
                            'skip': [answer['name']]}))
                answer = response.json
            assert answer['status'] == 'ok', answer
            assigns.append(elapsed)
            for lane in answer['changes']['riders']:
                lanes[lane['id']] = lane
        board = client.get(data, base_url=https).json
        tasks = sum(len(d['tasks']) for d in board['unassigned']) + sum(
            len(r['tour']['tasks']) for r in board['riders'] if r['tour'])
        print(f"\ncode {version}, {DAY}: {self.args.deliveries} deliveries,"
            f" {tasks} tasks, {len(board['riders'])} riders, "
            f"{len(board['unassigned'])} deliveries unassigned")
        print(f"first load (GET /dispatch/data, {size // 1024} KiB of "
            f"JSON): {first * 1000:.0f} ms; warm {warm * 1000:.0f} ms")
        print(f"polling (GET /dispatch/stamp): {stamp * 1000:.1f} ms")
        print(f"assignment (POST /dispatch/assign, one delivery at the head"
            f" of a tour, the changed lane in the answer): best "
            f"{min(assigns) * 1000:.0f} ms, worst "
            f"{max(assigns) * 1000:.0f} ms of {len(assigns)}")


if __name__ == '__main__':
    main()
