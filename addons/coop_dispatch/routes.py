# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The board's page and its JSON routes under /<database>/dispatch/

The page is static; its data and actions are JSON routes that run as the
user of Tryton's own session (the web client's HttpOnly cookie, set by
/<database>/session/login, or an Authorization: Session header), with that
user's preferences (company) and the access rules on. A refused action is
rolled back whole and answered with the model's message; a window warning
is answered before anything is saved, and saved when the page sends it back
as skipped (as the web client does)."""
import datetime as dt
import mimetypes
import os
from functools import wraps

from werkzeug.exceptions import BadRequest, NotFound

from trytond.config import config
from trytond.pool import Pool
from trytond.exceptions import UserError, UserWarning
from trytond.protocols.jsonrpc import JSONEncoder, json
from trytond.protocols.wrappers import (
    HTTPStatus, Response, with_pool, with_transaction)
from trytond.transaction import (
    Transaction, check_access, without_check_access)
from trytond.wsgi import app

from .exceptions import DispatchAccessError, StaleTourError

PREFIX = '/<database_name>/dispatch'
HERE = os.path.dirname(__file__)
STATIC = os.path.join(HERE, 'static')
STATIC_FILES = {'board.js', 'board.css'}
HEADERS = {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
    }


def leaflet_folder():
    """Leaflet's dist/ folder: [coop_dispatch] leaflet, else what `make
    leaflet` fetched from npm into the checkout's var/"""
    folder = config.get('coop_dispatch', 'leaflet', default=None)
    if folder:
        return folder
    return os.path.normpath(os.path.join(
            HERE, '..', '..', 'var', 'leaflet', 'package', 'dist'))


def json_response(data, status=HTTPStatus.OK):
    response = Response(json.dumps(data, cls=JSONEncoder),
        status=status, content_type='application/json')
    response.headers['Cache-Control'] = 'no-store'
    for name, value in HEADERS.items():
        response.headers[name] = value
    return response


def file_response(path, cache=3600):
    try:
        with open(path, 'rb') as file:
            data = file.read()
    except OSError:
        raise NotFound()
    content_type = mimetypes.guess_type(path)[0] or 'application/octet-stream'
    if content_type.startswith('text/') or content_type.endswith(
            'javascript'):
        content_type += '; charset=utf-8'
    response = Response(data, content_type=content_type)
    response.headers['Cache-Control'] = f'public, max-age={cache}'
    for name, value in HEADERS.items():
        response.headers[name] = value
    return response


def session_required(func):
    "Answer 401 without a valid Tryton session"
    @wraps(func)
    def wrapper(request, pool, *args, **kwargs):
        if not request.user_id:
            return json_response({'status': 'login'},
                HTTPStatus.UNAUTHORIZED)
        return func(request, pool, *args, **kwargs)
    return wrapper


def as_user(func):
    """Run as the session's user, with their preferences and the access
    rules; a refusal or a warning rolls back whatever was done"""
    @wraps(func)
    def wrapper(request, pool, *args, **kwargs):
        User = pool.get('res.user')
        transaction = Transaction()
        context = User.get_preferences(context_only=True)
        try:
            with transaction.set_context(context), check_access():
                return func(request, pool, *args, **kwargs)
        except DispatchAccessError as error:
            transaction.rollback()
            return json_response({'status': 'forbidden',
                    'message': error.message}, HTTPStatus.FORBIDDEN)
        except StaleTourError as error:
            transaction.rollback()
            return json_response({'status': 'stale',
                    'message': error.message}, HTTPStatus.CONFLICT)
        except UserWarning as warning:
            transaction.rollback()
            return json_response({'status': 'warning',
                    'name': warning.name, 'message': warning.message})
        except UserError as error:
            transaction.rollback()
            message = error.message
            if error.description:
                message += '\n' + error.description
            return json_response({'status': 'error',
                    'message': message}, HTTPStatus.BAD_REQUEST)
    return wrapper


def board_route(path, methods=('GET',)):
    def decorator(func):
        endpoint = with_pool(session_required(with_transaction(
                    user='request')(as_user(func))))
        return app.route(PREFIX + path, methods=list(methods))(endpoint)
    return decorator


def parse_date(value):
    "The board's day: the date asked for, else today in the company's zone"
    if not value:
        return Pool().get('ir.date').today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadRequest()


def body(request):
    "The JSON object posted; 400 for anything else"
    if not request.is_json:
        raise BadRequest()
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest()
    return data


def skip_warnings(pool, names):
    "The warnings the dispatcher chose to go past, as the web client does"
    Warning = pool.get('res.user.warning')
    with without_check_access():
        for name in names or []:
            if isinstance(name, str):
                Warning.skip(name)


def done(pool, data, changed):
    """The answer of an action: ok and what changed of the day's board (the
    riders' lanes and deliveries it touched), for the page to merge"""
    Board = pool.get('coop.dispatch.board')
    riders, deliveries = changed
    return json_response({'status': 'ok',
            'changes': Board.changes(
                parse_date(data.get('date')), riders, deliveries)})


@app.route(PREFIX + '/', methods=['GET'])
def page(request, database_name):
    return file_response(os.path.join(STATIC, 'board.html'), cache=0)


@app.route(PREFIX + '/static/<name>', methods=['GET'])
def static(request, database_name, name):
    if name not in STATIC_FILES:
        raise NotFound()
    return file_response(os.path.join(STATIC, name))


@app.route(PREFIX + '/leaflet/<path:name>', methods=['GET'])
def leaflet(request, database_name, name):
    folder = os.path.realpath(leaflet_folder())
    path = os.path.realpath(os.path.join(folder, name))
    if not path.startswith(folder + os.sep):
        raise NotFound()
    return file_response(path, cache=86400)


@app.route(PREFIX + '/labels', methods=['GET'])
@with_pool
@with_transaction()
def labels(request, pool):
    "The page's words before login, in the browser's language"
    Board = pool.get('coop.dispatch.board')
    Lang = pool.get('ir.lang')
    codes = [l.code for l in Lang.search([('translatable', '=', True)])]
    language = request.accept_languages.best_match(codes) or 'en'
    with Transaction().set_context(language=language):
        return json_response({'labels': Board.labels()})


@board_route('/data')
def data(request, pool):
    Board = pool.get('coop.dispatch.board')
    return json_response(Board.day(parse_date(request.args.get('date'))))


@board_route('/stamp')
def stamp(request, pool):
    Board = pool.get('coop.dispatch.board')
    return json_response({
            'stamp': Board.stamp(parse_date(request.args.get('date')))})


@board_route('/assign', methods=['POST'])
def assign(request, pool):
    Board = pool.get('coop.dispatch.board')
    data = body(request)
    skip_warnings(pool, data.get('skip'))
    try:
        changed = Board.assign(
            parse_date(data.get('date')), data.get('rider'),
            task_ids=data.get('tasks') or [],
            delivery_ids=data.get('deliveries') or [],
            index=data.get('index'), versions=data.get('versions') or {})
    except (TypeError, ValueError):
        raise BadRequest()
    return done(pool, data, changed)


@board_route('/reorder', methods=['POST'])
def reorder(request, pool):
    Board = pool.get('coop.dispatch.board')
    data = body(request)
    skip_warnings(pool, data.get('skip'))
    try:
        changed = Board.reorder(
            data.get('tour'), data.get('tasks') or [],
            data.get('version'))
    except (TypeError, ValueError):
        raise BadRequest()
    return done(pool, data, changed)


@board_route('/unassign', methods=['POST'])
def unassign(request, pool):
    Board = pool.get('coop.dispatch.board')
    data = body(request)
    try:
        changed = Board.unassign(
            data.get('tasks') or [], data.get('versions') or {})
    except (TypeError, ValueError):
        raise BadRequest()
    return done(pool, data, changed)
