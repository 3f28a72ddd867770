# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Riders' availability and applications for shifts: the models' rules in
rolled-back transactions, and the portal's pages (My shifts, Availability)
through trytond's WSGI application as coop_portal's tests drive it

The coops, riders, portal accounts and schedules are committed once for
the class, dated from today: this week's schedule (a slot today, Awa on
it), next week's published one, the week after's draft one, last week's,
and another coop's next week. (Tryton's generic module tests run once, in
test_board's ModuleTestCase.)"""
import datetime as dt
import json
import os
import re
import tempfile
import unittest

import polib

from werkzeug.test import Client

import trytond.ir
from trytond.modules.company.tests import create_company, create_employee
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, with_transaction
from trytond.transaction import Transaction
from trytond.wsgi import app

from coop_tools.testing import (
    activate_suite, commit_setup, company_records, setup_company)
from coop_delivery.tests.tools import CENTRE
from coop_tools.languages import load_french
from coop_portal.portal import csrf_token

from coop_dispatch.schedule import monday_of

T = dt.time
PASSWORD = 'portal-secret-1'
BASE = f'/{DB_NAME}/portal'
# French weekdays, as fr.po's calendar writes them (Monday first)
FRENCH_DAYS = ['Lundi', 'Mardi', 'Mercredi', 'Jeudi', 'Vendredi', 'Samedi',
    'Dimanche']


def french_day(date):
    "« Vendredi 04/12/2026 »: the weekday and French date format"
    return f'{FRENCH_DAYS[date.weekday()]} {date:%d/%m/%Y}'


def calendar_french():
    "The French names of the days and months (trytond's ir), alone"
    ir = polib.pofile(os.path.join(
            os.path.dirname(trytond.ir.__file__), 'locale', 'fr.po'))
    calendar = polib.POFile()
    calendar.extend(e for e in ir
        if e.msgctxt and e.msgctxt.startswith('model:ir.calendar.'))
    with tempfile.NamedTemporaryFile('w', suffix='.po') as file:
        file.write(str(calendar))
        file.flush()
        Pool().get('ir.translation').translation_import('fr', 'ir', file.name)


# It runs in the suite's database (coop_portal's pages beside dispatch): the
# runner runs it after the modules' own databases are made (tests/runner.py)
SUITE_DATABASE = True


