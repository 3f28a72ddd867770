# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"A rider's shift: when she rides on a day, the board's lanes say who does"

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import ShiftError


class Shift(ModelSQL, ModelView):
    "The hours a rider rides on a day"
    __name__ = 'coop.dispatch.shift'
    __string__ = "Shift"

    company = fields.Many2One('company.company', "Company", required=True)
    rider = fields.Many2One(
        'company.employee', "Rider", required=True,
        domain=[('company', '=', Eval('company', -1))])
    date = fields.Date("Date", required=True)
    start = fields.Time("Start", required=True)
    end = fields.Time("End", required=True)
    zone = fields.Many2One(
        'coop.delivery.zone', "Zone", ondelete='SET NULL',
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

    def check_hours(self):
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
