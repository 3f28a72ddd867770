# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The portal's pages, served by trytond under /<database>/portal/

Every page runs as root inside a transaction of its own (with_transaction)
and shows only what belongs to the logged-in person's party (see portal.py);
a record id from the URL that is not theirs answers 404, as an id that does
not exist does.
"""
import datetime as dt
import logging
import os
import re
from decimal import Decimal
from functools import wraps
from zoneinfo import ZoneInfo

from werkzeug.exceptions import BadRequest, HTTPException

from trytond.exceptions import RateLimitException, UserError
from trytond.i18n import gettext
from trytond.model.exceptions import SQLConstraintError, ValidationError
from trytond.pool import Pool
from trytond.protocols.wrappers import (
    Response, allow_null_origin, redirect, with_pool, with_transaction)
from trytond.transaction import Transaction
from trytond.wsgi import app

from .portal import (
    FORM_COOKIE, HEADERS, SESSION_COOKIE, STATIC, Visitor, _, attachment,
    base_url, check_form_token, delete_cookie, finish, form_token,
    formatted, fragment, lang_record, language, login_redirect,
    message_page, not_found, page, pdf_response, portal_activated,
    session_timeout, set_cookie)

logger = logging.getLogger(__name__)
PREFIX = '/<database_name>/portal'
# A record id of the URL: Tryton's ids are SQL integers; a larger number
# answers 404 rather than overflowing the query
ID = 'int(max=2147483647)'
VISIBLE_PAYSLIP_STATES = ['confirmed', 'posted']
HOURS_MONTHS = 6
MIN_PASSWORD_LENGTH = 8


def portal(login_required=True):
    "Run the page with the visitor, in their language; log in first"
    def decorator(func):
        @wraps(func)
        def wrapper(request, pool, *args, **kwargs):
            # The routes are the server's, for every database it serves:
            # one without coop_portal has no portal (nor another module's
            # pages added to it)
            if not portal_activated():
                not_found()
            check_input(request)
            with Transaction().set_context(language=language(request)):
                visitor = Visitor(request)
                if login_required and not visitor.user:
                    return finish(login_redirect(request), visitor)
                return func(visitor, *args, **kwargs)
        return wrapper
    return decorator


def check_input(request):
    """Refuse a NUL character in the form or the query: PostgreSQL would
    fail on it (a 500), and no e-mail, password or token has one"""
    for values in [request.args, request.form]:
        for value in values.values():
            if '\x00' in value:
                raise BadRequest()


def route(path, methods=('GET',), login_required=True, readonly=None,
        null_origin=False):
    def decorator(func):
        endpoint = with_pool(with_transaction(readonly=readonly)(
                portal(login_required)(func)))
        if null_origin:
            endpoint = allow_null_origin(endpoint)
        return app.route(PREFIX + path, methods=list(methods))(endpoint)
    return decorator


def is_portal_path(path):
    parts = path.split('/', 3)
    return len(parts) >= 3 and parts[2] == 'portal'


def with_portal_headers(wsgi_app):
    """Every answer under /<database>/portal/ carries the security headers,
    errors included; an error trytond raises before routing (a cross-site
    Origin) is answered, not left to the server as a 500"""
    @wraps(wsgi_app)
    def portal_wsgi_app(environ, start_response):
        if not is_portal_path(environ.get('PATH_INFO', '')):
            return wsgi_app(environ, start_response)

        def start_portal_response(status, headers, exc_info=None):
            names = {n.lower() for n, _ in headers}
            headers = list(headers) + [(n, v) for n, v in HEADERS.items()
                if n.lower() not in names]
            return start_response(status, headers, exc_info)
        try:
            return wsgi_app(environ, start_portal_response)
        except HTTPException as exception:
            return exception.get_response(environ)(
                environ, start_portal_response)
    portal_wsgi_app.coop_portal = True
    return portal_wsgi_app


if not getattr(app.wsgi_app, 'coop_portal', False):
    app.wsgi_app = with_portal_headers(app.wsgi_app)


with open(os.path.join(STATIC, 'portal.css'), encoding='utf-8') as file:
    # The stylesheet, a static file read once: a coop restyles it there
    CSS = file.read()


@app.route(PREFIX + '/portal.css', methods=['GET'])
def stylesheet(request, database_name):
    response = Response(CSS, content_type='text/css; charset=utf-8')
    response.headers['Cache-Control'] = 'public, max-age=86400'
    response.headers['X-Content-Type-Options'] = 'nosniff'
    return response


@route('/', login_required=False)
def index(visitor):
    base = base_url(visitor.request)
    if not visitor.user:
        return finish(login_redirect(visitor.request), visitor)
    if visitor.employees():
        return finish(redirect(f'{base}/payslips', code=303), visitor)
    if visitor.members():
        return finish(redirect(f'{base}/shares', code=303), visitor)
    return message_page(visitor, _('msg_welcome'), _('msg_nothing'),
        kind='card')


# Login, logout, password

def login_form(visitor, token, email='', error=None, notice=None):
    return ('login.html', {'token': token, 'email': email, 'error': error,
            'notice': notice})


def with_form_token(response, visitor, token):
    set_cookie(response, visitor.request, FORM_COOKIE, token)
    return response


@route('/login', login_required=False)
def login(visitor):
    if visitor.user:
        return finish(
            redirect(f'{base_url(visitor.request)}/', code=303), visitor)
    token = form_token(visitor.request)
    notice = None
    if visitor.request.args.get('password') == 'set':
        notice = _('msg_password_set')
    return with_form_token(page(visitor, _('msg_login_title'),
            login_form(visitor, token, notice=notice)), visitor, token)


@route('/login', methods=['POST'], login_required=False)
def login_post(visitor):
    request = visitor.request
    check_form_token(request)
    WebUser = Pool().get('web.user')
    email = request.form.get('email', '').strip()[:200]
    password = request.form.get('password', '')[:200]
    token = form_token(request)
    try:
        user = WebUser.authenticate(email, password) if email else None
    except RateLimitException:
        return with_form_token(page(visitor, _('msg_login_title'),
                login_form(visitor, token, email, _('msg_too_many')),
                status=429), visitor, token)
    if not user or not user.party:
        return with_form_token(page(visitor, _('msg_login_title'),
                login_form(visitor, token, email, _('msg_login_failed')),
                status=401), visitor, token)
    # A new key at each login: a key planted before cannot be reused
    if visitor.key:
        Pool().get('web.user.session').remove(visitor.key)
    key = user.new_session()
    response = redirect(f'{base_url(request)}/', code=303)
    set_cookie(response, request, SESSION_COOKIE, key,
        max_age=session_timeout())
    delete_cookie(response, request, FORM_COOKIE)
    return finish(response, visitor)


@route('/logout', methods=['POST'], login_required=False)
def logout(visitor):
    request = visitor.request
    if visitor.key:
        visitor.check_csrf()
        Pool().get('web.user.session').remove(visitor.key)
    response = login_redirect(request)
    delete_cookie(response, request, SESSION_COOKIE)
    return finish(response, visitor)


def reset_form(visitor, token):
    return ('reset.html', {'token': token})


@route('/reset', login_required=False)
def reset(visitor):
    token = form_token(visitor.request)
    return with_form_token(page(visitor, _('msg_reset_title'),
            reset_form(visitor, token)), visitor, token)


@route('/reset', methods=['POST'], login_required=False)
def reset_post(visitor):
    request = visitor.request
    check_form_token(request)
    WebUser = Pool().get('web.user')
    email = request.form.get('email', '').strip().lower()[:200]
    try:
        WebUser.check_rate_limit(f'reset:{email}')
    except RateLimitException:
        return message_page(visitor, _('msg_reset_title'),
            _('msg_too_many'), kind='error', status=429)
    # Counted for the address and the client whether known or not
    Pool().get('web.user.authenticate.attempt').add(f'reset:{email}')
    # The same answer, after the same work, whether the address is known or
    # not: the account is looked up and its e-mail sent once the answer is
    # out (its time would tell an account)
    response = message_page(visitor, _('msg_reset_title'),
        _('msg_reset_sent'))
    if email:
        response.call_on_close(
            after_response('web.user', 'portal_request_reset', email))
    return response


def after_response(model, name, *args):
    """A callable that runs the pool's model.name(*args) as root in a
    transaction of its own, in the request's database and language; for
    Response.call_on_close"""
    database_name = Pool().database_name
    context = {'language': Transaction().context.get('language')}

    def run():
        try:
            with Transaction().start(database_name, 0, context=context):
                getattr(Pool().get(model), name)(*args)
        except Exception:
            logger.exception("%s.%s failed after the response", model, name)
    return run


def password_form(visitor, token, email, reset_token, error=None):
    return ('password.html', {'token': token, 'email': email,
            'reset_token': reset_token, 'error': error,
            'min_length': MIN_PASSWORD_LENGTH})


@route('/password', login_required=False)
def password(visitor):
    "The e-mail's link: the token goes on in a form, never in a request"
    args = visitor.request.args
    token = form_token(visitor.request)
    # The token in this page's address goes to no one, not even us again:
    # the browser then posts the form with "Origin: null"
    return with_form_token(page(visitor, _('msg_password_title'),
            password_form(visitor, token, args.get('email', '')[:200],
                args.get('token', '')[:200]),
            headers={'Referrer-Policy': 'no-referrer'}), visitor, token)


@route('/password', methods=['POST'], login_required=False,
    null_origin=True)
def password_post(visitor):
    request = visitor.request
    check_form_token(request)
    pool = Pool()
    WebUser = pool.get('web.user')
    User = pool.get('res.user')
    email = request.form.get('email', '').strip()[:200]
    reset_token = request.form.get('token', '')[:200]
    new = request.form.get('password', '')[:200]
    token = form_token(request)

    def again(error):
        return with_form_token(page(visitor, _('msg_password_title'),
                password_form(visitor, token, email, reset_token, error),
                status=400), visitor, token)
    if len(new) < MIN_PASSWORD_LENGTH:
        return again(_('msg_password_short', length=MIN_PASSWORD_LENGTH))
    if new != request.form.get('confirm', ''):
        return again(_('msg_password_mismatch'))
    # The link first: the page tells nothing about an address that has no
    # account, or a token that is not its own
    try:
        user = WebUser.check_reset_token(email, reset_token)
    except RateLimitException:
        return with_form_token(page(visitor, _('msg_password_title'),
                password_form(visitor, token, email, reset_token,
                    _('msg_too_many')), status=429), visitor, token)
    if not user:
        return again(_('msg_password_token'))
    try:
        User.validate_password(new, [user])
    except UserError as exception:
        return again(exception.message)
    user.set_password_from_reset(new)
    response = redirect(f'{base_url(request)}/login?password=set', code=303)
    return finish(response, visitor)


# Payslips

def month_name(lang, date):
    return formatted(lang, 'month', date)


def money(lang, amount, currency):
    return formatted(lang, 'money', amount or Decimal(0), currency)


@route('/payslips')
def payslips(visitor):
    """The confirmed and posted payslips of the person's employee records,
    latest first: one query, the page riders open most"""
    pool = Pool()
    Payslip = pool.get('coop.payroll.payslip')
    Company = pool.get('company.company')
    Currency = pool.get('currency.currency')
    lang = lang_record(visitor)
    employee_ids = [e.id for e in visitor.employees()]
    cards = []
    if employee_ids:
        payslip = Payslip.__table__()
        reversed_ = Payslip.__table__()
        company = Company.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*payslip
            .join(company, condition=payslip.company == company.id)
            .join(reversed_, 'LEFT',
                condition=payslip.reversal_of == reversed_.id)
            .select(
                payslip.id, payslip.number, payslip.start_date,
                payslip.payment_date, payslip.gross, payslip.net_pay,
                reversed_.number, company.currency,
                where=payslip.employee.in_(employee_ids)
                & payslip.state.in_(VISIBLE_PAYSLIP_STATES),
                order_by=[payslip.start_date.desc, payslip.id.desc]))
        rows = cursor.fetchall()
        payslips = Payslip.browse([r[0] for r in rows])
        states = Payslip.get_payment_state(payslips, 'payment_state')
        paid = {p.id: d for p, d in Payslip.paid_dates(payslips).items()}
        for (id_, number, start_date, payment_date, gross, net_pay,
                reversed_number, currency_id) in rows:
            currency = Currency(currency_id)
            # « Paid on » once the books say so; otherwise when it is due
            if id_ in paid:
                payment = _('msg_paid_on',
                    date=formatted(lang, 'date', paid[id_]))
            elif reversed_number:
                payment = ''
            elif states.get(id_) == 'pending':
                payment = _('msg_payment_pending',
                    date=formatted(lang, 'date', payment_date))
            else:
                payment = _('msg_payment_due',
                    date=formatted(lang, 'date', payment_date))
            cards.append({
                    'id': id_, 'number': number,
                    'month': formatted(lang, 'month', start_date),
                    'net_pay': formatted(lang, 'money', net_pay, currency),
                    'gross': formatted(lang, 'money', gross, currency),
                    'payment': payment,
                    'note': (_('msg_reversal', number=reversed_number)
                        if reversed_number else None),
                    })
    return page(visitor, _('msg_payslips_title'),
        ('payslips.html', {'payslips': cards}), current='payslips')


@route(f'/payslips/<{ID}:payslip_id>/pdf')
def payslip_pdf(visitor, payslip_id):
    pool = Pool()
    Payslip = pool.get('coop.payroll.payslip')
    PayslipReport = pool.get('coop.payroll.payslip', type='report')
    employees = visitor.employees()
    records = Payslip.search([
            ('id', '=', payslip_id),
            ('employee', 'in', [e.id for e in employees]),
            ('state', 'in', VISIBLE_PAYSLIP_STATES),
            ], limit=1)
    if not records:
        not_found()
    payslip, = records
    data = PayslipReport.execute([payslip.id], {})[1]
    return pdf_response(visitor, data,
        f'payslip-{payslip.start_date:%Y-%m}-{payslip.number or payslip.id}'
        '.pdf')


# Contract and hours

def months_back(today, count):
    "The first days of the count months up to today's, latest first"
    month = today.replace(day=1)
    months = []
    for i in range(count):
        months.append(month)
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return months


def hours(value):
    return '' if value is None else f'{Decimal(value):.2f}'


def period(lang, start, end):
    "« From 01/09/2025 to 31/08/2026 », « From 01/09/2025, no end date »"
    if end:
        return _('msg_from_to', start=lang.strftime(start),
            end=lang.strftime(end))
    return _('msg_from_open', start=lang.strftime(start))


@route('/contract')
def contract(visitor):
    pool = Pool()
    Contract = pool.get('coop.payroll.contract')
    MonthlyHours = pool.get('coop.payroll.monthly_hours')
    Payslip = pool.get('coop.payroll.payslip')
    Date = pool.get('ir.date')
    from coop_payroll.hours import weekly_hours
    lang = lang_record(visitor)
    employees = visitor.employees()
    employee_ids = [e.id for e in employees]
    contracts = Contract.search([('employee', 'in', employee_ids)],
        order=[('start_date', 'DESC'), ('id', 'DESC')])
    kinds = dict(Contract.fields_get(['kind'])['kind']['selection'])
    cards = [{
            'job': record.job or '',
            'kind': kinds.get(record.kind, record.kind),
            'period': period(lang, record.start_date, record.end_date),
            'weekly_hours': hours(record.weekly_hours),
            'hourly_wage': money(lang, record.hourly_wage, record.currency),
            } for record in contracts]

    months = months_back(Date.today(), HOURS_MONTHS)
    recorded = {m: Decimal(0) for m in months}
    for employee in employees:
        for month in months:
            weeks = weekly_hours(employee.company, [employee.id], month)
            recorded[month] += sum(
                weeks.get(employee.id, {}).values(), Decimal(0))
    imported = {m: Decimal(0) for m in months}
    for record in MonthlyHours.search([
                ('employee', 'in', employee_ids),
                ('month', 'in', months),
                ]):
        imported[record.month] += (record.worked_hours or 0)
    paid = {m: None for m in months}
    for payslip in Payslip.search([
                ('employee', 'in', employee_ids),
                ('state', 'in', VISIBLE_PAYSLIP_STATES),
                ('start_date', 'in', months),
                ]):
        sign = -1 if payslip.reversal_of else 1
        paid[payslip.start_date] = (paid[payslip.start_date] or 0) + sign * (
            (payslip.contract_hours or 0) + (payslip.extra_hours or 0))
    rows = [{
            'month': month_name(lang, m),
            'recorded': hours(recorded[m]),
            'imported': hours(imported[m]) if imported[m] else '',
            'paid': hours(paid[m]),
            } for m in months]
    return page(visitor, _('msg_contract_title'), ('contract.html', {
                'contracts': cards, 'months': rows}),
        current='contract')


# Shares

@route('/shares')
def shares(visitor):
    return shares_page(visitor)


def shares_page(visitor, error=None, status=200):
    pool = Pool()
    Operation = pool.get('coop.share.operation')
    Member = pool.get('coop.member')
    lang = lang_record(visitor)
    members = visitor.members()
    statuses = dict(Member.fields_get(['status'])['status']['selection'])
    kinds = dict(Operation.fields_get(['kind'])['kind']['selection'])
    cards = []
    for member in members:
        currency = member.company.currency
        cards.append({
                'id': member.id, 'number': member.number,
                'status': statuses.get(member.status, member.status),
                'category': member.category.rec_name,
                'since': (_('msg_since', date=lang.strftime(member.entry_date))
                    if member.entry_date else ''),
                'holdings': [{
                        'share_class': h.share_class.rec_name,
                        'quantity': h.quantity,
                        'amount': money(lang, h.amount, currency),
                        } for h in member.holdings],
                'shares': member.shares or 0,
                'capital': money(lang, member.capital, currency),
                **share_requests(visitor, member),
                })
    member_ids = [m.id for m in members]
    operations = Operation.search([
            ('state', '=', 'recorded'),
            ['OR',
                ('member', 'in', member_ids),
                ('to_member', 'in', member_ids)],
            ], order=[('effective_date', 'DESC'), ('number', 'DESC')])
    rows = []
    for operation in operations:
        quantity = operation.quantity
        if (operation.kind in {'transfer', 'sell_back'}
                and operation.member.id in member_ids):
            quantity = -quantity
        rows.append({
                'date': lang.strftime(operation.effective_date),
                'number': operation.number,
                'kind': kinds.get(operation.kind, operation.kind),
                'quantity': f'{quantity:+d}',
                })
    return page(visitor, _('msg_shares_title'), ('shares.html', {
                'members': cards, 'operations': rows, 'error': error}),
        current='shares', status=status)


@route(f'/shares/<{ID}:member_id>/certificate')
def certificate(visitor, member_id):
    pool = Pool()
    Certificate = pool.get('coop.membership.certificate', type='report')
    members = [m for m in visitor.members() if m.id == member_id]
    if not members:
        not_found()
    member, = members
    data = Certificate.execute([member.id], {})[1]
    return pdf_response(visitor, data, f'shares-{member.number}.pdf')



# Assemblies (coop_membership's): those the person was convened to

def member_assemblies(visitor):
    """The assemblies the person's members are in the register of, or were
    convened to, latest first; with {assembly id: attendance}"""
    pool = Pool()
    Assembly = pool.get('coop.assembly')
    Convocation = pool.get('coop.assembly.convocation')
    Attendance = pool.get('coop.assembly.attendance')
    member_ids = [m.id for m in visitor.members()]
    if not member_ids:
        return [], {}, {}
    convocations = {c.assembly.id: c for c in Convocation.search([
                ('member', 'in', member_ids)])}
    attendances = {a.assembly.id: a for a in Attendance.search([
                ('member', 'in', member_ids)])}
    assemblies = Assembly.search([
            ('id', 'in', list(set(convocations) | set(attendances))),
            ('state', '!=', 'draft'),
            ], order=[('date', 'DESC'), ('id', 'DESC')])
    return assemblies, convocations, attendances


def own_assembly(visitor, assembly_id):
    "The person's assembly of that id, or 404"
    assemblies, _, _ = member_assemblies(visitor)
    for assembly in assemblies:
        if assembly.id == assembly_id:
            return assembly
    not_found()


def assembly_documents(assembly):
    Attachment = Pool().get('ir.attachment')
    return Attachment.search([
            ('resource', '=', str(assembly)),
            ('type', '=', 'data'),
            ], order=[('name', 'ASC'), ('id', 'ASC')])


@route('/assemblies')
def assemblies(visitor):
    return assemblies_page(visitor)


def assemblies_page(visitor, error=None, status=200):
    pool = Pool()
    Assembly = pool.get('coop.assembly')
    Resolution = pool.get('coop.assembly.resolution')
    Attendance = pool.get('coop.assembly.attendance')
    lang = lang_record(visitor)
    records, convocations, attendances = member_assemblies(visitor)
    states = dict(Assembly.fields_get(['state'])['state']['selection'])
    results = dict(Resolution.fields_get(['result'])['result']['selection'])
    statuses = dict(
        Attendance.fields_get(['status'])['status']['selection'])
    cards = []
    for assembly in records:
        closed = assembly.state == 'closed'
        when = lang.strftime(assembly.date) if assembly.date else ''
        if assembly.time:
            when += ' ' + assembly.time.strftime('%H:%M')
        convocation = convocations.get(assembly.id)
        attendance = attendances.get(assembly.id)
        cards.append({
                'id': assembly.id, 'name': assembly.name,
                'state': states.get(assembly.state, assembly.state),
                'kind': assembly.kind_string, 'when': when,
                'place': assembly.place,
                'remote_link': (assembly.remote_link
                    if assembly.remote and not closed else None),
                'convened': (_('msg_convened',
                        date=lang.strftime(convocation.date))
                    if convocation else None),
                'attendance': (statuses.get(attendance.status, '')
                    if attendance and closed else None),
                'proxy': (proxy_block(visitor, assembly, attendance)
                    if attendance and assembly.state in (
                        'convened', 'in_session') else None),
                'agenda': [(r.title, results.get(r.result, '')
                        if closed and r.result else None,
                        resolution_votes(r) if closed else None)
                    for r in assembly.resolutions],
                'vote': voting_open(assembly),
                'documents': [(a.id, a.name)
                    for a in assembly_documents(assembly)],
                'closed': closed,
                'ballots': closed and has_ballots(assembly),
                })
    return page(visitor, _('msg_assemblies_title'), ('assemblies.html', {
                'assemblies': cards, 'error': error}),
        current='assemblies', status=status)


def resolution_votes(resolution):
    "The votes counted at the closing, room and online, or None"
    counts = {c: getattr(resolution, f'votes_{c}')
        for c in ['for', 'against', 'abstain', 'blank']}
    if all(v is None for v in counts.values()):
        return None
    return _('msg_resolution_votes',
        **{c: v or 0 for c, v in counts.items()})


@route(f'/assemblies/<{ID}:assembly_id>/minutes')
def assembly_minutes(visitor, assembly_id):
    Minutes = Pool().get('coop.assembly.minutes', type='report')
    assembly = own_assembly(visitor, assembly_id)
    if assembly.state != 'closed':
        not_found()
    data = Minutes.execute([assembly.id], {})[1]
    return pdf_response(visitor, data, f'minutes-{assembly.id}.pdf')


@route(f'/assemblies/<{ID}:assembly_id>/documents/<{ID}:attachment_id>')
def assembly_document(visitor, assembly_id, attachment_id):
    assembly = own_assembly(visitor, assembly_id)
    documents = [a for a in assembly_documents(assembly)
        if a.id == attachment_id]
    if not documents:
        not_found()
    document, = documents
    return attachment(visitor, document.data, document.name or 'document',
        'application/octet-stream')


# Online votes (ballot.py): from the opening to the closing the secretary
# set, when the statutes allow remote voting

VOTE_FIELD = re.compile(r'v-(\d{1,10})-(\d{1,10})')


def voting_open(assembly):
    return Pool().get('coop.assembly.ballot').voting_open(assembly)


def has_ballots(assembly):
    Ballot = Pool().get('coop.assembly.ballot')
    return bool(Ballot.search([
                ('resolution.assembly', '=', assembly.id)], limit=1))


def local_datetime(lang, company, value):
    "A stored (UTC) datetime in the company's time zone, as lang writes it"
    if value is None:
        return ''
    # The company's time zone alone: reading the company whole costs more
    # than the page
    timezone, = Pool().get('company.company').read(
        [company.id], ['timezone'])
    zone = ZoneInfo(timezone['timezone']) if timezone['timezone'] else None
    if zone:
        value = value.replace(tzinfo=dt.timezone.utc).astimezone(zone)
    return lang.strftime(value, lang.date + ' %H:%M')


def receipts_notice(visitor, receipts):
    "The receipts of the ballots just cast: [((resolution, voter), code)]"
    return fragment(visitor, 'receipts.html', receipts=[
            (r.rec_name, v.member.rec_name, code)
            for (r, v), code in receipts])


def vote_form(visitor, assembly, error=None, receipts=None, notice=None):
    "The vote page: each resolution voted online, for each voter"
    pool = Pool()
    Ballot = pool.get('coop.assembly.ballot')
    Cast = pool.get('coop.assembly.ballot.cast')
    lang = lang_record(visitor)
    choices = Ballot.fields_get(['choice'])['choice']['selection']
    member_ids = [m.id for m in visitor.members()]
    voters = Ballot.voters(assembly, member_ids)
    resolutions = [r for r in assembly.resolutions
        if r.vote_mode == 'individual']
    casts = {(c.resolution.id, c.attendance.id): c for c in Cast.search([
                ('resolution', 'in', [r.id for r in resolutions]),
                ('attendance', 'in', [v.id for v in voters]),
                ])}
    labels = dict(choices)
    given = [gettext('coop_portal.msg_ballot_proxy_given',
            assembly=assembly.rec_name,
            holder=g.proxy_holder.rec_name)
        for g in Ballot.voters(assembly, member_ids, given=True)
        if g.member.id in member_ids and g.status == 'represented']
    sections = []
    for voter in (voters if resolutions else []):
        own = voter.member.id in member_ids
        title = _('msg_vote_own') if own else _(
            'msg_vote_proxy', member=voter.member.rec_name)
        fieldsets = []
        for resolution in resolutions:
            cast = casts.get((resolution.id, voter.id))
            current = cast.ballot.choice if cast and cast.ballot else None
            fieldsets.append({
                    'key': f'{resolution.id}-{voter.id}',
                    'legend': resolution.rec_name,
                    'secret': resolution.secret,
                    'current': current,
                    'voted': labels[current] if cast and current else None,
                    'voted_secret': bool(cast and not current),
                    })
        sections.append((title, fieldsets))
    return ('vote.html', {
            'error': error, 'notice': notice,
            'receipts': receipts_notice(visitor, receipts) if receipts
            else None,
            'closing': local_datetime(
                lang, assembly.company, assembly.vote_closing),
            'given': given, 'voters': sections, 'choices': choices,
            'resolutions': bool(resolutions),
            'assembly_id': assembly.id})


@route(f'/assemblies/<{ID}:assembly_id>/vote')
def vote(visitor, assembly_id):
    assembly = own_assembly(visitor, assembly_id)
    Ballot = Pool().get('coop.assembly.ballot')
    try:
        Ballot.check_voting_open(assembly)
    except ValidationError as exception:
        return message_page(visitor,
            _('msg_vote_title', assembly=assembly.name), exception.message,
            kind='error', back=('assemblies', _('msg_back')),
            current='assemblies', status=403)
    notice = None
    if visitor.request.args.get('sent') == 'twice':
        notice = _('msg_vote_twice')
    return page(visitor, _('msg_vote_title', assembly=assembly.name),
        vote_form(visitor, assembly, notice=notice), current='assemblies')


@route(f'/assemblies/<{ID}:assembly_id>/vote', methods=['POST'])
def vote_post(visitor, assembly_id):
    """Cast or change the ballots of the form: resolutions and voters of
    someone else's answer 404, a refused vote writes nothing"""
    pool = Pool()
    Ballot = pool.get('coop.assembly.ballot')
    visitor.check_csrf()
    assembly = own_assembly(visitor, assembly_id)
    member_ids = [m.id for m in visitor.members()]
    # Their own line even when they gave their proxy: refused with why
    voters = {v.id: v for v in Ballot.voters(
            assembly, member_ids, given=True)}
    resolutions = {r.id: r for r in assembly.resolutions}
    form = visitor.request.form
    choices = {}
    for name, value in form.items():
        match = VOTE_FIELD.fullmatch(name)
        if not match:
            continue
        key = tuple(int(i) for i in match.groups())
        if key[0] not in resolutions or key[1] not in voters:
            not_found()
        receipt = form.get(f'r-{key[0]}-{key[1]}', '')[:20] or None
        choices[key] = (value[:20], receipt)
    title = _('msg_vote_title', assembly=assembly.name)
    if not choices:
        return page(visitor, title, vote_form(
                visitor, assembly, _('msg_vote_nothing')),
            current='assemblies', status=400)
    try:
        receipts = Ballot.cast(assembly, member_ids, choices)
    except SQLConstraintError:
        # The same form sent twice at once (a double click): the other
        # request recorded the vote first, and the one-ballot key refused
        # this one. Nothing of it stays; the vote page, read afresh,
        # shows the vote as recorded
        Transaction().rollback()
        return finish(redirect(f'{base_url(visitor.request)}/assemblies/'
                f'{assembly.id}/vote?sent=twice', code=303), visitor)
    except ValidationError as exception:
        # Nothing of a refused vote stays written
        Transaction().rollback()
        status = 403 if not Ballot.voting_open(assembly) else 400
        if status == 403:
            return message_page(visitor, title, exception.message,
                kind='error', current='assemblies', status=status)
        return page(visitor, title, vote_form(
                visitor, assembly, exception.message),
            current='assemblies', status=status)
    shown = [((resolutions[r], voters[a]), code)
        for (r, a), code in sorted(receipts.items())]
    # The receipts, once: the form again is a link away (half the time of
    # a vote was drawing it again)
    return page(visitor, title, ('voted.html', {
                'receipts': receipts_notice(visitor, shown),
                'assembly_id': assembly.id}), current='assemblies')


