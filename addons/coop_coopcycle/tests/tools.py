# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"CoopCycle's exports and API as the tests need them"
import csv
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from coop_coopcycle.formats import TASK_COLUMNS

# The task export's columns, in CoopCycle's order
EXPORT_COLUMNS = [
    '#', '# order', 'orderCode', 'orderTotal', 'orderRevenue', 'type',
    'address.name', 'address.streetAddress', 'address.latlng',
    'address.description', 'afterDay', 'afterTime', 'beforeDay',
    'beforeTime', 'status', 'emitted_co2', 'traveled_distance_meter',
    'comments', 'event.DONE.notes', 'event.FAILED.notes', 'finishedAtDay',
    'finishedAtTime', 'courier', 'tags', 'address.contactName',
    'organization']
assert set(TASK_COLUMNS) <= set(EXPORT_COLUMNS)


def task_row(task_id, order, type_, status='DONE', day='02/03/2026',
        after='09:00', before='09:30', courier='awa', organization='Bakery',
        total='', finished='09:20', distance='1200', **values):
    row = {
        '#': str(task_id), '# order': str(order or ''),
        'orderCode': f'ORD{order}' if order else '', 'orderTotal': total,
        'type': type_, 'address.streetAddress': f'{task_id} rue de Lyon',
        'address.latlng': '45.7640,4.8357', 'afterDay': day,
        'afterTime': after, 'beforeDay': day, 'beforeTime': before,
        'status': status, 'traveled_distance_meter': distance,
        'finishedAtDay': day if status == 'DONE' else '',
        'finishedAtTime': finished if status == 'DONE' else '',
        'courier': courier, 'organization': organization,
        }
    row.update(values)
    return row


def delivery_rows(task_id, order, total='12.00', pickup='DONE',
        dropoff='DONE', **values):
    "A pickup and a dropoff of one order"
    return [
        task_row(task_id, order, 'PICKUP', status=pickup, total=total,
            **values),
        task_row(task_id + 1, order, 'DROPOFF', status=dropoff, total=total,
            after='09:10', before='10:00', finished='09:40', **values),
        ]


def to_csv(rows, columns=EXPORT_COLUMNS, delimiter=','):
    output = io.StringIO()
    writer = csv.DictWriter(output, columns, extrasaction='ignore',
        delimiter=delimiter, lineterminator='\n')
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, '') for c in columns})
    return output.getvalue().encode('utf-8')


def api_task(task_id, type_, status, after, before, courier='awa',
        weight=None):
    return {
        '@id': f'/api/tasks/{task_id}', 'id': task_id, 'type': type_,
        'status': status, 'after': after, 'before': before,
        'address': {
            'streetAddress': f'{task_id} rue de la République',
            'postalCode': '69002', 'addressLocality': 'Lyon',
            'geo': {'latitude': 45.76, 'longitude': 4.83},
            'contactName': 'Camille',
            },
        'comments': '', 'weight': weight, 'packages': [],
        'isAssigned': bool(courier), 'assignedTo': courier,
        }


def api_delivery(delivery_id, status='TODO', total=1200, tax=200,
        courier='awa', day='2026-03-02'):
    pickup = api_task(delivery_id * 10, 'PICKUP',
        'DONE' if status == 'DONE' else status,
        f'{day}T09:00:00+01:00', f'{day}T09:30:00+01:00', courier, 2000)
    dropoff = api_task(delivery_id * 10 + 1, 'DROPOFF', status,
        f'{day}T09:15:00+01:00', f'{day}T10:00:00+01:00', courier)
    return {
        '@id': f'/api/deliveries/{delivery_id}', '@type': 'Delivery',
        'id': delivery_id, 'distance': 2500, 'duration': 900,
        'pickup': pickup, 'dropoff': dropoff, 'tasks': [pickup, dropoff],
        'order': {'number': f'A{delivery_id}', 'total': total,
            'taxTotal': tax},
        }


class FakeCoopCycle:
    """A small CoopCycle on 127.0.0.1: OAuth2 client credentials, a store's
    deliveries 15 a page (hydra:next), a delivery by its IRI. Tokens can
    be made to expire: the next call with one gets 401."""
    page_size = 15

    def __init__(self, client_id='key', client_secret='secret',
            store_id=7):
        self.client_id = client_id
        self.client_secret = client_secret
        self.store_id = store_id
        self.deliveries = {}
        self.valid_tokens = set()
        self.tokens_issued = 0
        self.requests = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, status, data):
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header('Content-Type', 'application/ld+json')
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                fake.requests.append(('POST', self.path))
                length = int(self.headers.get('Content-Length') or 0)
                form = parse_qs(self.rfile.read(length).decode())
                import base64
                expected = 'Basic ' + base64.b64encode(
                    f'{fake.client_id}:{fake.client_secret}'.encode()
                    ).decode()
                if (self.path != '/oauth2/token'
                        or self.headers.get('Authorization') != expected
                        or form.get('grant_type') != ['client_credentials']):
                    return self.answer(401, {'error': 'invalid_client'})
                fake.tokens_issued += 1
                token = f'token-{fake.tokens_issued}'
                fake.valid_tokens.add(token)
                self.answer(200, {'access_token': token,
                        'token_type': 'Bearer', 'expires_in': 3600})

            def do_GET(self):
                fake.requests.append(('GET', self.path))
                auth = self.headers.get('Authorization', '')
                if auth.removeprefix('Bearer ') not in fake.valid_tokens:
                    return self.answer(401, {'message': 'Expired JWT Token'})
                url = urlparse(self.path)
                collection = f'/api/stores/{fake.store_id}/deliveries'
                if url.path == collection:
                    page = int(parse_qs(url.query).get('page', ['1'])[0])
                    items = sorted(fake.deliveries.values(),
                        key=lambda d: d['id'])
                    start = (page - 1) * fake.page_size
                    view = {'@id': f'{collection}?page={page}'}
                    if start + fake.page_size < len(items):
                        view['hydra:next'] = f'{collection}?page={page + 1}'
                    return self.answer(200, {
                            '@id': collection,
                            '@type': 'hydra:Collection',
                            'hydra:member': items[
                                start:start + fake.page_size],
                            'hydra:totalItems': len(items),
                            'hydra:view': view,
                            })
                for delivery in fake.deliveries.values():
                    if delivery['@id'] == url.path:
                        return self.answer(200, delivery)
                self.answer(404, {'message': 'Not Found'})

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = f'http://127.0.0.1:{self.server.server_port}'
        self.thread = threading.Thread(
            target=self.server.serve_forever, daemon=True)

    def expire_tokens(self):
        self.valid_tokens.clear()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
