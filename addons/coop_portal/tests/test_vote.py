# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Online votes through the portal's pages: ballots counted by the
assembly's tally as the room's votes are, secret ballots apart from who
cast them, and every refusal writing nothing

The members, their colleges and their portal sessions are committed once
for the class; each test convenes assemblies of its own."""
import datetime as dt
import re
import unittest
from decimal import Decimal
from unittest.mock import patch

from werkzeug.test import Client

from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction
from trytond.wsgi import app

from coop_portal.exceptions import BallotError
from coop_portal.portal import SESSION_COOKIE, csrf_token
from coop_tools.locks import LOCKED_TABLES
from coop_tools.testing import activate_suite

BASE = f'/{DB_NAME}/portal'
SEND = 'coop_membership.assembly.send_message_transactional'
# Colleges of a SCIC: (code, weight, members)
COLLEGES = [('EMP', Decimal('0.5'), 2), ('USR', Decimal('0.3'), 3),
    ('SUP', Decimal('0.2'), 2)]
DATE = dt.date(2026, 6, 20)
HOUR = dt.timedelta(hours=1)


def utcnow():
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


# It runs in the suite's database: the runner runs it after the modules'
# own databases are made (tests/runner.py)
SUITE_DATABASE = True


class OnlineVoteTestCase(unittest.TestCase):
    "Voting online in the portal"

    @classmethod
    def setUpClass(cls):
        activate_suite()
        with Transaction().start(DB_NAME, 0,
                _lock_tables=list(LOCKED_TABLES)) as transaction:
            cls.data = cls.populate()
            transaction.commit()

    @classmethod
    def populate(cls):
        """A SCIC of 7 members in three weighted colleges, each with a
        portal session; its statutes allow remote voting"""
        pool = Pool()
        Category = pool.get('coop.member.category')
        Party = pool.get('party.party')
        Member = pool.get('coop.member')
        WebUser = pool.get('web.user')
        Configuration = pool.get('coop.membership.configuration')
        company = create_company("Roue Libre SCIC")
        company.coop_form = 'scic'
        company.save()
        data = {'company': company.id, 'members': {}, 'keys': {}}
        with set_company(company):
            config = Configuration(1)
            config.assembly_remote_voting = True
            config.save()
            count = 0
            for code, weight, number in COLLEGES:
                category, = Category.create([{
                            'code': code, 'name': code, 'kind': 'other',
                            'vote_weight': weight}])
                for i in range(1, number + 1):
                    count += 1
                    name = f'{code}{i}'
                    party, = Party.create([{'name': name}])
                    member, = Member.create([{
                                'company': company.id, 'party': party.id,
                                'number': f'M{count:03d}',
                                'category': category.id,
                                'status': 'member',
                                'entry_date': dt.date(2026, 1, 1)}])
                    user, = WebUser.create([{
                                'email': f'{name.lower()}@example.com',
                                'password': 'portal-secret-1',
                                'party': party.id}])
                    data['members'][name] = member.id
                    data['keys'][name] = user.new_session()
        return data

    # Set-up of each test, committed: the pages run in their own
    # transactions

    def assembly(self, opening=-HOUR, closing=HOUR, secret=True,
            session=True):
        """A convened and open assembly of two resolutions (the second
        secret), voted online from now + opening to now + closing; SUP2
        gave her proxy to SUP1, who attends remotely"""
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Assembly = pool.get('coop.assembly')
            Attendance = pool.get('coop.assembly.attendance')
            company = pool.get('company.company')(self.data['company'])
            with set_company(company):
                now = utcnow()
                assembly, = Assembly.create([{
                            'name': "AG 2026", 'kind': 'ordinary',
                            'date': DATE, 'place': "Lyon",
                            # the statutes' 15 days of notice
                            'convocation_date': DATE - dt.timedelta(days=15),
                            'vote_opening': now + opening,
                            'vote_closing': now + closing,
                            'resolutions': [('create', [{
                                            'sequence': 1,
                                            'title': "Accounts"}, {
                                            'sequence': 2,
                                            'title': "Board: EMP1",
                                            'secret': secret}])],
                            }])
                with patch(SEND):
                    Assembly.convene([assembly])
                if session:
                    Assembly.open_session([assembly])
                members = self.data['members']
                holder, = Attendance.search([
                        ('assembly', '=', assembly.id),
                        ('member', '=', members['SUP1'])])
                Attendance.write([holder], {'status': 'remote'})
                given, = Attendance.search([
                        ('assembly', '=', assembly.id),
                        ('member', '=', members['SUP2'])])
                Attendance.write([given], {
                        'status': 'represented',
                        'proxy_holder': members['SUP1']})
                resolutions = [r.id for r in assembly.resolutions]
                attendances = {a.member.party.name: a.id
                    for a in assembly.attendances}
                transaction.commit()
        return assembly.id, resolutions, attendances

    def client(self, name):
        client = Client(app, use_cookies=True)
        client.set_cookie(SESSION_COOKIE, self.data['keys'][name],
            domain='localhost', path=BASE)
        return client

    def post_vote(self, name, assembly, choices, receipts=None):
        """Post the vote form as name: choices {(resolution, attendance):
        choice}"""
        form = {'csrf': csrf_token(self.data['keys'][name])}
        for (resolution, attendance), choice in choices.items():
            form[f'v-{resolution}-{attendance}'] = choice
        for (resolution, attendance), receipt in (receipts or {}).items():
            form[f'r-{resolution}-{attendance}'] = receipt
        return self.client(name).post(
            f'{BASE}/assemblies/{assembly}/vote', data=form)

    def receipts(self, response):
        return re.findall(r'<code class="receipt">([A-Z0-9-]+)</code>',
            response.text)

    def close(self, assembly_id):
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Assembly = pool.get('coop.assembly')
            company = pool.get('company.company')(self.data['company'])
            with set_company(company):
                Assembly.close([Assembly(assembly_id)])
                transaction.commit()

    def results(self, assembly_id):
        with Transaction().start(DB_NAME, 0, readonly=True):
            Assembly = Pool().get('coop.assembly')
            return [(r.result, r.share_for, r.head_share_for,
                    r.votes_for, r.votes_against, r.votes_abstain,
                    r.votes_blank,
                    sorted((t.college.code, t.votes_for, t.votes_against,
                            t.votes_abstain, t.votes_blank)
                        for t in r.tallies))
                for r in Assembly(assembly_id).resolutions]

    def count_rows(self):
        with Transaction().start(DB_NAME, 0, readonly=True):
            pool = Pool()
            return tuple(len(pool.get(m).search([])) for m in [
                    'coop.assembly.ballot', 'coop.assembly.ballot.cast',
                    'coop.assembly.vote'])

    # The ballots, as each member casts them
    ACCOUNTS = {'EMP1': 'for', 'EMP2': 'against', 'USR1': 'for',
        'USR2': 'for', 'USR3': 'against', 'SUP1': 'against',
        'SUP2': 'abstain'}
    BOARD = {'EMP1': 'for', 'EMP2': 'for', 'USR1': 'against',
        'USR2': 'against', 'USR3': 'blank', 'SUP1': 'for', 'SUP2': 'for'}

    def test_online_result_equals_the_room(self):
        "The same ballots weigh the same online as recorded in the room"
        online, (accounts, board), voters = self.assembly()
        ballots, casts, _ = self.count_rows()
        receipts = {}
        for name in ['EMP1', 'EMP2', 'USR1', 'USR2', 'USR3', 'SUP1']:
            choices = {(accounts, voters[name]): self.ACCOUNTS[name],
                (board, voters[name]): self.BOARD[name]}
            if name == 'SUP1':  # and for SUP2, whose proxy she holds
                choices[accounts, voters['SUP2']] = self.ACCOUNTS['SUP2']
                choices[board, voters['SUP2']] = self.BOARD['SUP2']
            if name == 'USR1':  # first against, changed below
                choices[accounts, voters[name]] = 'against'
            if name == 'EMP2':  # first against, changed below
                choices[board, voters[name]] = 'against'
            response = self.post_vote(name, online, choices)
            self.assertEqual(response.status_code, 200, response.text)
            receipts[name] = self.receipts(response)
            self.assertEqual(len(receipts[name]), len(choices))
        # SUP1 votes for SUP2 too: the proxy is shown on her page
        response = self.client('SUP1').get(
            f'{BASE}/assemblies/{online}/vote')
        self.assertIn("For M007 SUP2 (proxy", response.text)
        # An open ballot is changed by voting again: same receipt
        response = self.post_vote('USR1', online,
            {(accounts, voters['USR1']): 'for'})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(self.receipts(response), receipts['USR1'][:1])
        # A secret one only with its receipt (the second of EMP2's)
        change = {(board, voters['EMP2']): 'for'}
        for receipt in [None, 'WRONG-CODE']:
            response = self.post_vote('EMP2', online, change,
                {(board, voters['EMP2']): receipt} if receipt else None)
            self.assertEqual(response.status_code, 400)
            self.assertIn("give the receipt", response.text)
        response = self.post_vote('EMP2', online, change,
            {(board, voters['EMP2']): receipts['EMP2'][1].lower()})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(self.receipts(response), receipts['EMP2'][1:])
        # One ballot per voter and resolution: 7 voters, 2 resolutions
        self.assertEqual(self.count_rows()[:2], (ballots + 14, casts + 14))

        # The room: the same ballots recorded by the secretary
        room, (room_accounts, room_board), room_voters = self.assembly(
            opening=HOUR, closing=2 * HOUR)
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Vote = pool.get('coop.assembly.vote')
            Attendance = pool.get('coop.assembly.attendance')
            company = pool.get('company.company')(self.data['company'])
            with set_company(company):
                Attendance.write(Attendance.browse([room_voters[n]
                            for n in self.ACCOUNTS if n != 'SUP2'
                            and n != 'SUP1']), {'status': 'present'})
                Vote.create([{
                            'resolution': resolution,
                            'attendance': room_voters[name],
                            'choice': choices[name]}
                        for resolution, choices in [
                            (room_accounts, self.ACCOUNTS),
                            (room_board, self.BOARD)]
                        for name in choices])
                transaction.commit()
        self.close(online)
        self.close(room)
        results = self.results(online)
        self.assertEqual(results, self.results(room))
        accounts_result, board_result = results
        # Accounts: EMP 1/2 for, USR 2/3, SUP 0/1 (abstention not
        # expressed): 0.5 × 1/2 + 0.3 × 2/3 + 0.2 × 0 = 0.45, rejected;
        # by head 3 for of 6 expressed = 0.5
        self.assertEqual(accounts_result[:7], ('rejected',
                Decimal('0.450000'), Decimal('0.500000'), 3, 3, 1, 0))
        self.assertEqual(accounts_result[7], [('EMP', 1, 1, 0, 0),
                ('SUP', 0, 1, 1, 0), ('USR', 2, 1, 0, 0)])
        # Board (secret): EMP 2/2, USR 0/2 (a blank vote), SUP 2/2:
        # 0.5 + 0 + 0.2 = 0.7, adopted; by head 4 of 6 = 0.666667
        self.assertEqual(board_result[:7], ('adopted',
                Decimal('0.700000'), Decimal('0.666667'), 4, 2, 0, 1))

        # After closing: the published list holds each receipt
        response = self.client('EMP2').get(
            f'{BASE}/assemblies/{online}/ballots')
        self.assertEqual(response.status_code, 200)
        published = self.receipts(response)
        self.assertEqual(len(published), 14)
        self.assertLessEqual(
            set(sum(receipts.values(), [])), set(published))
        # and no vote any more
        response = self.post_vote('EMP1', online,
            {(accounts, voters['EMP1']): 'against'})
        self.assertEqual(response.status_code, 403)
        self.assertIn("is closed", response.text)
        self.assertEqual(self.results(online), results)

    def test_secret_ballot_is_apart_from_the_voter(self):
        "Reading the database links no secret ballot to its voter"
        assembly, (accounts, board), voters = self.assembly()
        for name in ['EMP1', 'USR1', 'USR2']:
            response = self.post_vote(name, assembly, {
                    (accounts, voters[name]): self.ACCOUNTS[name],
                    (board, voters[name]): self.BOARD[name]})
            self.assertEqual(response.status_code, 200, response.text)
        with Transaction().start(DB_NAME, 0, readonly=True):
            pool = Pool()
            Ballot = pool.get('coop.assembly.ballot')
            Cast = pool.get('coop.assembly.ballot.cast')
            ballot, cast = Ballot.__table__(), Cast.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*ballot.select(
                    ballot.id, ballot.resolution, ballot.college,
                    ballot.choice, ballot.receipt, ballot.create_date,
                    ballot.create_uid, ballot.write_date, ballot.write_uid,
                    where=ballot.resolution == board))
            rows = cursor.fetchall()
            self.assertEqual(len(rows), 3)
            # No time, no user: nothing to match against the casts
            self.assertEqual({r[5:] for r in rows},
                {(None, None, None, None)})
            # Random ids: not in the order they were cast
            ids = sorted(r[0] for r in rows)
            self.assertGreater(ids[-1] - ids[0], 1000)
            # The columns of the ballots' table: none names a voter
            cursor.execute(*ballot.select(limit=0))
            columns = {c[0] for c in cursor.description}
            self.assertEqual(columns, {'id', 'resolution', 'college',
                    'choice', 'receipt', 'create_date', 'create_uid',
                    'write_date', 'write_uid'})
            # The casts say who voted; the secret ones point at no ballot
            cursor.execute(*cast.select(cast.attendance, cast.ballot,
                    where=cast.resolution == board))
            casts = cursor.fetchall()
            self.assertEqual(sorted(a for a, _ in casts),
                sorted(voters[n] for n in ['EMP1', 'USR1', 'USR2']))
            self.assertEqual({b for _, b in casts}, {None})
            # An open resolution's casts do
            cursor.execute(*cast.select(cast.ballot,
                    where=cast.resolution == accounts))
            self.assertNotIn(None, {b for b, in cursor})

    def test_bad_votes_are_refused_and_write_nothing(self):
        "Each refusal has its message and writes nothing"
        assembly, (accounts, board), voters = self.assembly()
        before = self.count_rows()
        cases = [
            # A member who gave her proxy
            ('SUP2', {(accounts, voters['SUP2']): 'for'}, 400,
                "You gave your proxy to"),
            # Not a choice
            ('EMP1', {(accounts, voters['EMP1']): 'maybe'}, 400,
                "Choose for, against"),
            # Nothing chosen
            ('EMP1', {}, 400, "Choose at least one vote"),
            # Someone else's line of the register: 404
            ('EMP1', {(accounts, voters['EMP2']): 'for'}, 404, None),
            # A resolution of another assembly: 404
            ('EMP1', {(accounts + 1000, voters['EMP1']): 'for'}, 404, None),
            # A good vote with a bad one: neither is written
            ('EMP1', {(accounts, voters['EMP1']): 'for',
                    (board, voters['EMP1']): 'maybe'}, 400,
                "Choose for, against"),
            ]
        for name, choices, status, message in cases:
            with self.subTest(name=name, choices=choices):
                response = self.post_vote(name, assembly, choices)
                self.assertEqual(response.status_code, status)
                if message:
                    self.assertIn(message, response.text)
        self.assertEqual(self.count_rows(), before)
        # An assembly the member was not convened to: 404
        response = self.post_vote('EMP1', assembly + 1000,
            {(accounts, voters['EMP1']): 'for'})
        self.assertEqual(response.status_code, 404)
        # Without the session's CSRF token: 403
        response = self.client('EMP1').post(
            f'{BASE}/assemblies/{assembly}/vote',
            data={f'v-{accounts}-{voters["EMP1"]}': 'for'})
        self.assertEqual(response.status_code, 403)

        # A vote recorded in the room is not cast online too
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Vote = pool.get('coop.assembly.vote')
            Attendance = pool.get('coop.assembly.attendance')
            Attendance.write([Attendance(voters['USR1'])],
                {'status': 'present'})
            Vote.create([{'resolution': accounts,
                        'attendance': voters['USR1'], 'choice': 'for'}])
            transaction.commit()
        response = self.post_vote('USR1', assembly,
            {(accounts, voters['USR1']): 'against'})
        self.assertEqual(response.status_code, 400)
        self.assertIn("was recorded at the meeting", response.text)
        # and the other way round
        response = self.post_vote('USR2', assembly,
            {(accounts, voters['USR2']): 'against'})
        self.assertEqual(response.status_code, 200)
        with Transaction().start(DB_NAME, 0):
            pool = Pool()
            Vote = pool.get('coop.assembly.vote')
            Attendance = pool.get('coop.assembly.attendance')
            with self.assertRaises(BallotError) as cm:
                Vote.create([{'resolution': accounts,
                            'attendance': voters['USR2'], 'choice': 'for'}])
            self.assertIn("voted online", cm.exception.message)
            # nor recorded absent afterwards
            with self.assertRaises(BallotError):
                Attendance.write([Attendance(voters['USR2'])],
                    {'status': 'absent'})

    def test_double_submit(self):
        """The vote form sent twice: once after the other, and at the same
        time (the second request read the casts before the first wrote
        them): the vote is recorded once, the second answer is no error"""
        assembly, (accounts, board), voters = self.assembly()
        before = self.count_rows()
        choices = {(accounts, voters['EMP1']): 'for',
            (board, voters['EMP1']): 'against'}
        first = self.post_vote('EMP1', assembly, choices)
        self.assertEqual(first.status_code, 200, first.text)
        receipts = self.receipts(first)
        # The same form again: the open ballot keeps its receipt, the
        # secret one asks for its receipt, nothing more is written
        again = self.post_vote('EMP1', assembly, choices)
        self.assertEqual(again.status_code, 400)
        self.assertIn("by secret ballot: to change your vote", again.text)
        after = self.count_rows()
        self.assertEqual(after[:2], (before[0] + 2, before[1] + 2))
        # At the same time: the casts of the first unseen, the one-ballot
        # key refuses the second, which shows the vote as recorded
        from coop_portal.ballot import BallotCast
        search = BallotCast.search.__func__

        def unseen(cls, domain, *args, **kwargs):
            if any(isinstance(c, tuple) and c[0] == 'attendance'
                    for c in domain):
                return []
            return search(cls, domain, *args, **kwargs)
        with patch.object(BallotCast, 'search', classmethod(unseen)):
            response = self.post_vote('EMP1', assembly,
                {(accounts, voters['EMP1']): 'for'})
        self.assertEqual(response.status_code, 303, response.text)
        self.assertTrue(response.headers['Location'].endswith(
                f'/assemblies/{assembly}/vote?sent=twice'))
        self.assertEqual(self.count_rows(), after)
        response = self.client('EMP1').get(response.headers['Location'])
        self.assertEqual(response.status_code, 200)
        self.assertIn("sent twice", response.text)
        self.assertIn("Voted: For", response.text)
        self.assertEqual(len(receipts), 2)

    def test_vote_outside_its_window(self):
        "Before the opening, after the closing, without the statutes: no"
        before = self.count_rows()
        for opening, closing, text in [
                (HOUR, 2 * HOUR, "is not open"),
                (-2 * HOUR, -HOUR, "is closed")]:
            assembly, (accounts, _), voters = self.assembly(opening, closing)
            response = self.post_vote('EMP1', assembly,
                {(accounts, voters['EMP1']): 'for'})
            self.assertEqual(response.status_code, 403)
            self.assertIn(text, response.text)
            response = self.client('EMP1').get(f'{BASE}/assemblies')
            self.assertNotIn(f'/assemblies/{assembly}/vote', response.text)
        assembly, (accounts, _), voters = self.assembly()
        response = self.client('EMP1').get(f'{BASE}/assemblies')
        self.assertIn(f'/assemblies/{assembly}/vote', response.text)
        with Transaction().start(DB_NAME, 0, context={
                    'company': self.data['company']}) as transaction:
            Configuration = Pool().get('coop.membership.configuration')
            Configuration.write([Configuration(1)],
                {'assembly_remote_voting': False})
            transaction.commit()
        try:
            response = self.post_vote('EMP1', assembly,
                {(accounts, voters['EMP1']): 'for'})
            self.assertEqual(response.status_code, 403)
            self.assertIn("do not allow remote voting", response.text)
        finally:
            with Transaction().start(DB_NAME, 0, context={
                        'company': self.data['company']}) as transaction:
                Configuration = Pool().get('coop.membership.configuration')
                Configuration.write([Configuration(1)],
                    {'assembly_remote_voting': True})
                transaction.commit()
        self.assertEqual(self.count_rows(), before)

    def post(self, name, path, **form):
        form['csrf'] = csrf_token(self.data['keys'][name])
        return self.client(name).post(f'{BASE}{path}', data=form)

    def status(self, attendance):
        with Transaction().start(DB_NAME, 0, readonly=True):
            record = Pool().get('coop.assembly.attendance')(attendance)
            return (record.status,
                record.proxy_holder.number if record.proxy_holder else None)

    def test_proxy_online(self):
        """A proxy given to a member who attends, within the statutes'
        limit, taken back until the session opens"""
        assembly, (accounts, _), voters = self.assembly(session=False)
        path = f'/assemblies/{assembly}'
        numbers = {n: f'M{i:03d}' for i, n in enumerate(
                ['EMP1', 'EMP2', 'USR1', 'USR2', 'USR3', 'SUP1', 'SUP2'], 1)}
        # USR1 is not at the meeting yet: she cannot hold a proxy
        response = self.post('EMP2', f'{path}/proxy',
            holder=numbers['USR1'])
        self.assertEqual(response.status_code, 400)
        self.assertIn("a proxy holder must be a member present or "
            "attending remotely", response.text)
        self.assertEqual(self.status(voters['EMP2']), ('absent', None))
        # To no member, or to oneself: refused
        for number in ['X999', numbers['EMP2']]:
            response = self.post('EMP2', f'{path}/proxy', holder=number)
            self.assertEqual(response.status_code, 400)
            self.assertIn("is in the register of assembly", response.text)
        # Once she attends remotely, she may
        response = self.client('USR1').get(f'{BASE}/assemblies')
        self.assertIn("I attend remotely", response.text)
        response = self.post('USR1', f'{path}/attend')
        self.assertEqual(response.status_code, 303)
        response = self.post('EMP2', f'{path}/proxy',
            holder=numbers['USR1'])
        self.assertEqual(response.status_code, 303, response.text)
        self.assertEqual(
            self.status(voters['EMP2']), ('represented', 'M003'))
        response = self.client('USR1').get(f'{BASE}/assemblies')
        self.assertIn("You hold the proxy of: M002 EMP2", response.text)
        response = self.client('EMP2').get(f'{BASE}/assemblies')
        self.assertIn("Your proxy is held by M003 USR1", response.text)
        # 7 members, fewer than 20: one proxy each (SUP1 holds SUP2's)
        response = self.post('USR2', f'{path}/proxy',
            holder=numbers['USR1'])
        self.assertEqual(response.status_code, 400)
        self.assertIn("the statutes allow at most 1", response.text)
        self.assertEqual(self.status(voters['USR2']), ('absent', None))
        # She votes for EMP2; EMP2 cannot vote herself
        response = self.post_vote('EMP2', assembly,
            {(accounts, voters['EMP2']): 'for'})
        self.assertEqual(response.status_code, 400)
        self.assertIn("You gave your proxy to", response.text)
        # Taken back before the session opens
        response = self.post('EMP2', f'{path}/proxy/revoke')
        self.assertEqual(response.status_code, 303, response.text)
        self.assertEqual(self.status(voters['EMP2']), ('absent', None))
        # Given again, and voted with: it cannot be taken back any more
        response = self.post('EMP2', f'{path}/proxy',
            holder=numbers['USR1'])
        self.assertEqual(response.status_code, 303, response.text)
        response = self.post_vote('USR1', assembly,
            {(accounts, voters['EMP2']): 'for'})
        self.assertEqual(response.status_code, 200, response.text)
        response = self.post('EMP2', f'{path}/proxy/revoke')
        self.assertEqual(response.status_code, 400)
        self.assertIn("has voted with it", response.text)
        # Who voted gives no proxy
        response = self.post_vote('USR3', assembly,
            {(accounts, voters['USR3']): 'for'})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(self.post('USR2', f'{path}/attend').status_code,
            303)
        response = self.post('USR3', f'{path}/proxy',
            holder=numbers['USR2'])
        self.assertEqual(response.status_code, 400)
        self.assertIn("has voted online", response.text)
        # Once the session is open, proxies stay as they are
        with Transaction().start(DB_NAME, 0) as transaction:
            Assembly = Pool().get('coop.assembly')
            Assembly.open_session([Assembly(assembly)])
            transaction.commit()
        response = self.post('USR2', f'{path}/proxy',
            holder=numbers['SUP1'])
        self.assertEqual(response.status_code, 400)
        self.assertIn("has opened", response.text)
        self.assertEqual(self.status(voters['USR2']), ('remote', None))
        # Someone else's assembly: 404
        response = self.post('EMP1', f'/assemblies/{assembly + 1000}/proxy',
            holder=numbers['SUP1'])
        self.assertEqual(response.status_code, 404)
