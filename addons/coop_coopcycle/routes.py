# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"CoopCycle's webhooks: an event says a delivery changed"
import json

from trytond.protocols.wrappers import Response, with_pool, with_transaction
from trytond.wsgi import app

# An event is a small JSON object naming an IRI
MAX_BODY = 64 * 1024


@app.route('/<database_name>/coopcycle/webhook/<int:instance>',
    methods=['POST'])
@with_pool
@with_transaction()
def webhook(request, pool, instance):
    """Check X-CoopCycle-Signature against the instance's secret, then
    fetch and upsert the delivery; the signature is all that authenticates
    the caller, so nothing is read or written before it is checked"""
    Instance = pool.get('coop.coopcycle.instance')
    body = request.get_data(cache=False)[:MAX_BODY + 1]
    if len(body) > MAX_BODY:
        status, answer = 413, {'error': 'too large'}
    else:
        status, answer = Instance.receive_webhook(
            instance, body, request.headers.get('X-CoopCycle-Signature'))
    return Response(
        json.dumps(answer), status=status, content_type='application/json')
