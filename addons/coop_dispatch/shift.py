# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"A rider's shift: when she rides on a day, the board's lanes say who does"

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction

from .exceptions import ShiftError


class Shift(ModelSQL, ModelView):
    "The hours a rider rides on a day"
    __name__ = 'coop.dispatch.shift'
    __string__ = "Shift"

    _slot_states = {
        'required': ~Eval('slot'),
        'readonly': Bool(Eval('slot')),
        }

    company = fields.Many2One('company.company', "Company", required=True)
    rider = fields.Many2One(
        'company.employee', "Rider", required=True,
        domain=[('company', '=', Eval('company', -1))])
    slot = fields.Many2One(
        'coop.dispatch.schedule.slot', "Slot", ondelete='CASCADE',
        readonly=True,
        help="The week's schedule slot the rider was placed in: the shift "
        "has its hours and zone.")
    date = fields.Date("Date", states=_slot_states)
    start = fields.Time("Start", states=_slot_states)
    end = fields.Time("End", states=_slot_states)
    zone = fields.Many2One(
        'coop.delivery.zone', "Zone", ondelete='SET NULL',
        states={'readonly': Bool(Eval('slot'))},
        help="Where the rider waits for her tasks, if anywhere.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('start', 'ASC'), ('id', 'ASC')]

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_date():
        return Pool().get('ir.date').today()

    @classmethod
    def preprocess_values(cls, mode, values):
        "A shift of a slot takes its hours and zone from the slot"
        values = super().preprocess_values(mode, values)
        if values.get('slot'):
            Slot = Pool().get('coop.dispatch.schedule.slot')
            values.update(Slot(values['slot']).shift_values())
        return values

    @fields.depends('slot', '_parent_slot.date', '_parent_slot.start',
        '_parent_slot.end', '_parent_slot.zone')
    def on_change_slot(self):
        if self.slot:
            for name, value in self.slot.shift_values().items():
                if name != 'company':
                    setattr(self, name, value)

    def get_rec_name(self, name):
        return (f'{self.rider.rec_name} {self.date} '
            f'{self.start:%H:%M}-{self.end:%H:%M}')

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('rider.rec_name',) + tuple(clause[1:])]

    @classmethod
    def validate(cls, shifts):
        super().validate(shifts)
        for shift in shifts:
            shift.check_hours()
        cls.check_overlap(shifts)

    @classmethod
    def create(cls, vlist):
        # Warned before anything is written
        Slot = Pool().get('coop.dispatch.schedule.slot')
        adding = {}
        for values in vlist:
            if values.get('slot'):
                adding[values['slot']] = adding.get(values['slot'], 0) + 1
        if adding:
            Slot.check_filled(Slot.browse(sorted(adding)), adding)
        return super().create(vlist)

    def check_hours(self):
        if self.date is None or self.start is None or self.end is None:
            raise ShiftError(gettext(
                    'coop_dispatch.msg_shift_hours_required',
                    rider=self.rider.rec_name))
        if self.slot and (self.date, self.start, self.end) != (
                self.slot.date, self.slot.start, self.slot.end):
            raise ShiftError(gettext(
                    'coop_dispatch.msg_shift_slot_hours',
                    shift=self.rec_name, slot=self.slot.rec_name))
        if self.end <= self.start:
            raise ShiftError(gettext(
                    'coop_dispatch.msg_shift_end_before_start',
                    shift=self.rec_name))

    @classmethod
    def check_overlap(cls, shifts):
        "A rider rides one shift at a time"
        for shift in shifts:
            others = cls.search([
                    ('id', '!=', shift.id),
                    ('rider', '=', shift.rider.id),
                    ('date', '=', shift.date),
                    ('start', '<', shift.end),
                    ('end', '>', shift.start),
                    ], limit=1)
            if others:
                raise ShiftError(gettext(
                        'coop_dispatch.msg_shift_overlap',
                        shift=shift.rec_name, other=others[0].rec_name))

    @classmethod
    def of_day(cls, date, rider_ids):
        """The shifts of date of the riders, {rider id: [(start, end)]} in
        order; and whether the company plans shifts that day at all"""
        company = Transaction().context.get('company')
        shifts = cls.search([
                ('company', '=', company), ('date', '=', date)],
            order=[('start', 'ASC')])
        result = {i: [] for i in rider_ids}
        for shift in shifts:
            if shift.rider.id in result:
                result[shift.rider.id].append((shift.start, shift.end))
        return result, bool(shifts)
