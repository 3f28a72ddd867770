# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"Helpers for the end-to-end tests: run coop, serve, call JSON-RPC"
import atexit
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
SAO_ROOT = os.path.join(ROOT, 'var', 'sao', 'package')


def clean_environ(**values):
    "The environment of a coop process, without the test runner's database"
    env = {k: v for k, v in os.environ.items()
        if not k.startswith(('TRYTOND_', 'COOP_', 'DB_', 'PYTHONPATH'))}
    env['PATH'] = BIN + os.pathsep + env.get('PATH', '')
    env.update(values)
    return env


def write_config(folder, text):
    path = os.path.join(folder, 'test.conf')
    with open(path, 'w') as file:
        file.write(text)
    return path


# How long a command that installs every module may run before it is
# taken for hung: a guard, not a measure of speed (on two cores shared by
# four passes an installation passed 600 s, CI at 3ee4c2f)
HANG_TIMEOUT = 1800


def coop(*args, env=None, cwd=None, timeout=HANG_TIMEOUT, coop_bin=None):
    "Run the coop command and return the completed process"
    return subprocess.run(
        [coop_bin or os.path.join(BIN, 'coop'), *args],
        env=env if env is not None else clean_environ(), cwd=cwd or ROOT,
        capture_output=True, text=True, timeout=timeout)


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def wait_for_port(port, process, timeout=120):
    "Wait until something listens on the port or the process ends"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"server exited with {process.returncode}: "
                f"{process.stderr.read() if process.stderr else ''}")
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"nothing listens on port {port} after {timeout} s")


def http_get(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read().decode('utf-8', 'replace')


def rpc(port, database, method, params, session=None):
    "Call Tryton's JSON-RPC; return the result or raise with the error"
    request = urllib.request.Request(
        f'http://127.0.0.1:{port}/{database}/rpc/',
        data=json.dumps({'id': 1, 'method': method, 'params': params}
            ).encode(),
        headers={'Content-Type': 'application/json'})
    if session:
        import base64
        token = base64.b64encode(
            f'{session[0]}:{session[1]}:{session[2]}'.encode()).decode()
        request.add_header('Authorization', f'Session {token}')
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.load(response)
    if answer.get('error'):
        raise RuntimeError(answer['error'])
    return answer['result']


def login(port, database, user, password):
    "Log in; return the session as (login, user id, key)"
    user_id, key, _ = rpc(port, database, 'common.db.login',
        [user, {'password': password}, 'en'])
    return (user, user_id, key)


def one_line_error(test, process, expected):
    "Assert the process failed with one line on stderr containing expected"
    test.assertNotEqual(process.returncode, 0, process.stdout)
    lines = process.stderr.strip().splitlines()
    test.assertEqual(len(lines), 1, process.stderr)
    test.assertNotIn('Traceback', process.stderr)
    test.assertIn(expected, lines[0])
    return lines[0]


# Databases for the coop command's tests: a SQLite file made once per
# process and setup (restored from the test cache, the suite's modules
# installed), then copied for each test
BUILD = """\
from trytond.tests.test_tryton import DB_NAME
from coop_tools.testing import activate_suite
activate_suite()
from trytond.modules.company.tests import create_company, set_company
from trytond.transaction import Transaction, TransactionError
extras = {}
while True:
    with Transaction().start(DB_NAME, 1, **extras) as transaction:
        try:
%s
            break
        except TransactionError as error:
            transaction.rollback()
            error.fix(extras)
"""
_templates = {}


def copy_database(setup, folder, name):
    """Copy into folder, as the SQLite database name, a database of the
    suite where setup (Python code run in a transaction, with
    create_company and set_company at hand) was run"""
    if setup not in _templates:
        built = tempfile.mkdtemp(prefix='coop-database-')
        atexit.register(shutil.rmtree, built, True)
        env = clean_environ(
            TRYTOND_DATABASE_URI='sqlite://',
            TRYTOND_DATABASE__PATH=built, DB_NAME='template')
        if os.environ.get('DB_CACHE'):
            env['DB_CACHE'] = os.environ['DB_CACHE']
        code = BUILD % '\n'.join(
            ' ' * 12 + line for line in setup.splitlines())
        process = subprocess.run([sys.executable, '-c', code], env=env,
            cwd=ROOT, capture_output=True, text=True, timeout=HANG_TIMEOUT)
        if process.returncode:
            raise AssertionError(process.stderr)
        _templates[setup] = os.path.join(built, 'template.sqlite')
    os.makedirs(folder, exist_ok=True)
    shutil.copy(_templates[setup], os.path.join(folder, name + '.sqlite'))
