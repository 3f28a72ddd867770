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
