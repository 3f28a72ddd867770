# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"What CoopCycle knows as ids, and the instances the suite talks to"
import base64
import datetime as dt
import hashlib
import hmac
import json
import logging

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from . import api, formats
from .loader import ImportRefused, Loader, message

logger = logging.getLogger(__name__)
# The webhook events that say a delivery changed: it is fetched again
DELIVERY_EVENTS = {
    'delivery.assigned', 'delivery.started', 'delivery.picked',
    'delivery.in_transit', 'delivery.completed', 'delivery.failed',
    'delivery.created'}


class CoopCycleError(UserError):
    pass


def refused_text(errors):
    "Every error of refused data, a line each"
    return '\n'.join(
        gettext('coop_coopcycle.msg_import_line', line=e.line,
            message=message(e))
        for e in errors)


class Employee(metaclass=PoolMeta):
    __name__ = 'company.employee'

    coopcycle_username = fields.Char(
        "CoopCycle Username",
        help="The courier's username in CoopCycle: imported tasks and "
        "hours assigned to it are the employee's.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('coopcycle_username_unique',
                Unique(t, t.company, t.coopcycle_username),
                'coop_coopcycle.msg_username_unique'),
            ]


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    coopcycle_organization = fields.Char(
        "CoopCycle Organization",
        help="The store's organization name in CoopCycle, when it is not "
        "the party's name.")


