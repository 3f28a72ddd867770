# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
import datetime as dt
from collections import defaultdict

from coop_tools.model import rec_name_domain
from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields, sequence_ordered)
from trytond.model.exceptions import AccessError, ValidationError
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction

from . import pricing
from .price import expression_error

VEHICLES = [
    ('bike', "Bike"),
    ('cargo_bike', "Cargo Bike"),
    ]
# A task that is over: the next one may be completed
FINISHED = {'done', 'cancelled'}
# What the price is computed from: fixed once the delivery is confirmed
ORDER_FIELDS = {
    'company', 'customer', 'date', 'ordered_at', 'vehicle', 'distance',
    'weight'}


def state_from_statuses(statuses):
    "The state of a confirmed delivery whose tasks have these statuses"
    statuses = set(statuses)
    if not statuses or statuses == {'cancelled'}:
        return 'cancelled'
    statuses.discard('cancelled')
    if statuses == {'done'}:
        return 'done'
    if 'failed' in statuses and not statuses & {'todo', 'doing'}:
        return 'failed'
    if statuses & {'doing', 'done', 'failed'}:
        return 'in_progress'
    return 'confirmed'


def invoiced_amount(price_override, price):
    "What a delivery is invoiced: the override if any, else the computed price"
    return price_override if price_override is not None else price


class DeliveryError(ValidationError):
    pass


class TaskError(ValidationError):
    pass


def _non_negative(name):
    return ['OR', (name, '=', None), (name, '>=', 0)]


