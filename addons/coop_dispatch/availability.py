# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""What riders say of a week's schedule: the slots they are available for
(declared for a draft or published week), and their applications for a
published slot's open places, which the dispatcher accepts (placing the
rider in the slot) or refuses. Riders declare and apply in the portal
(portal_pages.py, where coop_portal is activated beside); the dispatcher
reads both on the slot's form. Nothing here needs the portal: a rider is a
company.employee."""
from trytond.i18n import gettext
from trytond.model import (
    ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import ApplicationError, AvailabilityError


class RiderSlotMixin:
    "A rider's record about a slot: of the slot's company, the rider's"
    __slots__ = ()
    company = fields.Many2One('company.company', "Company", required=True,
        readonly=True)
    rider = fields.Many2One('company.employee', "Rider", required=True,
        readonly=True,
        domain=[('company', '=', Eval('company', -1))])
    slot = fields.Many2One('coop.dispatch.schedule.slot', "Slot",
        required=True, readonly=True, ondelete='CASCADE',
        domain=[('company', '=', Eval('company', -1))])
    date = fields.Function(fields.Date("Date"), 'get_slot_field')
    start = fields.Function(fields.Time("Start"), 'get_slot_field')
    end = fields.Function(fields.Time("End"), 'get_slot_field')
    zone = fields.Function(fields.Many2One(
            'coop.delivery.zone', "Zone"), 'get_slot_field')

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    def get_slot_field(self, name):
        value = getattr(self.slot, name)
        if name == 'zone':
            return value.id if value else None
        return value

    def get_rec_name(self, name):
        return f'{self.rider.rec_name} {self.slot.rec_name}'

    @classmethod
    def validate(cls, records):
        super().validate(records)
        for record in records:
            if (record.slot.schedule.company != record.company
                    or record.rider.company != record.company):
                raise AvailabilityError(gettext(
                        'coop_dispatch.msg_rider_slot_company',
                        rider=record.rider.rec_name,
                        slot=record.slot.rec_name))


def upcoming(slot, today):
    "Whether the slot's day is not past"
    return slot.date >= today


class Availability(RiderSlotMixin, ModelSQL, ModelView):
    "A slot of a week's schedule a rider says she is available for"
    __name__ = 'coop.dispatch.availability'
    __string__ = "Availability"

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('rider_slot_unique', Unique(t, t.rider, t.slot),
                'coop_dispatch.msg_availability_unique'),
            ]
        cls._order = [('slot', 'ASC'), ('rider', 'ASC'), ('id', 'ASC')]

    @classmethod
    def declare(cls, riders, schedule, slots):
        """The riders (a person's employee records) are available for slots
        of schedule and for no other slot of it: the days not past are set,
        the past ones kept as they were; refused for a past week, a slot of
        another schedule, a schedule of none of the riders' companies"""
        Date = Pool().get('ir.date')
        today = Date.today()
        riders = [r for r in riders if r.company == schedule.company]
        if not riders:
            raise AvailabilityError(gettext(
                    'coop_dispatch.msg_availability_company',
                    schedule=schedule.rec_name))
        rider = riders[0]
        if not any(upcoming(s, today) for s in schedule.slots):
            raise AvailabilityError(gettext(
                    'coop_dispatch.msg_availability_past',
                    schedule=schedule.rec_name))
        wanted = set()
        for slot in slots:
            if slot.schedule != schedule:
                raise AvailabilityError(gettext(
                        'coop_dispatch.msg_availability_slot',
                        slot=slot.rec_name, schedule=schedule.rec_name))
            if upcoming(slot, today):
                wanted.add(slot.id)
        there = cls.search([
                ('rider', 'in', [r.id for r in riders]),
                ('slot.schedule', '=', schedule.id),
                ])
        have = {a.slot.id for a in there}
        cls.delete([a for a in there
                if a.slot.id not in wanted and upcoming(a.slot, today)])
        return cls.create([{
                    'company': schedule.company.id,
                    'rider': rider.id,
                    'slot': slot_id,
                    } for slot_id in sorted(wanted - have)])


class Application(RiderSlotMixin, Workflow, ModelSQL, ModelView):
    "A rider asks to ride a published slot's open place"
    __name__ = 'coop.dispatch.application'
    __string__ = "Shift Application"

    state = fields.Selection([
            ('requested', "Requested"),
            ('accepted', "Accepted"),
            ('refused', "Refused"),
            ], "State", readonly=True, required=True, sort=False)
    shift = fields.Many2One('coop.dispatch.shift', "Shift", readonly=True,
        ondelete='SET NULL',
        help="The shift the rider was placed in when accepted.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('slot', 'ASC'), ('id', 'ASC')]
        cls._transitions |= {
            ('requested', 'accepted'),
            ('requested', 'refused'),
            }
        cls._buttons.update({
                'accept': {
                    'invisible': Eval('state') != 'requested',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'refuse': {
                    'invisible': Eval('state') != 'requested',
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                })

    @staticmethod
    def default_state():
        return 'requested'

    @classmethod
    def check_open(cls, slot, riders):
        """Refuse an application for slot by one of the person's riders:
        not published, past, full, the rider placed or waiting already"""
        pool = Pool()
        Date = pool.get('ir.date')
        if slot.schedule.state != 'published':
            raise ApplicationError(gettext(
                    'coop_dispatch.msg_application_draft', slot=slot.rec_name))
        if not upcoming(slot, Date.today()):
            raise ApplicationError(gettext(
                    'coop_dispatch.msg_application_past', slot=slot.rec_name))
        rider_ids = {r.id for r in riders}
        if any(s.rider.id in rider_ids for s in slot.shifts):
            raise ApplicationError(gettext(
                    'coop_dispatch.msg_application_placed',
                    slot=slot.rec_name))
        if len(slot.shifts) >= slot.wanted:
            raise ApplicationError(gettext(
                    'coop_dispatch.msg_application_full', slot=slot.rec_name,
                    wanted=slot.wanted))
        if cls.search([
                    ('slot', '=', slot.id),
                    ('rider', 'in', list(rider_ids)),
                    ('state', '=', 'requested'),
                    ], limit=1):
            raise ApplicationError(gettext(
                    'coop_dispatch.msg_application_twice',
                    slot=slot.rec_name))

    @classmethod
    def apply(cls, riders, slot):
        """The person (her employee records riders) applies for slot: the
        application the dispatcher answers; the slot must be her
        company's, published, to come and not full"""
        riders = [r for r in riders if r.company == slot.schedule.company]
        if not riders:
            raise ApplicationError(gettext(
                    'coop_dispatch.msg_application_company',
                    slot=slot.rec_name))
        cls.check_open(slot, riders)
        application, = cls.create([{
                    'company': slot.schedule.company.id,
                    'rider': riders[0].id,
                    'slot': slot.id,
                    }])
        return application

    @classmethod
    @ModelView.button
    @Workflow.transition('accepted')
    def accept(cls, applications):
        """Place each rider in her slot (a shift of it: the slot's
        overfill warning and the shifts' overlap refusal apply)"""
        pool = Pool()
        Slot = pool.get('coop.dispatch.schedule.slot')
        for application in applications:
            if application.slot.schedule.state != 'published':
                raise ApplicationError(gettext(
                        'coop_dispatch.msg_application_draft',
                        slot=application.slot.rec_name))
            application.shift, = Slot.fill(
                application.slot, [application.rider])
        cls.save(applications)

    @classmethod
    @ModelView.button
    @Workflow.transition('refused')
    def refuse(cls, applications):
        pass


# The models whose record rules keep a rider to her own records
RIDER_RULE_MODELS = {
    'coop.dispatch.availability',
    'coop.dispatch.application',
    }


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def _get_context(cls, model_name):
        context = super()._get_context(model_name)
        if model_name in RIDER_RULE_MODELS:
            context['employees'] = Pool().get('res.user').get_employees()
        return context

    @classmethod
    def _get_cache_key(cls, model_names):
        key = super()._get_cache_key(model_names)
        if model_names & RIDER_RULE_MODELS:
            key = (*key, Pool().get('res.user').get_employees())
        return key
