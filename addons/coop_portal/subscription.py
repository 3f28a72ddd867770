# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Shares a member requests in the portal: a subscription of
coop_membership in the requested state, which then follows the
register's workflow (board approval, call, payment) in the back office"""
from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta

from coop_membership.exceptions import ShareClassError

from .exceptions import ShareRequestError

# A member's requests waiting for the board at once: more is abuse
MAX_PENDING = 3
# The most shares one request may ask for (a class's maximum may be less)
MAX_QUANTITY = 10000
# The states of a subscription whose shares are not in the register yet
WAITING = ['draft', 'approved']


class Subscription(metaclass=PoolMeta):
    __name__ = 'coop.share.subscription'

    @classmethod
    def portal_share_classes(cls, member):
        "The active share classes of member's company they may hold"
        pool = Pool()
        ShareClass = pool.get('coop.share.class')
        classes = []
        for share_class in ShareClass.search([
                    ('company', '=', member.company.id),
                    ('active', '=', True),
                    ], order=[('code', 'ASC'), ('id', 'ASC')]):
            try:
                share_class.check_holder(member)
            except ShareClassError:
                continue
            classes.append(share_class)
        return classes

    @classmethod
    def portal_request(cls, member, share_class, quantity,
            consent_statutes=False, consent_data=False):
        """Request quantity shares of share_class for member; refused over
        the class's maximum (shares held and requested counted), without
        the consents, for a former member, or beyond MAX_PENDING requests
        waiting"""
        pool = Pool()
        Date = pool.get('ir.date')
        Line = pool.get('coop.share.operation.line')
        if member.status == 'former':
            raise ShareRequestError(gettext(
                    'coop_portal.msg_share_former', member=member.rec_name))
        if (not isinstance(quantity, int) or quantity <= 0
                or quantity > MAX_QUANTITY):
            raise ShareRequestError(gettext(
                    'coop_portal.msg_share_quantity', maximum=MAX_QUANTITY))
        if not (consent_statutes and consent_data):
            raise ShareRequestError(gettext(
                    'coop_portal.msg_share_consents'))
        share_class.check_holder(member)
        waiting = cls.search([
                ('member', '=', member.id),
                ('state', 'in', WAITING),
                ])
        if len([s for s in waiting if s.state == 'draft']) >= MAX_PENDING:
            raise ShareRequestError(gettext(
                    'coop_portal.msg_share_too_many', count=MAX_PENDING))
        held = Line.held([member], classes=[share_class]).get(
            (member.id, share_class.id), 0)
        requested = sum(s.quantity for s in waiting
            if s.share_class == share_class)
        share_class.check_quantity(member, held + requested + quantity)
        subscription, = cls.create([{
                    'company': member.company.id,
                    'member': member.id,
                    'share_class': share_class.id,
                    'quantity': quantity,
                    'request_date': Date.today(),
                    'consent_statutes': True,
                    'consent_data': True,
                    }])
        return subscription