@route(f'/assemblies/<{ID}:assembly_id>/ballots')
def ballots(visitor, assembly_id):
    "The ballots cast online, published once the assembly is closed"
    Ballot = Pool().get('coop.assembly.ballot')
    assembly = own_assembly(visitor, assembly_id)
    if assembly.state != 'closed':
        not_found()
    labels = dict(Ballot.fields_get(['choice'])['choice']['selection'])
    published = Ballot.published(assembly)
    sections = []
    for resolution in assembly.resolutions:
        rows = [(receipt, labels.get(choice, choice))
            for receipt, choice in published.get(resolution.id, [])]
        if rows:
            sections.append((resolution.rec_name, rows))
    return page(visitor, _('msg_ballots_title', assembly=assembly.name),
        ('ballots.html', {'resolutions': sections}), current='assemblies')


# Proxies and attendance online: until the session opens (proxies), or
# the closing (attending remotely)

def proxy_block(visitor, assembly, attendance):
    """The member's proxy and attendance at a convened or open assembly:
    what the template shows of it"""
    pool = Pool()
    Attendance = pool.get('coop.assembly.attendance')
    block = {'held': None, 'held_by': None, 'revoke': False,
        'remote': False, 'attend': False, 'give': False}
    held = Attendance.search([
            ('assembly', '=', assembly.id),
            ('status', '=', 'represented'),
            ('proxy_holder', '=', attendance.member.id),
            ])
    if held:
        block['held'] = _('msg_proxies_held',
            members=', '.join(a.member.rec_name for a in held))
    before_session = assembly.state == 'convened'
    if attendance.status == 'represented':
        block['held_by'] = _('msg_proxy_held_by',
            holder=attendance.proxy_holder.rec_name)
        block['revoke'] = before_session
        return block
    remote_voting = pool.get('coop.assembly.ballot').remote_voting_allowed(
        assembly.company)
    if attendance.status == 'remote':
        block['remote'] = True
    elif attendance.status == 'absent' and remote_voting:
        block['attend'] = True
    block['give'] = (before_session and attendance.status == 'absent'
        and not held)
    return block


