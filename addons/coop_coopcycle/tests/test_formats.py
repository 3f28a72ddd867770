# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"CoopCycle's files read without a database: what they say, what is wrong"
import datetime as dt
import unittest
from decimal import Decimal

from coop_coopcycle import formats

from .tools import api_delivery, delivery_rows, task_row, to_csv

PAYROLL = (b'username,name,planned_hours,worked_hours,overtime_hours,'
    b'holiday_days\n'
    b'awa,Awa Diallo,151.67,160.5,8.83,0\n'
    b'noe,No\xc3\xa9 Martin,104,"98,25",0,2\n')


def codes(parsed):
    return [(e.line, e.code) for e in parsed.errors]


class FormatsTestCase(unittest.TestCase):

    def test_task_export(self):
        "Tasks of an order are one delivery; days d/m/Y; statuses mapped"
        parsed = formats.parse(to_csv(
                delivery_rows(101, 55, total='14.40')
                + delivery_rows(103, 56, pickup='DONE', dropoff='FAILED',
                    **{'event.FAILED.notes': 'Nobody home'})))
        self.assertEqual(parsed.kind, 'tasks')
        self.assertEqual(parsed.errors, [])
        self.assertEqual(parsed.rows, 4)
        first, second = parsed.deliveries
        self.assertEqual(first.order, 'ORD55')
        self.assertEqual(first.total, Decimal('14.40'))
        self.assertEqual(first.distance, 2400)
        self.assertEqual([t.key for t in first.tasks],
            ['/api/tasks/101', '/api/tasks/102'])
        self.assertEqual([t.type for t in first.tasks], ['pickup', 'dropoff'])
        pickup = first.tasks[0]
        self.assertEqual(pickup.after, dt.datetime(2026, 3, 2, 9, 0))
        self.assertEqual(pickup.done_at, dt.datetime(2026, 3, 2, 9, 20))
        self.assertEqual((pickup.latitude, pickup.longitude),
            (45.764, 4.8357))
        self.assertEqual(pickup.courier, 'awa')
        self.assertEqual([t.status for t in second.tasks], ['done', 'failed'])
        self.assertEqual(second.tasks[1].failed_notes, 'Nobody home')

    def test_tasks_without_order(self):
        "Without an order, a pickup starts a delivery and its dropoffs follow"
        rows = [
            task_row(1, None, 'PICKUP'), task_row(2, None, 'DROPOFF'),
            task_row(3, None, 'DROPOFF'),
            task_row(4, None, 'PICKUP'), task_row(5, None, 'DROPOFF'),
            ]
        parsed = formats.parse(to_csv(rows))
        self.assertEqual(parsed.errors, [])
        self.assertEqual([len(d.tasks) for d in parsed.deliveries], [3, 2])

    def test_task_export_every_bad_row(self):
        "Every bad row is reported with its line, not only the first"
        rows = delivery_rows(1, 1) + [
            task_row(3, 2, 'PICKUP', status='LOST'),
            task_row(4, 2, 'DROPOFF', afterDay='31/02/2026'),
            task_row(5, 3, 'PICKUP', after='9h00'),
            task_row(6, 3, 'TELEPORT'),
            task_row(1, 4, 'PICKUP'),
            task_row(8, None, 'DROPOFF', **{'address.latlng': 'nowhere'}),
            ]
        parsed = formats.parse(to_csv(rows))
        self.assertEqual(codes(parsed), [
                (4, 'msg_import_status'),
                (5, 'msg_import_date'),
                (6, 'msg_import_time'),
                (7, 'msg_import_type'),
                (8, 'msg_import_task_twice'),
                (9, 'msg_import_latlng'),
                (9, 'msg_import_dropoff_alone'),
                ])
        self.assertEqual(parsed.errors[0].kwargs,
            {'column': 'status', 'value': 'LOST'})

    def test_unreadable_files(self):
        "A missing column, a wrong delimiter or encoding: line 1, a reason"
        good = to_csv(delivery_rows(1, 1))
        header, _, body = good.partition(b'\n')
        missing = header.replace(b',status,', b',state,') + b'\n' + body
        self.assertEqual(codes(formats.parse(missing)),
            [(1, 'msg_import_missing_columns')])
        self.assertEqual(formats.parse(missing).errors[0].kwargs,
            {'columns': 'status'})
        semicolons = to_csv(delivery_rows(1, 1), delimiter=';')
        self.assertEqual(codes(formats.parse(semicolons)),
            [(1, 'msg_import_delimiter')])
        latin = good.decode().replace('rue de Lyon', 'rue de l’Hôtel')
        latin = latin.encode('cp1252')
        self.assertEqual(codes(formats.parse(latin)),
            [(2, 'msg_import_encoding')])
        self.assertEqual(codes(formats.parse(b'')), [(1, 'msg_import_empty')])
        self.assertEqual(codes(formats.parse(b'a,b\n1,2\n')),
            [(1, 'msg_import_unknown_format')])
        self.assertEqual(codes(formats.parse(header + b'\n')),
            [(1, 'msg_import_no_rows')])
        self.assertEqual(formats.parse(b'\xef\xbb\xbf' + good).errors, [])

    def test_delivery_spreadsheet(self):
        "A row per delivery, keyed by its order number; weight in kg"
        data = ('organization,pickup.address,pickup.after,dropoff.address,'
            'dropoff.before,weight,distance,order.number,order.total,'
            'packages,courier\n'
            'Bakery,1 rue A,02/03/2026 09:00,2 rue B,02/03/2026 10:00,2.5,'
            '1800,A12,9.60,small-box=1 big-box=2,awa\n'
            'Grocer,3 rue C,2026-03-02 11:00,4 rue D,02/03/2026 12:00,,,'
            ',,,\n'
            'Grocer,3 rue C,02/13/2026 11:00,4 rue D,,,,,,box=x,\n').encode()
        parsed = formats.parse(data)
        self.assertEqual(parsed.kind, 'deliveries')
        self.assertEqual(codes(parsed), [
                (4, 'msg_import_date'), (4, 'msg_import_packages')])
        first, second = parsed.deliveries
        self.assertEqual(first.key, 'order:A12')
        self.assertEqual(first.weight, 2500)
        self.assertEqual(first.packages, {'small-box': 1, 'big-box': 2})
        self.assertEqual([t.key for t in first.tasks],
            ['order:A12/pickup', 'order:A12/dropoff'])
        self.assertEqual(first.tasks[0].after, dt.datetime(2026, 3, 2, 9))
        # No order number: the row's content is its key
        self.assertTrue(second.key.startswith('row:'))
        self.assertEqual(formats.parse(data).deliveries[1].key, second.key)

    def test_payroll_export(self):
        "Hours per username; decimals with a point or a comma"
        parsed = formats.parse(PAYROLL)
        self.assertEqual(parsed.kind, 'payroll')
        self.assertEqual(parsed.errors, [])
        awa, noe = parsed.hours
        self.assertEqual((awa.username, awa.worked, awa.overtime),
            ('awa', Decimal('160.5'), Decimal('8.83')))
        self.assertEqual(noe.worked, Decimal('98.25'))
        bad = PAYROLL + b'awa,Awa,151.67,10,12,0\nzoe,Zoe,,,-1,0\n'
        self.assertEqual(codes(formats.parse(bad)), [
                (4, 'msg_import_username_twice'),
                (4, 'msg_import_overtime'),
                (5, 'msg_import_required'),
                (5, 'msg_import_number'),
                ])

    def test_api_delivery(self):
        "JSON-LD: IRIs are the keys, cents become units, times are aware"
        errors = []
        delivery = formats.parse_api_delivery(
            api_delivery(42, status='DOING'), 'Bakery', errors, 1)
        self.assertEqual(errors, [])
        self.assertEqual(delivery.key, '/api/deliveries/42')
        self.assertEqual((delivery.total, delivery.untaxed),
            (Decimal(12), Decimal(10)))
        self.assertEqual([t.key for t in delivery.tasks],
            ['/api/tasks/420', '/api/tasks/421'])
        self.assertEqual(delivery.tasks[0].after.utcoffset(),
            dt.timedelta(hours=1))
        self.assertEqual(delivery.weight, 2000)
        bad = api_delivery(43)
        bad['tasks'][1]['status'] = 'LOST'
        self.assertIsNone(formats.parse_api_delivery(bad, 'Bakery', errors))
        self.assertEqual([e.code for e in errors], ['msg_import_status'])
