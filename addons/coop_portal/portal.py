# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""What every portal page shares: who is asking, in which language, the
session cookie, the CSRF token, the HTML frame and the security headers.

The routes run as the root user, so they bypass Tryton's access rules: every
query of a page is narrowed here to the logged-in person's party, and a
record id from the URL is only ever looked up inside that narrowing.
"""
import datetime as dt
import hashlib
import hmac
import logging
import re
from html import escape
from secrets import compare_digest, token_hex
from string import Template

from sql import Literal, Null
from werkzeug.exceptions import Forbidden, NotFound

from trytond import backend, config
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
CSS = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:#1d2321;background:#f5f6f4}
header{background:#1f6f50;color:#fff;padding:.6rem 1rem}
header a{color:#fff}
header .brand{font-weight:700;font-size:1.1rem}
nav{display:flex;flex-wrap:wrap;gap:.3rem .9rem;margin-top:.4rem}
nav a{text-decoration:none;padding:.2rem 0}
nav a[aria-current]{border-bottom:2px solid #fff}
main{padding:1rem;max-width:44rem;margin:0 auto}
h1{font-size:1.35rem;margin:.3rem 0 1rem}
h2{font-size:1.1rem;margin:1.4rem 0 .5rem}
.card{background:#fff;border-radius:.5rem;padding:.8rem 1rem;margin:0 0 .8rem;
box-shadow:0 1px 2px rgba(0,0,0,.08);overflow-x:auto}
.row{display:flex;justify-content:space-between;gap:1rem;flex-wrap:wrap}
.muted{color:#5d6662;font-size:.9rem}
.amount{font-weight:700;white-space:nowrap}
table{width:100%;border-collapse:collapse;background:#fff;font-size:.9rem}
th,td{text-align:left;padding:.4rem .3rem;border-bottom:1px solid #e3e6e4}
td.nowrap{white-space:nowrap}
td.num,th.num{text-align:right;white-space:nowrap}
form.stack{display:grid;gap:.7rem;max-width:22rem}
label{display:grid;gap:.2rem;font-weight:600}
input[type=email],input[type=password],input[type=text],input[type=date],
input[type=number],select{font:inherit;padding:.6rem;
border:1px solid #aab3ae;border-radius:.4rem;width:100%}
button,.button{font:inherit;padding:.6rem 1rem;border:0;border-radius:.4rem;
background:#1f6f50;color:#fff;cursor:pointer;text-decoration:none;
display:inline-block}
button.link{background:none;color:#fff;padding:0;text-decoration:underline}
.error{background:#fdecea;color:#7a1c12;padding:.6rem .8rem;border-radius:.4rem}
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
fieldset{border:1px solid #ddd;border-radius:.4rem;margin:.5rem 0}
.choices{display:flex;flex-wrap:wrap;gap:.6rem}
code.receipt{font-size:1.05rem;letter-spacing:.05em}
.notice{background:#e6f3ec;padding:.6rem .8rem;border-radius:.4rem}
footer{padding:1rem;text-align:center;font-size:.85rem}
footer a{color:#1f6f50}
"""
FRAME = Template("""<!DOCTYPE html>
<html lang="$lang">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title · $brand</title>
<link rel="stylesheet" href="$base/portal.css">
</head>
<body>
<header><div class="row"><span class="brand">$brand</span>$logout</div>
$nav</header>
<main>
<h1>$title</h1>
$body
</main>
<footer>$languages</footer>
</body>
</html>
""")
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


def e(value):
    "HTML-escaped text of value ('' for None)"
    return escape('' if value is None else str(value))


def session_timeout():
    "Seconds a portal session lives without being used"
    return config.getint('coop_portal', 'session_timeout', default=4 * 3600)


def is_secure(request):
    "Whether the browser reached us over HTTPS (through ProxyFix if set)"
    return request.scheme == 'https'


def csrf_token(key):
    "The CSRF token of a session: only who holds the session key has it"
    return hmac.new(
        key.encode(), b'coop_portal.csrf', hashlib.sha256).hexdigest()


def base_url(request):
    "The portal's path, /<database>/portal"
    return f"{request.script_root}/{Pool().database_name}/portal"


def language(request):
    "The page's language: ?lang=, then the switch's cookie, then the browser"
    code = request.args.get('lang') or request.cookies.get(LANG_COOKIE)
    if code in LANGUAGES:
        return code
    return request.accept_languages.best_match(LANGUAGES, default='en')


class Visitor:
    """Who asks: a web user with a live portal session, or nobody

    Read with a few plain SQL queries: every page pays for it."""
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
        pool = Pool()
        Session = pool.get('web.user.session')
        WebUser = pool.get('web.user')
        Party = pool.get('party.party')
        session = Session.__table__()
        user = WebUser.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*session.join(user,
                condition=session.user == user.id).select(
                user.id, user.party, session.create_date, session.write_date,
                where=(session.key == key)
                & (user.active == Literal(True))
                & (user.party != Null),
                limit=1))
        row = cursor.fetchone()
        if not row:
            return
        user_id, party_id, created, written = row
        age = abs(dt.datetime.now() - (written or created))
        if age > dt.timedelta(seconds=session_timeout()):
            return
        if age > dt.timedelta(seconds=TOUCH_SECONDS):
            self._touch(key)
        self.user = WebUser(user_id)
        self.party = Party(party_id)
        self.key = key

    def _touch(self, key):
        """Record the session's use, in a transaction of its own; a page
        never fails for it (another request may be writing it too)"""
        pool = Pool()
        Session = pool.get('web.user.session')
        session = Session.__table__()
        now = dt.datetime.now()
        query = session.update([session.write_date], [now],
            where=session.key == key)
        transaction = Transaction()
        if not transaction.readonly:
            transaction.connection.cursor().execute(*query)
            return
        try:
            with transaction.new_transaction() as touching:
                touching.connection.cursor().execute(*query)
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


def nav(visitor, current):
    if not visitor.user:
        return ''
    base = base_url(visitor.request)
    items = []
    if visitor.employees():
        items += [
            ('payslips', _('msg_nav_payslips')),
            ('contract', _('msg_nav_contract')),
            ('leave', _('msg_nav_leave')),
            ]
        if papers_available():
            items.append(('papers', _('msg_nav_papers')))
    if visitor.members():
        items += [
            ('shares', _('msg_nav_shares')),
            ]
        if assemblies_available():
            items.append(('assemblies', _('msg_nav_assemblies')))
    links = [
        f'<a href="{base}/{name}"'
        + (' aria-current="page"' if name == current else '')
        + f'>{e(label)}</a>' for name, label in items]
    return '<nav>' + ''.join(links) + '</nav>'


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
    "The HTML page, with the security headers"
    request = visitor.request
    base = base_url(request)
    logout = ''
    if visitor.user:
        logout = (
            f'<form method="post" action="{base}/logout">'
            f'<input type="hidden" name="csrf" value="{e(visitor.csrf)}">'
            f'<button class="link" type="submit">{e(_("msg_logout"))}'
            '</button></form>')
    languages = ' · '.join(
        f'<a href="?lang={code}" hreflang="{code}">{e(name)}</a>'
        if code != visitor.lang else e(name)
        for code, name in [('en', "English"), ('fr', "Français")])
    html = FRAME.substitute(
        lang=visitor.lang, title=e(title), brand=e(_('msg_brand')),
        base=base, logout=logout, nav=nav(visitor, current), body=body,
        languages=languages)
    response = Response(
        html, status=status, content_type='text/html; charset=utf-8')
    finish(response, visitor)
    response.headers.update(headers or {})
    return response


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
