# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""A week's schedule: shift templates, the week's slots (a zone, a number of
riders wanted), draft then published; the dispatcher fills the slots with
riders, which makes the riders' shifts the board reads"""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Workflow, fields)
from trytond.pool import Pool
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction

from .exceptions import ScheduleError, SlotOverfilledWarning

WEEKDAYS = [
    ('0', "Monday"),
    ('1', "Tuesday"),
    ('2', "Wednesday"),
    ('3', "Thursday"),
    ('4', "Friday"),
    ('5', "Saturday"),
    ('6', "Sunday"),
    ]


def monday_of(date):
    return date - dt.timedelta(days=date.weekday())


class ShiftTemplate(DeactivableMixin, ModelSQL, ModelView):
    "A shift the coop rides every week: a weekday, hours, a zone, riders"
    __name__ = 'coop.dispatch.shift.template'
    __string__ = "Shift Template"

    company = fields.Many2One('company.company', "Company", required=True)
    weekday = fields.Selection(WEEKDAYS, "Weekday", required=True,
        sort=False)
    start = fields.Time("Start", required=True)
    end = fields.Time("End", required=True)
    zone = fields.Many2One(
        'coop.delivery.zone', "Zone", ondelete='SET NULL')
    wanted = fields.Integer(
        "Riders Wanted", required=True,
        domain=[('wanted', '>', 0)])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('weekday', 'ASC'), ('start', 'ASC'), ('id', 'ASC')]

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_wanted():
        return 1

    def get_rec_name(self, name):
        weekday = dict(WEEKDAYS)[self.weekday]
        zone = f' {self.zone.rec_name}' if self.zone else ''
        return f'{weekday} {self.start:%H:%M}-{self.end:%H:%M}{zone}'

    @classmethod
    def validate(cls, templates):
        super().validate(templates)
        for template in templates:
            if template.end <= template.start:
                raise ScheduleError(gettext(
                        'coop_dispatch.msg_template_end_before_start',
                        template=template.rec_name))


