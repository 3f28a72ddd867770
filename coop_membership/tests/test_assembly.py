# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"General assemblies: quorum, proxies, tallies, closing and the minutes"
import datetime as dt
import io
import re
import unittest
from decimal import Decimal
from fractions import Fraction
from unittest.mock import patch

from pypdf import PdfReader

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from coop_membership.assembly import (
    AssemblyClosedError, AssemblyError, ProxyError, VoteError, decide)
from coop_tools.languages import load_french
from coop_tools.testing import activate_suite, lock_tables

DATE = dt.date(2026, 6, 20)
# 20 days before the meeting: the 15 days of notice respected
CONVOCATION = dt.date(2026, 5, 31)
ENTRY = dt.date(2026, 1, 1)
SEND = 'coop_membership.assembly.send_message_transactional'


def setup_coop(company, form, colleges, emails=False):
    """Categories (colleges) of company and their members: colleges is a
    list of (code, weight, number of members); return {code: (category,
    members)}. The coop is French: its documents are written in French."""
    lock_tables()
    pool = Pool()
    Category = pool.get('coop.member.category')
    Party = pool.get('party.party')
    Member = pool.get('coop.member')
    Lang = pool.get('ir.lang')
    load_french(['coop_membership'])
    company.coop_form = form
    company.save()
    company.party.lang, = Lang.search([('code', '=', 'fr')])
    company.party.save()
    result = {}
    count = 0
    for code, weight, number in colleges:
        category, = Category.create([{
                    'code': code, 'name': code, 'kind': 'other',
                    'vote_weight': weight}])
        parties = Party.create([{
                    'name': f'{code} {i}',
                    'contact_mechanisms': [('create', [{
                                    'type': 'email',
                                    'value': f'{code.lower()}{i}@example.com',
                                    }])] if emails else [],
                    } for i in range(number)])
        members = []
        for party in parties:
            count += 1
            members.append({
                    'party': party.id, 'number': f'{code}{count:05d}',
                    'category': category.id, 'status': 'member',
                    'entry_date': ENTRY})
        result[code] = (category, Member.create(members))
    return result


def make_assembly(kind='ordinary', resolutions=None, date=DATE,
        convocation_date=CONVOCATION):
    """An assembly of date whose letters are posted on convocation_date
    (None: the day it is convened)"""
    pool = Pool()
    Assembly = pool.get('coop.assembly')
    if resolutions is None:
        # Its kind and majority follow the assembly's
        resolutions = [{'title': "Accounts"}]
    assembly, = Assembly.create([{
                'name': "AG 2026", 'kind': kind, 'date': date,
                'convocation_date': convocation_date,
                'place': "Lyon",
                'resolutions': [('create', [
                            {'sequence': i, **r}
                            for i, r in enumerate(resolutions, 1)])],
                }])
    return assembly


def convene(assembly):
    "Convene and open the session; the mails sent"
    pool = Pool()
    Assembly = pool.get('coop.assembly')
    with patch(SEND) as send:
        Assembly.convene([assembly])
    Assembly.open_session([assembly])
    return [c.args[0] for c in send.call_args_list]


def attend(assembly, members, status, holder=None):
    pool = Pool()
    Attendance = pool.get('coop.assembly.attendance')
    lines = Attendance.search([
            ('assembly', '=', assembly.id),
            ('member', 'in', [m.id for m in members]),
            ])
    assert len(lines) == len(members)
    Attendance.write(lines, {
            'status': status,
            'proxy_holder': holder.id if holder else None})
    return lines


def vote(resolution, members, choice):
    pool = Pool()
    Attendance = pool.get('coop.assembly.attendance')
    Vote = pool.get('coop.assembly.vote')
    lines = Attendance.search([
            ('assembly', '=', resolution.assembly.id),
            ('member', 'in', [m.id for m in members]),
            ])
    return Vote.create([{
                'resolution': resolution.id, 'attendance': l.id,
                'choice': choice} for l in lines])


def set_config(**values):
    pool = Pool()
    Configuration = pool.get('coop.membership.configuration')
    config = Configuration(1)
    for name, value in values.items():
        setattr(config, name, value)
    config.save()


def pdf_text(data):
    reader = PdfReader(io.BytesIO(bytes(data)))
    return '\n'.join(p.extract_text() for p in reader.pages)


