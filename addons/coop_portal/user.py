# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Portal accounts: web_user's, linked to the person's party

Administrators invite a rider (from the employee) or a member (from the
member): the party's web user is created with the party's e-mail, or found,
and web_user's reset-password e-mail is sent as the invitation; its link
opens the portal's page where the person chooses a password.
"""
import urllib.parse

from trytond import config
from trytond.i18n import gettext
from trytond.model import ModelView
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access


class InvitationError(ValidationError):
    pass


def portal_url(path=''):
    """The portal's address for the database: [coop_portal] url, else the
    address the request came to, else localhost"""
    transaction = Transaction()
    root = config.get('coop_portal', 'url')
    if not root:
        request = transaction.context.get('_request') or {}
        host = request.get('http_host')
        scheme = request.get('scheme') or 'http'
        root = f'{scheme}://{host}' if host else 'http://localhost:8000'
    database = urllib.parse.quote(transaction.database.name)
    return f"{root.rstrip('/')}/{database}/portal/{path}"


class WebUser(metaclass=PoolMeta):
    __name__ = 'web.user'

    def get_email_reset_password_url(self, url=None):
        if url is None and config.get('web', 'reset_password_url') is None:
            url = portal_url('password')
        return super().get_email_reset_password_url(url=url)

    @classmethod
    def portal_invite(cls, parties):
        """The web users of the parties, created with their e-mail if they
        have none, each sent the e-mail to choose a password"""
        users = []
        to_create = []
        for party in parties:
            existing = cls.search([('party', '=', party.id)], limit=1)
            if existing:
                users.extend(existing)
                continue
            email = (party.email or '').strip().lower()
            if not email:
                raise InvitationError(gettext(
                        'coop_portal.msg_invite_no_email',
                        party=party.rec_name))
            taken = cls.search([('email', '=', email)], limit=1)
            if taken:
                raise InvitationError(gettext(
                        'coop_portal.msg_invite_email_taken',
                        party=party.rec_name, email=email))
            to_create.append({'party': party.id, 'email': email})
        if to_create:
            users.extend(cls.create(to_create))
        cls.reset_password(users)
        return users


class PortalInvitable:
    "Records of a party (employees, members) invited to the portal by button"
    __slots__ = ()

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'portal_invite': {
                    'icon': 'tryton-email',
                    },
                })

    @classmethod
    @ModelView.button
    def portal_invite(cls, records):
        # The button's groups decide who may invite; web users are
        # managed by the party administrators otherwise
        with without_check_access():
            Pool().get('web.user').portal_invite(
                list({r.party for r in records}))


class Employee(PortalInvitable, metaclass=PoolMeta):
    __name__ = 'company.employee'


class Member(PortalInvitable, metaclass=PoolMeta):
    __name__ = 'coop.member'