class Delivery(metaclass=PoolMeta):
    __name__ = 'coop.delivery'

    coopcycle_key = fields.Char(
        "CoopCycle ID", readonly=True,
        help="The delivery's IRI in CoopCycle's API, or its order number.")
    coopcycle_order = fields.Char("CoopCycle Order", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('coopcycle_key_unique', Unique(t, t.company, t.coopcycle_key),
                'coop_coopcycle.msg_delivery_key_unique'),
            ]

    @classmethod
    def copy(cls, deliveries, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('coopcycle_key')
        default.setdefault('coopcycle_order')
        return super().copy(deliveries, default=default)


class Task(metaclass=PoolMeta):
    __name__ = 'coop.delivery.task'

    coopcycle_key = fields.Char(
        "CoopCycle ID", readonly=True,
        help="The task's IRI in CoopCycle's API.")
    coopcycle_contact = fields.Char("Contact", readonly=True)
    coopcycle_comments = fields.Text("Comments", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('coopcycle_key_unique', Unique(t, t.coopcycle_key),
                'coop_coopcycle.msg_task_key_unique'),
            ]

    @classmethod
    def copy(cls, tasks, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('coopcycle_key')
        return super().copy(tasks, default=default)


def import_data(company, data, kind=None, month=None, dry_run=False,
        progress=None, stores=None):
    """Import one of CoopCycle's exports (bytes) for the company; return
    the summary. Refused data raises ImportRefused with every error and
    writes nothing."""
    parsed = formats.parse(data, kind)
    parsed.month = month.replace(day=1) if month else None
    return Loader(company, progress, dry_run).load(parsed, stores)


class Instance(DeactivableMixin, ModelSQL, ModelView):
    "A CoopCycle platform whose API the suite reads, for one store"
    __name__ = 'coop.coopcycle.instance'
    __string__ = "CoopCycle Instance"

    company = fields.Many2One('company.company', "Company", required=True)
    name = fields.Char("Name", required=True)
    base_url = fields.Char(
        "Base URL", required=True,
        help="The platform's address, such as https://coop.example.org.")
    authentication = fields.Selection([
            ('oauth2', "OAuth2 Client Credentials"),
            ('api_key', "API Key"),
            ], "Authentication", required=True)
    client_id = fields.Char(
        "Client ID",
        states={
            'required': Eval('authentication') == 'oauth2',
            'invisible': Eval('authentication') != 'oauth2',
            })
    client_secret = fields.Char(
        "Client Secret",
        states={
            'required': Eval('authentication') == 'oauth2',
            'invisible': Eval('authentication') != 'oauth2',
            })
    api_key = fields.Char(
        "API Key",
        states={
            'required': Eval('authentication') == 'api_key',
            'invisible': Eval('authentication') != 'api_key',
            },
        help="A key starting with ak_.")
    store_id = fields.Integer(
        "Store ID", required=True,
        help="The id of the store the API application is bound to.")
    store = fields.Many2One(
        'party.party', "Store", required=True,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="The party the store's deliveries are for.")
    webhook_secret = fields.Char(
        "Webhook Secret",
        help="The secret CoopCycle gave when the webhook was registered: "
        "it signs the events.")
    token = fields.Char("Token", readonly=True)
    token_expires = fields.DateTime("Token Expires", readonly=True)
    last_sync = fields.DateTime("Last Synchronisation", readonly=True)
    webhook_url = fields.Function(
        fields.Char("Webhook URL"), 'get_webhook_url')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'sync': {
                    'invisible': ~Eval('active', True),
                    'icon': 'tryton-refresh',
                    'depends': ['active'],
                    },
                })

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_authentication():
        return 'oauth2'

    @classmethod
    def validate_fields(cls, instances, field_names):
        super().validate_fields(instances, field_names)
        if field_names is None or 'api_key' in field_names:
            for instance in instances:
                if (instance.authentication == 'api_key'
                        and not (instance.api_key or '').startswith('ak_')):
                    raise CoopCycleError(gettext(
                            'coop_coopcycle.msg_api_key_prefix',
                            instance=instance.rec_name))

    def get_webhook_url(self, name):
        database = Transaction().database.name
        return f'/{database}/coopcycle/webhook/{self.id}'

    def client(self):
        token = None
        if self.token and self.token_expires and (
                self.token_expires > dt.datetime.now()):
            token = self.token

        def on_token(value, expires_in):
            self.token = value
            # A minute early: a token is not used up to its last second
            self.token_expires = dt.datetime.now() + dt.timedelta(
                seconds=max(expires_in - 60, 0))
            self.save()
        return api.Client(
            self.base_url,
            client_id=self.client_id, client_secret=self.client_secret,
            api_key=(self.api_key if self.authentication == 'api_key'
                else None),
            token=token, on_token=on_token)

    def api_error(self, error):
        return CoopCycleError(gettext(
                'coop_coopcycle.msg_api_error', instance=self.rec_name,
                url=error.url, status=error.status or '',
                detail=error.detail))

    def upsert(self, payloads):
        """Import deliveries of the API (JSON objects) for the store;
        return the summary"""
        errors = []
        deliveries = []
        for position, data in enumerate(payloads, 1):
            delivery = formats.parse_api_delivery(
                data, self.store.rec_name, errors, position)
            if delivery:
                deliveries.append(delivery)
        parsed = formats.Parsed(
            kind='api', deliveries=deliveries, errors=errors,
            rows=len(payloads))
        loader = Loader(self.company)
        try:
            return loader.load(parsed, {self.store.rec_name: self.store.id})
        except ImportRefused as refused:
            raise CoopCycleError(gettext(
                    'coop_coopcycle.msg_api_refused',
                    instance=self.rec_name,
                    errors=refused_text(refused.errors)))

    @classmethod
    @ModelView.button
    def sync(cls, instances):
        "Pull every delivery of each instance's store, page by page"
        for instance in instances:
            client = instance.client()
            try:
                payloads = list(client.store_deliveries(instance.store_id))
            except api.APIError as error:
                raise instance.api_error(error)
            with Transaction().set_context(company=instance.company.id):
                summary = instance.upsert(payloads)
            instance.last_sync = dt.datetime.now()
            instance.save()
            logger.info("CoopCycle %s: %s", instance.rec_name,
                summary.as_dict())

    @classmethod
    def sync_all(cls):
        "The cron job: every active instance"
        cls.sync(cls.search([]))

    @staticmethod
    def signature(secret, body):
        "X-CoopCycle-Signature: base64 of the HMAC-SHA256 of the raw body"
        return base64.b64encode(hmac.new(
                secret.encode(), body, hashlib.sha256).digest()).decode()

    def check_signature(self, body, signature):
        if not self.webhook_secret or not signature:
            return False
        return hmac.compare_digest(
            self.signature(self.webhook_secret, body), signature.strip())

    @classmethod
    def receive_webhook(cls, instance_id, body, signature):
        """Handle one event: (HTTP status, answer). The signature is checked
        first; a delivery event fetches the delivery and upserts it, so a
        replayed event changes nothing more."""
        pool = Pool()
        Event = pool.get('coop.coopcycle.event')
        instances = cls.search([('id', '=', instance_id)])
        if not instances or not instances[0].check_signature(
                body, signature):
            return 401, {'error': 'invalid signature'}
        instance, = instances
        try:
            data = json.loads(body)['data']
            event, iri = data['event'], data['object']
        except (ValueError, KeyError, TypeError):
            return 400, {'error': 'malformed event'}
        if (event not in DELIVERY_EVENTS or not isinstance(iri, str)
                or not iri.startswith('/api/deliveries/')):
            Event.create([{'instance': instance.id, 'event': str(event),
                        'object': str(iri), 'result': 'ignored'}])
            return 200, {'status': 'ignored'}
        try:
            payload = instance.client().get(iri)
        except api.APIError as error:
            return 502, {'error': str(error)}
        with Transaction().set_context(company=instance.company.id):
            try:
                summary = instance.upsert([payload])
            except CoopCycleError as error:
                return 422, {'error': error.message}
        changed = (summary.deliveries_created + summary.deliveries_updated
            + summary.tasks_created + summary.tasks_updated)
        Event.create([{'instance': instance.id, 'event': event,
                    'object': iri, 'result': 'done' if changed else 'unchanged'}])
        return 200, {'status': 'done', 'changed': changed}


class Event(ModelSQL, ModelView):
    "An event CoopCycle sent, as it was handled"
    __name__ = 'coop.coopcycle.event'
    __string__ = "CoopCycle Event"

    instance = fields.Many2One(
        'coop.coopcycle.instance', "Instance", required=True,
        ondelete='CASCADE')
    event = fields.Char("Event", readonly=True)
    object = fields.Char("Object", readonly=True)
    result = fields.Selection([
            ('done', "Done"),
            ('unchanged', "Nothing Changed"),
            ('ignored', "Ignored"),
            ], "Result", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('coop.coopcycle.instance|sync_all',
                "Synchronise CoopCycle Deliveries"))