class Schedule(Workflow, ModelSQL, ModelView):
    "The shifts of a week, planned in slots, draft then published"
    __name__ = 'coop.dispatch.schedule'
    __string__ = "Schedule"
    _states = {'readonly': Eval('state') != 'draft'}

    company = fields.Many2One('company.company', "Company", required=True,
        states=_states)
    week = fields.Date("Week", required=True, states=_states,
        help="The Monday the week starts on.")
    version = fields.Integer("Version", readonly=True,
        help="One more each time the published schedule is reopened.")
    # Open when published too: the dispatcher fills them there (their own
    # fields are read-only then)
    slots = fields.One2Many('coop.dispatch.schedule.slot', 'schedule',
        "Slots")
    state = fields.Selection([
            ('draft', "Draft"),
            ('published', "Published"),
            ], "State", readonly=True, sort=False)
    reason = fields.Char("Reason to Reopen",
        states={'invisible': Eval('state') != 'published'},
        help="Why the published schedule must change: kept in its history "
        "when it is reopened.")
    history = fields.Text("History", readonly=True)
    wanted = fields.Function(fields.Integer("Riders Wanted"), 'get_filled')
    filled = fields.Function(fields.Integer("Riders Placed"), 'get_filled')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('week', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'published'),
            ('published', 'draft'),
            }
        cls._buttons.update({
                'fill_from_templates': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-launch',
                    'depends': ['state'],
                    },
                'publish': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'reopen': {
                    'invisible': Eval('state') != 'published',
                    'readonly': ~Bool(Eval('reason')),
                    'icon': 'tryton-back',
                    'depends': ['state', 'reason'],
                    },
                })

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_week():
        return monday_of(Pool().get('ir.date').today())

    @staticmethod
    def default_version():
        return 1

    @staticmethod
    def default_state():
        return 'draft'

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('week'):
            values['week'] = monday_of(values['week'])
        return values

    def get_rec_name(self, name):
        return gettext('coop_dispatch.msg_schedule_name',
            week=self.week.isoformat(), version=self.version)

    @classmethod
    def get_filled(cls, schedules, names):
        result = {name: {} for name in names}
        for schedule in schedules:
            values = {
                'wanted': sum(s.wanted for s in schedule.slots),
                'filled': sum(len(s.shifts) for s in schedule.slots),
                }
            for name in names:
                result[name][schedule.id] = values[name]
        return result

    @classmethod
    def check_modification(cls, mode, schedules, values=None,
            external=False):
        super().check_modification(
            mode, schedules, values=values, external=external)
        # Published: a user writes its reason to reopen, and its slots'
        # riders (the slots check the rest)
        if mode == 'delete' or (mode == 'write' and external
                and set(values or {}) - {'reason', 'slots'}):
            for schedule in schedules:
                if schedule.state == 'published':
                    raise ScheduleError(gettext(
                            'coop_dispatch.msg_schedule_published',
                            schedule=schedule.rec_name))

    @classmethod
    @ModelView.button
    def fill_from_templates(cls, schedules):
        """Add to each draft schedule a slot per active shift template of
        its company, on the template's weekday of the week, unless the same
        slot is there already"""
        pool = Pool()
        Template = pool.get('coop.dispatch.shift.template')
        Slot = pool.get('coop.dispatch.schedule.slot')
        to_create = []
        for schedule in schedules:
            if schedule.state != 'draft':
                continue
            there = {(s.date, s.start, s.end, s.zone) for s in schedule.slots}
            for template in Template.search([
                        ('company', '=', schedule.company.id)]):
                date = schedule.week + dt.timedelta(
                    days=int(template.weekday))
                key = (date, template.start, template.end, template.zone)
                if key in there:
                    continue
                there.add(key)
                to_create.append({
                        'schedule': schedule.id,
                        'template': template.id,
                        'date': date,
                        'start': template.start,
                        'end': template.end,
                        'zone': template.zone.id if template.zone else None,
                        'wanted': template.wanted,
                        })
        Slot.create(to_create)

    @classmethod
    @ModelView.button
    @Workflow.transition('published')
    def publish(cls, schedules):
        for schedule in schedules:
            if not schedule.slots:
                raise ScheduleError(gettext(
                        'coop_dispatch.msg_schedule_empty',
                        schedule=schedule.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def reopen(cls, schedules):
        """Back to draft as its next version, saying why: the reason is
        required and kept in the history"""
        pool = Pool()
        Date = pool.get('ir.date')
        User = pool.get('res.user')
        user = User(Transaction().user)
        for schedule in schedules:
            if not (schedule.reason or '').strip():
                raise ScheduleError(gettext(
                        'coop_dispatch.msg_schedule_reopen_reason',
                        schedule=schedule.rec_name))
            line = gettext('coop_dispatch.msg_schedule_reopened',
                version=schedule.version, date=Date.today().isoformat(),
                user=user.rec_name, reason=schedule.reason.strip())
            schedule.history = '\n'.join(
                filter(None, [schedule.history, line]))
            schedule.version += 1
            schedule.reason = None
        cls.save(schedules)


class Slot(ModelSQL, ModelView):
    "A shift of a week's schedule: hours, a zone, how many riders"
    __name__ = 'coop.dispatch.schedule.slot'
    __string__ = "Schedule Slot"
    _states = {'readonly': Eval('schedule_state') != 'draft'}

    schedule = fields.Many2One('coop.dispatch.schedule', "Schedule",
        required=True, ondelete='CASCADE', states=_states)
    company = fields.Function(fields.Many2One(
            'company.company', "Company"), 'on_change_with_company',
        searcher='search_company')
    schedule_state = fields.Function(fields.Selection(
            'get_schedule_states', "Schedule State"),
        'on_change_with_schedule_state')
    template = fields.Many2One('coop.dispatch.shift.template', "Template",
        ondelete='SET NULL', readonly=True)
    date = fields.Date("Date", required=True, states=_states)
    start = fields.Time("Start", required=True, states=_states)
    end = fields.Time("End", required=True, states=_states)
    zone = fields.Many2One('coop.delivery.zone', "Zone", ondelete='SET NULL',
        states=_states)
    wanted = fields.Integer("Riders Wanted", required=True,
        domain=[('wanted', '>', 0)], states=_states)
    shifts = fields.One2Many('coop.dispatch.shift', 'slot', "Riders",
        domain=[('company', '=', Eval('company', -1))],
        help="The riders placed in the slot, each a shift the board reads.")
    filled = fields.Function(fields.Integer("Riders Placed"), 'get_filled')
    # What the riders said in the portal (availability.py), read when
    # filling the slot
    availabilities = fields.One2Many('coop.dispatch.availability', 'slot',
        "Available Riders", readonly=True,
        help="The riders who said in the portal they are available.")
    applications = fields.One2Many('coop.dispatch.application', 'slot',
        "Applications", readonly=True,
        help="The riders who applied in the portal for the slot: accept "
        "one to place her.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'ASC'), ('start', 'ASC'), ('id', 'ASC')]

    @staticmethod
    def default_wanted():
        return 1

    @fields.depends('schedule', '_parent_schedule.company')
    def on_change_with_company(self, name=None):
        return self.schedule.company if self.schedule else None

    @classmethod
    def search_company(cls, name, clause):
        return [('schedule.company',) + tuple(clause[1:])]

    @classmethod
    def get_schedule_states(cls):
        Schedule = Pool().get('coop.dispatch.schedule')
        return Schedule.fields_get(['state'])['state']['selection']

    @fields.depends('schedule', '_parent_schedule.state')
    def on_change_with_schedule_state(self, name=None):
        return self.schedule.state if self.schedule else 'draft'

    def get_filled(self, name):
        return len(self.shifts)

    def get_rec_name(self, name):
        zone = f' {self.zone.rec_name}' if self.zone else ''
        return f'{self.date} {self.start:%H:%M}-{self.end:%H:%M}{zone}'

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('zone.rec_name',) + tuple(clause[1:])]

    @classmethod
    def validate(cls, slots):
        super().validate(slots)
        for slot in slots:
            if slot.end <= slot.start:
                raise ScheduleError(gettext(
                        'coop_dispatch.msg_slot_end_before_start',
                        slot=slot.rec_name))
            week = slot.schedule.week
            if not (week <= slot.date < week + dt.timedelta(days=7)):
                raise ScheduleError(gettext(
                        'coop_dispatch.msg_slot_out_of_week',
                        slot=slot.rec_name, schedule=slot.schedule.rec_name))

    @classmethod
    def check_modification(cls, mode, slots, values=None, external=False):
        super().check_modification(
            mode, slots, values=values, external=external)
        # Filling a published slot writes its shifts, nothing else
        if mode == 'write' and not (set(values or {}) - {'shifts'}):
            return
        # (created: the records are there, with their schedule)
        schedules = [s.schedule for s in slots]
        if mode == 'write' and values.get('schedule'):
            Schedule = Pool().get('coop.dispatch.schedule')
            schedules.append(Schedule(values['schedule']))
        for schedule in schedules:
            if schedule.state == 'published':
                raise ScheduleError(gettext(
                        'coop_dispatch.msg_schedule_published',
                        schedule=schedule.rec_name))

    def shift_values(self):
        "What a shift of the slot takes from it"
        return {
            'company': self.schedule.company.id,
            'date': self.date,
            'start': self.start,
            'end': self.end,
            'zone': self.zone.id if self.zone else None,
            }

    @classmethod
    def write(cls, *args):
        super().write(*args)
        # A draft slot's new hours or zone move its riders' shifts
        pool = Pool()
        Shift = pool.get('coop.dispatch.shift')
        names = {'date', 'start', 'end', 'zone'}
        to_write = []
        for slots, values in zip(args[0::2], args[1::2]):
            if names & set(values):
                for slot in cls.browse(slots):
                    if slot.shifts:
                        to_write.extend(
                            (list(slot.shifts), slot.shift_values()))
        if to_write:
            Shift.write(*to_write)

    @classmethod
    def check_filled(cls, slots, adding=None):
        """Warn when a slot has (or would have, with adding {slot id:
        riders}) more riders than wanted: the dispatcher may go on"""
        Warning = Pool().get('res.user.warning')
        adding = adding or {}
        for slot in slots:
            filled = len(slot.shifts) + adding.get(slot.id, 0)
            if filled <= slot.wanted:
                continue
            key = Warning.format(f'coop_dispatch.slot_overfilled.{filled}',
                [slot])
            if Warning.check(key):
                raise SlotOverfilledWarning(key, gettext(
                        'coop_dispatch.msg_slot_overfilled',
                        slot=slot.rec_name, filled=filled,
                        wanted=slot.wanted))

    @classmethod
    def fill(cls, slot, riders):
        "Place the riders in the slot: a shift each on its hours and zone"
        Shift = Pool().get('coop.dispatch.shift')
        return Shift.create([{
                    'company': slot.schedule.company.id,
                    'slot': slot.id,
                    'rider': r.id,
                    } for r in riders])