def own_attendance(visitor, assembly_id):
    "The person's line of the register of that assembly, or 404"
    assembly = own_assembly(visitor, assembly_id)
    _, _, attendances = member_assemblies(visitor)
    attendance = attendances.get(assembly.id)
    if not attendance:
        not_found()
    return attendance


def attendance_action(visitor, assembly_id, action, *args):
    """Run Attendance.action on the person's line: back to their
    assemblies, or the page with why it was refused (nothing written)"""
    Attendance = Pool().get('coop.assembly.attendance')
    visitor.check_csrf()
    attendance = own_attendance(visitor, assembly_id)
    try:
        getattr(Attendance, action)(attendance, *args)
    except ValidationError as exception:
        Transaction().rollback()
        return assemblies_page(visitor, exception.message, status=400)
    return finish(redirect(
            f'{base_url(visitor.request)}/assemblies', code=303), visitor)


@route(f'/assemblies/<{ID}:assembly_id>/proxy', methods=['POST'])
def proxy_give(visitor, assembly_id):
    return attendance_action(visitor, assembly_id, 'give_proxy',
        visitor.request.form.get('holder', '')[:30])


@route(f'/assemblies/<{ID}:assembly_id>/proxy/revoke', methods=['POST'])
def proxy_revoke(visitor, assembly_id):
    return attendance_action(visitor, assembly_id, 'revoke_proxy')


