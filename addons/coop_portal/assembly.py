# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The assemblies of coop_membership, voted online too: the tally counts
the portal's ballots beside the votes recorded in the room, and a member
votes in one place only"""
from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta

from .exceptions import BallotError


class Assembly(metaclass=PoolMeta):
    __name__ = 'coop.assembly'

    @classmethod
    def count_votes(cls, resolutions):
        "The votes recorded in the room, and the ballots cast online"
        pool = Pool()
        Ballot = pool.get('coop.assembly.ballot')
        votes = super().count_votes(resolutions)
        for (resolution, college, choice), count in Ballot.count(
                resolutions).items():
            votes[resolution][college][choice] += count
        return votes


class Vote(metaclass=PoolMeta):
    __name__ = 'coop.assembly.vote'

    @classmethod
    def validate(cls, votes):
        "A member who voted online on a resolution is not recorded again"
        pool = Pool()
        Cast = pool.get('coop.assembly.ballot.cast')
        super().validate(votes)
        casts = Cast.search([
                ('resolution', 'in', list({v.resolution.id for v in votes})),
                ('attendance', 'in', list({v.attendance.id for v in votes})),
                ])
        cast = {(c.resolution.id, c.attendance.id) for c in casts}
        for vote in votes:
            if (vote.resolution.id, vote.attendance.id) in cast:
                raise BallotError(gettext(
                        'coop_portal.msg_vote_cast_online',
                        member=vote.attendance.member.rec_name,
                        resolution=vote.resolution.rec_name))


class Attendance(metaclass=PoolMeta):
    __name__ = 'coop.assembly.attendance'

    # What a member does in the portal on their own line of the register;
    # the statutes' checks of the proxies are coop_membership's, run on
    # every write (check_proxies) and again at closing

    @classmethod
    def attend_remotely(cls, attendance):
        """The member attends from afar (and so may hold proxies), when
        the statutes allow remote voting"""
        pool = Pool()
        Ballot = pool.get('coop.assembly.ballot')
        assembly = attendance.assembly
        if not Ballot.remote_voting_allowed(assembly.company):
            raise BallotError(gettext(
                    'coop_portal.msg_ballot_not_allowed',
                    assembly=assembly.rec_name))
        cls._check_before_closing(attendance)
        if attendance.status == 'represented':
            raise BallotError(gettext(
                    'coop_portal.msg_proxy_given_already',
                    assembly=assembly.rec_name,
                    holder=attendance.proxy_holder.rec_name))
        if attendance.status == 'absent':
            cls.write([attendance], {'status': 'remote'})

    @classmethod
    def give_proxy(cls, attendance, number):
        """The member gives their proxy to the member of the register whose
        number is number, until the session opens"""
        assembly = attendance.assembly
        cls._check_before_session(attendance)
        if attendance.status == 'represented':
            raise BallotError(gettext(
                    'coop_portal.msg_proxy_given_already',
                    assembly=assembly.rec_name,
                    holder=attendance.proxy_holder.rec_name))
        holders = cls.search([
                ('assembly', '=', assembly.id),
                ('member.number', '=', (number or '').strip()),
                ('member', '!=', attendance.member.id),
                ], limit=1)
        if not holders:
            raise BallotError(gettext(
                    'coop_portal.msg_proxy_holder_unknown',
                    number=(number or '').strip()[:30],
                    assembly=assembly.rec_name))
        holder, = holders
        # The holder's attendance and the limit: coop_membership's checks
        cls.write([attendance], {
                'status': 'represented',
                'proxy_holder': holder.member.id,
                })

    @classmethod
    def revoke_proxy(cls, attendance):
        "The member takes their proxy back, until the session opens"
        cls._check_before_session(attendance)
        if attendance.status != 'represented':
            raise BallotError(gettext(
                    'coop_portal.msg_proxy_none',
                    assembly=attendance.assembly.rec_name))
        cls.write([attendance], {'status': 'absent', 'proxy_holder': None})

    @classmethod
    def _check_before_session(cls, attendance):
        if attendance.assembly.state != 'convened':
            raise BallotError(gettext(
                    'coop_portal.msg_proxy_session_open',
                    assembly=attendance.assembly.rec_name))

    @classmethod
    def _check_before_closing(cls, attendance):
        if attendance.assembly.state not in ('convened', 'in_session'):
            raise BallotError(gettext(
                    'coop_portal.msg_ballot_closed',
                    assembly=attendance.assembly.rec_name))

    @classmethod
    def validate(cls, attendances):
        """A member who voted online attended: they cannot give their
        proxy any more, and one whose holder voted with it cannot take it
        back"""
        pool = Pool()
        Cast = pool.get('coop.assembly.ballot.cast')
        super().validate(attendances)
        for cast in Cast.search([
                    ('attendance', 'in', [a.id for a in attendances]),
                    ]):
            attendance = cast.attendance
            if cast.by_proxy and attendance.status != 'represented':
                raise BallotError(gettext(
                        'coop_portal.msg_attendance_proxy_voted',
                        member=attendance.member.rec_name))
            if not cast.by_proxy and attendance.status not in (
                    'present', 'remote'):
                raise BallotError(gettext(
                        'coop_portal.msg_attendance_voted_online',
                        member=attendance.member.rec_name))
