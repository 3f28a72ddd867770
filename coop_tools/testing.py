# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""What the suite's tests share: the database they run in

Each set of activated modules is a database that Tryton's DB_CACHE installs
once per backend. A module's tests run either in the database of the whole
suite (as a coop's database is) or, with COOP_TEST_ALONE=1, in one of that
module, its dependencies and the extras its tests name (so that a module
that works only beside another is seen); tests/ always use the suite's.
The names are sorted because proteus's activate_modules names its cache
from the sorted list, and Tryton's activate_module from the list as given.
"""
import functools
import os
from contextlib import contextmanager

from trytond.tools import misc
from trytond.tests import test_tryton
from trytond.tests.test_tryton import (
    DB_CACHE, DB_NAME, _DBTestCase, activate_module, drop_db)
from trytond.transaction import Transaction, TransactionError

from .locks import lock_tables, lockable_tables
from .suite import DATABASE_MODULES, MODULES

# The suite's own modules
SUITE_MODULES = sorted(MODULES)
# The suite's test database: a coop's (the French chart beside them)
SUITE_DATABASE = sorted(DATABASE_MODULES)

# Each test class restores its database from the cache, and Tryton's
# restore_db_cache then builds the pool's classes anew (Pool.init: about a
# second, the same classes each time for the same modules). The classes
# built for a cached database are kept and given again to the next class
# that restores it; the caches that hold what was read from the database
# are dropped with it (drop_db's Cache.drop), as before.
_POOLS = {}
_tryton_restore_db_cache = test_tryton.restore_db_cache


def restore_db_cache(name):
    "Tryton's restore_db_cache, the pool of an earlier restore of name kept"
    from trytond import backend
    from trytond.pool import Pool
    _forget_untouched()
    saved = _POOLS.get(name)
    if saved is None:
        result = _tryton_restore_db_cache(name)
        if result:
            _POOLS[name] = (
                Pool._pools[DB_NAME], Pool._pool_modules[DB_NAME])
        return result
    cache_file = test_tryton._db_cache_file(DB_CACHE, name)
    if backend.name == 'sqlite':
        result = test_tryton._sqlite_copy(cache_file, restore=True)
    else:
        result = test_tryton._pg_restore(cache_file)
    if result:
        with Pool._lock:
            Pool._pools[DB_NAME], Pool._pool_modules[DB_NAME] = saved
            # Pool() gives each instance the kept classes again
            Pool._pool_instances.clear()
    return result


# activate_module (Tryton's) finds it there
test_tryton.restore_db_cache = restore_db_cache

# Tryton's import_module looks a module up among every entry point of the
# environment at each call (importlib.metadata's select over some 120), and
# ModuleTestCase's generic tests call it about 8,000 times each through
# isregisteredby: 1.2-1.9 s a test, half of a module's test case. A module
# imported once stays the same object, so its lookup is kept.
misc.import_module = functools.cache(misc.import_module)


def commit_setup(*steps):
    """Run steps in a committed transaction, restarted when it asks for
    table locks midway (as tests/test_roles.py sets up its data); the
    records the first step returns, as {key: (model, id)}

    For a test class's fixture built once (a company, its chart, its
    fiscal year: seconds each) in setUpClass, after the suite's database
    is restored; each test's transaction, rolled back, reads it again."""
    extras = {'_lock_tables': lockable_tables(DB_NAME)}
    while True:
        with Transaction().start(DB_NAME, 0, **extras) as transaction:
            try:
                data = steps[0]()
                for step in steps[1:]:
                    step()
                transaction.commit()
                return {key: (record.__name__, record.id)
                    for key, record in data.items()}
            except TransactionError as error:
                transaction.rollback()
                error.fix(extras)


def setup_records(data):
    """The records of commit_setup's answer, in the current transaction;
    locks LOCKED_TABLES first (restarting the test's transaction once), as
    the setup helpers do"""
    from trytond.pool import Pool
    lock_tables()
    pool = Pool()
    return {key: pool.get(model)(id_) for key, (model, id_) in data.items()}


@contextmanager
def company_records(data, key='company'):
    """setup_records(data) with data's company (under key) as the user's
    company (set_company), read again in that context as records created
    under set_company would be"""
    from trytond.modules.company.tests import set_company
    records = setup_records(data)
    with set_company(records[key]):
        yield {k: r.__class__(r.id) for k, r in records.items()}


@contextmanager
def setup_company(company):
    """set_company for a step of commit_setup: the user's company and
    companies are put back as they were when it ends, so that the
    committed fixture leaves the user as the suite's database has it"""
    from trytond.modules.company.tests import set_company
    from trytond.pool import Pool
    User = Pool().get('res.user')
    user = User(Transaction().user)
    before = {'company': user.company.id if user.company else None}
    if company not in user.companies:
        before['companies'] = [('remove', [company.id])]
    with set_company(company):
        yield
    User.write([user], before)


# The Tryton modules that every module of the suite depends on (countries
# and the accounting's base: most of an installation's time): installed
# once, and each module's database alone made from a copy of it
BASE_MODULES = [
    'account', 'company', 'country', 'currency', 'ir', 'party', 'res']


# The module sets whose database this process has cached (their names as
# activate_module gives them), BASE_MODULES's first: a database to activate
# more modules on is made from the largest of them
_CACHED = [tuple(BASE_MODULES)]


def module_closure(modules):
    "The modules and every module they depend on, as their tryton.cfg say"
    from trytond.modules import get_module_info
    closure, todo = set(), list(modules)
    while todo:
        name = todo.pop()
        if name not in closure:
            closure.add(name)
            todo.extend((get_module_info(name) or {}).get('depends', []))
    return frozenset(closure)