class Delivery(Workflow, ModelSQL, ModelView):
    "A delivery ordered by a client store, ridden by one of the coop's riders"
    __name__ = 'coop.delivery'
    __string__ = "Delivery"
    _rec_name = 'reference'

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    company = fields.Many2One(
        'company.company', "Company", required=True,
        states=_states)
    customer = fields.Many2One(
        'party.party', "Customer", required=True,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        states=_states,
        help="The store or restaurant that ordered the delivery.")
    reference = fields.Char(
        "Reference", states=_states,
        help="The customer's own reference for the delivery.")
    date = fields.Date("Date", required=True, states=_states)
    ordered_at = fields.DateTime(
        "Ordered at", required=True, states=_states,
        help="When the store ordered the delivery; price rules such as "
        "diff_hours(dropoff) count from it.")
    vehicle = fields.Selection(
        VEHICLES, "Vehicle", required=True, states=_states)
    distance = fields.Integer(
        "Distance", states=_states, domain=[_non_negative('distance')],
        help="In metres.")
    duration = fields.TimeDelta("Duration", states=_states)
    weight = fields.Integer(
        "Weight", states=_states, domain=[_non_negative('weight')],
        help="In grams.")
    packages = fields.One2Many(
        'coop.delivery.package', 'delivery', "Packages", states=_states)
    tasks = fields.One2Many(
        'coop.delivery.task', 'delivery', "Tasks",
        states={
            'readonly': ~Eval('state').in_(['draft', 'confirmed']),
            },
        help="Tasks are added or removed while the delivery is a draft.")
    notes = fields.Text("Notes")

    price_rule_set = fields.Many2One(
        'coop.delivery.price.rule_set', "Price Rule Set", readonly=True,
        help="The customer's rule set that priced the delivery.")
    price = fields.Numeric(
        "Computed Price", digits='currency', readonly=True,
        help="Computed from the customer's rules when the delivery is "
        "confirmed.")
    price_rules = fields.Char(
        "Matched Rules", readonly=True,
        help="The rules that gave the computed price.")
    price_override = fields.Numeric(
        "Price Override", digits='currency',
        domain=[_non_negative('price_override')],
        states={
            'readonly': Eval('state') == 'cancelled',
            },
        help="A price agreed with the customer, in place of the computed "
        "one.")
    price_override_reason = fields.Char(
        "Override Reason",
        states={
            'required': Eval('price_override', None) != None,  # noqa: E711
            'invisible': Eval('price_override', None) == None,  # noqa: E711
            'readonly': Eval('state') == 'cancelled',
            })
    amount = fields.Function(fields.Numeric(
            "Price", digits='currency',
            help="The price invoiced: the override if any, else the "
            "computed price."), 'get_amount')
    currency = fields.Function(fields.Many2One(
            'currency.currency', "Currency"), 'on_change_with_currency')
    state = fields.Selection([
            ('draft', "Draft"),
            ('confirmed', "Confirmed"),
            ('in_progress', "In Progress"),
            ('done', "Done"),
            ('failed', "Failed"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False,
        help="Once confirmed, the state follows the tasks.")

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('date', 'DESC NULLS FIRST'),
            ('id', 'DESC'),
            ]
        t = cls.__table__()
        # A store's deliveries of a day or a month (the list filtered by
        # store and day, invoicing); a coop's of a day or a period (the
        # board, the statistics, month-end): a year of a large coop is
        # otherwise read whole (docs/federation.md)
        cls._sql_indexes.update({
                Index(t, (t.customer, Index.Equality()),
                    (t.date, Index.Range())),
                Index(t, (t.company, Index.Equality()),
                    (t.date, Index.Range())),
                })
        cls._transitions |= {
            ('draft', 'confirmed'),
            ('draft', 'cancelled'),
            ('confirmed', 'cancelled'),
            ('cancelled', 'draft'),
            }
        cls._buttons.update({
                'cancel': {
                    'invisible': ~Eval('state').in_(['draft', 'confirmed']),
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': Eval('state') != 'cancelled',
                    'icon': 'tryton-undo',
                    'depends': ['state'],
                    },
                'confirm': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                })

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_date():
        return dt.date.today()

    @staticmethod
    def default_ordered_at():
        return dt.datetime.now()

    @staticmethod
    def default_vehicle():
        return 'bike'

    @staticmethod
    def default_state():
        return 'draft'

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @classmethod
    def get_amount(cls, deliveries, name):
        return {d.id: invoiced_amount(d.price_override, d.price)
            for d in deliveries}

    def get_rec_name(self, name):
        if self.reference:
            return f'{self.reference} ({self.customer.rec_name})'
        return f'{self.customer.rec_name} {self.date}'

    @classmethod
    def search_rec_name(cls, name, clause):
        return rec_name_domain(clause, 'reference', 'customer.rec_name')

    @classmethod
    def check_modification(cls, mode, deliveries, values=None, external=False):
        super().check_modification(
            mode, deliveries, values=values, external=external)
        if mode == 'write' and values.keys() & ORDER_FIELDS:
            cls.check_draft(deliveries)
        if mode == 'delete':
            for delivery in deliveries:
                if delivery.state not in {'draft', 'cancelled'}:
                    raise AccessError(gettext(
                            'coop_delivery.msg_delivery_delete_draft',
                            delivery=delivery.rec_name))

    @classmethod
    def check_draft(cls, deliveries):
        for delivery in deliveries:
            if delivery.state != 'draft':
                raise AccessError(gettext(
                        'coop_delivery.msg_delivery_modify_confirmed',
                        delivery=delivery.rec_name))

    def check_tasks(self):
        "A delivery to ride has a pickup followed by a dropoff"
        types = [t.type for t in self.tasks if t.status != 'cancelled']
        if ('pickup' not in types or 'dropoff' not in types
                or types.index('pickup') > types.index('dropoff')):
            raise DeliveryError(gettext(
                    'coop_delivery.msg_delivery_pickup_dropoff',
                    delivery=self.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, deliveries):
        pool = Pool()
        Task = pool.get('coop.delivery.task')
        Task.write([t for d in deliveries for t in d.tasks], {
                'status': 'todo',
                'done_at': None,
                })
        cls.write(deliveries, {
                'price': None,
                'price_rules': None,
                'price_rule_set': None,
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('confirmed')
    def confirm(cls, deliveries):
        for delivery in deliveries:
            delivery.check_tasks()
        cls.compute_prices(deliveries)
        cls.save(deliveries)

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, deliveries):
        pool = Pool()
        Task = pool.get('coop.delivery.task')
        Task.write([t for d in deliveries for t in d.tasks
                if t.status not in {'done', 'failed'}], {
                'status': 'cancelled',
                })

    @classmethod
    def compute_prices(cls, deliveries):
        """Price the deliveries from their customers' rule sets

        The rules of each rule set and the zones are parsed once for all
        the deliveries."""
        pool = Pool()
        Zone = pool.get('coop.delivery.zone')
        evaluator = Zone.get_evaluator()
        by_rule_set = defaultdict(list)
        for delivery in deliveries:
            rule_set = delivery.customer.delivery_price_rule_set
            if not rule_set:
                raise DeliveryError(gettext(
                        'coop_delivery.msg_delivery_no_rule_set',
                        delivery=delivery.rec_name,
                        customer=delivery.customer.rec_name))
            by_rule_set[rule_set].append(delivery)
        for rule_set, rule_set_deliveries in by_rule_set.items():
            try:
                rules = rule_set.pricing_rules()
            except pricing.ExpressionError as error:
                raise DeliveryError(gettext(
                        'coop_delivery.msg_delivery_rule_set_invalid',
                        rule_set=rule_set.rec_name,
                        error=expression_error(error)))
            for delivery in rule_set_deliveries:
                delivery.apply_price(rule_set, rules, evaluator)

    def apply_price(self, rule_set, rules, evaluator):
        try:
            cents, matched = pricing.compute(
                rules, rule_set.strategy, evaluator, self.pricing_values())
        except pricing.PricingError as error:
            raise DeliveryError(gettext(
                    'coop_delivery.msg_delivery_price_error',
                    delivery=self.rec_name,
                    rule_set=rule_set.rec_name,
                    error=str(error)))
        if cents is None:
            raise DeliveryError(gettext(
                    'coop_delivery.msg_delivery_no_price_rule',
                    delivery=self.rec_name,
                    customer=self.customer.rec_name,
                    rule_set=rule_set.rec_name))
        self.price_rule_set = rule_set
        self.price = self.company.currency.round(pricing.to_amount(cents))
        self.price_rules = ', '.join(matched)

    def pricing_values(self):
        "The delivery as the price expressions see it"
        tasks = [t for t in self.tasks if t.status != 'cancelled']
        pickups = [t for t in tasks if t.type == 'pickup']
        dropoffs = [t for t in tasks if t.type == 'dropoff']
        return pricing.Delivery(
            distance=self.distance,
            weight=self.weight,
            vehicle=self.vehicle,
            packages=pricing.Packages(
                {p.type.name: p.quantity for p in self.packages}),
            pickup=pickups[0].pricing_values() if pickups else None,
            dropoff=dropoffs[-1].pricing_values() if dropoffs else None,
            ordered_at=self.ordered_at)

    @classmethod
    def update_state(cls, deliveries):
        "Set the state of confirmed deliveries from their tasks"
        by_state = defaultdict(list)
        for delivery in deliveries:
            if delivery.state in {'draft', 'cancelled'}:
                continue
            state = delivery.state_from_tasks()
            if state != delivery.state:
                by_state[state].append(delivery)
        for state, to_write in by_state.items():
            cls.write(to_write, {'state': state})

    def state_from_tasks(self):
        return state_from_statuses(t.status for t in self.tasks)


class PackageType(ModelSQL, ModelView):
    "A kind of package a store hands over: a box, a crate, a cool bag"
    __name__ = 'coop.delivery.package.type'
    __string__ = "Package Type"

    name = fields.Char(
        "Name", required=True,
        help="The name the price expressions use, "
        "as in packages.quantity(\"box\").")
    description = fields.Char("Description")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('name_unique', Unique(t, t.name),
                'coop_delivery.msg_package_type_name_unique'),
            ]


class Package(ModelSQL, ModelView):
    "A number of packages of one type in a delivery"
    __name__ = 'coop.delivery.package'
    __string__ = "Delivery Package"

    delivery = fields.Many2One(
        'coop.delivery', "Delivery", required=True, ondelete='CASCADE')
    type = fields.Many2One(
        'coop.delivery.package.type', "Type", required=True)
    quantity = fields.Integer(
        "Quantity", required=True, domain=[('quantity', '>', 0)])

    @staticmethod
    def default_quantity():
        return 1

    @classmethod
    def check_modification(cls, mode, packages, values=None, external=False):
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        super().check_modification(
            mode, packages, values=values, external=external)
        Delivery.check_draft({p.delivery for p in packages})


class FailureReason(ModelSQL, ModelView):
    "Why a task failed, with CoopCycle's codes"
    __name__ = 'coop.delivery.failure_reason'
    __string__ = "Failure Reason"

    code = fields.Char("Code", required=True)
    name = fields.Char("Name", required=True, translate=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'coop_delivery.msg_failure_reason_code_unique'),
            ]


class Task(sequence_ordered(), Workflow, ModelSQL, ModelView):
    "A pickup or a dropoff of a delivery, at an address within a window"
    __name__ = 'coop.delivery.task'
    __string__ = "Delivery Task"
    _transition_state = 'status'

    _states = {
        'readonly': Eval('status') != 'todo',
        }

    delivery = fields.Many2One(
        'coop.delivery', "Delivery", required=True, ondelete='CASCADE',
        states=_states)
    company = fields.Function(fields.Many2One(
            'company.company', "Company"), 'on_change_with_company',
        searcher='search_company')
    type = fields.Selection([
            ('pickup', "Pickup"),
            ('dropoff', "Dropoff"),
            ], "Type", required=True, states=_states)
    type_string = type.translated('type')
    address = fields.Many2One(
        'party.address', "Address", states=_states,
        help="A party's address, or leave empty and fill the street.")
    street = fields.Char(
        "Street", states={
            'readonly': _states['readonly'],
            'invisible': Bool(Eval('address')),
            })
    postal_code = fields.Char(
        "Postal Code", states={
            'readonly': _states['readonly'],
            'invisible': Bool(Eval('address')),
            })
    city = fields.Char(
        "City", states={
            'readonly': _states['readonly'],
            'invisible': Bool(Eval('address')),
            })
    latitude = fields.Float(
        "Latitude", digits=(9, 6), states=_states,
        domain=['OR', ('latitude', '=', None),
            [('latitude', '>=', -90), ('latitude', '<=', 90)]])
    longitude = fields.Float(
        "Longitude", digits=(9, 6), states=_states,
        domain=['OR', ('longitude', '=', None),
            [('longitude', '>=', -180), ('longitude', '<=', 180)]])
    after = fields.DateTime(
        "After", states=_states,
        domain=[If(Eval('after') & Eval('before'),
                ('after', '<=', Eval('before')), ())],
        help="The start of the time window.")
    before = fields.DateTime(
        "Before", states=_states,
        domain=[If(Eval('after') & Eval('before'),
                ('before', '>=', Eval('after')), ())],
        help="The end of the time window.")
    status = fields.Selection([
            ('todo', "To Do"),
            ('doing', "Doing"),
            ('done', "Done"),
            ('failed', "Failed"),
            ('cancelled', "Cancelled"),
            ], "Status", readonly=True, required=True, sort=False)
    done_at = fields.DateTime("Done at", readonly=True)
    proof_notes = fields.Text(
        "Proof Notes", help="What proves the task was done.")
    failure_reason = fields.Many2One(
        'coop.delivery.failure_reason', "Failure Reason",
        states={
            'readonly': ~Eval('status').in_(['todo', 'doing']),
            })
    incident = fields.Text(
        "Incident",
        help="What happened, when the failure needs a follow-up.")
    delivery_state = fields.Function(fields.Selection(
            'get_delivery_states', "Delivery State"),
        'on_change_with_delivery_state')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._transitions |= {
            ('todo', 'doing'),
            ('todo', 'done'),
            ('doing', 'done'),
            ('todo', 'failed'),
            ('doing', 'failed'),
            ('todo', 'cancelled'),
            ('doing', 'cancelled'),
            ('failed', 'todo'),
            }
        active = ~Eval('delivery_state').in_(['confirmed', 'in_progress'])
        cls._buttons.update({
                'start': {
                    'invisible': (Eval('status') != 'todo') | active,
                    'depends': ['status', 'delivery_state'],
                    },
                'complete': {
                    'invisible': (
                        ~Eval('status').in_(['todo', 'doing']) | active),
                    'icon': 'tryton-ok',
                    'depends': ['status', 'delivery_state'],
                    },
                'fail': {
                    'invisible': (
                        ~Eval('status').in_(['todo', 'doing']) | active),
                    'icon': 'tryton-cancel',
                    'depends': ['status', 'delivery_state'],
                    },
                'retry': {
                    'invisible': (Eval('status') != 'failed') | ~Eval(
                        'delivery_state').in_(
                        ['confirmed', 'in_progress', 'failed']),
                    'icon': 'tryton-undo',
                    'depends': ['status', 'delivery_state'],
                    },
                })

    @staticmethod
    def default_status():
        return 'todo'

    @fields.depends('delivery', '_parent_delivery.company')
    def on_change_with_company(self, name=None):
        return self.delivery.company if self.delivery else None

    @classmethod
    def search_company(cls, name, clause):
        return [('delivery.company',) + tuple(clause[1:])]

    @classmethod
    def get_delivery_states(cls):
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        return Delivery.fields_get(['state'])['state']['selection']

    @fields.depends('delivery', '_parent_delivery.state')
    def on_change_with_delivery_state(self, name=None):
        return self.delivery.state if self.delivery else None

    @fields.depends('address')
    def on_change_address(self):
        if self.address:
            self.street = self.address.street
            self.postal_code = self.address.postal_code
            self.city = self.address.city

    def get_rec_name(self, name):
        return ' '.join(str(part) for part in [
                self.delivery.rec_name, self.type_string or '',
                self.sequence or ''] if part)

    def pricing_values(self):
        return pricing.Task(
            self.type, after=self.after, before=self.before,
            address=pricing.Address(self.latitude, self.longitude))

    @classmethod
    def validate(cls, tasks):
        super().validate(tasks)
        for delivery in {t.delivery for t in tasks}:
            cls.check_windows(delivery)

    @classmethod
    def check_windows(cls, delivery):
        "A dropoff cannot have to end before a pickup it follows may start"
        latest_pickup = None
        for task in delivery.tasks:
            if task.status == 'cancelled':
                continue
            if task.type == 'pickup':
                if task.after and (
                        latest_pickup is None
                        or task.after > latest_pickup.after):
                    latest_pickup = task
            elif (task.before and latest_pickup
                    and task.before < latest_pickup.after):
                raise TaskError(gettext(
                        'coop_delivery.msg_task_dropoff_before_pickup',
                        dropoff=task.rec_name,
                        before=task.before,
                        pickup=latest_pickup.rec_name,
                        after=latest_pickup.after))

    # What was agreed with the store: fixed once the task is under way
    _fixed_once_started = {
        'delivery', 'type', 'address', 'street', 'postal_code', 'city',
        'latitude', 'longitude', 'after', 'before'}

    @classmethod
    def check_modification(cls, mode, tasks, values=None, external=False):
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        super().check_modification(
            mode, tasks, values=values, external=external)
        if mode == 'write' and 'type' in values:
            Delivery.check_draft({t.delivery for t in tasks})
        if mode == 'write' and values.keys() & cls._fixed_once_started:
            for task in tasks:
                if task.status != 'todo':
                    raise AccessError(gettext(
                            'coop_delivery.msg_task_modify_started',
                            task=task.rec_name))
        if mode in {'create', 'delete'}:
            # A cancelled delivery may be deleted with its tasks
            allowed = {'draft'} if mode == 'create' else {'draft', 'cancelled'}
            for task in tasks:
                if task.delivery.state not in allowed:
                    raise AccessError(gettext(
                            'coop_delivery.msg_task_delivery_started',
                            delivery=task.delivery.rec_name))

    @classmethod
    def _check_active(cls, tasks, states={'confirmed', 'in_progress'}):
        for task in tasks:
            if task.delivery.state not in states:
                raise TaskError(gettext(
                        'coop_delivery.msg_task_delivery_not_confirmed',
                        task=task.rec_name,
                        delivery=task.delivery.rec_name))

    @classmethod
    def _set_status(cls, tasks, status, **values):
        """Move the tasks that may go to status, then their deliveries

        The deliveries' states are derived from the tasks' new status, so
        they are updated after it is written."""
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        moving = [t for t in tasks if (t.status, status) in cls._transitions]
        if not moving:
            return
        cls.write(moving, {'status': status, **values})
        Delivery.update_state(
            Delivery.browse(list({t.delivery.id for t in moving})))

    @classmethod
    @ModelView.button
    def start(cls, tasks):
        cls._check_active(tasks)
        cls._set_status(tasks, 'doing')

    @classmethod
    @ModelView.button
    def complete(cls, tasks):
        cls._check_active(tasks)
        completing = {t.id for t in tasks}
        for task in tasks:
            for previous in task.delivery.tasks:
                if previous == task:
                    break
                if (previous.status not in FINISHED
                        and previous.id not in completing):
                    raise TaskError(gettext(
                            'coop_delivery.msg_task_previous_not_finished',
                            task=task.rec_name,
                            previous=previous.rec_name))
        cls._set_status(tasks, 'done', done_at=dt.datetime.now())

    @classmethod
    @ModelView.button
    def fail(cls, tasks):
        cls._check_active(tasks)
        for task in tasks:
            if not task.failure_reason:
                raise TaskError(gettext(
                        'coop_delivery.msg_task_failure_reason_required',
                        task=task.rec_name))
        cls._set_status(tasks, 'failed')

    @classmethod
    @ModelView.button
    def retry(cls, tasks):
        cls._check_active(tasks, {'confirmed', 'in_progress', 'failed'})
        cls._set_status(tasks, 'todo', failure_reason=None)
