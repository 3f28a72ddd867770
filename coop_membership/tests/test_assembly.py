# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"General assemblies: quorum, proxies, tallies, closing and the minutes"
import datetime as dt
import io
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


def make_assembly(kind='ordinary', resolutions=None, date=DATE):
    pool = Pool()
    Assembly = pool.get('coop.assembly')
    if resolutions is None:
        # Its kind and majority follow the assembly's
        resolutions = [{'title': "Accounts"}]
    assembly, = Assembly.create([{
                'name': "AG 2026", 'kind': kind, 'date': date,
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
            Assembly.write([second], {'date': dt.date(2026, 6, 27)})
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
            assembly = make_assembly()
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
                [(members[0].number, 'email', dt.date.today()),
                    (members[2].number, 'post', dt.date.today())])

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