@route(f'/assemblies/<{ID}:assembly_id>/attend', methods=['POST'])
def attend(visitor, assembly_id):
    return attendance_action(visitor, assembly_id, 'attend_remotely')



# Paid leave: the rider's requests and absences, their answers, the
# counters of the latest payslip

def parse_date(value):
    try:
        return dt.date.fromisoformat((value or '').strip()[:10])
    except ValueError:
        return None


def leave_page(visitor, error=None, status=200, form=None):
    pool = Pool()
    Absence = pool.get('coop.payroll.absence')
    Payslip = pool.get('coop.payroll.payslip')
    PayslipReport = pool.get('coop.payroll.payslip', type='report')
    lang = lang_record(visitor)
    employee_ids = [e.id for e in visitor.employees()]
    payslips = Payslip.search([
            ('employee', 'in', employee_ids),
            ('state', 'in', VISIBLE_PAYSLIP_STATES),
            ('reversal_of', '=', None),
            ], order=[('start_date', 'DESC'), ('id', 'DESC')], limit=1)
    counters = PayslipReport.paid_leave(payslips[0]) if payslips else None
    rows, counters_title = [], None
    if counters:
        rows = [(_(label), lang.format('%.1f', counters[name] or 0))
            for name, label in [
                ('earned_previous', 'msg_leave_earned_previous'),
                ('earned_current', 'msg_leave_earned_current'),
                ('taken', 'msg_leave_taken'),
                ('remaining', 'msg_leave_remaining')]]
        counters_title = _('msg_leave_counters',
            month=month_name(lang, payslips[0].start_date))
    states = dict(Absence.fields_get(['state'])['state']['selection'])
    absences = [{
            'state': a.state,
            'state_string': states.get(a.state, a.state),
            'kind': a.kind_string,
            'span': _('msg_leave_span', start=lang.strftime(a.start_date),
                end=lang.strftime(a.end_date)),
            'days': _('msg_leave_days',
                days=lang.format('%.1f', a.days or 0)),
            } for a in Absence.search([('employee', 'in', employee_ids)],
            order=[('start_date', 'DESC'), ('id', 'DESC')])]
    return page(visitor, _('msg_leave_title'), ('leave.html', {
                'error': error, 'counters': rows,
                'counters_title': counters_title, 'form': form or {},
                'absences': absences}),
        current='leave', status=status)


