# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Create and upgrade the suite's databases, on SQLite or PostgreSQL.

Call settings.load() first: trytond picks its backend when first imported.
"""
import os

from .errors import CoopError, DatabaseUnreachable
from .settings import database_scheme, describe_database

# What a coop's database runs: our three modules and the French chart
SUITE_MODULES = ['coop_delivery', 'coop_payroll', 'coop_membership',
    'account_fr']
LANGUAGES = ['en', 'fr']


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
    uri = config.parse_uri(config.get('database', 'uri'))
    conninfo = uri._replace(scheme='postgresql', path='/postgres').geturl()
    try:
        psycopg.connect(conninfo, connect_timeout=5).close()
    except psycopg.Error as exception:
        raise _connection_error(exception)


def exists(name):
    "Tell whether name is an initialised Tryton database"
    from trytond import backend
    check_server()
    database = backend.Database(name)
    try:
        database.connect()
    except Exception:
        return False
    try:
        return database.test()
    finally:
        database.close()


def _create_empty(name):
    from trytond.transaction import Transaction
    if database_scheme() == 'sqlite':
        from trytond import config
        open(os.path.join(
                config.get('database', 'path'), name + '.sqlite'), 'a').close()
        return
    with Transaction().start(
            None, 0, close=True, autocommit=True) as transaction:
        transaction.database.create(transaction.connection, name)


def drop(name):
    from trytond import backend
    from trytond.transaction import Transaction
    if database_scheme() == 'sqlite':
        from trytond import config
        backend.Database(name).close()
        path = os.path.join(config.get('database', 'path'), name + '.sqlite')
        if os.path.exists(path):
            os.remove(path)
        return
    backend.Database(name).close()
    with Transaction().start(
            None, 0, close=True, autocommit=True) as transaction:
        transaction.database.drop(transaction.connection, name)


def create(name, admin_password, admin_email=None, modules=SUITE_MODULES):
    "Create a new database with the suite's modules activated"
    from trytond import backend
    from trytond.pool import Pool

    if exists(name):
        raise CoopError(
            f"database {name!r} already exists ({describe_database()}): "
            f"use 'coop db upgrade {name}'")
    if not admin_password:
        raise CoopError(
            "an admin password is required: pass --admin-password-file FILE "
            "or set COOP_ADMIN_PASSWORD")
    _create_empty(name)
    database = backend.Database(name).connect()
    database.init()
    start_pool()
    Pool(name).init(update=['ir', 'res', *modules], lang=LANGUAGES,
        activatedeps=True)
    in_transaction(name, lambda: _configure(admin_password, admin_email))


def _configure(admin_password, admin_email):
    from trytond import __series__
    from trytond.pool import Pool
    pool = Pool()
    User = pool.get('res.user')
    Lang = pool.get('ir.lang')
    Configuration = pool.get('ir.configuration')
    configuration = Configuration(1)
    configuration.series = __series__
    configuration.language = 'en'
    configuration.save()
    Lang.write(Lang.search([('code', 'in', LANGUAGES)]), {
            'translatable': True,
            })
    admin, = User.search([('login', '=', 'admin')])
    admin.password = admin_password
    if admin_email:
        admin.email = admin_email
    admin.save()


def in_transaction(name, func, user=0, context=None):
    """Run func in a transaction on the database, committed when it returns

    Tryton asks for some table locks by raising TransactionError: the
    transaction is then started again as it says."""
    from trytond.transaction import Transaction, TransactionError
    extras = {}
    while True:
        with Transaction().start(
                name, user, context=context, **extras) as transaction:
            try:
                return func()
            except TransactionError as error:
                transaction.rollback()
                error.fix(extras)


def upgrade(name, modules=()):
    """Upgrade every activated module of the database and activate modules

    Refuses a database that does not exist or is not a Tryton database."""
    from trytond.pool import Pool
    if not exists(name):
        raise CoopError(
            f"no Tryton database {name!r} ({describe_database()}): "
            f"use 'coop db create {name}'")
    start_pool()
    Pool(name).init(update=['ir', *modules], lang=LANGUAGES,
        activatedeps=True)


def start_pool():
    from trytond.pool import Pool
    if not Pool._started:
        Pool.start()


def activated_modules(name):
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with Transaction().start(name, 0, readonly=True):
        Module = Pool().get('ir.module')
        return sorted(m.name for m in Module.search([
                    ('state', '=', 'activated')]))
