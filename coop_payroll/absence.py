# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Absences of an employee: paid leave, sickness, unpaid leave…

An absence runs from a first to a last day, either of them by half a day
(it starts in the afternoon, it ends at noon). A payroll manager enters or
approves it; only approved absences change the payslip. The days of a
month with a confirmed payslip are closed: an absence there is refused,
and changes go through the payslip's correction (its reversal reopens the
month).

The engine counts working days from Monday to Friday, the contract's
weekly hours spread evenly over them; a country module adds its own
counts (coop_payroll_fr: jours ouvrables for paid leave) and its checks
(check_balance).
"""
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from coop_tools.model import rec_name_domain

from .exceptions import AbsenceError
from .hours import month_end

KINDS = [
    ('paid_leave', "Paid Leave"),
    ('sick_leave', "Sick Leave"),
    ('work_accident', "Work Accident"),
    ('unpaid_leave', "Unpaid Leave"),
    ('unjustified', "Unjustified Absence"),
    ('other_legal', "Other Legal Leave"),
    ]
STATES = [
    ('requested', "Requested"),
    ('approved', "Approved"),
    ('refused', "Refused"),
    ('cancelled', "Cancelled"),
    ]
# The states in which an absence holds its days
ACTIVE_STATES = ['requested', 'approved']
# The days of the week worked (Monday is 0)
WORKING_WEEKDAYS = frozenset(range(5))
HALF = Decimal('0.5')


def working_days(start, end, weekdays=WORKING_WEEKDAYS):
    "The days of [start, end] that fall on weekdays"
    if end < start:
        return 0
    days = (end - start).days + 1
    weeks, rest = divmod(days, 7)
    count = weeks * len(weekdays)
    for i in range(rest):
        if (start + dt.timedelta(days=weeks * 7 + i)).weekday() in weekdays:
            count += 1
    return count


def month_starts(start, end):
    "The first days of the months [start, end] touches"
    month = start.replace(day=1)
    while month <= end:
        yield month
        month = (month_end(month) + dt.timedelta(days=1))


class Absence(Workflow, ModelSQL, ModelView):
    "A span of days an employee does not work"
    __name__ = 'coop.payroll.absence'
    __string__ = "Absence"

    _states = {
        'readonly': Eval('state') != 'requested',
        }

    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    employee = fields.Many2One(
        'company.employee', "Employee", required=True, states=_states,
        domain=[('company', '=', Eval('company', -1))])
    kind = fields.Selection(KINDS, "Kind", required=True, states=_states)
    kind_string = kind.translated('kind')
    start_date = fields.Date(
        "First Day", required=True, states=_states,
        domain=[
            If(Eval('end_date'),
                ('start_date', '<=', Eval('end_date')),
                ()),
            ])
    start_afternoon = fields.Boolean(
        "From the Afternoon", states=_states,
        help="The first day is a half day: the absence starts at noon.")
    end_date = fields.Date(
        "Last Day", required=True, states=_states,
        domain=[
            If(Eval('start_date'),
                ('end_date', '>=', Eval('start_date')),
                ()),
            ])
    end_morning = fields.Boolean(
        "Until Noon", states=_states,
        help="The last day is a half day: work resumes in the afternoon.")
    description = fields.Char("Description", states=_states)
    state = fields.Selection(STATES, "State", readonly=True, required=True)
    approved_by = fields.Many2One('res.user', "Approved By", readonly=True)
    days = fields.Function(
        fields.Numeric("Working Days", digits=(16, 1),
            help="The days from Monday to Friday the absence covers."),
        'get_days')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('start_date', 'DESC'),
            ('id', 'DESC'),
            ]
        cls._transitions |= {
            ('requested', 'approved'),
            ('requested', 'refused'),
            ('requested', 'cancelled'),
            ('approved', 'cancelled'),
            ('refused', 'requested'),
            ('cancelled', 'requested'),
            }
        cls._buttons.update({
                'request': {
                    'invisible': ~Eval('state').in_(['refused', 'cancelled']),
                    'icon': 'tryton-undo',
                    'depends': ['state'],
                    },
                'approve': {
                    'invisible': Eval('state') != 'requested',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'refuse': {
                    'invisible': Eval('state') != 'requested',
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(ACTIVE_STATES),
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                })

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_state():
        return 'requested'

    @classmethod
    def default_start_afternoon(cls):
        return False

    @classmethod
    def default_end_morning(cls):
        return False

    def get_rec_name(self, name):
        return (f'{self.employee.rec_name} '
            f'{self.start_date} – {self.end_date}')

    @classmethod
    def search_rec_name(cls, name, clause):
        return rec_name_domain(clause, 'employee.rec_name', 'description')

    def get_days(self, name):
        return self.working_days_in(self.start_date, self.end_date)

    def working_days_in(self, start, end, weekdays=WORKING_WEEKDAYS):
        """The days on weekdays of [start, end] the absence covers, its
        half days counted as halves"""
        first = max(start, self.start_date)
        last = min(end, self.end_date)
        if last < first:
            return Decimal(0)
        days = Decimal(working_days(first, last, weekdays))
        if (self.start_afternoon and first == self.start_date
                and first.weekday() in weekdays):
            days -= HALF
        if (self.end_morning and last == self.end_date
                and last.weekday() in weekdays):
            days -= HALF
        return max(days, Decimal(0))

    def calendar_days_in(self, start, end):
        "The calendar days of [start, end] the absence covers"
        first = max(start, self.start_date)
        last = min(end, self.end_date)
        if last < first:
            return Decimal(0)
        days = Decimal((last - first).days + 1)
        if self.start_afternoon and first == self.start_date:
            days -= HALF
        if self.end_morning and last == self.end_date:
            days -= HALF
        return days

    @property
    def half_days(self):
        "The span as indices of half days, both ends included"
        first = self.start_date.toordinal() * 2 + int(self.start_afternoon)
        last = self.end_date.toordinal() * 2 + 1 - int(self.end_morning)
        return first, last

    @classmethod
    def validate(cls, absences):
        super().validate(absences)
        cls.check_dates(absences)
        active = [a for a in absences if a.state in ACTIVE_STATES]
        cls.check_overlap(active)
        cls.check_contract(active)
        cls.check_closed_months(absences)
        cls.check_balance([a for a in absences if a.state == 'approved'])

    @classmethod
    def check_dates(cls, absences):
        for absence in absences:
            first, last = absence.half_days
            if last < first:
                raise AbsenceError(gettext(
                        'coop_payroll.msg_absence_empty',
                        absence=absence.rec_name))

    @classmethod
    def check_overlap(cls, absences):
        "An employee is absent once at a time"
        if not absences:
            return
        others = defaultdict(list)
        for other in cls.search([
                    ('employee', 'in',
                        list({a.employee.id for a in absences})),
                    ('state', 'in', ACTIVE_STATES),
                    ('start_date', '<=', max(a.end_date for a in absences)),
                    ('end_date', '>=', min(a.start_date for a in absences)),
                    ]):
            others[other.employee.id].append(other)
        for absence in absences:
            first, last = absence.half_days
            for other in others[absence.employee.id]:
                if other.id == absence.id:
                    continue
                other_first, other_last = other.half_days
                if first <= other_last and other_first <= last:
                    raise AbsenceError(gettext(
                            'coop_payroll.msg_absence_overlap',
                            absence=absence.rec_name, other=other.rec_name))

    @classmethod
    def check_contract(cls, absences):
        "Every day of an absence falls in a contract of the employee"
        pool = Pool()
        Contract = pool.get('coop.payroll.contract')
        if not absences:
            return
        contracts = defaultdict(list)
        for contract in Contract.search([
                    ('employee', 'in',
                        list({a.employee.id for a in absences})),
                    ], order=[('start_date', 'ASC')]):
            contracts[contract.employee.id].append(contract)
        for absence in absences:
            day = absence.start_date
            for contract in contracts[absence.employee.id]:
                if contract.start_date <= day and (
                        not contract.end_date or contract.end_date >= day):
                    if not contract.end_date:
                        day = dt.date.max
                        break
                    day = contract.end_date + dt.timedelta(days=1)
            if day <= absence.end_date:
                raise AbsenceError(gettext(
                        'coop_payroll.msg_absence_outside_contract',
                        absence=absence.rec_name, date=day))

    @classmethod
    def closed_payslips(cls, absences):
        """{absence: the confirmed payslips, not corrected, of the months
        it touches}"""
        pool = Pool()
        Payslip = pool.get('coop.payroll.payslip')
        result = {}
        if not absences:
            return result
        keys = defaultdict(list)
        for absence in absences:
            for month in month_starts(absence.start_date, absence.end_date):
                keys[absence.employee.id, month].append(absence)
        payslips = Payslip.search([
                ('employee', 'in', list({e for e, _ in keys})),
                ('start_date', 'in', list({m for _, m in keys})),
                ('state', 'in', ['confirmed', 'posted']),
                ('reversal_of', '=', None),
                ('corrected', '=', False),
                ])
        for payslip in payslips:
            for absence in keys.get(
                    (payslip.employee.id, payslip.start_date), []):
                result.setdefault(absence, []).append(payslip)
        return result

    @classmethod
    def check_closed_months(cls, absences):
        "No absence in a month whose payslip is confirmed"
        for absence, payslips in cls.closed_payslips(absences).items():
            raise AbsenceError(gettext(
                    'coop_payroll.msg_absence_closed_month',
                    absence=absence.rec_name,
                    payslip=payslips[0].rec_name))

    @classmethod
    def check_balance(cls, absences):
        """Refuse approved absences beyond what the employee is owed (paid
        leave earned): a country module counts it"""
        pass

    @classmethod
    def check_modification(cls, mode, absences, values=None, external=False):
        super().check_modification(
            mode, absences, values=values, external=external)
        if mode in {'write', 'delete'}:
            # Their days before the change: leaving a closed month is
            # changing it too
            cls.check_closed_months(absences)
        if mode == 'delete':
            for absence in absences:
                if absence.state == 'approved':
                    raise AccessError(gettext(
                            'coop_payroll.msg_absence_delete_approved',
                            absence=absence.rec_name))

    @classmethod
    def copy(cls, absences, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('state', 'requested')
        default.setdefault('approved_by', None)
        return super().copy(absences, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('requested')
    def request(cls, absences):
        cls.write(absences, {'approved_by': None})

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    def approve(cls, absences):
        cls.write(absences, {'approved_by': Transaction().user})

    @classmethod
    @ModelView.button
    @Workflow.transition('refused')
    def refuse(cls, absences):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, absences):
        pass

    @classmethod
    def approved_in(cls, employees, start, end):
        """{employee id: [approved absences touching [start, end]]}, the
        earliest first"""
        result = defaultdict(list)
        if not employees:
            return result
        for absence in cls.search([
                    ('employee', 'in', [e.id for e in employees]),
                    ('state', '=', 'approved'),
                    ('start_date', '<=', end),
                    ('end_date', '>=', start),
                    ], order=[('start_date', 'ASC'), ('id', 'ASC')]):
            result[absence.employee.id].append(absence)
        return result
