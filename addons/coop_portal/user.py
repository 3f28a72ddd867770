# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Portal accounts: web_user's, linked to the person's party

Administrators invite a rider (from the employee) or a member (from the
member): the party's web user is created with the party's e-mail, or found,
and web_user's reset-password e-mail is sent as the invitation; its link
opens the portal's page where the person chooses a password.
"""
import datetime as dt
import logging
import urllib.parse
from secrets import compare_digest, token_hex

from sql.aggregate import Count

from trytond import config
from trytond.exceptions import RateLimitException, UserError
from trytond.i18n import gettext
from trytond.model import ModelView
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.res.user import PASSWORD_HASH
from trytond.transaction import Transaction, without_check_access

logger = logging.getLogger(__name__)


class InvitationError(ValidationError):
    pass


class PortalURLError(UserError):
    pass


def portal_url(path=''):
    """The portal's public address for the database, from [coop_portal] url
    only: never from the request's Host or X-Forwarded-Host, which whoever
    asks for a reset chooses (the victim's link would go to their site)"""
    root = config.get('coop_portal', 'url')
    if not root:
        raise PortalURLError(gettext('coop_portal.msg_portal_url_missing'))
    database = urllib.parse.quote(Transaction().database.name)
    return f"{root.rstrip('/')}/{database}/portal/{path}"


_dummy_hash = None


def dummy_hash():
    """A hash no password matches, checked for an unknown address so that
    answering takes as long as for a known one"""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = PASSWORD_HASH.hash(token_hex(16))
    return _dummy_hash


class WebUser(metaclass=PoolMeta):
    __name__ = 'web.user'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # access.xml lets nobody read them: a client reading a web user's
        # fields (proteus reads every eager field) must not ask for them
        for name in ['password_hash', 'reset_password_token',
                'reset_password_token_expire', 'email_token']:
            getattr(cls, name).loading = 'lazy'

    def get_email_reset_password_url(self, url=None):
        if url is None and config.get('web', 'reset_password_url') is None:
            url = portal_url('password')
        return super().get_email_reset_password_url(url=url)

    @classmethod
    def reset_password(cls, users, from_=None):
        # Refused before any token is written: no link without the public
        # address
        if users and config.get('web', 'reset_password_url') is None:
            portal_url()
        super().reset_password(users, from_=from_)

    @classmethod
    def portal_request_reset(cls, email):
        """Send the reset e-mail to the account of the address, if any (the
        portal's /reset calls it once it has answered)"""
        users = cls.search([('email', '=', email)])
        if not users:
            return
        # web_user sends no second e-mail while a token is still valid
        try:
            cls.reset_password(users)
        except PortalURLError:
            logger.error("no reset e-mail sent: [coop_portal] url is not set")

    @classmethod
    def write(cls, *args):
        "A new password ends the account's sessions"
        actions = iter(args)
        changed = [u.id for users, values in zip(actions, actions)
            if 'password_hash' in values for u in users]
        super().write(*args)
        if changed:
            Session = Pool().get('web.user.session')
            with without_check_access():
                Session.delete(Session.search([('user', 'in', changed)]))

    # Rate limits: answered at once (RateLimitException, 429), never by
    # sleeping, which would hold a server thread per attempt
    @classmethod
    def failed_attempts(cls, email):
        """The failed attempts on the address in the last [session]
        timeout: (from this client address, from anywhere, from this
        client's network on any address)"""
        pool = Pool()
        Attempt = pool.get('web.user.authenticate.attempt')
        transaction = Transaction()
        table = Attempt.__table__()
        ip_address, _ = transaction.remote_address()
        ip_address = str(ip_address) if ip_address else None
        recent = table.create_date >= Attempt.delay()
        cursor = transaction.connection.cursor()
        cursor.execute(*table.select(Count(),
                where=recent & (table.login == email[:Attempt.login.size])
                & (table.ip_address == ip_address)))
        from_client, = cursor.fetchone()
        cursor.execute(*table.select(Count(),
                where=recent & (table.login == email[:Attempt.login.size])))
        anywhere, = cursor.fetchone()
        return from_client, anywhere, Attempt.count_ip()

    @classmethod
    def check_rate_limit(cls, email):
        """Refuse an address tried too often from this client
        ([session] max_attempt) or from anywhere ([coop_portal]
        max_attempt_address: so that strangers cannot lock a person out
        with a few tries), and a network that tries too many addresses"""
        max_attempt = config.getint('session', 'max_attempt', default=5)
        from_client, anywhere, network = cls.failed_attempts(email)
        if network > config.getint(
                'session', 'max_attempt_ip_network', default=300):
            raise RateLimitException()
        if (from_client > max_attempt
                or anywhere > config.getint('coop_portal',
                    'max_attempt_address', default=10 * max_attempt)):
            Pool().get('web.user.authenticate.attempt').add(email)
            raise RateLimitException()

    @classmethod
    def limited_lookup(cls, email):
        "The address, lowered, and its web user or None, if the limits allow"
        email = email.lower()
        cls.check_rate_limit(email)
        users = cls.search([('email', '=', email)], limit=1)
        return email, users[0] if users else None

    @classmethod
    def authenticate(cls, email, password):
        """web_user's, with the portal's rate limits and the same work for
        an unknown address as for a known one"""
        Attempt = Pool().get('web.user.authenticate.attempt')
        email, user = cls.limited_lookup(email)
        hash_ = user.password_hash if user else None
        valid, new_hash = cls.check_password(password, hash_ or dummy_hash())
        if hash_ and valid:
            if new_hash:
                logger.info("Update password hash for %s", user.id)
                with Transaction().new_transaction():
                    with without_check_access():
                        cls.write([cls(user.id)], {
                                'password_hash': new_hash,
                                })
            Attempt.remove(email)
            return user
        Attempt.add(email)

    @classmethod
    def check_reset_token(cls, email, token):
        """The web user whose reset token this is, still valid, or None;
        a failed try counts as a failed login"""
        Attempt = Pool().get('web.user.authenticate.attempt')
        email, user = cls.limited_lookup(email)
        expected = user.reset_password_token if user else None
        matches = compare_digest(
            (expected or token_hex(16)).encode(), token.encode())
        if (expected and matches and user.reset_password_token_expire
                and user.reset_password_token_expire > dt.datetime.now()):
            return user
        Attempt.add(email)

    @classmethod
    def set_password_token(cls, email, token, password):
        "web_user's, rate-limited without sleeping"
        user = cls.check_reset_token(email, token)
        if not user:
            return False
        user.set_password_from_reset(password)
        return True

    def set_password_from_reset(self, password):
        """The password chosen through the e-mail's link: the link is used
        up, the address proven; the new password ends the sessions"""
        self.clear_reset_password_token()
        self.password = password
        self.email_valid = True
        self.save()
        Pool().get('web.user.authenticate.attempt').remove(self.email)

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


class UserSession(metaclass=PoolMeta):
    __name__ = 'web.user.session'

    @classmethod
    def timeout(cls):
        """A portal session ends when unused for [coop_portal]
        session_timeout seconds (4 hours by default): web_user's get_user
        refuses it, and its add deletes it at the next login"""
        return dt.timedelta(seconds=config.getint(
                'coop_portal', 'session_timeout', default=4 * 3600))


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