def activate_alone(modules):
    """activate_module(modules), the database made, when it is not cached
    itself, from the cached database of the most modules among their
    dependencies (BASE_MODULES's at least): Tryton activates the rest on
    it as on a coop's database a module is added to, and what the modules
    share is installed once for all of them. Module tests run in the order
    of their dependencies (tests/runner.py), so coop_payroll_fr's database
    is coop_payroll's with coop_payroll_fr activated."""
    modules = sorted(modules)
    if DB_CACHE:
        if restore_db_cache('-'.join(modules)):
            return
        closure = module_closure(modules)
        bases = sorted((c for c in _CACHED if module_closure(c) <= closure),
            key=lambda c: -len(module_closure(c)))
        for base in bases:
            if restore_db_cache('-'.join(base)):
                break
        else:
            activate_module(BASE_MODULES)
    activate_module(modules)
    _CACHED.append(tuple(modules))


# The module set whose cached database the test database holds as it was
# restored, nothing committed to it since: a test class asking for the same
# keeps it instead of dropping and restoring it (on PostgreSQL 1 to 3 s of
# the server's work a class). Forgotten at any commit to the test database,
# any database dropped, any restore (see _forget_untouched).
_UNTOUCHED = {'modules': None}


def _forget_untouched(*args, **kwargs):
    _UNTOUCHED['modules'] = None


def _writes(transaction):
    """Whether committing transaction writes to its database: what it wrote
    (PostgreSQL gives a transaction an id at its first write; SQLite opens
    one at its first write) or what its commit writes before the
    connection's commit. Tryton's test transactions are rolled back, then
    committed empty."""
    from trytond import backend
    connection = transaction.connection
    if connection is None:
        return False
    if (transaction.log_records or transaction.user_notifications
            or transaction.check_warnings or transaction._datamanagers):
        return True
    if backend.name == 'sqlite':
        return connection.in_transaction
    from psycopg.pq import TransactionStatus
    status = connection.info.transaction_status
    if status == TransactionStatus.IDLE:
        return False
    if status != TransactionStatus.INTRANS:
        return True
    cursor = connection.cursor()
    cursor.execute('SELECT pg_current_xact_id_if_assigned()')
    return cursor.fetchone()[0] is not None


def _watch_writes():
    "Forget the untouched database at each commit, drop and restore"
    from trytond import backend
    tryton_commit = Transaction.commit
    tryton_drop = backend.Database.drop

    def commit(self):
        if _writes(self):
            _forget_untouched()
        return tryton_commit(self)

    def drop(cls, *args, **kwargs):
        _forget_untouched()
        return tryton_drop.__func__(cls, *args, **kwargs)
    Transaction.commit = commit
    backend.Database.drop = classmethod(drop)


_watch_writes()


def activate_suite(module=None, extras=()):
    """Restore the suite's database from the cache (installed the first
    time), dropping what the test class before left; with modules_alone,
    the database of module, extras and their dependencies instead (the
    extras a test of module needs: sorted, so that the same modules share
    one cached database). A database the class before left as it was
    restored (it committed nothing) is kept."""
    if module and modules_alone():
        modules = sorted({module, *extras})
    else:
        modules = SUITE_DATABASE
    if _UNTOUCHED['modules'] == modules and DB_CACHE:
        from trytond.cache import Cache
        # As drop_db would: what the classes before read is read again
        Cache.drop(DB_NAME)
        return
    drop_db()
    if modules_alone():
        # The suite's, after the modules' own: made from the largest of them
        activate_alone(modules)
    else:
        activate_module(modules)
    _UNTOUCHED['modules'] = modules


def suite_only(test):
    """A test of a module that needs other modules of the suite beside it
    (their models, groups or names): skipped when modules run alone"""
    import unittest
    return unittest.skipIf(modules_alone(),
        "needs the suite's other modules (runs in the suite's database)"
        )(test)


def activated(module):
    "Whether module is activated in the test's database"
    from trytond.pool import Pool
    Module = Pool().get('ir.module')
    return bool(Module.search(
            [('name', '=', module), ('state', '=', 'activated')]))


def activate_scenario(module):
    """The database for a scenario of module, through proteus: the suite's,
    or module's alone (modules_alone); its config"""
    from trytond.tests.tools import activate_modules
    drop_db()
    if modules_alone():
        # Made from the base's database and cached under the name proteus
        # looks for (the sorted names), then restored by proteus
        activate_alone([module])
        drop_db()
        return activate_modules([module])
    return activate_modules(SUITE_DATABASE)


def modules_alone():
    """Whether module tests run in a database of their module and its
    dependencies only (COOP_TEST_ALONE=1, the runner's SQLite pass), so
    that a module that works only beside another is seen; otherwise in the
    suite's database"""
    return os.environ.get('COOP_TEST_ALONE', '') not in {'', '0'}


class SuiteDatabase:
    """Mixin for a ModuleTestCase: its database holds the whole suite, or
    its module and dependencies alone (modules_alone)"""
    __slots__ = ()

    @classmethod
    def setUpClass(cls):
        # _DBTestCase.setUpClass would activate the module as given
        super(_DBTestCase, cls).setUpClass()
        activate_suite(cls.module, cls.extras or ())

    @classmethod
    def tearDownClass(cls):
        # _DBTestCase.tearDownClass would drop the database: the next
        # class's activate_suite drops it unless it may keep it as it is
        super(_DBTestCase, cls).tearDownClass()
