# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Create and upgrade the suite's databases, on SQLite or PostgreSQL.

Call settings.load() first: trytond picks its backend when first imported.
"""
import os

from .errors import CoopError, DatabaseUnreachable
from .settings import database_scheme, describe_database

from coop_tools.languages import LANGUAGES, configure_languages
from coop_tools.suite import DATABASE_MODULES


def suite_modules(names=None):
    """The modules to activate: names (a comma-separated string or a list)
    checked against the suite's, or all of them; their dependencies come
    with them. A coop leaves out the addons it does not use."""
    if not names:
        return list(DATABASE_MODULES)
    if isinstance(names, str):
        names = names.split(',')
    names = [n.strip() for n in names if n.strip()]
    unknown = [n for n in names if n not in DATABASE_MODULES]
    if unknown or not names:
        raise CoopError(
            f"unknown module(s) {', '.join(unknown) or '(none given)'}: "
            f"choose among {', '.join(DATABASE_MODULES)}")
    return names


def _connection_error(exception):
    detail = str(exception).strip().splitlines()
    detail = detail[0] if detail else exception.__class__.__name__
    return DatabaseUnreachable(
        f"cannot reach the database server ({describe_database()}): "
        f"{detail}; check [database] uri or TRYTOND_DATABASE__URI")


def check_server():
    "Raise a one-line CoopError if the database server cannot be reached"
    from trytond import config
    if database_scheme() == 'sqlite':
        folder = config.get('database', 'path')
        if not os.access(folder, os.W_OK):
            raise CoopError(
                f"the SQLite folder {folder} is not writable: "
                "check [database] path or TRYTOND_DATABASE__PATH")
        return
    # Ask psycopg directly: the pool trytond uses would wait 30 s to fail
    import psycopg
    try:
        psycopg.connect(_pg_conninfo(), connect_timeout=5).close()
    except psycopg.Error as exception:
        raise _connection_error(exception)


def exists(name):
    "Tell whether name is an initialised Tryton database"
    from trytond import backend
    check_server()
    if database_scheme() == 'postgresql' and not _pg_database_exists(name):
        # Never let trytond's pool try a missing database: it logs each try
        return False
    database = backend.Database(name)
    try:
        database.connect()
    except Exception:
        return False
    try:
        return database.test()
    finally:
        database.close()


def _pg_database_exists(name):
    import psycopg
    with psycopg.connect(_pg_conninfo(), connect_timeout=5) as connection:
        return bool(connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s",
                (name,)).fetchone())


def _pg_conninfo():
    from trytond import config
    uri = config.parse_uri(config.get('database', 'uri'))
    return uri._replace(scheme='postgresql', path='/postgres').geturl()


def _sqlite_path(name):
    from trytond import config
    return os.path.join(config.get('database', 'path'), name + '.sqlite')


def _create_empty(name):
    from trytond.transaction import Transaction
    if database_scheme() == 'sqlite':
        open(_sqlite_path(name), 'a').close()
        return
    if _pg_database_exists(name):
        # An empty database made beforehand, by createdb for instance
        return
    with Transaction().start(
            None, 0, close=True, autocommit=True) as transaction:
        transaction.database.create(transaction.connection, name)


def drop(name):
    from trytond import backend
    from trytond.transaction import Transaction
    backend.Database(name).close()
    if database_scheme() == 'sqlite':
        path = _sqlite_path(name)
        if os.path.exists(path):
            os.remove(path)
        return
    with Transaction().start(
            None, 0, close=True, autocommit=True) as transaction:
        transaction.database.drop(transaction.connection, name)


def create(name, admin_password, admin_email=None, modules=DATABASE_MODULES):
    "Create a new database with the suite's modules activated"
    if exists(name):
        raise CoopError(
            f"database {name!r} already exists ({describe_database()}): "
            f"use 'coop db upgrade {name}'")
    _create(name, admin_password, admin_email, modules)


def _create(name, admin_password, admin_email, modules):
    from trytond import backend
    if not admin_password:
        raise CoopError(
            "an admin password is required: pass --admin-password-file FILE "
            "or set COOP_ADMIN_PASSWORD")
    _create_empty(name)
    database = backend.Database(name).connect()
    database.init()
    load_pool(name, update=['ir', 'res', *modules])
    in_transaction(name, lambda: _configure(admin_password, admin_email))
    _store_fingerprint(name, code_fingerprint())


def _configure(admin_password, admin_email):
    from trytond import __series__
    from trytond.pool import Pool
    pool = Pool()
    User = pool.get('res.user')
    Configuration = pool.get('ir.configuration')
    configuration = Configuration(1)
    configuration.series = __series__
    configuration.language = 'en'
    configuration.save()
    configure_languages()
    admin, = User.search([('login', '=', 'admin')])
    admin.password = admin_password
    if admin_email:
        admin.email = admin_email
    admin.save()


def in_transaction(name, func, user=0, context=None):
    """Run func in a transaction on the database, committed when it returns;
    then the tasks it queued (ir.queue: an invoice's PDF and e-invoices once
    posted), as trytond's dispatcher runs them when there is no worker

    Tryton asks for some table locks by raising TransactionError: the
    transaction is then started again as it says."""
    from trytond.transaction import Transaction, TransactionError
    from trytond.worker import run_task
    load_pool(name)
    extras = {}
    while True:
        with Transaction().start(
                name, user, context=context, **extras) as transaction:
            try:
                result = func()
            except TransactionError as error:
                transaction.rollback()
                transaction.tasks.clear()
                error.fix(extras)
                continue
        break
    while transaction.tasks:
        run_task(name, transaction.tasks.pop())
    return result


def requeue(name):
    """Queue again the tasks of ir.queue taken by a worker (dequeued) and
    never finished: trytond-worker marks a task taken in a transaction of
    its own before running it, so a worker killed midway leaves its task
    taken for ever, its work rolled back. Only while no worker runs: a
    running worker's task is taken and unfinished too. Return how many."""
    from sql import Null
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    def reset():
        Queue = Pool().get('ir.queue')
        queue = Queue.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*queue.update([queue.dequeued_at], [Null],
                where=(queue.dequeued_at != Null)
                & (queue.finished_at == Null)))
        return cursor.rowcount
    return in_transaction(name, reset)


