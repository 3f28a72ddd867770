# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The portal's pages, called through trytond's WSGI application

The test data is committed once for the class: the pages run in
transactions of their own, as they do behind a server."""
import datetime as dt
import io
import re
import time
import urllib.parse
from decimal import Decimal
from http.cookies import SimpleCookie
from unittest.mock import patch

from pypdf import PdfReader
from werkzeug.test import Client

from trytond import config
from trytond.modules.company.tests import (
    create_company, create_employee, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, ModuleTestCase, with_transaction
from trytond.transaction import Transaction
from trytond.wsgi import app

from coop_tools.locks import LOCKED_TABLES
from coop_tools.testing import SuiteDatabase

from coop_membership.assembly import AssemblyClosedError
from coop_portal.portal import HEADERS, csrf_token
from coop_portal.user import InvitationError, PortalURLError

PASSWORD = 'portal-secret-1'
PUBLIC_URL = 'https://portal.coop.example'
BASE = f'/{DB_NAME}/portal'
SEND = 'trytond.modules.web_user.user.send_message_transactional'


def set_public_url(url=PUBLIC_URL):
    "The portal's [coop_portal] url, as production sets it ('': none)"
    if not config.has_section('coop_portal'):
        config.add_section('coop_portal')
    config.set('coop_portal', 'url', url)


def email_text(message):
    "The text of an e-mail, decoded (quoted-printable cuts long lines)"
    return message.get_payload(decode=True).decode()


def set_cookies(response):
    "The Set-Cookie headers of response, parsed: {name: morsel}"
    cookies = {}
    for header in response.headers.getlist('Set-Cookie'):
        cookie = SimpleCookie()
        cookie.load(header)
        cookies.update(cookie)
    return cookies


class CoopPortalTestCase(SuiteDatabase, ModuleTestCase):
    "The riders' and members' portal"
    module = 'coop_portal'
    # Its payslips are computed with French legal amounts
    extras = ['coop_payroll_fr']

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        set_public_url()
        with Transaction().start(DB_NAME, 0) as transaction:
            cls.data = cls.populate()
            transaction.commit()

    @classmethod
    def tearDownClass(cls):
        config.remove_section('coop_portal')
        config._cache_clear()
        super().tearDownClass()

    @classmethod
    def populate(cls):
        "Two riders with a payslip each, members both; their web users"
        pool = Pool()
        Currency = pool.get('currency.currency')
        Contract = pool.get('coop.payroll.contract')
        Payslip = pool.get('coop.payroll.payslip')
        Category = pool.get('coop.member.category')
        Member = pool.get('coop.member')
        WebUser = pool.get('web.user')
        euro, = Currency.create([{
                    'name': "Euro", 'symbol': '€', 'code': 'EUR'}])
        company = create_company("Coop Vélo", currency=euro)
        data = {}
        with set_company(company):
            category, = Category.create([{
                        'code': 'EMP', 'name': "Employees",
                        'kind': 'employee'}])
            for number, (login, name) in enumerate(
                    [('awa', "Awa Diallo"), ('leo', "Léo Martin")], 1):
                rider = create_employee(company, name)
                contract, = Contract.create([{
                            'employee': rider.id,
                            'start_date': dt.date(2026, 1, 1),
                            'hourly_wage': Decimal('12.02'),
                            'weekly_hours': Decimal(35),
                            'job': f"Coursier {login}",
                            }])
                payslip, draft = Payslip.create([{
                            'employee': rider.id, 'contract': contract.id,
                            'start_date': dt.date(2026, 1, 1),
                            'payment_date': dt.date(2026, 1, 31),
                            'number': f'PAY-{login.upper()}',
                            'contract_hours': Decimal('151.67'),
                            'gross': Decimal('1823.07'),
                            'net_pay': Decimal('1430.00'),
                            }, {
                            'employee': rider.id, 'contract': contract.id,
                            'start_date': dt.date(2026, 2, 1),
                            'payment_date': dt.date(2026, 2, 28),
                            }])
                member, = Member.create([{
                            'company': company.id,
                            'party': rider.party.id,
                            'number': f'M-{number:04d}',
                            'category': category.id,
                            'person_kind': 'person',
                            }])
                user, = WebUser.create([{
                            'email': f'{login}@example.com',
                            'password': PASSWORD,
                            'party': rider.party.id,
                            }])
                data[login] = {
                    'employee': rider.id, 'payslip': payslip.id,
                    'draft': draft.id, 'member': member.id,
                    'user': user.id, 'email': f'{login}@example.com',
                    }
            # Confirmed as the payroll confirms them, without the numbering
            table = Payslip.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.update(
                    [table.state], ['confirmed'],
                    where=table.id.in_(
                        [d['payslip'] for d in data.values()])))
            # Someone who is neither rider nor member
            party = pool.get('party.party')(name="Nobody")
            party.save()
            WebUser.create([{
                        'email': 'nobody@example.com', 'password': PASSWORD,
                        'party': party.id}])
            data['company'] = company.id
            data['leo_party'] = pool.get('company.employee')(
                data['leo']['employee']).party.id
            data['assembly'] = cls.populate_assembly(company, data)
        return data

    @classmethod
    def populate_assembly(cls, company, data):
        "A closed assembly Awa was convened to, with a document and minutes"
        pool = Pool()
        Assembly = pool.get('coop.assembly')
        Convocation = pool.get('coop.assembly.convocation')
        Attendance = pool.get('coop.assembly.attendance')
        Member = pool.get('coop.member')
        Attachment = pool.get('ir.attachment')
        awa = Member(data['awa']['member'])
        assembly, other = Assembly.create([{
                    'company': company.id, 'name': f"AG {year}",
                    'kind': 'ordinary', 'date': dt.date(year, 6, 1),
                    'place': "Salle des fêtes",
                    'minutes': b'%PDF-1.4 minutes of the assembly',
                    'resolutions': [('create', [{
                                    'title': f"Approve the {year} accounts",
                                    'kind': 'ordinary',
                                    'majority': 'simple'}])],
                    } for year in [2026, 2025]])
        Convocation.create([{
                    'assembly': assembly.id, 'member': awa.id,
                    'method': 'email', 'email': 'awa@example.com',
                    'date': dt.date(2026, 5, 10)}])
        Attendance.create([{
                    'assembly': assembly.id, 'member': awa.id,
                    'college': awa.category.id, 'status': 'present'}])
        document, = Attachment.create([{
                    'resource': str(assembly), 'name': 'accounts.txt',
                    'type': 'data', 'data': b'The accounts of 2025'}])
        # Closed as the assembly closes, without its sessions; the other
        # one convened no one of the test
        table = Assembly.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update([table.state], ['closed'],
                where=table.id.in_([assembly.id, other.id])))
        return {'id': assembly.id, 'document': document.id,
            'other': other.id}

    def client(self, secure=False):
        return Client(app, use_cookies=True), (
            'https://localhost' if secure else 'http://localhost')

    def login(self, login='awa', secure=False):
        client, base_url = self.client(secure)
        response = client.get(f'{BASE}/login', base_url=base_url)
        self.assertEqual(response.status_code, 200)
        token = re.search(
            r'name="csrf" value="([0-9a-f]+)"', response.text).group(1)
        response = client.post(f'{BASE}/login', base_url=base_url, data={
                'csrf': token, 'email': self.data[login]['email'],
                'password': PASSWORD})
        self.assertEqual(response.status_code, 303, response.text)
        return client, base_url, response

    def session_key(self, client, base_url='http://localhost'):
        domain = base_url.split('//')[1]
        cookie = client.get_cookie(
            'coop_portal_session', domain=domain, path=BASE)
        return cookie.value if cookie else None

    def test_login_sets_a_safe_cookie(self):
        "The session cookie is HttpOnly and SameSite, Secure over HTTPS"
        _, _, response = self.login()
        cookie = set_cookies(response)['coop_portal_session']
        self.assertTrue(cookie['httponly'])
        self.assertEqual(cookie['samesite'], 'Lax')
        self.assertEqual(cookie['path'], BASE)
        self.assertFalse(cookie['secure'])
        # The key is not in the URL it redirects to
        self.assertNotIn(cookie.value, response.headers['Location'])

        _, _, response = self.login(secure=True)
        cookie = set_cookies(response)['coop_portal_session']
        self.assertTrue(cookie['secure'])

    def test_payslips_are_the_riders_own(self):
        "A rider lists and downloads her payslips; another's answers 404"
        client, _, _ = self.login('awa')
        response = client.get(f'{BASE}/payslips')
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers['Cache-Control'], 'no-store')
        self.assertIn('PAY-AWA', response.text)
        self.assertNotIn('PAY-LEO', response.text)
        # Draft payslips are not shown
        self.assertNotIn(f"/payslips/{self.data['awa']['draft']}/",
            response.text)
        # Confirmed, not paid: when it is due, not « paid on »
        self.assertIn('<span class="payment">To be paid on 01/31/2026'
            '</span>', response.text)
        self.assertNotIn('Paid on', response.text)
        # Once the books say it is paid (coop_payroll's paid_dates, tested
        # there on a reconciled line), on the day they say
        Payslip = Pool(DB_NAME).get('coop.payroll.payslip')
        with patch.object(Payslip, 'paid_dates', classmethod(
                    lambda cls, payslips: {p: dt.date(2026, 2, 3)
                        for p in payslips})):
            response = client.get(f'{BASE}/payslips')
        self.assertIn('<span class="payment">Paid on 02/03/2026</span>',
            response.text)

        response = client.get(
            f"{BASE}/payslips/{self.data['awa']['payslip']}/pdf")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.mimetype, 'application/pdf')
        self.assertIn('attachment', response.headers['Content-Disposition'])
        text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
        self.assertIn("Awa Diallo", text)
        self.assertIn("PAY-AWA", text)

        refused = client.get(
            f"{BASE}/payslips/{self.data['leo']['payslip']}/pdf")
        missing = client.get(f"{BASE}/payslips/987654321/pdf")
        draft = client.get(f"{BASE}/payslips/{self.data['awa']['draft']}/pdf")
        for response in [refused, missing, draft]:
            self.assertEqual(response.status_code, 404)
        self.assertEqual(refused.data, missing.data)

    def test_pages_need_a_session(self):
        "Without a session every page sends to the login page"
        client, _ = self.client()
        for path in ['/', '/payslips', '/contract', '/shares',
                f"/payslips/{self.data['awa']['payslip']}/pdf",
                f"/shares/{self.data['awa']['member']}/certificate"]:
            with self.subTest(path=path):
                response = client.get(BASE + path)
                self.assertEqual(response.status_code, 303)
                self.assertTrue(
                    response.headers['Location'].endswith('/portal/login'))
        # A made-up session key is no session
        client.set_cookie('coop_portal_session', 'f' * 64, path=BASE)
        response = client.get(f'{BASE}/payslips')
        self.assertEqual(response.status_code, 303)

    def test_wrong_password(self):
        "A wrong password opens no session"
        client, _ = self.client()
        response = client.get(f'{BASE}/login')
        token = re.search(
            r'name="csrf" value="([0-9a-f]+)"', response.text).group(1)
        response = client.post(f'{BASE}/login', data={
                'csrf': token, 'email': 'leo@example.com',
                'password': 'wrong password'})
        self.assertEqual(response.status_code, 401)
        self.assertNotIn('coop_portal_session', set_cookies(response))

    def test_login_is_rate_limited(self):
        "Beyond [session] max_attempt the login answers 429"
        client, _ = self.client()
        response = client.get(f'{BASE}/login')
        token = re.search(
            r'name="csrf" value="([0-9a-f]+)"', response.text).group(1)
        max_attempt = config.get('session', 'max_attempt')
        config.set('session', 'max_attempt', '-1')
        try:
            response = client.post(f'{BASE}/login', data={
                    'csrf': token, 'email': 'awa@example.com',
                    'password': PASSWORD})
        finally:
            config.set('session', 'max_attempt', max_attempt)
        self.assertEqual(response.status_code, 429)

    def test_csrf(self):
        "Forms posted without their token are refused"
        client, _ = self.client()
        response = client.post(f'{BASE}/login', data={
                'email': 'awa@example.com', 'password': PASSWORD})
        self.assertEqual(response.status_code, 403)
        response = client.post(f'{BASE}/reset', data={
                'email': 'awa@example.com'})
        self.assertEqual(response.status_code, 403)

        client, base_url, _ = self.login('awa')
        key = self.session_key(client)
        response = client.post(f'{BASE}/logout', data={'csrf': 'x' * 64})
        self.assertEqual(response.status_code, 403)
        response = client.post(f'{BASE}/logout', data={
                'csrf': csrf_token('0' * 64)})
        self.assertEqual(response.status_code, 403)
        # Still logged in
        self.assertEqual(client.get(f'{BASE}/payslips').status_code, 200)

        # The page's logout form carries the token
        page = client.get(f'{BASE}/payslips').text
        self.assertIn(f'value="{csrf_token(key)}"', page)
        response = client.post(f'{BASE}/logout', data={
                'csrf': csrf_token(key)})
        self.assertEqual(response.status_code, 303)
        self.assertEqual(set_cookies(response)['coop_portal_session'].value,
            '')
        # The session is gone from the database, not only from the browser
        with Transaction().start(DB_NAME, 0, readonly=True):
            Session = Pool().get('web.user.session')
            self.assertFalse(Session.search([('key', '=', key)]))
        client.set_cookie('coop_portal_session', key, path=BASE)
        self.assertEqual(client.get(f'{BASE}/payslips').status_code, 303)

    def test_session_expires(self):
        "A session unused for [coop_portal] session_timeout is over"
        client, _, _ = self.login('awa')
        self.assertEqual(client.get(f'{BASE}/payslips').status_code, 200)
        if not config.has_section('coop_portal'):
            config.add_section('coop_portal')
        config.set('coop_portal', 'session_timeout', '1')
        try:
            time.sleep(2.1)
            response = client.get(f'{BASE}/payslips')
        finally:
            config.remove_section('coop_portal')
            config._cache_clear()
            set_public_url()
        self.assertEqual(response.status_code, 303)

    def test_session_use_is_recorded(self):
        "Using a session keeps it alive: its last use is written"
        client, _, _ = self.login('awa')
        key = self.session_key(client)

        def last_use():
            with Transaction().start(DB_NAME, 0, readonly=True):
                Session = Pool().get('web.user.session')
                session, = Session.search([('key', '=', key)])
                return session.last_modified_at
        before = last_use()
        # Used again within the minute: not written (a vote right after
        # the login costs no second transaction)
        self.assertEqual(client.get(f'{BASE}/payslips').status_code, 200)
        self.assertEqual(last_use(), before)
        time.sleep(1.1)
        with patch('coop_portal.portal.TOUCH_SECONDS', 0):
            self.assertEqual(client.get(f'{BASE}/payslips').status_code, 200)
        self.assertGreater(last_use(), before)

    def test_shares_are_the_members_own(self):
        "A member sees her register entry and certificate, not another's"
        client, _, _ = self.login('leo')
        response = client.get(f'{BASE}/shares')
        self.assertEqual(response.status_code, 200)
        self.assertIn('M-0002', response.text)
        self.assertNotIn('M-0001', response.text)
        response = client.get(
            f"{BASE}/shares/{self.data['leo']['member']}/certificate")
        self.assertEqual(response.status_code, 200)
        text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
        self.assertIn("Léo Martin", text)
        response = client.get(
            f"{BASE}/shares/{self.data['awa']['member']}/certificate")
        self.assertEqual(response.status_code, 404)

    def test_contract_and_hours(self):
        "The rider's contract and a table of her hours per month"
        client, _, _ = self.login('awa')
        response = client.get(f'{BASE}/contract')
        self.assertEqual(response.status_code, 200)
        self.assertIn('Coursier awa', response.text)
        # An open-ended contract reads as such, not « to no end date »
        self.assertIn('From 01/01/2026, no end date', response.text)
        self.assertNotIn('Coursier leo', response.text)
        self.assertEqual(response.text.count('<tr><td>'), 6)

    def csrf(self, client):
        return csrf_token(self.session_key(client))

    def absences(self, login):
        with Transaction().start(DB_NAME, 0, readonly=True):
            Absence = Pool().get('coop.payroll.absence')
            return [(a.start_date, a.end_date, a.kind, a.state,
                    a.start_afternoon, a.end_morning, a.description)
                for a in Absence.search([
                        ('employee', '=', self.data[login]['employee'])],
                    order=[('start_date', 'ASC')])]

    def remove_absences(self):
        with Transaction().start(DB_NAME, 0) as transaction:
            Absence = Pool().get('coop.payroll.absence')
            absences = Absence.search([])
            Absence.cancel(absences)
            Absence.delete(absences)
            transaction.commit()

    def test_leave_request(self):
        """A rider requests paid leave; the payroll manager's answer and the
        counters of her latest payslip are shown"""
        self.addCleanup(self.remove_absences)
        today = dt.date.today()
        # A Monday to a Friday noon, a month ahead
        start = today + dt.timedelta(28 + 7 - today.weekday())
        end = start + dt.timedelta(4)
        with Transaction().start(DB_NAME, 0) as transaction:
            # Counters as coop_payroll_fr wrote them on her payslip
            Payslip = Pool().get('coop.payroll.payslip')
            table = Payslip.__table__()
            cursor = transaction.connection.cursor()
            cursor.execute(*table.update(
                    [table.leave_earned_previous, table.leave_earned_current,
                        table.leave_taken, table.leave_remaining],
                    [Decimal('25'), Decimal('2.5'), Decimal('2'),
                        Decimal('25.5')],
                    where=table.id == self.data['awa']['payslip']))
            transaction.commit()
        client, _, _ = self.login('awa')
        response = client.get(f'{BASE}/leave')
        self.assertEqual(response.status_code, 200)
        # 25 + 2.5 - 2 = 25.5 days remaining
        self.assertIn('<td class="num">25.5</td>', response.text)
        self.assertIn('<td class="num">2.5</td>', response.text)
        response = client.post(f'{BASE}/leave', data={
                'csrf': self.csrf(client), 'start': start.isoformat(),
                'end': end.isoformat(), 'end_morning': '1',
                'description': "Vacances"})
        self.assertEqual(response.status_code, 303, response.text)
        self.assertEqual(self.absences('awa'), [(start, end, 'paid_leave',
                    'requested', False, True, "Vacances")])
        response = client.get(f'{BASE}/leave')
        self.assertIn('<span class="state">Requested</span>', response.text)
        # Léo sees none of it
        leo, _, _ = self.login('leo')
        self.assertNotIn('class="card absence',
            leo.get(f'{BASE}/leave').text)
        # The payroll manager refuses it, then approves another
        with Transaction().start(DB_NAME, 0,
                _lock_tables=list(LOCKED_TABLES)) as transaction:
            pool = Pool()
            Absence = pool.get('coop.payroll.absence')
            Configuration = pool.get('coop.payroll.configuration')
            config = Configuration(1)
            config.leave_anticipation = True
            config.save()
            Absence.refuse(Absence.search([
                        ('employee', '=', self.data['awa']['employee'])]))
            transaction.commit()
        response = client.get(f'{BASE}/leave')
        self.assertIn('<span class="state">Refused</span>', response.text)
        response = client.post(f'{BASE}/leave', data={
                'csrf': self.csrf(client), 'start': start.isoformat(),
                'end': start.isoformat()})
        self.assertEqual(response.status_code, 303, response.text)
        with Transaction().start(DB_NAME, 0) as transaction:
            Absence = Pool().get('coop.payroll.absence')
            Absence.approve(Absence.search([
                        ('employee', '=', self.data['awa']['employee']),
                        ('state', '=', 'requested')]))
            transaction.commit()
        response = client.get(f'{BASE}/leave')
        self.assertIn('<span class="state">Approved</span>', response.text)
        # Monday to Thursday and Friday morning: 4 + 0.5 working days;
        # the one approved, a Monday: 1
        self.assertIn('4.5 working days', response.text)
        self.assertIn('1.0 working days', response.text)

    def test_leave_request_refused(self):
        "A bad leave request is refused with its reason, nothing written"
        self.addCleanup(self.remove_absences)
        today = dt.date.today()
        day = today + dt.timedelta(40)
        client, _, _ = self.login('awa')
        csrf = self.csrf(client)
        for form, text in [
                ({'start': 'soon', 'end': day.isoformat()},
                    "Give the first and the last day off"),
                ({'start': day.isoformat(), 'end': ''},
                    "Give the first and the last day off"),
                ({'start': day.isoformat(),
                        'end': (day - dt.timedelta(1)).isoformat()},
                    "comes before the first one"),
                ({'start': (today - dt.timedelta(1)).isoformat(),
                        'end': today.isoformat()},
                    "is for days to come"),
                ({'start': day.isoformat(), 'end': day.isoformat(),
                        'start_afternoon': '1', 'end_morning': '1'},
                    "covers no half day"),
                ]:
            with self.subTest(form=form):
                response = client.post(f'{BASE}/leave',
                    data={'csrf': csrf, **form})
                self.assertEqual(response.status_code, 400)
                self.assertIn(text, response.text)
        self.assertEqual(self.absences('awa'), [])
        # Without the token: 403
        response = client.post(f'{BASE}/leave', data={
                'start': day.isoformat(), 'end': day.isoformat()})
        self.assertEqual(response.status_code, 403)
        # Overlapping her own request; more than 5 waiting
        for i in range(5):
            response = client.post(f'{BASE}/leave', data={'csrf': csrf,
                    'start': (day + dt.timedelta(i)).isoformat(),
                    'end': (day + dt.timedelta(i)).isoformat()})
            self.assertEqual(response.status_code, 303)
            if not i:
                response = client.post(f'{BASE}/leave', data={'csrf': csrf,
                        'start': day.isoformat(), 'end': day.isoformat()})
                self.assertEqual(response.status_code, 400)
                self.assertIn("overlaps the absence", response.text)
        response = client.post(f'{BASE}/leave', data={'csrf': csrf,
                'start': day.isoformat(), 'end': day.isoformat()})
        self.assertEqual(response.status_code, 400)
        self.assertIn("requests waiting", response.text)
        self.assertEqual(len(self.absences('awa')), 5)

    def remove_share_requests(self, share_class):
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Subscription = pool.get('coop.share.subscription')
            ShareClass = pool.get('coop.share.class')
            subscriptions = Subscription.search([])
            Subscription.cancel(subscriptions)
            Subscription.delete(subscriptions)
            ShareClass.delete([ShareClass(share_class)])
            transaction.commit()

    def share_requests(self):
        with Transaction().start(DB_NAME, 0, readonly=True):
            Subscription = Pool().get('coop.share.subscription')
            return sorted((s.member.id, s.quantity, s.state,
                    s.consent_statutes, s.consent_data)
                for s in Subscription.search([]))

    def test_share_request(self):
        """A member requests shares of a class she may hold: a subscription
        for the board, within the class's maximum"""
        with Transaction().start(DB_NAME, 0) as transaction:
            ShareClass = Pool().get('coop.share.class')
            share_class, = ShareClass.create([{
                        'company': self.data['company'], 'name': "Parts A",
                        'code': 'A', 'nominal': Decimal('25'),
                        'minimum': 1, 'maximum': 10}])
            share_class = share_class.id
            transaction.commit()
        self.addCleanup(self.remove_share_requests, share_class)
        awa = self.data['awa']['member']
        client, _, _ = self.login('awa')
        response = client.get(f'{BASE}/shares')
        self.assertIn(f'<option value="{share_class}">', response.text)
        csrf = self.csrf(client)
        consents = {'consent_statutes': '1', 'consent_data': '1'}

        def request(quantity, member=awa, **form):
            return client.post(f'{BASE}/shares/{member}/request', data={
                    'csrf': csrf, 'share_class': str(share_class),
                    'quantity': quantity, **form})
        response = request('4', **consents)
        self.assertEqual(response.status_code, 303, response.text)
        self.assertEqual(self.share_requests(),
            [(awa, 4, 'draft', True, True)])
        response = client.get(f'{BASE}/shares')
        self.assertIn('<td class="state">Requested</td>', response.text)
        # 0 held + 4 requested + 7 = 11, over the class's 10
        response = request('7', **consents)
        self.assertEqual(response.status_code, 400)
        self.assertIn("would hold 11 shares of", response.text)
        self.assertIn("more than the maximum of 10", response.text)
        for quantity, form, text in [
                ('2', {}, "accept the statutes"),
                ('2', {'consent_statutes': '1'}, "accept the statutes"),
                ('many', consents, "whole number of shares"),
                ('0', consents, "whole number of shares"),
                ]:
            with self.subTest(quantity=quantity, form=form):
                response = request(quantity, **form)
                self.assertEqual(response.status_code, 400)
                self.assertIn(text, response.text)
        # Someone else's member record, a class that is none: 404
        self.assertEqual(request('1', member=self.data['leo']['member'],
                **consents).status_code, 404)
        response = client.post(f'{BASE}/shares/{awa}/request', data={
                'csrf': csrf, 'share_class': '999999', 'quantity': '1',
                **consents})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(len(self.share_requests()), 1)
        # Three requests waiting at most
        for quantity in ['1', '1']:
            self.assertEqual(request(quantity, **consents).status_code, 303)
        response = request('1', **consents)
        self.assertEqual(response.status_code, 400)
        self.assertIn("requests waiting for the board", response.text)
        self.assertEqual(len(self.share_requests()), 3)
        # The board's approval shows
        with Transaction().start(DB_NAME, 0) as transaction:
            Subscription = Pool().get('coop.share.subscription')
            Subscription.approve(Subscription.search(
                    [('quantity', '=', 4)]))
            transaction.commit()
        response = client.get(f'{BASE}/shares')
        self.assertIn('<td class="state">Approved</td>', response.text)

    def applications(self):
        with Transaction().start(DB_NAME, 0, readonly=True):
            Subscription = Pool().get('coop.share.subscription')
            return sorted((s.member.party.name, s.member.status,
                    s.member.person_kind, s.member.category.code,
                    s.member.party.email, s.quantity, s.state)
                for s in Subscription.search([]))

    def remove_applications(self, records):
        self.clear_attempts()
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Subscription = pool.get('coop.share.subscription')
            Member = pool.get('coop.member')
            subscriptions = Subscription.search([])
            members = [s.member for s in subscriptions]
            parties = [m.party for m in members]
            Subscription.delete(subscriptions)
            Member.delete(members)
            pool.get('party.party').delete(parties)
            for model, id_ in records:
                pool.get(model).delete([pool.get(model)(id_)])
            transaction.commit()

    def test_membership_application(self):
        """A visitor applies for membership: a candidate and their
        subscription for the board; bad input and robots refused, and
        each client a few tries"""
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            category, = pool.get('coop.member.category').create([{
                        'company': self.data['company'], 'code': 'USR',
                        'name': "Users", 'kind': 'beneficiary'}])
            share_class, = pool.get('coop.share.class').create([{
                        'company': self.data['company'], 'name': "Parts B",
                        'code': 'B', 'nominal': Decimal('50'),
                        'minimum': 1, 'maximum': 10}])
            transaction.commit()
        self.clear_attempts()
        self.addCleanup(self.remove_applications, [
                ('coop.share.class', share_class.id),
                ('coop.member.category', category.id)])
        client, _ = self.client()
        response = client.get(f'{BASE}/apply')
        self.assertEqual(response.status_code, 200)
        # The employees' college is not offered: one joins it by working
        self.assertIn(f'<option value="{category.id}"', response.text)
        self.assertNotIn('>Employees<', response.text)
        token = re.search(
            r'name="csrf" value="([0-9a-f]+)"', response.text).group(1)
        good = {'csrf': token, 'name': "Zoé  Martin",
            'email': 'Zoe@Example.org', 'person_kind': 'person',
            'category': str(category.id), 'share_class': str(share_class.id),
            'quantity': '2', 'consent_statutes': '1', 'consent_data': '1'}
        response = client.post(f'{BASE}/apply', data=good)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertIn("your application is recorded", response.text)
        expected = [("Zoé Martin", 'candidate', 'person', 'USR',
                'zoe@example.org', 2, 'draft')]
        self.assertEqual(self.applications(), expected)
        # The same address again, a robot's hidden field: the same answer,
        # nothing written
        for form in [good, {**good, 'email': 'bot@example.org',
                    'website': 'http://spam.example'}]:
            response = client.post(f'{BASE}/apply', data=form)
            self.assertEqual(response.status_code, 200)
            self.assertIn("your application is recorded", response.text)
        self.assertEqual(self.applications(), expected)
        for form, text in [
                ({'email': 'not-an-address'}, "valid e-mail address"),
                ({'email': 'x@example.org', 'consent_data': ''},
                    "accept the statutes"),
                # 11 shares, over the class's 10
                ({'email': 'x@example.org', 'quantity': '11'},
                    "more than the maximum of 10"),
                ]:
            with self.subTest(form=form):
                response = client.post(f'{BASE}/apply',
                    data={**good, **form})
                self.assertEqual(response.status_code, 400)
                self.assertIn(text, response.text)
        self.assertEqual(self.applications(), expected)
        # Six tries from this client: the seventh waits
        response = client.post(f'{BASE}/apply',
            data={**good, 'email': 'y@example.org'})
        self.assertEqual(response.status_code, 429)
        # Without the form's token: 403
        client, _ = self.client()
        response = client.post(f'{BASE}/apply', data=good)
        self.assertEqual(response.status_code, 403)

    def test_nobody_sees_nothing(self):
        "A web user who is neither rider nor member sees no record"
        client, _ = self.client()
        response = client.get(f'{BASE}/login')
        token = re.search(
            r'name="csrf" value="([0-9a-f]+)"', response.text).group(1)
        response = client.post(f'{BASE}/login', data={
                'csrf': token, 'email': 'nobody@example.com',
                'password': PASSWORD})
        self.assertEqual(response.status_code, 303)
        response = client.get(f'{BASE}/', follow_redirects=True)
        self.assertEqual(response.status_code, 200)
        response = client.get(f'{BASE}/payslips')
        self.assertNotIn('PAY-', response.text)
        response = client.get(
            f"{BASE}/payslips/{self.data['awa']['payslip']}/pdf")
        self.assertEqual(response.status_code, 404)

    def test_language(self):
        "The browser's language, or the switch, chooses the page's"
        client, _ = self.client()
        response = client.get(f'{BASE}/login',
            headers={'Accept-Language': 'fr-FR,fr;q=0.9,en;q=0.5'})
        self.assertIn('<html lang="fr">', response.text)
        response = client.get(f'{BASE}/login?lang=en',
            headers={'Accept-Language': 'fr-FR,fr;q=0.9'})
        self.assertIn('<html lang="en">', response.text)
        self.assertEqual(set_cookies(response)['coop_portal_lang'].value, 'en')
        response = client.get(f'{BASE}/login',
            headers={'Accept-Language': 'fr-FR,fr;q=0.9'})
        self.assertIn('<html lang="en">', response.text)

    def test_password_reset(self):
        "The reset link's token sets a new password once"
        client, _ = self.client()
        response = client.get(f'{BASE}/reset')
        token = re.search(
            r'name="csrf" value="([0-9a-f]+)"', response.text).group(1)
        with patch(SEND) as send:
            for email in ['leo@example.com', 'unknown@example.com']:
                # Buffered: the e-mail goes once the answer is out
                response = client.post(f'{BASE}/reset', data={
                        'csrf': token, 'email': email}, buffered=True)
                self.assertEqual(response.status_code, 200)
        # One e-mail, to the known address, with the portal's link
        message, = [c.args[0] for c in send.call_args_list]
        self.assertEqual(message['To'], 'leo@example.com')
        self.assertIn('/portal/password?', email_text(message))
        with Transaction().start(DB_NAME, 0, readonly=True):
            WebUser = Pool().get('web.user')
            user = WebUser(self.data['leo']['user'])
            reset_token = user.reset_password_token
            url = user.get_email_reset_password_url()
        self.assertTrue(reset_token)
        self.assertIn('/portal/password?', url)
        # The link's page lets its address go nowhere
        parts = urllib.parse.urlsplit(url)
        response = client.get(f'{parts.path}?{parts.query}')
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers['Referrer-Policy'], 'no-referrer')
        self.assertIn(f'value="{reset_token}"', response.text)

        response = client.post(f'{BASE}/password', data={
                'csrf': token, 'email': 'leo@example.com',
                'token': 'wrong', 'password': 'another-secret',
                'confirm': 'another-secret'})
        self.assertEqual(response.status_code, 400)
        # The wrong try cleared nothing; the right token works once
        with Transaction().start(DB_NAME, 0) as transaction:
            WebUser = Pool().get('web.user')
            user = WebUser(self.data['leo']['user'])
            user.set_reset_password_token()
            user.save()
            reset_token = user.reset_password_token
            transaction.commit()
        data = {'csrf': token, 'email': 'leo@example.com',
            'token': reset_token, 'password': 'another-secret',
            'confirm': 'another-secret'}
        response = client.post(f'{BASE}/password', data=data)
        self.assertEqual(response.status_code, 303, response.text)
        response = client.post(f'{BASE}/password', data=data)
        self.assertEqual(response.status_code, 400)
        with Transaction().start(DB_NAME, 0) as transaction:
            WebUser = Pool().get('web.user')
            user = WebUser(self.data['leo']['user'])
            self.assertTrue(user.email_valid)
            WebUser.write([user], {'password': PASSWORD})
            transaction.commit()

    def test_assemblies(self):
        "A member sees the assemblies she was convened to, and their minutes"
        assembly = self.data['assembly']
        client, _, _ = self.login('awa')
        response = client.get(f'{BASE}/assemblies')
        self.assertEqual(response.status_code, 200)
        self.assertIn("AG 2026", response.text)
        self.assertIn("Approve the 2026 accounts", response.text)
        self.assertNotIn("AG 2025", response.text)
        response = client.get(f"{BASE}/assemblies/{assembly['id']}/minutes")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.data, b'%PDF-1.4 minutes of the assembly')
        response = client.get(f"{BASE}/assemblies/{assembly['id']}"
            f"/documents/{assembly['document']}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.data, b'The accounts of 2025')
        # Not convened: 404, as for a document of another record
        for path in [f"/assemblies/{assembly['other']}/minutes",
                f"/assemblies/{assembly['other']}/documents/"
                f"{assembly['document']}"]:
            self.assertEqual(client.get(BASE + path).status_code, 404)

        client, _, _ = self.login('leo')
        response = client.get(f'{BASE}/assemblies')
        self.assertNotIn("AG 2026", response.text)
        response = client.get(f"{BASE}/assemblies/{assembly['id']}/minutes")
        self.assertEqual(response.status_code, 404)

    @with_transaction()
    def test_invite(self):
        "Inviting a rider creates her web user and sends the reset e-mail"
        pool = Pool()
        Party = pool.get('party.party')
        Employee = pool.get('company.employee')
        WebUser = pool.get('web.user')
        company = pool.get('company.company')(self.data['company'])
        with set_company(company):
            rider = create_employee(company, "Inès Benali")
            with self.assertRaises(InvitationError):
                Employee.portal_invite([rider])  # no e-mail
        Party.write([rider.party], {'contact_mechanisms': [('create', [{
                            'type': 'email',
                            'value': 'Ines@Example.com'}])]})
        with set_company(company), patch(SEND) as send:
            Employee.portal_invite([rider])
        self.assertEqual(send.call_count, 1)
        user, = WebUser.search([('party', '=', rider.party.id)])
        self.assertEqual(user.email, 'ines@example.com')
        self.assertTrue(user.reset_password_token)
        self.assertIn('/portal/password?', user.get_email_reset_password_url())
        # Inviting again reuses the account
        with set_company(company), patch(SEND):
            Employee.portal_invite([rider])
        self.assertEqual(
            WebUser.search_count([('party', '=', rider.party.id)]), 1)
        # A member is invited from the register alike: Awa's account is
        # reused and sent the e-mail again
        Member = pool.get('coop.member')
        awa = Member(self.data['awa']['member'])
        with set_company(company), patch(SEND) as send:
            Member.portal_invite([awa])
        self.assertEqual(send.call_count, 1)
        self.assertEqual(
            WebUser.search_count([('party', '=', awa.party.id)]), 1)


    # Account takeover: what an attacker tries

    def form_token(self, client, path='/login', **kwargs):
        response = client.get(f'{BASE}{path}', **kwargs)
        return re.search(
            r'name="csrf" value="([0-9a-f]+)"', response.text).group(1)

    def clear_attempts(self):
        with Transaction().start(DB_NAME, 0) as transaction:
            Attempt = Pool().get('web.user.authenticate.attempt')
            Attempt.delete(Attempt.search([]))
            transaction.commit()

    def test_reset_link_is_the_public_url(self):
        "The reset link is [coop_portal] url's, whatever Host the request has"
        client = Client(app, use_cookies=True)
        attacker = 'http://attacker.example'
        token = self.form_token(client, '/reset', base_url=attacker)
        with patch(SEND) as send:
            response = client.post(f'{BASE}/reset', base_url=attacker,
                data={'csrf': token, 'email': 'awa@example.com'},
                headers={'X-Forwarded-Host': 'attacker.example'},
                buffered=True)
        self.assertEqual(response.status_code, 200)
        message, = [c.args[0] for c in send.call_args_list]
        body = email_text(message)
        self.assertNotIn('attacker.example', body)
        self.assertIn(f'href="{PUBLIC_URL}/{urllib.parse.quote(DB_NAME)}'
            '/portal/password?', body)
        self.clear_reset_token('awa')

    def clear_reset_token(self, login):
        with Transaction().start(DB_NAME, 0) as transaction:
            WebUser = Pool().get('web.user')
            user = WebUser(self.data[login]['user'])
            user.clear_reset_password_token()
            user.save()
            transaction.commit()

    def test_no_link_without_public_url(self):
        "Without [coop_portal] url no reset e-mail or invitation is sent"
        set_public_url('')
        try:
            client, _ = self.client()
            token = self.form_token(client, '/reset')
            with patch(SEND) as send:
                response = client.post(f'{BASE}/reset', data={
                        'csrf': token, 'email': 'leo@example.com'},
                    buffered=True)
            # The same answer as ever; nothing sent, no token written
            self.assertEqual(response.status_code, 200)
            self.assertFalse(send.called)
            with Transaction().start(DB_NAME, 0) as transaction:
                pool = Pool()
                WebUser = pool.get('web.user')
                Member = pool.get('coop.member')
                self.assertFalse(
                    WebUser(self.data['leo']['user']).reset_password_token)
                company = pool.get('company.company')(self.data['company'])
                with set_company(company), patch(SEND) as send:
                    with self.assertRaises(PortalURLError):
                        Member.portal_invite(
                            [Member(self.data['leo']['member'])])
                self.assertFalse(send.called)
                transaction.rollback()
        finally:
            set_public_url()

    def test_reset_answers_alike_before_any_lookup(self):
        """/reset answers a known and an unknown address alike, having done
        the same work: the account is looked up and the e-mail sent only
        once the answer is out (so its time tells nothing)"""
        client, _ = self.client()
        token = self.form_token(client, '/reset')
        with Transaction().start(DB_NAME, 0, readonly=True):
            WebUser = Pool().get('web.user')
        answers = []
        with patch.object(WebUser, 'portal_request_reset') as request_reset, \
                patch.object(WebUser, 'search', wraps=WebUser.search) \
                as search, patch(SEND) as send:
            for email in ['leo@example.com', 'nobody-here@example.com']:
                response = client.post(f'{BASE}/reset', data={
                        'csrf': token, 'email': email})
                answers.append((response.status_code,
                        response.get_data(as_text=True)))
                # Answered: no account looked up, nothing sent yet
                self.assertEqual(search.call_count, 0, email)
                self.assertFalse(request_reset.called, email)
                self.assertFalse(send.called, email)
                response.close()
                request_reset.assert_called_once_with(email)
                request_reset.reset_mock()
        self.assertEqual(answers[0], answers[1])
        self.assertEqual(answers[0][0], 200)
        self.clear_attempts()

    def test_password_page_tells_nothing(self):
        """The reset page answers alike for a known and an unknown address
        (the password is checked against the account only once the link is
        proven)"""
        client, _ = self.client()
        token = self.form_token(client, '/password')
        answers = []
        for email in ['leo@example.com', 'nobody-here@example.com']:
            response = client.post(f'{BASE}/password', data={
                    'csrf': token, 'email': email, 'token': 'guess',
                    # contains the address: refused for an account only
                    'password': email, 'confirm': email})
            answers.append((response.status_code, response.text.replace(
                        email, 'EMAIL')))
        self.assertEqual(answers[0], answers[1])
        self.clear_attempts()

    def test_login_checks_a_hash_for_unknown_addresses(self):
        "An unknown address costs a password check too: no timing oracle"
        client, _ = self.client()
        token = self.form_token(client)
        with Transaction().start(DB_NAME, 0, readonly=True):
            WebUser = Pool().get('web.user')
        with patch.object(WebUser, 'check_password',
                return_value=(False, None)) as check:
            for email in ['leo@example.com', 'unknown@example.com']:
                response = client.post(f'{BASE}/login', data={
                        'csrf': token, 'email': email,
                        'password': 'wrong password'})
                self.assertEqual(response.status_code, 401)
        self.assertEqual(check.call_count, 2)
        self.clear_attempts()

    def test_login_rate_limits_hold_no_thread(self):
        """Failed logins are refused at once past the limit, per address and
        client; the account still opens from another client"""
        max_attempt = config.get('session', 'max_attempt')
        config.set('session', 'max_attempt', '2')
        attacker = Client(app, use_cookies=True)
        attacker_env = {'REMOTE_ADDR': '203.0.113.7'}
        try:
            token = self.form_token(attacker, environ_base=attacker_env)
            with patch('time.sleep') as sleep:
                statuses = [attacker.post(f'{BASE}/login', data={
                            'csrf': token, 'email': 'leo@example.com',
                            'password': f'guess {i}'},
                        environ_base=attacker_env).status_code
                    for i in range(5)]
            self.assertFalse(sleep.called)
            # 3 tries (more than max_attempt 2 are refused), then 429
            self.assertEqual(statuses, [401, 401, 401, 429, 429])
            # Even the right password, from the attacker's address
            response = attacker.post(f'{BASE}/login', data={
                    'csrf': token, 'email': 'leo@example.com',
                    'password': PASSWORD}, environ_base=attacker_env)
            self.assertEqual(response.status_code, 429)
            # Léo, from her own address, is not locked out
            client, _, _ = self.login('leo')
        finally:
            config.set('session', 'max_attempt', max_attempt)
            self.clear_attempts()

    def test_password_change_ends_sessions(self):
        "A new password ends the sessions opened with the old one"
        client, _, _ = self.login('leo')
        self.assertEqual(client.get(f'{BASE}/payslips').status_code, 200)
        with Transaction().start(DB_NAME, 0) as transaction:
            WebUser = Pool().get('web.user')
            WebUser.write([WebUser(self.data['leo']['user'])],
                {'password': PASSWORD})
            transaction.commit()
        self.assertEqual(client.get(f'{BASE}/payslips').status_code, 303)

    def assertSecurityHeaders(self, response):
        for name, value in HEADERS.items():
            self.assertEqual(response.headers.get(name), value, name)

    def test_malformed_requests_answer_4xx(self):
        "Cross-site, oversized or undecodable input: 4xx, with the headers"
        client, _ = self.client()
        token = self.form_token(client)
        response = client.post(f'{BASE}/login', data={
                'csrf': token, 'email': 'awa@example.com',
                'password': PASSWORD},
            headers={'Origin': 'https://attacker.example'})
        self.assertEqual(response.status_code, 403)
        self.assertSecurityHeaders(response)

        client, _, _ = self.login('awa')
        for path in [f'/payslips/{2 ** 63}/pdf', f'/payslips/{2 ** 64}/pdf',
                f'/shares/{2 ** 63}/certificate',
                f"/assemblies/{self.data['assembly']['id']}/documents/"
                f"{2 ** 63}"]:
            with self.subTest(path=path):
                response = client.get(BASE + path)
                self.assertEqual(response.status_code, 404)
                self.assertSecurityHeaders(response)
        response = client.get(f'{BASE}/no-such-page')
        self.assertIn(response.status_code, {404, 405})
        self.assertSecurityHeaders(response)

        client, _ = self.client()
        token = self.form_token(client)
        for body in [
                b'csrf=' + token.encode() + b'&email=%ff%fe%fd&password=x',
                b'csrf=' + token.encode() + b'&email=a\xff@b&password=\xfe',
                b'csrf=' + token.encode() + b'&email=a%00@b&password=x']:
            with self.subTest(body=body):
                response = client.post(f'{BASE}/login', data=body,
                    content_type='application/x-www-form-urlencoded')
                self.assertGreaterEqual(response.status_code, 400)
                self.assertLess(response.status_code, 500)
                self.assertSecurityHeaders(response)
        for query in ['email=%ff&token=%fe', 'email=a%00b&token=%00']:
            response = client.get(f'{BASE}/password?{query}')
            self.assertLess(response.status_code, 500)
        client.set_cookie('coop_portal_session', 'g' * 64, path=BASE)
        self.assertEqual(client.get(f'{BASE}/payslips').status_code, 303)
        self.clear_attempts()

    def test_forwarded_prefix_is_escaped(self):
        """A proxy's X-Forwarded-Prefix sets the links' base: a quote or a
        tag in it ends quoted, never as markup"""
        from werkzeug.middleware.proxy_fix import ProxyFix
        client = Client(ProxyFix(app, x_prefix=1), use_cookies=True)
        # A quoted string, which the header's parser reads as
        # /x"><script>alert(1)</script>
        attack = '"/x\\"><script>alert(1)</script>"'
        response = client.get(f'{BASE}/login',
            headers={'X-Forwarded-Prefix': attack})
        self.assertEqual(response.status_code, 200)
        self.assertNotIn('<script>', response.text)
        self.assertNotIn('x"', response.text)
        # The links keep the prefix, quoted as a path
        self.assertIn('action="/x%22%3E%3Cscript%3Ealert(1)%3C/script%3E/'
            f'{DB_NAME}/portal/login"', response.text)

    def test_pages_escape_values(self):
        "A value with markup from the database is printed as text"
        with Transaction().start(DB_NAME, 0) as transaction:
            Contract = Pool().get('coop.payroll.contract')
            contract, = Contract.search([
                    ('employee', '=', self.data['awa']['employee'])])
            job = contract.job
            Contract.write([contract], {'job': '<b>Coursière</b> & co'})
            transaction.commit()
        try:
            client, _, _ = self.login('awa')
            response = client.get(f'{BASE}/contract')
            self.assertEqual(response.status_code, 200)
            self.assertIn('&lt;b&gt;Coursière&lt;/b&gt; &amp; co',
                response.text)
            self.assertNotIn('<b>Coursière', response.text)
        finally:
            with Transaction().start(DB_NAME, 0) as transaction:
                Contract = Pool().get('coop.payroll.contract')
                Contract.write([contract], {'job': job})
                transaction.commit()

    def bank_requests(self):
        with Transaction().start(DB_NAME, 0, readonly=True):
            Request = Pool().get('coop.payroll.bank_account.request')
            return [(r.employee.id, r.iban, r.state)
                for r in Request.search([], order=[('id', 'ASC')])]

    def remove_bank_requests(self):
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Request = pool.get('coop.payroll.bank_account.request')
            Account = pool.get('bank.account')
            Party = pool.get('party.party')
            Request.delete(Request.search([]))
            Account.delete(Account.search([
                        ('active', 'in', [True, False])]))
            Party.write([Party(self.data['leo_party'])], {'lang': None})
            transaction.commit()

    def test_bank_account_change(self):
        """A rider asks for another IBAN: nothing changes until the
        payroll manager approves; she is told by e-mail, in her language"""
        self.addCleanup(self.remove_bank_requests)
        client, _, _ = self.login('awa')
        response = client.get(f'{BASE}/bank')
        self.assertEqual(response.status_code, 200)
        self.assertIn("No bank account is recorded", response.text)
        csrf = self.csrf(client)
        # Malformed: a wrong check digit, a short one, letters: refused
        for number in ['FR76 3000 6000 0112 3456 7890 188',
                'FR76 3000 6000', 'not an iban', '']:
            with self.subTest(number=number):
                response = client.post(f'{BASE}/bank',
                    data={'csrf': csrf, 'iban': number})
                self.assertEqual(response.status_code, 400)
                self.assertIn("is not a valid IBAN", response.text)
        # No session token: 403
        response = client.post(f'{BASE}/bank',
            data={'iban': 'FR76 3000 6000 0112 3456 7890 189'})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.bank_requests(), [])

        response = client.post(f'{BASE}/bank', data={
                'csrf': csrf, 'iban': 'fr7630006000011234567890189'})
        self.assertEqual(response.status_code, 303, response.text)
        employee = self.data['awa']['employee']
        self.assertEqual(self.bank_requests(), [
                (employee, 'FR76 3000 6000 0112 3456 7890 189', 'requested')])
        response = client.get(response.headers['Location'])
        self.assertIn("Your request is recorded", response.text)
        # Shown masked: the country and the last four characters
        self.assertIn('FR\u2022\u2022', response.text)
        self.assertIn('0189</td>', response.text)
        self.assertNotIn('3000 6000', response.text)
        self.assertNotIn('name="iban"', response.text)
        # One at a time
        response = client.post(f'{BASE}/bank', data={
                'csrf': csrf, 'iban': 'FR14 2004 1010 0505 0001 3M02 606'})
        self.assertEqual(response.status_code, 400)
        self.assertIn("already waiting", response.text)
        self.assertEqual(len(self.bank_requests()), 1)
        # Nothing paid elsewhere before the approval; another rider's
        # page shows none of it; someone with no employee record: 404
        with Transaction().start(DB_NAME, 0, readonly=True):
            party = Pool().get('company.employee')(employee).party
            self.assertEqual(list(party.bank_accounts_used), [])
        leo, _, _ = self.login('leo')
        self.assertNotIn('0189', leo.get(f'{BASE}/bank').text)
        nobody = self.login_nobody()
        self.assertEqual(nobody.get(f'{BASE}/bank').status_code, 404)

        # The payroll manager approves: her party's account, the e-mail
        with Transaction().start(DB_NAME, 0) as transaction, \
                patch('coop_portal.bank.send_message_transactional') as send:
            Request = Pool().get('coop.payroll.bank_account.request')
            Request.approve(Request.search([]))
            transaction.commit()
        message, = [c.args[0] for c in send.call_args_list]
        self.assertEqual(message['To'], 'awa@example.com')
        self.assertEqual(message['Subject'], "Your bank account")
        text = message.get_body(('html', 'plain')).get_content()
        self.assertIn("Hello Awa Diallo,", text)
        self.assertIn("Your new bank account FR", text)
        self.assertIn("0189 is recorded", text)
        self.assertEqual(self.bank_requests()[0][2], 'approved')
        with Transaction().start(DB_NAME, 0, readonly=True):
            pool = Pool()
            party = pool.get('company.employee')(employee).party
            account, = party.bank_accounts_used
            self.assertEqual(account.numbers[0].number_compact,
                'FR7630006000011234567890189')
        response = client.get(f'{BASE}/bank')
        self.assertIn('Your pay is paid on: <strong class="iban">FR',
            response.text)
        self.assertIn('Approved', response.text)

        # Léo asks, in French; refused: the e-mail is in French
        with Transaction().start(DB_NAME, 0) as transaction:
            from coop_tools.languages import load_french
            pool = Pool()
            load_french(['coop_portal'])
            Party = pool.get('party.party')
            Lang = pool.get('ir.lang')
            french, = Lang.search([('code', '=', 'fr')])
            Party.write([Party(self.data['leo_party'])],
                {'lang': french.id})
            transaction.commit()
        response = leo.post(f'{BASE}/bank?lang=fr', data={
                'csrf': self.csrf(leo),
                'iban': 'FR14 2004 1010 0505 0001 3M02 606'})
        self.assertEqual(response.status_code, 303, response.text)
        response = leo.get(response.headers['Location'])
        self.assertIn("Votre demande est enregistrée", response.text)
        with Transaction().start(DB_NAME, 0) as transaction, \
                patch('coop_portal.bank.send_message_transactional') as send:
            Request = Pool().get('coop.payroll.bank_account.request')
            Request.refuse(Request.search([('state', '=', 'requested')]))
            transaction.commit()
        message, = [c.args[0] for c in send.call_args_list]
        self.assertEqual(message['To'], 'leo@example.com')
        self.assertEqual(message['Subject'], "Votre compte bancaire")
        text = message.get_body(('html', 'plain')).get_content()
        self.assertIn("Bonjour Léo Martin,", text)
        self.assertIn("a été refusée", text)
        with Transaction().start(DB_NAME, 0, readonly=True):
            party = Pool().get('party.party')(self.data['leo_party'])
            self.assertEqual(list(party.bank_accounts_used), [])

    def login_nobody(self):
        client, base_url = self.client()
        response = client.get(f'{BASE}/login')
        token = re.search(
            r'name="csrf" value="([0-9a-f]+)"', response.text).group(1)
        response = client.post(f'{BASE}/login', data={
                'csrf': token, 'email': 'nobody@example.com',
                'password': PASSWORD})
        self.assertEqual(response.status_code, 303)
        return client


    @with_transaction()
    def test_closed_assembly_documents_are_frozen(self):
        "No document is added to, changed on or removed from a closed assembly"
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        Note = pool.get('ir.note')
        assembly = self.data['assembly']
        resource = f"coop.assembly,{assembly['id']}"
        with self.assertRaises(AssemblyClosedError):
            Attachment.create([{'resource': resource, 'name': 'late.txt',
                        'type': 'data', 'data': b'added after closing'}])
        document = Attachment(assembly['document'])
        with self.assertRaises(AssemblyClosedError):
            Attachment.write([document], {'data': b'rewritten'})
        with self.assertRaises(AssemblyClosedError):
            Attachment.delete([document])
        with self.assertRaises(AssemblyClosedError):
            Note.create([{'resource': resource, 'message': "late"}])
        # Nor moved onto it from elsewhere
        party = pool.get('party.party')(self.data['leo_party'])
        other, = Attachment.create([{'resource': str(party),
                    'name': 'elsewhere.txt', 'type': 'data', 'data': b'x'}])
        with self.assertRaises(AssemblyClosedError):
            Attachment.write([other], {'resource': resource})


del ModuleTestCase
