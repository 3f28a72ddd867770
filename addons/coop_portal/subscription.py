# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Shares a member requests in the portal: a subscription of
coop_membership in the requested state, which then follows the
register's workflow (board approval, call, payment) in the back office"""
import re
import secrets

from trytond import config
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
# An e-mail address, roughly: something@domain.tld, no space
EMAIL = re.compile(r'[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,}')


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

    @classmethod
    def portal_company(cls):
        """The company a visitor applies to: [coop_portal] company (an
        id), else the database's only company; None when neither"""
        pool = Pool()
        Company = pool.get('company.company')
        company_id = config.getint('coop_portal', 'company', default=None)
        if company_id:
            companies = Company.search([('id', '=', company_id)])
        else:
            companies = Company.search([], limit=2)
        return companies[0] if len(companies) == 1 else None

    @classmethod
    def portal_application_choices(cls, company):
        """(categories, share classes) a visitor may apply in: the
        colleges but the employees' (who join through their work), the
        active classes open to a category of them or to any"""
        pool = Pool()
        Category = pool.get('coop.member.category')
        ShareClass = pool.get('coop.share.class')
        categories = Category.search([
                ('company', '=', company.id),
                ('kind', '!=', 'employee'),
                ], order=[('code', 'ASC'), ('id', 'ASC')])
        classes = ShareClass.search([
                ('company', '=', company.id),
                ('active', '=', True),
                ['OR', ('category', '=', None),
                    ('category', 'in', [c.id for c in categories])],
                ], order=[('code', 'ASC'), ('id', 'ASC')])
        return categories, classes

    @classmethod
    def portal_application(cls, company, name, email, person_kind, category,
            share_class, quantity, consent_statutes=False,
            consent_data=False):
        """A visitor's application: a party, a candidate member and their
        subscription, for the board to approve. An address already known
        to the company's register writes nothing (the visitor is told the
        same, so that the register's addresses are not disclosed): return
        the subscription, or None then."""
        pool = Pool()
        Party = pool.get('party.party')
        Member = pool.get('coop.member')
        Date = pool.get('ir.date')
        name = ' '.join((name or '').split())[:100]
        email = (email or '').strip().lower()[:200]
        if not name:
            raise ShareRequestError(gettext('coop_portal.msg_apply_name'))
        if not EMAIL.fullmatch(email):
            raise ShareRequestError(gettext('coop_portal.msg_apply_email'))
        if person_kind not in {'person', 'organisation'}:
            raise ShareRequestError(gettext('coop_portal.msg_apply_kind'))
        if (not isinstance(quantity, int) or quantity <= 0
                or quantity > MAX_QUANTITY):
            raise ShareRequestError(gettext(
                    'coop_portal.msg_share_quantity', maximum=MAX_QUANTITY))
        if not (consent_statutes and consent_data):
            raise ShareRequestError(gettext(
                    'coop_portal.msg_share_consents'))
        if Member.search([
                    ('company', '=', company.id),
                    ('party.contact_mechanisms', 'where', [
                            ('type', '=', 'email'),
                            ('value', '=', email),
                            ]),
                    ], limit=1):
            return None
        # Created, then checked: a refusal rolls the transaction back
        party, = Party.create([{
                    'name': name,
                    'contact_mechanisms': [('create', [{
                                    'type': 'email', 'value': email}])],
                    }])
        member, = Member.create([{
                    'company': company.id, 'party': party.id,
                    'person_kind': person_kind, 'category': category.id,
                    'status': 'candidate',
                    'number': f'C-{secrets.token_hex(4).upper()}',
                    }])
        share_class.check_holder(member)
        share_class.check_quantity(member, quantity)
        subscription, = cls.create([{
                    'company': company.id,
                    'member': member.id,
                    'share_class': share_class.id,
                    'quantity': quantity,
                    'request_date': Date.today(),
                    'consent_statutes': True,
                    'consent_data': True,
                    }])
        return subscription
