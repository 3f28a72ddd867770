# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""What every portal page shares: who is asking, in which language, the
session cookie, the CSRF token, the templates and their layout, and the
security headers.

The routes run as the root user, so they bypass Tryton's access rules: every
query of a page is narrowed here to the logged-in person's party, and a
record id from the URL is only ever looked up inside that narrowing.
"""
import datetime as dt
import hashlib
import hmac
import logging
import os
import re
import time
import urllib.parse
from secrets import compare_digest, token_hex

from genshi.core import Markup
from genshi.template import TemplateLoader

from sql import Literal
from werkzeug.exceptions import Forbidden, NotFound

from trytond import backend
from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.protocols.wrappers import Response, redirect
from trytond.transaction import Transaction

logger = logging.getLogger(__name__)
SESSION_COOKIE = 'coop_portal_session'
# Double-submit token of the forms shown before a session exists (login,
# password reset)
FORM_COOKIE = 'coop_portal_form'
LANG_COOKIE = 'coop_portal_lang'
LANGUAGES = ('en', 'fr')
# A session's last use is written at most this often
TOUCH_SECONDS = 60
HEX = re.compile(r'[0-9a-f]+')
# When this process last recorded each session's use
_touched = {}
TOUCHED_SIZE = 10000
HERE = os.path.dirname(__file__)
STATIC = os.path.join(HERE, 'static')
# The pages' templates (Genshi, as trytond's reports and web_user's
# e-mails): read once per process, every ${...} escaped
LOADER = TemplateLoader(
    [os.path.join(HERE, 'templates')], auto_reload=False,
    max_cache_size=100)
# Pages another module adds (its routes through routes.route): the menu
# entries of each, a function of the visitor answering [(path, label)],
# after the portal's own for riders (see add_pages)
NAV_EXTENSIONS = []
LANGUAGE_NAMES = [('en', "English"), ('fr', "Français")]
HEADERS = {
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    # Not no-referrer: Chromium would then post forms with "Origin: null",
    # which trytond refuses (its CSRF defence, kept)
    'Referrer-Policy': 'same-origin',
    'Content-Security-Policy': (
        "default-src 'none'; style-src 'self'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    }


def _(message, **variables):
    "The portal's message in the transaction's language"
    return gettext(f'coop_portal.{message}', **variables)


def session_timeout():
    """Seconds a portal session lives without being used: web_user's
    session timeout, which coop_portal sets (user.py)"""
    return int(Pool().get('web.user.session').timeout().total_seconds())


def is_secure(request):
    "Whether the browser reached us over HTTPS (through ProxyFix if set)"
    return request.scheme == 'https'


def csrf_token(key):
    "The CSRF token of a session: only who holds the session key has it"
    return hmac.new(
        key.encode(), b'coop_portal.csrf', hashlib.sha256).hexdigest()


def base_url(request):
    """The portal's path, /<database>/portal, behind the prefix a proxy
    forwarded (X-Forwarded-Prefix, with [web] num_proxies): quoted as a
    path, so that no header can put a quote or a tag into a page's links
    (and the pages escape it again)"""
    return urllib.parse.quote(
        f"{request.script_root}/{Pool().database_name}/portal",
        safe="/:@!$&'()*+,;=-._~")


def add_pages(templates=None, nav=None):
    """How another module adds pages to the portal, without the portal
    knowing it: its templates' folder (name them after the module, the
    folders share one name space) and its menu entries (nav(visitor) ->
    [(path, label)], called on every page: cheap, and [] when the module is
    not activated in the request's database). Its routes are
    routes.route's, so that they run as every portal page does."""
    if templates and templates not in LOADER.search_path:
        LOADER.search_path.append(templates)
    if nav and nav not in NAV_EXTENSIONS:
        NAV_EXTENSIONS.append(nav)


def render(name, doctype='html5', **context):
    "The template's text with context: every value escaped"
    template = LOADER.load(name)
    return template.generate(**context).render('html', doctype=doctype)


def fragment(visitor, name, **context):
    """A part of a page from its template, with what every template knows:
    the messages (_), the portal's path (base), the session's CSRF token
    and the page's ir.lang (lang, for the formatters)"""
    context.setdefault('_', _)
    context.setdefault('base', base_url(visitor.request))
    context.setdefault('csrf', visitor.csrf)
    context.setdefault('format', formatted)
    context.setdefault('lang', lang_record(visitor))
    return Markup(render(name, doctype=None, **context))


def language(request):
    "The page's language: ?lang=, then the switch's cookie, then the browser"
    code = request.args.get('lang') or request.cookies.get(LANG_COOKIE)
    if code in LANGUAGES:
        return code
    return request.accept_languages.best_match(LANGUAGES, default='en')


class Visitor:
    """Who asks: a web user with a live portal session, or nobody

    The session through web_user's API, the person's records in one plain
    SQL query: every page pays for it."""
    __slots__ = (
        'request', 'lang', 'user', 'party', 'key', '_employees', '_members')

    def __init__(self, request):
        self.request = request
        self.lang = language(request)
        self.user = self.party = self.key = None
        self._employees = self._members = None
        key = request.cookies.get(SESSION_COOKIE)
        # web_user's keys are hexadecimal: anything else is no session
        if key and len(key) <= 128 and HEX.fullmatch(key):
            self._load(key)

    def _load(self, key):
        """The session through web_user's own API: get_user refuses a
        session unused for longer than its timeout (the portal's, see
        user.py); its use is recorded by reset at most once a minute"""
        Session = Pool().get('web.user.session')
        user = Session.get_user(key)
        if not user or not user.active or not user.party:
            return
        self._touch(key)
        self.user = user
        self.party = user.party
        self.key = key

    def _touch(self, key):
        """Record the session's use (web_user's reset) when its last one is
        older than TOUCH_SECONDS, in a transaction of its own when the
        page's is read-only; a page never fails for it (another request
        may be writing it too)"""
        Session = Pool().get('web.user.session')
        now = time.monotonic()
        last = _touched.get(key)
        if last is None:
            # First seen by this process: the session's own last use
            # (a session just opened is not written again at once)
            sessions = Session.search([('key', '=', key)], limit=1)
            if sessions:
                age = abs(dt.datetime.now() - sessions[0].last_modified_at)
                last = now - age.total_seconds()
            else:
                last = now - TOUCH_SECONDS
        if len(_touched) >= TOUCHED_SIZE:
            _touched.clear()
        if now - last < TOUCH_SECONDS:
            _touched[key] = last
            return
        _touched[key] = now
        transaction = Transaction()
        if not transaction.readonly:
            Session.reset(key)
            return
        try:
            with transaction.new_transaction() as touching:
                Session.reset(key)
                touching.commit()
        except backend.DatabaseOperationalError:
            logger.debug("session touch skipped", exc_info=True)

    @property
    def csrf(self):
        return csrf_token(self.key) if self.key else None

    def check_csrf(self):
        "Refuse a form posted without this session's token (or no session)"
        token = self.request.form.get('csrf', '')
        if not self.key or not compare_digest(token, self.csrf):
            raise Forbidden()

    # What the person may see: always narrowed to their party
    def _load_records(self):
        "The party's employee and member records, in one query"
        pool = Pool()
        Employee = pool.get('company.employee')
        Member = pool.get('coop.member')
        self._employees, self._members = [], []
        if not self.party:
            return
        employee = Employee.__table__()
        member = Member.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*(
                employee.select(Literal('e').as_('kind'), employee.id,
                    where=employee.party == self.party.id)
                | member.select(Literal('m').as_('kind'), member.id,
                    where=member.party == self.party.id)))
        ids = {'e': [], 'm': []}
        for kind, id_ in cursor:
            ids[kind].append(id_)
        self._employees = Employee.browse(sorted(ids['e']))
        self._members = Member.browse(sorted(ids['m']))

    def employees(self):
        "The person's employee records (a rider may have several)"
        if self._employees is None:
            self._load_records()
        return self._employees

    def members(self):
        "The person's member records"
        if self._members is None:
            self._load_records()
        return self._members