@route('/leave')
def leave(visitor):
    if not visitor.employees():
        not_found()
    return leave_page(visitor)


@route('/leave', methods=['POST'])
def leave_post(visitor):
    "Request paid leave: an absence the payroll manager answers"
    Absence = Pool().get('coop.payroll.absence')
    visitor.check_csrf()
    employees = visitor.employees()
    if not employees:
        not_found()
    form = {n: visitor.request.form.get(n, '')[:200] for n in [
            'start', 'end', 'start_afternoon', 'end_morning',
            'description']}
    try:
        Absence.portal_request(employees,
            parse_date(form['start']), parse_date(form['end']),
            start_afternoon=bool(form['start_afternoon']),
            end_morning=bool(form['end_morning']),
            description=form['description'])
    except ValidationError as exception:
        Transaction().rollback()
        return leave_page(visitor, exception.message, status=400, form=form)
    return finish(redirect(f'{base_url(visitor.request)}/leave', code=303),
        visitor)



# A rider's bank account: changed by a request the payroll manager
# approves (bank.py)

def bank_page(visitor, error=None, notice=None, status=200, iban=''):
    pool = Pool()
    Request = pool.get('coop.payroll.bank_account.request')
    from .bank import mask_iban
    lang = lang_record(visitor)
    employees = visitor.employees()
    current = Request.current_iban(employees[0])
    states = dict(Request.fields_get(['state'])['state']['selection'])
    records = Request.search([('employee', 'in', [e.id for e in employees])])
    requests = [{
            'date': formatted(lang, 'date', r.request_date),
            'iban': mask_iban(r.iban),
            'state': r.state,
            'state_string': states.get(r.state, r.state),
            } for r in records]
    return page(visitor, _('msg_bank_title'), ('bank.html', {
                'current': mask_iban(current) if current else None,
                'pending': any(r.state == 'requested' for r in records),
                'requests': requests, 'error': error, 'notice': notice,
                'iban': iban}),
        current='bank', status=status)