class AssemblyTestCase(unittest.TestCase):
    "General assemblies"

    @classmethod
    def setUpClass(cls):
        activate_suite('coop_membership')

    def test_decide(self):
        "Majorities, ties, abstentions and college weights"
        def counts(**colleges):
            return {c: dict(zip(['for', 'against', 'abstain', 'blank'], v))
                for c, v in colleges.items()}
        simple = (Fraction(1, 2), True)
        two_thirds = (Fraction(2, 3), False)
        # A tie is never adopted, and says so
        self.assertEqual(
            decide(counts(a=(5, 5, 3, 0)), None, *simple, 'excluded')[0],
            'tie')
        self.assertEqual(
            decide(counts(a=(6, 5, 0, 0)), None, *simple, 'excluded')[0],
            'adopted')
        # Two thirds exactly adopts; just under does not
        self.assertEqual(
            decide(counts(a=(20, 10, 0, 0)), None, *two_thirds,
                'excluded')[:2], ('adopted', Fraction(2, 3)))
        self.assertEqual(
            decide(counts(a=(19, 10, 0, 0)), None, *two_thirds,
                'excluded')[0], 'rejected')
        # Abstentions: left out, or counted against
        self.assertEqual(
            decide(counts(a=(6, 4, 3, 0)), None, *simple, 'excluded')[0],
            'adopted')
        self.assertEqual(
            decide(counts(a=(6, 4, 1, 1)), None, *simple, 'against')[0],
            'tie')
        # Weights: the colleges' shares, not the heads
        result, share, heads = decide(
            counts(a=(2, 0, 0, 0), b=(4, 6, 0, 0)),
            {'a': Decimal('0.5'), 'b': Decimal('0.5')}, *simple, 'excluded')
        self.assertEqual((result, share, heads),
            ('adopted', Fraction(7, 10), Fraction(6, 12)))
        # A college without expressed votes gives its weight to the others
        self.assertEqual(decide(
                counts(a=(1, 2, 0, 0), b=(0, 0, 3, 0)),
                {'a': Decimal('0.3'), 'b': Decimal('0.7')}, *simple,
                'excluded')[:2], ('rejected', Fraction(1, 3)))
        # No vote expressed: not adopted
        self.assertEqual(
            decide(counts(a=(0, 0, 2, 0)), None, *simple, 'excluded')[0],
            'rejected')

    @with_transaction()
    def test_scop_quorum_and_second_convocation(self):
        "An ordinary SCOP assembly misses its quorum by one member"
        pool = Pool()
        Assembly = pool.get('coop.assembly')
        company = create_company()
        with set_company(company):
            coop = setup_coop(company, 'scop', [('EMP', None, 10)])
            members = coop['EMP'][1]
            first = make_assembly()
            convene(first)
            self.assertEqual(first.voters, 10)
            # 1/5 of 10 is 2: one member is not enough
            attend(first, members[:1], 'present')
            self.assertFalse(Assembly(first.id).quorum_reached)
            attend(first, members[1:2], 'postal')
            self.assertTrue(Assembly(first.id).quorum_reached)
            attend(first, members[1:2], 'absent')
            vote(first.resolutions[0], members[:1], 'for')
            Assembly.close([first])
            first = Assembly(first.id)
            self.assertEqual(first.state, 'closed')
            self.assertFalse(first.closed_quorum)
            self.assertEqual(first.resolutions[0].result, 'no_quorum')

            second, = Assembly.convene_second([first])
            self.assertEqual(
                (second.convocation, second.first_convocation, second.kind),
                ('second', first, 'ordinary'))
            self.assertEqual(
                [r.title for r in second.resolutions], ["Accounts"])
            with self.assertRaises(AssemblyError):
                Assembly.convene_second([first])
            # 10 days' notice on second convocation: 27 − 10 = 17 June
            Assembly.write([second], {
                    'date': dt.date(2026, 6, 27),
                    'convocation_date': dt.date(2026, 6, 17)})
            convene(second)
            # No quorum on second convocation
            attend(second, members[:1], 'present')
            self.assertTrue(Assembly(second.id).quorum_reached)
            vote(second.resolutions[0], members[:1], 'for')
            Assembly.close([second])
            second = Assembly(second.id)
            self.assertTrue(second.closed_quorum)
            resolution, = second.resolutions
            self.assertEqual(
                (resolution.result, resolution.votes_for,
                    resolution.share_for),
                ('adopted', 1, Decimal('1.000000')))

    @with_transaction()
    def test_extraordinary_quorum_per_college(self):
        "1/4 reached exactly or just missed; per college when set"
        pool = Pool()
        Assembly = pool.get('coop.assembly')
        company = create_company()
        with set_company(company):
            coop = setup_coop(company, 'scop',
                [('EMP', None, 4), ('OTH', None, 4)])
            emp, oth = coop['EMP'][1], coop['OTH'][1]
            assembly = make_assembly('extraordinary')
            convene(assembly)
            attend(assembly, emp[:1], 'present')
            self.assertFalse(Assembly(assembly.id).quorum_reached)
            attend(assembly, emp[1:2], 'remote')
            self.assertTrue(Assembly(assembly.id).quorum_reached)
            set_config(assembly_quorum_per_college=True)
            self.assertFalse(Assembly(assembly.id).quorum_reached)
            attend(assembly, oth[:1], 'present')
            self.assertTrue(Assembly(assembly.id).quorum_reached)
            # An extraordinary assembly's resolution needs two thirds
            self.assertEqual(
                (assembly.resolutions[0].kind,
                    assembly.resolutions[0].majority),
                ('extraordinary', 'two_thirds'))

    @with_transaction()
    def test_mixed_assembly_quorum_per_kind(self):
        "A mixed assembly votes only the resolutions whose quorum is reached"
        pool = Pool()
        Assembly = pool.get('coop.assembly')
        company = create_company()
        with set_company(company):
            coop = setup_coop(company, 'scop', [('EMP', None, 20)])
            members = coop['EMP'][1]
            assembly = make_assembly('mixed', [
                    {'title': "Accounts", 'kind': 'ordinary'},
                    {'title': "Statutes", 'kind': 'extraordinary',
                        'majority': 'two_thirds'},
                    ])
            convene(assembly)
            # 4 of 20: 1/5 for the ordinary part, not 1/4
            attend(assembly, members[:4], 'present')
            ordinary, extraordinary = assembly.resolutions
            vote(ordinary, members[:4], 'for')
            vote(extraordinary, members[:4], 'for')
            Assembly.close([assembly])
            ordinary, extraordinary = Assembly(assembly.id).resolutions
            self.assertEqual(
                (ordinary.result, extraordinary.result),
                ('adopted', 'no_quorum'))
            second, = Assembly.convene_second([assembly])
            self.assertEqual(
                [r.title for r in second.resolutions], ["Statutes"])

    @with_transaction()
    def test_proxy_limits(self):
        "One proxy below 20 members, 1/20 of the members from 20 on"
        pool = Pool()
        Assembly = pool.get('coop.assembly')
        company = create_company()
        with set_company(company):
            coop = setup_coop(company, 'scop',
                [('EMP', None, 19), ('BIG', None, 21)])
            small, big = coop['EMP'][1], coop['BIG'][1]
            # 19 members: one proxy each
            assembly = make_assembly()
            Pool().get('coop.member').write(big, {'status': 'candidate'})
            convene(assembly)
            self.assertEqual(assembly.voters, 19)
            holder = small[0]
            attend(assembly, [holder], 'present')
            attend(assembly, small[1:2], 'represented', holder)
            with self.assertRaises(ProxyError) as cm:
                attend(assembly, small[2:3], 'represented', holder)
            self.assertIn('at most 1', cm.exception.message)
            # The holder must be at the meeting, and a member of it
            with self.assertRaises(ProxyError):
                attend(assembly, small[2:3], 'represented', small[3])
            with self.assertRaises(ProxyError):
                attend(assembly, small[2:3], 'represented', big[0])

            # 40 members: 40/20 = 2 proxies each, not 3
            Pool().get('coop.member').write(big, {'status': 'member'})
            large = make_assembly()
            convene(large)
            self.assertEqual(large.voters, 40)
            everyone = small + big
            attend(large, [holder], 'remote')
            attend(large, everyone[1:3], 'represented', holder)
            with self.assertRaises(ProxyError) as cm:
                attend(large, everyone[3:4], 'represented', holder)
            self.assertIn('at most 2', cm.exception.message)
            # The setting decides
            set_config(assembly_proxy_share=Decimal('0.1'))
            attend(large, everyone[3:5], 'represented', holder)
            Assembly.close([large])
            self.assertEqual(Assembly(large.id).attending, 5)

    @with_transaction()
    def test_scic_college_weights(self):
        "The weighted result differs from the head count"
        pool = Pool()
        Assembly = pool.get('coop.assembly')
        company = create_company()
        with set_company(company):
            coop = setup_coop(company, 'scic', [
                    ('EMP', Decimal('0.5'), 2), ('BEN', Decimal('0.2'), 10),
                    ('SUP', Decimal('0.2'), 10), ('PUB', Decimal('0.1'), 10)])
            assembly = make_assembly()
            convene(assembly)
            resolution, = assembly.resolutions
            for code, ayes in [('EMP', 2), ('BEN', 4), ('SUP', 4),
                    ('PUB', 0)]:
                members = coop[code][1]
                attend(assembly, members, 'present')
                vote(resolution, members[:ayes], 'for')
                vote(resolution, members[ayes:], 'against')
            Assembly.close([assembly])
            resolution, = Assembly(assembly.id).resolutions
            # 0.5 × 1 + 0.2 × 0.4 + 0.2 × 0.4 + 0.1 × 0 against 10 / 32
            self.assertEqual(resolution.result, 'adopted')
            self.assertEqual(resolution.share_for, Decimal('0.660000'))
            self.assertEqual(resolution.head_share_for, Decimal('0.312500'))
            self.assertEqual(
                {t.college.code: (t.votes_for, t.votes_against)
                    for t in resolution.tallies},
                {'EMP': (2, 0), 'BEN': (4, 6), 'SUP': (4, 6),
                    'PUB': (0, 10)})
            text = pdf_text(Assembly(assembly.id).minutes)
            self.assertIn("66,00", text)
            self.assertIn("31,25", text)
            self.assertIn("La résolution est adoptée.", text)

    @with_transaction()
    def test_show_of_hands_and_tie(self):
        "Hands counted per college; a tie is not adopted; abstentions"
        pool = Pool()
        Assembly = pool.get('coop.assembly')
        Tally = pool.get('coop.assembly.tally')
        company = create_company()
        with set_company(company):
            coop = setup_coop(company, 'scop', [('EMP', None, 10)])
            category, members = coop['EMP']
            assembly = make_assembly(resolutions=[
                    {'title': "Budget", 'vote_mode': 'show_of_hands'},
                    {'title': "Reserve", 'vote_mode': 'show_of_hands'}])
            convene(assembly)
            attend(assembly, members[:8], 'present')
            budget, reserve = assembly.resolutions
            # 9 hands of 8 members attending: refused
            with self.assertRaises(VoteError):
                Tally.create([{'resolution': reserve.id,
                            'college': category.id, 'votes_for': 9}])
            # (the test's transaction keeps the refused row: corrected)
            reserve_tally, = Tally.search([('resolution', '=', reserve.id)])
            Tally.write([reserve_tally], {
                    'votes_for': 4, 'votes_against': 3, 'votes_abstain': 1})
            with self.assertRaises(VoteError):
                vote(budget, members[:1], 'for')
            Tally.create([
                    {'resolution': budget.id, 'college': category.id,
                        'votes_for': 3, 'votes_against': 3,
                        'votes_abstain': 2},
                    ])
            set_config(assembly_abstention='against')
            Assembly.close([assembly])
            budget, reserve = Assembly(assembly.id).resolutions
            # Counted against, the abstentions make 3 against 5 (a tie if
            # left out) and 4 against 4
            self.assertEqual(
                (budget.result, reserve.result), ('rejected', 'tie'))
            text = pdf_text(Assembly(assembly.id).minutes)
            self.assertIn("Égalité des voix", text)

    @with_transaction()
    def test_closed_assembly_is_locked(self):
        "Nothing of a closed assembly changes"
        pool = Pool()
        Assembly = pool.get('coop.assembly')
        Resolution = pool.get('coop.assembly.resolution')
        Attendance = pool.get('coop.assembly.attendance')
        Vote = pool.get('coop.assembly.vote')
        company = create_company()
        with set_company(company):
            coop = setup_coop(company, 'scop', [('EMP', None, 5)])
            members = coop['EMP'][1]
            assembly = make_assembly()
            convene(assembly)
            # The agenda is fixed once the members are convened
            with self.assertRaises(AssemblyError):
                Resolution.write(list(assembly.resolutions), {'title': "X"})
            with self.assertRaises(AssemblyError):
                Resolution.delete(list(assembly.resolutions))
            with self.assertRaises(AssemblyError):
                Resolution.create([{'assembly': assembly.id, 'title': "Z"}])
            attend(assembly, members, 'present')
            resolution, = assembly.resolutions
            votes = vote(resolution, members[:3], 'for')
            Assembly.close([assembly])
            for call in [
                    lambda: Assembly.write([assembly], {'place': "Paris"}),
                    lambda: Assembly.delete([assembly]),
                    lambda: Resolution.write(
                        [resolution], {'result': 'rejected'}),
                    lambda: Resolution.create([{
                                'assembly': assembly.id, 'title': "Y"}]),
                    lambda: Attendance.write(
                        list(assembly.attendances), {'status': 'absent'}),
                    lambda: Vote.write(votes, {'choice': 'against'}),
                    lambda: Vote.delete(votes),
                    ]:
                with self.assertRaises(AssemblyClosedError):
                    call()
            self.assertTrue(issubclass(AssemblyClosedError, AccessError))

    @with_transaction()
    def test_assemblies_reserved_to_membership_admin(self):
        "A user outside the membership administrators cannot read them"
        pool = Pool()
        User = pool.get('res.user')
        Assembly = pool.get('coop.assembly')
        company = create_company()
        with set_company(company):
            make_assembly()
            user, = User.create([{
                        'name': "Rider", 'login': 'rider',
                        'companies': [('add', [company.id])],
                        'company': company.id,
                        }])
        with Transaction().set_user(user.id), \
                Transaction().set_context(_check_access=True):
            with self.assertRaises(AccessError):
                Assembly.search([])

    @with_transaction()
    def test_convocations_mailed_and_recorded(self):
        "Each member is sent the convocation, with the documents"
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        Member = pool.get('coop.member')
        company = create_company()
        with set_company(company):
            coop = setup_coop(company, 'scop', [('EMP', None, 3)],
                emails=True)
            members = coop['EMP'][1]
            # A member without e-mail is convened by post
            members[2].party.contact_mechanisms[0].active = False
            members[2].party.contact_mechanisms[0].save()
            # A candidate is not convened
            Member.write(members[1:2], {'status': 'candidate'})
            # Mailed today, for a meeting 30 days on
            today = pool.get('ir.date').today()
            assembly = make_assembly(
                date=today + dt.timedelta(days=30), convocation_date=None)
            Attachment.create([{
                        'resource': str(assembly), 'name': 'accounts.pdf',
                        'type': 'data', 'data': b'%PDF-1.4 accounts'}])
            messages = convene(assembly)
            self.assertEqual([m['To'] for m in messages],
                ['emp0@example.com'])
            message, = messages
            self.assertIn("AG 2026", message['Subject'])
            self.assertEqual(
                [p.get_filename() for p in message.iter_attachments()],
                ['accounts.pdf'])
            self.assertIn("1. Accounts", message.get_body().get_content())
            self.assertEqual(
                sorted((c.member.number, c.method, c.date)
                    for c in assembly.convocations),
                [(members[0].number, 'email', today),
                    (members[2].number, 'post', today)])
            self.assertEqual(assembly.convocation_date, today)

    @with_transaction()
    def test_minutes_attendance_sheet_and_board(self):
        "The closing writes the minutes and elects the board"
        pool = Pool()
        Assembly = pool.get('coop.assembly')
        BoardMember = pool.get('coop.board.member')
        Sheet = pool.get('coop.assembly.attendance_sheet', type='report')
        Minutes = pool.get('coop.assembly.minutes', type='report')
        company = create_company()
        with set_company(company):
            coop = setup_coop(company, 'scop', [('EMP', None, 6)])
            members = coop['EMP'][1]
            assembly = make_assembly(resolutions=[
                    {'title': "Élection de Awa", 'board_candidate':
                        members[0].id, 'board_role': "Gérante",
                        'board_term_end': dt.date(2030, 6, 30)},
                    {'title': "Élection de Léo", 'board_candidate':
                        members[1].id, 'board_role': "Administrateur",
                        'board_term_end': dt.date(2030, 6, 30),
                        'majority': 'other',
                        'majority_fraction': Decimal('0.75')},
                    ])
            convene(assembly)
            attend(assembly, members[:3], 'present')
            attend(assembly, members[3:4], 'represented', members[0])
            attend(assembly, members[4:5], 'postal')
            awa, leo = assembly.resolutions
            vote(awa, members[:5], 'for')
            vote(leo, members[:3], 'for')
            vote(leo, members[3:5], 'against')
            _, data, _, _ = Sheet.execute([assembly.id], {})
            sheet = pdf_text(data)
            self.assertIn("Feuille de présence", sheet)
            self.assertIn("Signature", sheet)
            self.assertIn("1 pouvoir(s)", sheet)
            Assembly.close([assembly])
            assembly = Assembly(assembly.id)
            board, = BoardMember.search([])
            self.assertEqual(
                (board.member, board.role, board.start_date, board.end_date,
                    board.resolution),
                (members[0], "Gérante", DATE, dt.date(2030, 6, 30), awa))
            # 3/5 does not reach 3/4
            self.assertEqual(Assembly(assembly.id).resolutions[1].result,
                'rejected')
            _, data, _, _ = Minutes.execute([assembly.id], {})
            self.assertEqual(bytes(data), bytes(assembly.minutes))
            text = pdf_text(data)
            for expected in [
                    "Procès-verbal de l'assemblée générale ordinaire",
                    "Première convocation",
                    "représenté(e) par", "quorum requis",
                    "atteint", "Élection de Awa",
                    "La résolution est adoptée.",
                    "La résolution est rejetée.",
                    "Élu(e) au conseil",
                    "Le président de séance"]:
                self.assertIn(expected, text)


    @with_transaction()
    def test_notice_period(self):
        "Convocations too late for the statutes' notice are refused, unsent"
        pool = Pool()
        Assembly = pool.get('coop.assembly')
        Convocation = pool.get('coop.assembly.convocation')
        Attendance = pool.get('coop.assembly.attendance')
        company = create_company()
        with set_company(company):
            setup_coop(company, 'scop', [('EMP', None, 3)], emails=True)
            meeting = dt.date(2026, 6, 30)
            # 15 days by default (R225-69): the day of sending does not
            # count, the meeting's does: 30 June − 15 days = 15 June
            assembly = make_assembly(date=meeting,
                convocation_date=dt.date(2026, 6, 16))
            self.assertEqual(assembly.notice_date, dt.date(2026, 6, 15))
            with patch(SEND) as send, \
                    self.assertRaises(AssemblyError) as cm:
                Assembly.convene([assembly])
            self.assertIn("15 days' notice", cm.exception.message)
            self.assertIn("06/15/2026 at the latest", cm.exception.message)
            # Nothing sent, nothing written
            self.assertEqual(send.call_count, 0)
            self.assertEqual(Assembly(assembly.id).state, 'draft')
            self.assertEqual(Convocation.search(
                    [('assembly', '=', assembly.id)]), [])
            self.assertEqual(Attendance.search(
                    [('assembly', '=', assembly.id)]), [])

            # 15 June exactly: 15 days
            Assembly.write([assembly],
                {'convocation_date': dt.date(2026, 6, 15)})
            self.assertEqual(len(convene(assembly)), 3)
            self.assertEqual(
                {c.date for c in Assembly(assembly.id).convocations},
                {dt.date(2026, 6, 15)})

            # The statutes' notice is the coop's setting: 21 days asks
            # 30 − 21 = 9 June
            set_config(assembly_notice_first=21)
            longer = make_assembly(date=meeting,
                convocation_date=dt.date(2026, 6, 10))
            self.assertEqual(longer.notice_date, dt.date(2026, 6, 9))
            with patch(SEND), self.assertRaises(AssemblyError):
                Assembly.convene([longer])
            Assembly.write([longer],
                {'convocation_date': dt.date(2026, 6, 9)})
            convene(longer)

            # Second convocation: 10 days by default, 30 − 10 = 20 June
            second = make_assembly(date=meeting, convocation_date=None)
            Assembly.write([second], {'convocation': 'second'})
            self.assertEqual(second.notice_date, dt.date(2026, 6, 20))

            # Convocations are not dated in the future
            today = pool.get('ir.date').today()
            future = make_assembly(date=today + dt.timedelta(days=40),
                convocation_date=today + dt.timedelta(days=1))
            with patch(SEND) as send, self.assertRaises(AssemblyError):
                Assembly.convene([future])
            self.assertEqual(send.call_count, 0)

    @with_transaction()
    def test_officers_and_minutes_dated_meeting(self):
        """The chair, secretary and tellers attend and sign the minutes,
        which are dated the day of the meeting"""
        pool = Pool()
        Assembly = pool.get('coop.assembly')
        company = create_company()
        with set_company(company):
            coop = setup_coop(company, 'scop', [('EMP', None, 6)])
            members = coop['EMP'][1]
            assembly = make_assembly(resolutions=[
                    {'title': "Approbation des comptes de l'exercice 2025"},
                    {'title': "Affectation du résultat"}])
            convene(assembly)
            attend(assembly, members[:4], 'present')
            attend(assembly, members[4:5], 'represented', members[0])
            for resolution in assembly.resolutions:
                vote(resolution, members[:5], 'for')
            # A teller who is not at the meeting: the closing refuses
            Assembly.write([assembly], {
                    'chair': members[0].id, 'secretary': members[1].id,
                    'tellers': [('add', [members[2].id, members[5].id])]})
            with self.assertRaises(AssemblyError) as cm:
                Assembly.close([assembly])
            self.assertIn(members[5].rec_name, cm.exception.message)
            Assembly.write([assembly], {
                    'tellers': [('remove', [members[5].id]),
                        ('add', [members[3].id])]})
            Assembly.close([assembly])
            assembly = Assembly(assembly.id)
            self.assertEqual(
                (assembly.chair, assembly.secretary,
                    sorted(t.id for t in assembly.tellers)),
                (members[0], members[1], [members[2].id, members[3].id]))
            text = pdf_text(assembly.minutes)
            for expected in [
                    "Bureau de l'assemblée",
                    "Président(e) de séance : EMP 0",
                    "Secrétaire de séance : EMP 1",
                    "Scrutateurs : EMP 2, EMP 3",
                    # The meeting's day, not the closing's (today)
                    "Procès-verbal établi le 20/06/2026, jour de "
                    "l'assemblée."]:
                self.assertIn(expected, text)
            self.assertNotEqual(assembly.closing_date, DATE)
            # Each officer signs: their names under the boxes
            self.assertEqual(text.count("Scrutateur\n"), 2)

    @with_transaction()
    def test_minutes_columns_readable(self):
        """The minutes' tables read as rows of cells: each header and each
        row of figures on one line, in the columns' order (read in
        layout mode)"""
        pool = Pool()
        Assembly = pool.get('coop.assembly')
        company = create_company()
        with set_company(company):
            coop = setup_coop(company, 'scic', [
                    ('SAL', Decimal('0.4'), 4), ('USA', Decimal('0.35'), 3),
                    ('SOU', Decimal('0.25'), 3)])
            assembly = make_assembly()
            convene(assembly)
            sal, usa, sou = coop['SAL'][1], coop['USA'][1], coop['SOU'][1]
            attend(assembly, sal[:3] + usa[:2] + sou[:1], 'present')
            attend(assembly, usa[2:3], 'postal')
            resolution, = assembly.resolutions
            vote(resolution, sal[:3] + usa[:2], 'for')
            vote(resolution, sou[:1] + usa[2:3], 'against')
            Assembly.close([assembly])
            lines = pdf_layout(Assembly(assembly.id).minutes)
            # Attendance: SAL 4 members, 3 present, 1 absent; USA 3
            # members, 2 present, 1 postal; SOU 3, 1 present, 2 absent;
            # total 10, 6 present, 1 postal, 3 absent
            self.assertEqual(cells(lines, "Collège", "Absent"), [
                    "Collège", "Poids", "Associés", "Présents", "À distance",
                    "Représentés", "Par correspondance", "Absents"])
            self.assertEqual(cells(lines, "SAL"),
                ["SAL", "40,00 %", "4", "3", "0", "0", "0", "1"])
            self.assertEqual(cells(lines, "Total", "10"),
                ["Total", "10", "6", "0", "0", "1", "3"])
            # The vote: SAL 3 for, USA 2 for 1 against, SOU 1 against
            self.assertEqual(cells(lines, "Collège", "Contre"), [
                    "Collège", "Poids", "Pour", "Contre", "Abstentions",
                    "Blancs"])
            self.assertEqual(cells(lines, "USA", "35,00", last=True),
                ["USA", "35,00 %", "2", "1", "0", "0"])
            # The signature boxes side by side, apart (the stylesheet's
            # '.signatures > div' applies: it once came out escaped)
            self.assertEqual(cells(lines, "Le président de séance"),
                ["Le président de séance", "Le secrétaire de séance"])


    @with_transaction()
    def test_postal_vote_form(self):
        """When the statutes allow postal votes each convocation comes with
        the member's form: the resolutions and their boxes, the member,
        the deadline; in the coop's language"""
        pool = Pool()
        Assembly = pool.get('coop.assembly')
        Lang = pool.get('ir.lang')
        Form = pool.get('coop.assembly.postal_form', type='report')
        company = create_company()
        with set_company(company):
            coop = setup_coop(company, 'scop', [('EMP', None, 3)],
                emails=True)
            members = coop['EMP'][1]
            resolutions = [{'title': "Approbation des comptes 2025"},
                {'title': "Affectation du résultat"}]
            # Not allowed by the statutes (the default): no form
            assembly = make_assembly(date=dt.date(2026, 6, 30),
                resolutions=resolutions)
            messages = convene(assembly)
            self.assertEqual(
                [list(m.iter_attachments()) for m in messages], [[]] * 3)
            self.assertIsNone(Assembly(assembly.id).postal_deadline)
            with self.assertRaises(AssemblyError):
                Form.execute([assembly.id], {})

            set_config(assembly_postal_voting=True)
            assembly = make_assembly(date=dt.date(2026, 6, 30),
                resolutions=resolutions)
            # 3 days before the meeting by default (R225-77): 30 − 3 = 27
            self.assertEqual(assembly.postal_deadline, dt.date(2026, 6, 27))
            messages = convene(assembly)
            forms = {m['To']: a for m in messages
                for a in m.iter_attachments()}
            self.assertEqual(sorted(forms), [
                    'emp0@example.com', 'emp1@example.com',
                    'emp2@example.com'])
            form = forms['emp1@example.com']
            self.assertEqual(form.get_filename(), 'postal-vote-EMP00002.pdf')
            # (words as read, whatever the lines they wrap on)
            text = ' '.join(pdf_text(form.get_content()).split())
            for expected in [
                    "Formulaire de vote par correspondance",
                    "Associé(e) : EMP 1", "Numéro d'associé(e) : EMP00002",
                    "parvenir à la coopérative au plus tard le 27/06/2026 "
                    "(3 jours avant l'assemblée)",
                    "Approbation des comptes 2025", "Affectation du résultat",
                    "Pour", "Contre", "Abstention",
                    "Date et signature de l'associé(e)"]:
                self.assertIn(expected, text)
            self.assertNotIn("EMP 0", text)
            # Printed for the register: a page per member
            _, data, _, _ = Form.execute([assembly.id], {})
            reader = PdfReader(io.BytesIO(bytes(data)))
            self.assertEqual(
                [[m.party.name for m in members
                        if m.party.name in p.extract_text()]
                    for p in reader.pages],
                [["EMP 0"], ["EMP 1"], ["EMP 2"]])
            # Each resolution on one line with its three boxes' columns
            lines = pdf_layout(data)
            self.assertEqual(cells(lines, "N°", "Pour"),
                ["N°", "Résolution", "Pour", "Contre", "Abstention"])

            # In English for an English-speaking coop; the statutes'
            # delay: 5 days, 30 − 5 = 25 June
            set_config(assembly_postal_days=5)
            company.party.lang, = Lang.search([('code', '=', 'en')])
            company.party.save()
            _, data, _, _ = Form.execute([assembly.id], {})
            text = ' '.join(pdf_text(data).split())
            for expected in [
                    "Postal Vote Form", "Member: EMP 0",
                    "must reach the cooperative by 06/25/2026 at the latest "
                    "(5 days before the meeting)",
                    "Tick one box for each resolution",
                    "Abstentions are not counted as votes cast."]:
                self.assertIn(expected, text)

def pdf_layout(data):
    """The lines of a PDF read in layout mode (pypdf's, as pdftotext
    -layout reads them): the cells of a table row on one line"""
    reader = PdfReader(io.BytesIO(bytes(data)))
    return [l.replace('\xa0', ' ') for p in reader.pages
        for l in p.extract_text(extraction_mode='layout').splitlines()]


def cells(lines, first, *also, last=False):
    """The cells of the first (or last) line starting with first and
    holding also, split where two spaces or more part them"""
    found = [l for l in lines if l.strip().startswith(first)
        and all(a in l for a in also)]
    assert found, (first, also)
    return re.split(r'\s{2,}', found[-1 if last else 0].strip())