def form_token(request):
    "The login forms' double-submit token: the cookie's, or a new one"
    token = request.cookies.get(FORM_COOKIE)
    if not token or len(token) != 32:
        token = token_hex(16)
    return token


def check_form_token(request):
    cookie = request.cookies.get(FORM_COOKIE, '')
    token = request.form.get('csrf', '')
    if not cookie or not compare_digest(cookie, token):
        raise Forbidden()


def set_cookie(response, request, name, value, max_age=None):
    response.set_cookie(
        name, value, max_age=max_age, path=base_url(request),
        secure=is_secure(request), httponly=True, samesite='Lax')


def delete_cookie(response, request, name):
    response.delete_cookie(
        name, path=base_url(request), secure=is_secure(request),
        httponly=True, samesite='Lax')


def nav(visitor):
    "The menu's entries: [(path, label)]"
    if not visitor.user:
        return []
    items = []
    if visitor.employees():
        items += [
            ('payslips', _('msg_nav_payslips')),
            ('contract', _('msg_nav_contract')),
            ('leave', _('msg_nav_leave')),
            ('bank', _('msg_nav_bank')),
            ]
        if papers_available():
            items.append(('papers', _('msg_nav_papers')))
    for extension in NAV_EXTENSIONS:
        items += extension(visitor)
    if visitor.members():
        items += [
            ('shares', _('msg_nav_shares')),
            ]
        if assemblies_available():
            items.append(('assemblies', _('msg_nav_assemblies')))
    return items