@route('/bank')
def bank(visitor):
    if not visitor.employees():
        not_found()
    notice = None
    if visitor.request.args.get('requested'):
        notice = _('msg_bank_requested')
    return bank_page(visitor, notice=notice)


@route('/bank', methods=['POST'])
def bank_post(visitor):
    "Ask to be paid on another IBAN: nothing changes before the approval"
    Request = Pool().get('coop.payroll.bank_account.request')
    visitor.check_csrf()
    employees = visitor.employees()
    if not employees:
        not_found()
    iban = visitor.request.form.get('iban', '')[:50]
    try:
        Request.portal_request(employees, iban)
    except ValidationError as exception:
        Transaction().rollback()
        return bank_page(visitor, error=exception.message, status=400,
            iban=iban)
    return finish(redirect(
            f'{base_url(visitor.request)}/bank?requested=1', code=303),
        visitor)


# Shares requested: subscriptions of the register's workflow

def share_requests(visitor, member):
    """The member's subscriptions and their state, and the classes of the
    form for more (none for a former member)"""
    pool = Pool()
    Subscription = pool.get('coop.share.subscription')
    lang = lang_record(visitor)
    states = dict(
        Subscription.fields_get(['state'])['state']['selection'])
    requests = [{
            'date': lang.strftime(s.request_date),
            'share_class': s.share_class.rec_name,
            'quantity': s.quantity,
            'state': states.get(s.state, s.state),
            } for s in Subscription.search([('member', '=', member.id)])]
    classes = []
    if member.status != 'former':
        classes = [(c.id, f'{c.rec_name} — '
                f'{money(lang, c.nominal, member.company.currency)}')
            for c in Subscription.portal_share_classes(member)]
    return {'requests': requests, 'classes': classes}