def upgrade(name, modules=(), force=False):
    """Upgrade the activated modules of the database and activate modules

    Return False when nothing was done: the code and the modules have not
    changed since the last upgrade (unless force). Refuses a database that
    does not exist or is not a Tryton database."""
    if not exists(name):
        raise CoopError(
            f"no Tryton database {name!r} ({describe_database()}): "
            f"use 'coop db create {name}'")
    return _upgrade(name, modules, force)


def _upgrade(name, modules, force):
    fingerprint = code_fingerprint()
    if (not force
            and _stored_fingerprint(name) == fingerprint
            and set(modules) <= set(activated_modules(name))):
        return False
    load_pool(name, update=['ir', *modules])
    _store_fingerprint(name, fingerprint)
    return True


def create_or_upgrade(name, admin_password, admin_email=None, force=False,
        modules=DATABASE_MODULES):
    """Create the database with the modules (the suite's), or upgrade it

    admin_password is a function, called only when the database is new.
    Return what was done: 'created', 'upgraded' or 'up-to-date'."""
    if not exists(name):
        _create(name, admin_password(), admin_email, modules)
        return 'created'
    if _upgrade(name, modules, force):
        return 'upgraded'
    return 'up-to-date'


# An upgrade of every module takes minutes on PostgreSQL; a container
# restart or a second `coop demo` need not pay it when no code changed.
FINGERPRINT_TABLE = 'coop_cli_upgrade'
_FINGERPRINT_SUFFIXES = (
    '.py', '.xml', '.cfg', '.po', '.rng', '.odt', '.fodt', '.html')


def code_fingerprint():
    "A hash of the code of every installed Tryton module and of trytond"
    import hashlib

    import trytond
    from trytond.modules import get_module_info, get_modules
    digest = hashlib.sha256(trytond.__version__.encode())
    folders = {os.path.dirname(trytond.__file__)}
    for module in get_modules():
        info = get_module_info(module)
        if info:
            folders.add(info['directory'])
    seen = set()
    for folder in sorted(folders):
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if d not in {
                    '__pycache__', 'tests', 'node_modules'})
            for filename in sorted(filenames):
                path = os.path.join(dirpath, filename)
                if not filename.endswith(_FINGERPRINT_SUFFIXES) or (
                        path in seen):
                    continue
                seen.add(path)
                digest.update(path.encode())
                with open(path, 'rb') as file:
                    digest.update(file.read())
    return digest.hexdigest()


def _fingerprint_table(cursor):
    cursor.execute(
        f'CREATE TABLE IF NOT EXISTS "{FINGERPRINT_TABLE}" '
        '(fingerprint VARCHAR(64) NOT NULL)')
    from sql import Table
    return Table(FINGERPRINT_TABLE)


def _stored_fingerprint(name):
    from trytond.transaction import Transaction
    with Transaction().start(name, 0) as transaction:
        cursor = transaction.connection.cursor()
        table = _fingerprint_table(cursor)
        cursor.execute(*table.select(table.fingerprint))
        row = cursor.fetchone()
        return row[0] if row else None


def _store_fingerprint(name, fingerprint):
    from trytond.transaction import Transaction
    with Transaction().start(name, 0) as transaction:
        cursor = transaction.connection.cursor()
        table = _fingerprint_table(cursor)
        cursor.execute(*table.delete())
        cursor.execute(*table.insert([table.fingerprint], [[fingerprint]]))


_loaded_pools = set()


def load_pool(name, update=None):
    """Load the database's pool once, or again to update modules

    update lists the modules to update or activate with their
    dependencies ('ir' updates every activated module)."""
    from trytond.pool import Pool
    if name in _loaded_pools and not update:
        return
    if not Pool._started:
        Pool.start()
    if update:
        Pool(name).init(update=update, lang=LANGUAGES, activatedeps=True)
    else:
        Pool(name).init()
    _loaded_pools.add(name)


def activated_modules(name):
    "The names of the activated modules, read without loading the pool"
    from sql import Table
    from trytond.transaction import Transaction
    module = Table('ir_module')
    with Transaction().start(name, 0, readonly=True) as transaction:
        cursor = transaction.connection.cursor()
        cursor.execute(*module.select(
                module.name, where=module.state == 'activated'))
        return sorted(name for name, in cursor)
