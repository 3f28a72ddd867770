# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Online votes: the ballots members cast in the portal, apart from who
cast them

Two tables. A ballot (coop.assembly.ballot) is a choice on a resolution,
the college it counts in and a receipt code: it names no member, no
attendance, no user, carries no timestamp and gets a random id, so its
rows cannot be put back in the order they were cast. A cast
(coop.assembly.ballot.cast) records that a member of the register voted
on a resolution (one per member and per proxy held): for an open
resolution it points at its ballot, so that the member may change it; for
a secret one it does not, and the ballot is found again only by the
receipt the member was given. The tally of coop_membership counts the
ballots beside the votes recorded in the room (Assembly.count_votes).
See docs/portal.md.
"""
import datetime as dt
import secrets

from sql.aggregate import Count

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from coop_membership.assembly import (
    CHOICE_NAMES, CHOICES, ResolutionPartMixin)

from .exceptions import BallotError

RECEIPT_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'
RECEIPT_LENGTH = 12
# The states an assembly may be voted online in
VOTING_STATES = ('convened', 'in_session')
MAX_ID = 2 ** 31 - 1


class Ballot(ResolutionPartMixin, ModelSQL, ModelView):
    "A ballot cast online: a choice, the college it counts in, a receipt"
    __name__ = 'coop.assembly.ballot'
    __string__ = "Online Ballot"

    resolution = fields.Many2One(
        'coop.assembly.resolution', "Resolution", required=True,
        ondelete='CASCADE', readonly=True)
    college = fields.Many2One(
        'coop.member.category', "College", required=True, readonly=True,
        help="The voter's college, whose weight the ballot counts with.")
    choice = fields.Selection(
        CHOICES, "Vote", required=True, sort=False, readonly=True)
    receipt = fields.Char(
        "Receipt", required=True, readonly=True,
        help="The code given to the voter, published with the ballots "
        "once the assembly is closed.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('receipt_unique', Unique(t, t.receipt),
                'coop_portal.msg_ballot_receipt_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.resolution, Index.Equality())))
        cls._order = [('resolution', 'ASC'), ('receipt', 'ASC'), ('id', 'ASC')]

    @classmethod
    def new_receipt(cls):
        "A random receipt code, as XXXX-XXXX-XXXX"
        code = ''.join(secrets.choice(RECEIPT_ALPHABET)
            for _ in range(RECEIPT_LENGTH))
        return '-'.join(code[i:i + 4] for i in range(0, RECEIPT_LENGTH, 4))

    @classmethod
    def now(cls):
        "The time a ballot is cast at (naive UTC, as Tryton stores it)"
        return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)

    @classmethod
    def remote_voting_allowed(cls, company):
        "The company's statutes' setting"
        pool = Pool()
        Configuration = pool.get('coop.membership.configuration')
        return bool(
            Configuration.of_company(company).assembly_remote_voting)

    @classmethod
    def check_voting_open(cls, assembly):
        "Refuse a vote on assembly outside its online vote"
        if not cls.remote_voting_allowed(assembly.company):
            raise BallotError(gettext(
                    'coop_portal.msg_ballot_not_allowed',
                    assembly=assembly.rec_name))
        now = cls.now()
        if (assembly.state == 'closed'
                or (assembly.vote_closing and now >= assembly.vote_closing)):
            raise BallotError(gettext(
                    'coop_portal.msg_ballot_closed',
                    assembly=assembly.rec_name))
        if (assembly.state not in VOTING_STATES
                or not assembly.vote_opening
                or now < assembly.vote_opening):
            raise BallotError(gettext(
                    'coop_portal.msg_ballot_not_open',
                    assembly=assembly.rec_name))

    @classmethod
    def voting_open(cls, assembly):
        try:
            cls.check_voting_open(assembly)
        except BallotError:
            return False
        return True

    @classmethod
    def voters(cls, assembly, member_ids, given=False):
        """The register's lines the members vote for at assembly: their
        own (unless they gave their proxy, or given) and the proxies they
        hold"""
        pool = Pool()
        Attendance = pool.get('coop.assembly.attendance')
        member_ids = list(member_ids)
        own = [('member', 'in', member_ids)]
        if not given:
            own.append(('status', '!=', 'represented'))
        return Attendance.search([
                ('assembly', '=', assembly.id),
                ['OR',
                    own,
                    [('status', '=', 'represented'),
                        ('proxy_holder', 'in', member_ids)],
                    ],
                ], order=[('id', 'ASC')])

    @classmethod
    def cast(cls, assembly, member_ids, choices):
        """Record online the choices of the members of member_ids at
        assembly: choices is {(resolution id, attendance id): (choice,
        receipt or None)}, the receipt of the earlier ballot to change a
        secret one. Everything is checked before anything is written.
        Return {(resolution id, attendance id): receipt}."""
        pool = Pool()
        Attendance = pool.get('coop.assembly.attendance')
        Vote = pool.get('coop.assembly.vote')
        Cast = pool.get('coop.assembly.ballot.cast')
        cls.check_voting_open(assembly)
        member_ids = set(member_ids)
        resolutions = {r.id: r for r in assembly.resolutions}
        attendances = {a.id: a for a in Attendance.browse(
                list({a for _, a in choices}))}
        for (resolution_id, attendance_id), (choice, _) in choices.items():
            resolution = resolutions.get(resolution_id)
            attendance = attendances[attendance_id]
            if (not resolution or resolution.vote_mode != 'individual'
                    or attendance.assembly != assembly):
                raise BallotError(gettext(
                        'coop_portal.msg_ballot_resolution',
                        assembly=assembly.rec_name))
            if attendance.member.id in member_ids:
                if attendance.status == 'represented':
                    raise BallotError(gettext(
                            'coop_portal.msg_ballot_proxy_given',
                            assembly=assembly.rec_name,
                            holder=attendance.proxy_holder.rec_name))
            elif not (attendance.status == 'represented'
                    and attendance.proxy_holder
                    and attendance.proxy_holder.id in member_ids):
                raise BallotError(gettext(
                        'coop_portal.msg_ballot_not_voter',
                        member=attendance.member.rec_name,
                        assembly=assembly.rec_name))
            if choice not in CHOICE_NAMES:
                raise BallotError(gettext(
                        'coop_portal.msg_ballot_choice',
                        resolution=resolution.rec_name))
        keys = list(choices)
        domain = [
            ('resolution', 'in', list({r for r, _ in keys})),
            ('attendance', 'in', list(attendances)),
            ]
        for vote in Vote.search(domain):
            if (vote.resolution.id, vote.attendance.id) in choices:
                raise BallotError(gettext(
                        'coop_portal.msg_ballot_room_vote',
                        member=vote.attendance.member.rec_name,
                        resolution=vote.resolution.rec_name))
        casts = {(c.resolution.id, c.attendance.id): c
            for c in Cast.search(domain)}
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        changes = {}
        for key, (choice, receipt) in choices.items():
            cast = casts.get(key)
            if not cast:
                continue
            if cast.ballot:
                changes[key] = (cast.ballot.id, cast.ballot.receipt)
                continue
            cursor.execute(*table.select(table.id, table.receipt,
                    where=(table.resolution == key[0])
                    & (table.receipt == (receipt or '').strip().upper()),
                    limit=1))
            row = cursor.fetchone()
            if not row:
                raise BallotError(gettext(
                        'coop_portal.msg_ballot_secret_receipt',
                        resolution=resolutions[key[0]].rec_name))
            changes[key] = row

        # Nothing written before here
        absent = [a for a in attendances.values()
            if a.member.id in member_ids and a.status == 'absent']
        if absent:
            Attendance.write(absent, {'status': 'remote'})
        receipts = {}
        for key, (ballot_id, receipt) in changes.items():
            cursor.execute(*table.update(
                    [table.choice], [choices[key][0]],
                    where=table.id == ballot_id))
            receipts[key] = receipt
        new_casts = []
        for key, (choice, _) in choices.items():
            if key in changes:
                continue
            resolution = resolutions[key[0]]
            attendance = attendances[key[1]]
            receipt = cls.new_receipt()
            ballot_id = cls._insert(
                resolution.id, attendance.college.id, choice, receipt)
            receipts[key] = receipt
            new_casts.append({
                    'resolution': resolution.id,
                    'attendance': attendance.id,
                    'ballot': None if resolution.secret else ballot_id,
                    'by_proxy': attendance.member.id not in member_ids,
                    })
        Cast.create(new_casts)
        return receipts

    @classmethod
    def _insert(cls, resolution, college, choice, receipt):
        """Insert a ballot with a random id and no timestamp nor user: its
        row tells neither when nor in which order it was cast"""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        while True:
            id_ = secrets.randbelow(MAX_ID - 1) + 1
            cursor.execute(*table.select(table.id, where=table.id == id_))
            if not cursor.fetchone():
                break
        cursor.execute(*table.insert(
                [table.id, table.resolution, table.college, table.choice,
                    table.receipt],
                [[id_, resolution, college, choice, receipt]]))
        return id_

    @classmethod
    def count(cls, resolutions):
        "{(resolution id, college id, choice): ballots} summed by the database"
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        result = {}
        for sub_ids in grouped_slice(
                [r.id for r in resolutions], backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.select(
                    table.resolution, table.college, table.choice,
                    Count(table.id),
                    where=table.resolution.in_(list(sub_ids)),
                    group_by=[table.resolution, table.college,
                        table.choice]))
            for resolution, college, choice, count in cursor:
                result[resolution, college, choice] = count
        return result

    @classmethod
    def published(cls, assembly):
        """{resolution id: [(receipt, choice)]} of a closed assembly, by
        receipt: what a voter checks their receipt against"""
        if assembly.state != 'closed':
            return {}
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        result = {r.id: [] for r in assembly.resolutions}
        for sub_ids in grouped_slice(list(result), backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.select(
                    table.resolution, table.receipt, table.choice,
                    where=table.resolution.in_(list(sub_ids)),
                    order_by=[table.receipt.asc]))
            for resolution, receipt, choice in cursor:
                result[resolution].append((receipt, choice))
        return result


class BallotCast(ResolutionPartMixin, ModelSQL, ModelView):
    """That a member of the register voted online on a resolution (in
    person or by the holder of their proxy); for an open resolution, the
    ballot, which a secret one never names"""
    __name__ = 'coop.assembly.ballot.cast'
    __string__ = "Online Ballot Cast"

    resolution = fields.Many2One(
        'coop.assembly.resolution', "Resolution", required=True,
        ondelete='CASCADE', readonly=True)
    attendance = fields.Many2One(
        'coop.assembly.attendance', "Voter", required=True,
        ondelete='CASCADE', readonly=True)
    ballot = fields.Many2One(
        'coop.assembly.ballot', "Ballot", readonly=True, ondelete='CASCADE',
        help="Empty for a secret ballot.")
    by_proxy = fields.Boolean(
        "By Proxy", readonly=True,
        help="Cast by the holder of the member's proxy.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('voter_unique', Unique(t, t.resolution, t.attendance),
                'coop_portal.msg_ballot_cast_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.resolution, Index.Equality())))

    @classmethod
    def validate(cls, casts):
        super().validate(casts)
        for cast in casts:
            if cast.resolution.secret and cast.ballot:
                raise BallotError(gettext(
                        'coop_portal.msg_ballot_secret_link',
                        resolution=cast.resolution.rec_name))