@route(f'/shares/<{ID}:member_id>/request', methods=['POST'])
def share_request(visitor, member_id):
    "Request shares: a subscription the board approves"
    pool = Pool()
    Subscription = pool.get('coop.share.subscription')
    visitor.check_csrf()
    members = [m for m in visitor.members() if m.id == member_id]
    if not members:
        not_found()
    member, = members
    form = visitor.request.form
    classes = {str(c.id): c for c in Subscription.portal_share_classes(member)}
    share_class = classes.get(form.get('share_class', '')[:12])
    if not share_class:
        not_found()
    try:
        quantity = int(form.get('quantity', '')[:6])
    except ValueError:
        quantity = None
    try:
        Subscription.portal_request(member, share_class, quantity,
            consent_statutes=bool(form.get('consent_statutes')),
            consent_data=bool(form.get('consent_data')))
    except ValidationError as exception:
        Transaction().rollback()
        return shares_page(visitor, exception.message, status=400)
    return finish(redirect(f'{base_url(visitor.request)}/shares', code=303),
        visitor)


# Becoming a member: a public form, no account needed

APPLY_KEY = 'apply:'


def apply_form(visitor, company, token, form=None, error=None):
    pool = Pool()
    Subscription = pool.get('coop.share.subscription')
    Member = pool.get('coop.member')
    lang = lang_record(visitor)
    categories, classes = Subscription.portal_application_choices(company)
    kinds = Member.fields_get(['person_kind'])['person_kind']['selection']
    return ('apply.html', {
            'company': company.rec_name, 'token': token,
            'form': form or {}, 'error': error, 'kinds': kinds,
            'categories': [(c.id, c.rec_name) for c in categories],
            'classes': [(c.id, f"{c.rec_name} — "
                    f"{money(lang, c.nominal, company.currency)}")
                for c in classes],
            })


