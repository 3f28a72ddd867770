# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""A month of CoopCycle's task export imported on PostgreSQL, end to end
(target: at least 5,000 tasks per second), against a raw COPY of the same
rows into a scratch table.

    .venv/bin/python bench/coopcycle_import.py [--tasks 100000] [--keep]

The database (coop_bench_coopcycle, on $TRYTOND_DATABASE__URI or the local
server) is created with the suite and a coop (French chart, delivery
product, 30 riders with their CoopCycle usernames, 100 stores). A task
export of --tasks rows (a pickup and a dropoff per order, in March, most
done, some failed or cancelled, 5 % unassigned, 10 organizations new to
the database) is written to a file, then imported as `coop import
coopcycle` does: read, checked, written and committed in one transaction.
The same file is imported again (nothing changes: every task is compared),
then COPY loads the file into a table of text columns.
"""
import argparse
import csv
import datetime as dt
import os
import random
import resource
import sys
import tempfile
import time

import postgresql  # bench/postgresql.py: the script's folder is on sys.path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
DATABASE = 'coop_bench_coopcycle'
MONTH = dt.date(2026, 3, 1)
RIDERS = 30
STORES = 100


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--tasks', type=int, default=100000)
    parser.add_argument('--keep', action='store_true')
    parser.add_argument(
        '--profile', metavar='FILE',
        help="write a cProfile of the first import to FILE")
    args = parser.parse_args()

    from coop_cli import coopcycle, database
    postgresql.create(DATABASE)
    folder = tempfile.mkdtemp(prefix='coop-bench-')
    path = os.path.join(folder, 'tasks.csv')
    try:
        database.in_transaction(DATABASE, setup)
        write_export(path, args.tasks)
        size = os.path.getsize(path)
        print(f"export: {args.tasks} tasks, {size / 2**20:.1f} MiB", flush=True)

        figures = {}
        start = time.monotonic()
        if args.profile:
            import cProfile
            profile = cProfile.Profile()
            summary = profile.runcall(
                coopcycle.import_file, DATABASE, path)
            profile.dump_stats(args.profile)
        else:
            summary = coopcycle.import_file(DATABASE, path)
        figures['import'] = time.monotonic() - start
        print(f"import: {summary['deliveries_created']} deliveries, "
            f"{summary['tasks_created']} tasks, {summary['tours_created']} "
            f"tours, stores created {len(summary['stores_created'])}",
            flush=True)
        assert summary['tasks_created'] == args.tasks, summary

        start = time.monotonic()
        again = coopcycle.import_file(DATABASE, path)
        figures['again'] = time.monotonic() - start
        assert (again['tasks_created'], again['tasks_updated'],
            again['unchanged']) == (0, 0, args.tasks), again

        figures['copy'] = copy(path)
        check(args.tasks)
        report(args, figures)
    finally:
        os.remove(path)
        os.rmdir(folder)
        if not args.keep:
            postgresql.drop(DATABASE)


def setup():
    "A coop with the demo's chart and delivery product, riders and stores"
    from coop_cli import demo
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool()
    Party = pool.get('party.party')
    Employee = pool.get('company.employee')
    company = demo._create_company()
    demo._attach_admin(company)
    with Transaction().set_context(company=company.id):
        demo._create_chart(company)
        demo._create_fiscal_year(company, MONTH.year)
        demo._create_delivery_product(company)
        riders = Party.create([{'name': f"Rider {i:02d}"}
                for i in range(RIDERS)])
        Employee.create([{
                    'party': p.id, 'company': company.id,
                    'coopcycle_username': f'rider{i:02d}',
                    } for i, p in enumerate(riders)])
        Party.create([{
                    'name': f"Store {i:03d}",
                    'addresses': [('create', [{}])],
                    } for i in range(STORES)])


def write_export(path, tasks):
    "CoopCycle's task export: a pickup and a dropoff per order"
    from coop_coopcycle.tests.tools import EXPORT_COLUMNS
    rng = random.Random(2026)
    with open(path, 'w', newline='', encoding='utf-8') as file:
        writer = csv.writer(file)
        writer.writerow(EXPORT_COLUMNS)
        for order in range(tasks // 2):
            day = MONTH + dt.timedelta(days=order % 31)
            start = dt.datetime.combine(day, dt.time(8)) + dt.timedelta(
                minutes=order % 600)
            status = rng.choices(['DONE', 'FAILED', 'CANCELLED'],
                [90, 5, 5])[0]
            courier = '' if order % 20 == 0 else f'rider{order % RIDERS:02d}'
            organization = (f"Store {order % STORES:03d}" if order % 50
                else f"New Store {order // 50 % 10}")
            total = f'{rng.randrange(600, 2400) / 100:.2f}'
            for offset, type_ in enumerate(['PICKUP', 'DROPOFF']):
                after = start + dt.timedelta(minutes=15 * offset)
                before = after + dt.timedelta(minutes=30)
                finished = after + dt.timedelta(minutes=10)
                done = status == 'DONE' or (
                    type_ == 'PICKUP' and status == 'FAILED')
                row = {
                    '#': 2 * order + offset + 1, '# order': order + 1,
                    'orderCode': f'A{order + 1:06d}', 'orderTotal': total,
                    'orderRevenue': total, 'type': type_,
                    'address.name': f"Client {order}",
                    'address.streetAddress': f"{order % 200} rue de Lyon",
                    'address.latlng':
                        f'{45.74 + rng.random() / 20:.5f},'
                        f'{4.80 + rng.random() / 20:.5f}',
                    'address.description': '',
                    'afterDay': after.strftime('%d/%m/%Y'),
                    'afterTime': after.strftime('%H:%M'),
                    'beforeDay': before.strftime('%d/%m/%Y'),
                    'beforeTime': before.strftime('%H:%M'),
                    'status': 'DONE' if done else status,
                    'emitted_co2': '0',
                    'traveled_distance_meter': rng.randrange(300, 4000),
                    'comments': '', 'event.DONE.notes': '',
                    'event.FAILED.notes': (
                        "Absent" if status == 'FAILED' and not done else ''),
                    'finishedAtDay': finished.strftime('%d/%m/%Y')
                    if done else '',
                    'finishedAtTime': finished.strftime('%H:%M')
                    if done else '',
                    'courier': courier, 'tags': '',
                    'address.contactName': "Camille",
                    'organization': organization,
                    }
                writer.writerow([row[c] for c in EXPORT_COLUMNS])


def copy(path):
    "Seconds to COPY the file into a scratch table of text columns"
    import psycopg
    from coop_coopcycle.tests.tools import EXPORT_COLUMNS
    uri = os.environ['TRYTOND_DATABASE__URI'] + DATABASE
    columns = ', '.join(f'"c{i}" text' for i in range(len(EXPORT_COLUMNS)))
    with psycopg.connect(uri) as connection:
        connection.execute(f'CREATE TABLE bench_scratch ({columns})')
        connection.commit()
        start = time.monotonic()
        with connection.cursor() as cursor:
            with cursor.copy("COPY bench_scratch FROM STDIN "
                    "WITH (FORMAT csv, HEADER true)") as copy:
                with open(path, 'rb') as file:
                    while data := file.read(1 << 20):
                        copy.write(data)
        connection.commit()
        seconds = time.monotonic() - start
        count, = connection.execute(
            'SELECT COUNT(*) FROM bench_scratch').fetchone()
        connection.execute('DROP TABLE bench_scratch')
    print(f"COPY: {count} rows", flush=True)
    return seconds


def check(tasks):
    "What was written ties out with the file"
    import psycopg
    uri = os.environ['TRYTOND_DATABASE__URI'] + DATABASE
    with psycopg.connect(uri) as connection:
        count, keyed = connection.execute(
            'SELECT COUNT(*), COUNT(DISTINCT coopcycle_key) '
            'FROM coop_delivery_task').fetchone()
        deliveries, priced = connection.execute(
            'SELECT COUNT(*), COUNT(price) FROM coop_delivery').fetchone()
    assert count == keyed == tasks, (count, keyed)
    assert deliveries == priced == tasks // 2, (deliveries, priced)
    print(f"check: {count} tasks, each once; {deliveries} deliveries, "
        "each priced", flush=True)


def report(args, figures):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print()
    print(f"tasks:                {args.tasks}")
    print(f"import, end to end:   {figures['import']:.1f} s "
        f"({args.tasks / figures['import']:,.0f} tasks/s; target 5,000)")
    print(f"same file again:      {figures['again']:.1f} s "
        f"({args.tasks / figures['again']:,.0f} tasks/s, nothing changed)")
    print(f"raw COPY:             {figures['copy']:.2f} s "
        f"({args.tasks / figures['copy']:,.0f} rows/s)")
    print(f"import / COPY:        {figures['import'] / figures['copy']:.1f}x")
    print(f"peak memory:          {peak:.0f} MiB")


if __name__ == '__main__':
    main()