class PortalShiftsTestCase(unittest.TestCase):
    "Availability and applications, in the models and in the portal"

    @classmethod
    def setUpClass(cls):
        # The suite's database: the pages need coop_portal, an
        # extras_depend of coop_dispatch (its own tests run without it)
        activate_suite()
        cls.data = commit_setup(cls.populate)
        # The ids and the slots' dates, for the pages' tests
        cls.ids = {k: id_ for k, (_, id_) in cls.data.items()}
        with Transaction().start(DB_NAME, 0, readonly=True):
            Slot = Pool().get('coop.dispatch.schedule.slot')
            cls.dates = {k: Slot(id_).date for k, (model, id_)
                in cls.data.items() if model == Slot.__name__}

    @classmethod
    def populate(cls):
        pool = Pool()
        Schedule = pool.get('coop.dispatch.schedule')
        Slot = pool.get('coop.dispatch.schedule.slot')
        Zone = pool.get('coop.delivery.zone')
        WebUser = pool.get('web.user')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        today = pool.get('ir.date').today()
        # French as a coop's database has it: the formats, the modules'
        # words and the calendar's (trytond's ir)
        load_french(['coop_portal', 'coop_dispatch'])
        calendar_french()
        monday = monday_of(today)
        next_monday = monday + dt.timedelta(7)
        company = create_company("Coop Planning")
        other = create_company("Autre Coop")
        data = {'company': company, 'other': other}
        with setup_company(company):
            for login, name in [('awa', "Awa Diallo"), ('leo', "Léo Martin"),
                    ('ines', "Inès Benali")]:
                rider = create_employee(company, name)
                data[login] = rider
                WebUser.create([{'email': f'{login}@example.com',
                            'password': PASSWORD, 'party': rider.party.id}])
            # A value the pages must escape
            zone, = Zone.create([{'name': "Presqu'île <b>",
                        'geometry': json.dumps(CENTRE)}])
            this, next_, draft, past = Schedule.create([
                    {'week': monday, 'slots': [('create', [
                                    {'date': today, 'start': T(8),
                                        'end': T(12), 'wanted': 1}])]},
                    {'week': next_monday, 'slots': [('create', [
                                    {'date': next_monday, 'start': T(11),
                                        'end': T(14), 'zone': zone.id,
                                        'wanted': 2},
                                    {'date': next_monday + dt.timedelta(1),
                                        'start': T(18), 'end': T(22),
                                        'wanted': 1}])]},
                    {'week': next_monday + dt.timedelta(7),
                        'slots': [('create', [
                                    {'date': next_monday + dt.timedelta(9),
                                        'start': T(11), 'end': T(14),
                                        'wanted': 1},
                                    {'date': next_monday + dt.timedelta(10),
                                        'start': T(11), 'end': T(14),
                                        'wanted': 1}])]},
                    {'week': monday - dt.timedelta(7), 'slots': [('create', [
                                    {'date': monday - dt.timedelta(7),
                                        'start': T(8), 'end': T(12),
                                        'wanted': 1}])]},
                    ])
            Schedule.publish([this, next_, past])
            data.update({'this': this, 'next': next_, 'draft': draft,
                    'past': past, 'zone': zone})
            data['today_slot'], = this.slots
            data['lunch'], data['evening'] = next_.slots
            data['draft_a'], data['draft_b'] = draft.slots
            data['past_slot'], = past.slots
            Slot.fill(data['today_slot'], [data['awa']])
            Slot.fill(data['evening'], [data['leo']])
            # Back-office users: the dispatcher, and Awa herself
            data['planner'], data['awa_user'] = User.create([{
                        'name': 'planner', 'login': 'planner',
                        'company': company.id,
                        'companies': [('add', [company.id])],
                        'groups': [('add', [ModelData.get_id(
                                        'coop_delivery', 'group_delivery')])],
                        }, {
                        'name': 'Awa', 'login': 'awa',
                        'company': company.id,
                        'companies': [('add', [company.id])],
                        'employees': [('add', [data['awa'].id])],
                        'employee': data['awa'].id,
                        }])
        with setup_company(other):
            data['stranger'] = create_employee(other, "Yuki Tanaka")
            schedule, = Schedule.create([{'week': next_monday,
                        'slots': [('create', [{'date': next_monday,
                                        'start': T(11), 'end': T(14),
                                        'wanted': 3}])]}])
            Schedule.publish([schedule])
            data['other_schedule'] = schedule
            data['other_slot'], = schedule.slots
        return data

    def records(self):
        return company_records(self.data)

    # The models' rules, each test rolled back

    @with_transaction()
    def test_availability(self):
        """A rider says which slots of a week she can ride; saying it again
        replaces it; refused for another coop's week, a past week and a
        slot of another week"""
        from coop_dispatch.exceptions import AvailabilityError
        Availability = Pool().get('coop.dispatch.availability')
        with self.records() as r:
            awa, leo = r['awa'], r['leo']
            # A draft week: riders say it before it is published
            Availability.declare([awa], r['draft'],
                [r['draft_a'], r['draft_b']])
            Availability.declare([leo], r['draft'], [r['draft_b']])
            Availability.declare([awa], r['next'], [r['lunch']])
            self.assertEqual(sorted(
                    (a.rider.rec_name, a.slot.id, a.date)
                    for a in Availability.search([])), sorted([
                        ("Awa Diallo", r['draft_a'].id, r['draft_a'].date),
                        ("Awa Diallo", r['draft_b'].id, r['draft_b'].date),
                        ("Léo Martin", r['draft_b'].id, r['draft_b'].date),
                        ("Awa Diallo", r['lunch'].id, r['lunch'].date)]))
            # Said again: only the second slot; the other week untouched
            Availability.declare([awa], r['draft'], [r['draft_b']])
            self.assertEqual(sorted(a.slot.id for a in Availability.search(
                        [('rider', '=', awa.id)])),
                sorted([r['draft_b'].id, r['lunch'].id]))
            for schedule, slots, text in [
                    (r['past'], [], "is over"),
                    (r['draft'], [r['lunch']], "is not of the schedule"),
                    (r['other_schedule'], [], "is not of your company"),
                    ]:
                with self.subTest(text=text):
                    with self.assertRaises(AvailabilityError) as cm:
                        Availability.declare([awa], schedule, slots)
                    self.assertIn(text, cm.exception.message)

    @with_transaction()
    def test_access_rules(self):
        """Back office: a rider reads her own availability and
        applications only, the dispatcher every one of her coop's, and
        neither another coop's"""
        from trytond.transaction import check_access
        pool = Pool()
        Availability = pool.get('coop.dispatch.availability')
        Application = pool.get('coop.dispatch.application')
        with self.records() as r:
            mine, leos = Availability.declare([r['awa']], r['draft'],
                [r['draft_a']]) + Availability.declare([r['leo']],
                r['draft'], [r['draft_a']])
            applied = Application.apply([r['leo']], r['lunch'])
        with Transaction().set_context(company=r['other'].id):
            strangers = Availability.declare([r['stranger']],
                r['other_schedule'], [r['other_slot']])
            Application.apply([r['stranger']], r['other_slot'])
        for user, context, expected, applications in [
                ('awa_user', {}, [mine.id], []),
                ('planner', {}, sorted([mine.id, leos.id]), [applied.id]),
                ]:
            with self.subTest(user=user):
                with Transaction().set_user(self.ids[user]), \
                        Transaction().set_context(
                            company=self.ids['company'],
                            companies=[self.ids['company']]), \
                        check_access():
                    self.assertEqual(sorted(
                            a.id for a in Availability.search([])),
                        expected)
                    self.assertEqual(
                        [a.id for a in Application.search([])], applications)
        self.assertNotIn(strangers[0].id, expected)

    @with_transaction()
    def test_applications(self):
        """Applying for a published slot's open place; accepted, the rider
        is placed; refused when not published, past, full, placed already
        or waiting already"""
        from coop_dispatch.exceptions import ApplicationError
        pool = Pool()
        Application = pool.get('coop.dispatch.application')
        Slot = pool.get('coop.dispatch.schedule.slot')
        with self.records() as r:
            awa, leo, ines = r['awa'], r['leo'], r['ines']
            lunch = r['lunch']
            first = Application.apply([awa], lunch)
            second = Application.apply([ines], lunch)
            self.assertEqual((first.state, first.date, first.start),
                ('requested', lunch.date, T(11)))
            # The dispatcher reads them on the slot's form
            self.assertEqual(Slot(lunch.id).applications, (first, second))
            Application.accept([first])
            self.assertEqual(first.state, 'accepted')
            self.assertEqual(
                (first.shift.rider, first.shift.slot, first.shift.start),
                (awa, lunch, T(11)))
            Application.refuse([second])
            self.assertEqual(second.state, 'refused')
            # Lunch wants 2: Awa placed, one place left
            third = Application.apply([ines], lunch)
            for rider, slot, text in [
                    (awa, lunch, "already placed in the slot"),
                    (ines, lunch, "already applied"),
                    (ines, r['evening'], "is full: its 1 riders"),
                    (ines, r['draft_a'], "not published yet"),
                    (ines, r['past_slot'], "is past"),
                    (ines, r['other_slot'], "is not of your company"),
                    ]:
                with self.subTest(text=text):
                    with self.assertRaises(ApplicationError) as cm:
                        Application.apply([rider], slot)
                    self.assertIn(text, cm.exception.message)
            # Ines accepted too: the slot's 2 riders
            Application.accept([third])
            self.assertEqual(Slot(lunch.id).filled, 2)
            with self.assertRaises(ApplicationError) as cm:
                Application.apply([leo], lunch)
            self.assertIn("is full: its 2 riders", cm.exception.message)

    # The portal's pages

    def login(self, login='awa', lang='en'):
        client = Client(app, use_cookies=True)
        response = client.get(f'{BASE}/login?lang={lang}')
        token = re.search(
            r'name="csrf" value="([0-9a-f]+)"', response.text).group(1)
        response = client.post(f'{BASE}/login', data={
                'csrf': token, 'email': f'{login}@example.com',
                'password': PASSWORD})
        self.assertEqual(response.status_code, 303, response.text)
        return client

    def csrf(self, client):
        cookie = client.get_cookie(
            'coop_portal_session', domain='localhost', path=BASE)
        return csrf_token(cookie.value)

    def clean(self):
        "What a page test wrote, removed in a committed transaction"
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Availability = pool.get('coop.dispatch.availability')
            Application = pool.get('coop.dispatch.application')
            Shift = pool.get('coop.dispatch.shift')
            Availability.delete(Availability.search([]))
            applications = Application.search([])
            Shift.delete([a.shift for a in applications if a.shift])
            Application.delete(applications)
            transaction.commit()

    def rows(self, model, *names):
        with Transaction().start(DB_NAME, 0, readonly=True):
            Model = Pool().get(model)
            return sorted(tuple(getattr(r, n).id if hasattr(
                            getattr(r, n), 'id') else getattr(r, n)
                        for n in names) for r in Model.search([]))

    def test_my_shifts_page(self):
        """Awa's shifts of the published weeks, in French with French
        dates; she applies for an open slot, Léo does not see it; another
        coop's slot answers 404, a full one 400, nothing written"""
        self.addCleanup(self.clean)
        d, dates = self.ids, self.dates
        today, lunch = dates['today_slot'], dates['lunch']
        client = self.login('awa', lang='fr')
        page = client.get(f'{BASE}/shifts')
        self.assertEqual(page.status_code, 200)
        self.assertIn(f'href="{BASE}/shifts" aria-current="page">'
            'Mes services</a>', page.text)
        # Today's shift 8:00-12:00, in French
        self.assertIn(f'<strong>{french_day(today)}</strong>'
            '<span class="nowrap">08:00–12:00</span>', page.text)
        # Lunch next week is open (2 wanted, none placed), the evening is
        # full (Léo), last week's is past: one slot to apply for, its
        # zone escaped
        self.assertEqual(page.text.count('class="card open-slot"'), 1)
        self.assertIn(f'action="{BASE}/shifts/slots/{d["lunch"]}/apply"',
            page.text)
        self.assertIn("Presqu'île &lt;b&gt;", page.text)
        self.assertNotIn('<b>', page.text)
        self.assertIn('Places libres : 2', page.text)

        # No token: refused
        response = client.post(f'{BASE}/shifts/slots/{d["lunch"]}/apply')
        self.assertEqual(response.status_code, 403)
        csrf = self.csrf(client)
        for slot, status in [(d['other_slot'], 404), (d['evening'], 400),
                (d['past_slot'], 400)]:
            with self.subTest(slot=slot):
                response = client.post(
                    f'{BASE}/shifts/slots/{slot}/apply',
                    data={'csrf': csrf})
                self.assertEqual(response.status_code, status)
        self.assertEqual(self.rows('coop.dispatch.application', 'rider'), [])
        response = client.post(f'{BASE}/shifts/slots/{d["lunch"]}/apply',
            data={'csrf': csrf})
        self.assertEqual(response.status_code, 303, response.text)
        self.assertEqual(
            self.rows('coop.dispatch.application', 'rider', 'slot', 'state'),
            [(d['awa'], d['lunch'], 'requested')])
        page = client.get(response.headers['Location'])
        self.assertIn('Votre candidature est envoyée', page.text)
        self.assertIn(f'<strong>{french_day(lunch)}</strong>', page.text)
        self.assertIn('<span class="state">Demandée</span>', page.text)
        # No second application for it
        self.assertEqual(page.text.count('class="card open-slot"'), 0)
        response = client.post(f'{BASE}/shifts/slots/{d["lunch"]}/apply',
            data={'csrf': csrf})
        self.assertEqual(response.status_code, 400)
        self.assertIn('Vous avez déjà postulé', response.text)

        # Léo, in English: his evening next week, not Awa's application
        leo = self.login('leo')
        page = leo.get(f'{BASE}/shifts')
        self.assertIn(f'<strong>{dates["evening"]:%A} '
            f'{dates["evening"]:%m/%d/%Y}</strong>'
            '<span class="nowrap">18:00–22:00</span>', page.text)
        self.assertNotIn('class="card application', page.text)
        self.assertIn('Places left: 2', page.text)

    def test_availability_page(self):
        """Awa ticks the slots she can ride in the weeks planned (draft or
        published); another week's slot or another coop's week: 404"""
        self.addCleanup(self.clean)
        d = self.ids
        client = self.login('awa')
        page = client.get(f'{BASE}/availability')
        self.assertEqual(page.status_code, 200)
        # This week, next week and the draft one; not last week
        self.assertEqual(page.text.count('class="card stack availability"'),
            3)
        self.assertNotIn(f'/availability/{d["past"]}"', page.text)
        self.assertIn('being planned', page.text)
        csrf = self.csrf(client)
        url = f'{BASE}/availability/{d["draft"]}'
        self.assertEqual(client.post(url, data={
                    'slot': [str(d['draft_a'])]}).status_code, 403)
        for path, slots in [
                (url, [d['lunch']]),
                (f'{BASE}/availability/{d["other_schedule"]}', []),
                (f'{BASE}/availability/{d["past"]}', []),
                (url, ['x']),
                ]:
            with self.subTest(path=path, slots=slots):
                response = client.post(path, data={
                        'csrf': csrf, 'slot': [str(s) for s in slots]})
                self.assertEqual(response.status_code, 404)
        response = client.post(url, data={'csrf': csrf,
                'slot': [str(d['draft_a']), str(d['draft_b'])]})
        self.assertEqual(response.status_code, 303, response.text)
        response = client.post(url, data={'csrf': csrf,
                'slot': [str(d['draft_b'])]})
        self.assertEqual(response.status_code, 303, response.text)
        self.assertEqual(
            self.rows('coop.dispatch.availability', 'rider', 'slot'),
            [(d['awa'], d['draft_b'])])
        page = client.get(response.headers['Location'])
        self.assertIn('Your availability is saved.', page.text)
        self.assertIn(f'value="{d["draft_b"]}" checked>',
            page.text)
        self.assertIn(f'value="{d["draft_a"]}"> ', page.text)

    def test_not_a_rider(self):
        "A portal account that is no rider has no shifts page (404)"
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            party = pool.get('party.party')(name="Nobody")
            party.save()
            pool.get('web.user').create([{'email': 'nobody@example.com',
                        'password': PASSWORD, 'party': party.id}])
            transaction.commit()
        client = self.login('nobody')
        for path in ['/shifts', '/availability']:
            with self.subTest(path=path):
                self.assertEqual(
                    client.get(f'{BASE}{path}').status_code, 404)
        self.assertNotIn('/shifts"', client.get(f'{BASE}/').text)