@route('/apply', login_required=False)
def apply(visitor):
    Subscription = Pool().get('coop.share.subscription')
    company = Subscription.portal_company()
    if not company:
        not_found()
    token = form_token(visitor.request)
    return with_form_token(page(visitor, _('msg_apply_title'),
            apply_form(visitor, company, token)), visitor, token)


@route('/apply', methods=['POST'], login_required=False)
def apply_post(visitor):
    """A visitor's application: rate limited per client and overall, a
    field robots fill answered as a success with nothing written"""
    pool = Pool()
    Subscription = pool.get('coop.share.subscription')
    WebUser = pool.get('web.user')
    Attempt = pool.get('web.user.authenticate.attempt')
    request = visitor.request
    check_form_token(request)
    company = Subscription.portal_company()
    if not company:
        not_found()
    token = form_token(request)
    title = _('msg_apply_title')
    try:
        WebUser.check_rate_limit(APPLY_KEY)
    except RateLimitException:
        return message_page(visitor, title, _('msg_too_many'),
            kind='error', status=429)
    form = {n: request.form.get(n, '')[:200] for n in [
            'name', 'email', 'person_kind', 'category', 'share_class',
            'quantity', 'consent_statutes', 'consent_data', 'website']}
    done = message_page(visitor, title, _('msg_apply_done'))
    if form['website']:
        Attempt.add(APPLY_KEY)
        return done
    categories, classes = Subscription.portal_application_choices(company)
    category = {str(c.id): c for c in categories}.get(form['category'])
    share_class = {str(c.id): c for c in classes}.get(form['share_class'])
    try:
        quantity = int(form['quantity'][:6])
    except ValueError:
        quantity = None
    try:
        if not category or not share_class:
            raise ValidationError(_('msg_apply_choice'))
        Subscription.portal_application(company, form['name'],
            form['email'], form['person_kind'], category, share_class,
            quantity, consent_statutes=bool(form['consent_statutes']),
            consent_data=bool(form['consent_data']))
    except ValidationError as exception:
        Transaction().rollback()
        Attempt.add(APPLY_KEY)
        return with_form_token(page(visitor, title, apply_form(
                    visitor, company, token, form, exception.message),
                status=400), visitor, token)
    # Counted for the client: a few applications a day from one address
    Attempt.add(APPLY_KEY)
    return done