def portal_activated():
    """Whether the request's database has coop_portal activated: the
    routes are the server's, the same for every database it serves (one
    of coop_dispatch without the portal, say)"""
    try:
        Pool().get('coop.assembly.ballot')
    except KeyError:
        return False
    return True


def papers_available():
    "Whether the suite has a rider's papers (coop_payroll_fr's reports)"
    try:
        Pool().get('coop.payroll.settlement_receipt', type='report')
    except KeyError:
        return False
    return True


def assemblies_available():
    "Whether the suite has assemblies to show (coop_membership's own)"
    try:
        Pool().get('coop.assembly')
    except KeyError:
        return False
    return True


def page(visitor, title, body, current=None, status=200, headers=None):
    """The HTML page: body (Markup from a template, or a template's name
    and its context as a tuple) in the layout, with the security headers"""
    if isinstance(body, tuple):
        name, context = body
        body = fragment(visitor, name, **context)
    html = render('layout.html', _=_, code=visitor.lang, title=title,
        base=base_url(visitor.request), logged_in=bool(visitor.user),
        csrf=visitor.csrf, nav=nav(visitor), current=current,
        languages=LANGUAGE_NAMES, body=Markup(body))
    response = Response(
        html, status=status, content_type='text/html; charset=utf-8')
    finish(response, visitor)
    response.headers.update(headers or {})
    return response


def message_page(visitor, title, message, kind='notice', status=200,
        back=None, current=None):
    "A page that says one thing: a notice or an error, a link back"
    return page(visitor, title, ('message.html', {
                'message': message, 'kind': kind, 'back': back}),
        current=current, status=status)


def finish(response, visitor):
    "Headers every answer carries; the language switch remembered"
    for name, value in HEADERS.items():
        response.headers[name] = value
    if visitor.request.args.get('lang') in LANGUAGES:
        set_cookie(response, visitor.request, LANG_COOKIE, visitor.lang,
            max_age=365 * 24 * 3600)
    return response


def login_redirect(request):
    return redirect(f'{base_url(request)}/login', code=303)


def not_found():
    "The answer to a record that is not the person's, or does not exist"
    raise NotFound()


def attachment(visitor, data, filename, content_type):
    "A download; its name kept to letters, digits, dots and dashes"
    response = Response(bytes(data), content_type=content_type)
    filename = re.sub(r'[^\w.-]+', '_', filename, flags=re.ASCII)
    response.headers['Content-Disposition'] = (
        f'attachment; filename="{filename}"')
    return finish(response, visitor)


def pdf_response(visitor, data, filename):
    return attachment(visitor, data, filename, 'application/pdf')


def lang_record(visitor):
    return Pool().get('ir.lang').get(visitor.lang)


_formats = {}
FORMATS_SIZE = 20000


def formatted(lang, kind, value, currency=None):
    """value as ir.lang writes it: 'money' (with currency), 'month' or
    'date'; remembered by the process (ir.lang's formatting reads the
    calendar's translations on every call, a good part of a page)"""
    key = (Transaction().database.name, lang.id, kind, value,
        currency.id if currency else None)
    try:
        return _formats[key]
    except KeyError:
        pass
    if value is None:
        text = ''
    elif kind == 'money':
        text = lang.currency(value, currency, grouping=True)
    elif kind == 'month':
        text = lang.strftime(value, '%B %Y')
    else:
        text = lang.strftime(value)
    if len(_formats) >= FORMATS_SIZE:
        _formats.clear()
    _formats[key] = text
    return text
