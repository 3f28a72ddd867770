# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""A rider's shifts in the portal (coop_portal's pages, added from here so
that the portal knows nothing of dispatch). coop_portal is an extras_depend
of coop_dispatch: this file is imported only when the coop_portal package
is installed (__init__.py), and its pages answer only in a database where
both modules are activated (coop_portal's route answers 404 in one without
the portal, riders() in one without dispatch). *My shifts* (her shifts of the
published schedules, this week and the next ones, her applications and the
open slots she may apply for) and *Availability* (the slots of the weeks
planned, draft or published, she can ride). Every page runs as the
portal's do (coop_portal.routes.route: as root, narrowed to the logged-in
person's employee records, another coop's or person's id answering 404);
the templates are templates/dispatch_*.html."""
import os

from trytond.i18n import gettext
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool
from trytond.protocols.wrappers import redirect
from trytond.transaction import Transaction

from coop_portal.portal import (
    add_pages, base_url, finish, formatted, lang_record, not_found, page)
from coop_portal.routes import ID, route

from .schedule import monday_of

TEMPLATES = os.path.join(os.path.dirname(__file__), 'templates')


def _(message, **variables):
    "coop_dispatch's message in the page's language"
    return gettext(f'coop_dispatch.{message}', **variables)


def dispatch_available():
    """Whether the request's database has coop_dispatch activated (the
    portal's may not have it)"""
    try:
        Pool().get('coop.dispatch.application')
    except KeyError:
        return False
    return True


def nav(visitor):
    "The menu's entries for a rider, where coop_dispatch is activated"
    if not visitor.employees() or not dispatch_available():
        return []
    return [
        ('shifts', _('msg_portal_nav_shifts')),
        ('availability', _('msg_portal_nav_availability')),
        ]


add_pages(templates=TEMPLATES, nav=nav)


def riders(visitor):
    "The person's employee records, or 404 (not a rider, or no dispatch)"
    employees = visitor.employees()
    if not employees or not dispatch_available():
        not_found()
    return employees


def companies(employees):
    return sorted({e.company.id for e in employees})


def slot_card(lang, slot):
    "What a page shows of a slot: its day, hours and zone"
    return {
        'id': slot.id,
        'day': _('msg_portal_slot_day',
            weekday=lang.strftime(slot.date, '%A'),
            date=formatted(lang, 'date', slot.date)),
        'hours': f'{slot.start:%H:%M}–{slot.end:%H:%M}',
        'zone': slot.zone.rec_name if slot.zone else '',
        }


def shifts_page(visitor, error=None, notice=None, status=200):
    pool = Pool()
    Shift = pool.get('coop.dispatch.shift')
    Slot = pool.get('coop.dispatch.schedule.slot')
    Application = pool.get('coop.dispatch.application')
    Date = pool.get('ir.date')
    employees = riders(visitor)
    lang = lang_record(visitor)
    today = Date.today()
    monday = monday_of(today)
    employee_ids = [e.id for e in employees]
    shifts = [slot_card(lang, s.slot) for s in Shift.search([
                ('rider', 'in', employee_ids),
                ('slot.schedule.state', '=', 'published'),
                ('date', '>=', monday),
                ], order=[('date', 'ASC'), ('start', 'ASC'), ('id', 'ASC')])]
    states = dict(Application.fields_get(['state'])['state']['selection'])
    applications = Application.search([
            ('rider', 'in', employee_ids),
            ('slot.date', '>=', monday),
            ], order=[('slot.date', 'ASC'), ('slot.start', 'ASC')])
    waiting = {a.slot.id for a in applications if a.state == 'requested'}
    open_slots = []
    for slot in Slot.search([
                ('schedule.company', 'in', companies(employees)),
                ('schedule.state', '=', 'published'),
                ('date', '>=', today),
                ]):
        placed = {s.rider.id for s in slot.shifts}
        if (len(slot.shifts) >= slot.wanted or placed & set(employee_ids)
                or slot.id in waiting):
            continue
        card = slot_card(lang, slot)
        card['places'] = _('msg_portal_slot_places',
            left=slot.wanted - len(slot.shifts))
        open_slots.append(card)
    return page(visitor, _('msg_portal_shifts_title'), (
            'dispatch_shifts.html', {
                '_': _, 'error': error, 'notice': notice, 'shifts': shifts,
                'applications': [dict(slot_card(lang, a.slot),
                        state=a.state,
                        state_string=states.get(a.state, a.state))
                    for a in applications],
                'open_slots': open_slots,
                }), current='shifts', status=status)


@route('/shifts')
def shifts(visitor):
    notice = None
    if visitor.request.args.get('applied'):
        notice = _('msg_portal_applied')
    return shifts_page(visitor, notice=notice)


@route(f'/shifts/slots/<{ID}:slot_id>/apply', methods=['POST'])
def apply(visitor, slot_id):
    """Apply for a published slot's open place: an application the
    dispatcher answers; another coop's slot (or none) answers 404"""
    pool = Pool()
    Slot = pool.get('coop.dispatch.schedule.slot')
    Application = pool.get('coop.dispatch.application')
    visitor.check_csrf()
    employees = riders(visitor)
    slots = Slot.search([
            ('id', '=', slot_id),
            ('schedule.company', 'in', companies(employees)),
            ], limit=1)
    if not slots:
        not_found()
    try:
        Application.apply(employees, slots[0])
    except ValidationError as exception:
        Transaction().rollback()
        return shifts_page(visitor, error=exception.message, status=400)
    return finish(redirect(
            f'{base_url(visitor.request)}/shifts?applied=1', code=303),
        visitor)


def own_schedules(employees, today):
    "The weeks planned of the person's coops, this one and the next ones"
    Schedule = Pool().get('coop.dispatch.schedule')
    return Schedule.search([
            ('company', 'in', companies(employees)),
            ('week', '>=', monday_of(today)),
            ], order=[('week', 'ASC'), ('id', 'ASC')])


def availability_page(visitor, error=None, notice=None, status=200):
    pool = Pool()
    Availability = pool.get('coop.dispatch.availability')
    Date = pool.get('ir.date')
    employees = riders(visitor)
    lang = lang_record(visitor)
    today = Date.today()
    schedules = own_schedules(employees, today)
    chosen = {a.slot.id for a in Availability.search([
                ('rider', 'in', [e.id for e in employees]),
                ('slot.schedule', 'in', [s.id for s in schedules]),
                ])}
    weeks = []
    for schedule in schedules:
        slots = []
        for slot in schedule.slots:
            card = slot_card(lang, slot)
            card['checked'] = slot.id in chosen
            card['past'] = slot.date < today
            slots.append(card)
        if not slots:
            continue
        weeks.append({
                'id': schedule.id,
                'title': _('msg_portal_week',
                    date=formatted(lang, 'date', schedule.week)),
                'draft': schedule.state == 'draft',
                'slots': slots,
                })
    return page(visitor, _('msg_portal_availability_title'), (
            'dispatch_availability.html', {
                '_': _, 'error': error, 'notice': notice, 'weeks': weeks,
                }), current='availability', status=status)


@route('/availability')
def availability(visitor):
    notice = None
    if visitor.request.args.get('saved'):
        notice = _('msg_portal_availability_saved')
    return availability_page(visitor, notice=notice)


@route(f'/availability/<{ID}:schedule_id>', methods=['POST'])
def availability_post(visitor, schedule_id):
    """The slots of that week the rider can ride (the boxes ticked): any
    other id than the week's slots answers 404"""
    pool = Pool()
    Availability = pool.get('coop.dispatch.availability')
    Date = pool.get('ir.date')
    visitor.check_csrf()
    employees = riders(visitor)
    schedules = [s for s in own_schedules(employees, Date.today())
        if s.id == schedule_id]
    if not schedules:
        not_found()
    schedule, = schedules
    slots = {str(s.id): s for s in schedule.slots}
    chosen = []
    for value in visitor.request.form.getlist('slot')[:200]:
        if value[:12] not in slots:
            not_found()
        chosen.append(slots[value[:12]])
    try:
        Availability.declare(employees, schedule, chosen)
    except ValidationError as exception:
        Transaction().rollback()
        return availability_page(visitor, error=exception.message,
            status=400)
    return finish(redirect(
            f'{base_url(visitor.request)}/availability?saved=1', code=303),
        visitor)

