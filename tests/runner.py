# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Run every test of the suite, on SQLite and on PostgreSQL.

    python -m tests.runner [--backend sqlite|postgresql|all] [TEST ...]

Each backend runs in a child process because trytond chooses its backend
when first imported. Installed databases are cached with Tryton's DB_CACHE:
on SQLite in a folder named after a hash of the modules' files, on
PostgreSQL as a template database dropped when that hash changes, so a
change to a module never restores a stale database. The PostgreSQL pass
runs when TRYTOND_DATABASE_URI names a PostgreSQL server or one answers on
127.0.0.1:5432, in two children: the second starts once the first has made
the template database. Module tests run alone on SQLite (each module in a
database of its own, its dependencies and the extras its tests name) and
inside the suite's database on PostgreSQL; --modules changes both. The
last line is the summary: 'tests: N passed, N failed'.
"""
import argparse
import hashlib
import importlib
import json
import os
import pkgutil
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from importlib import metadata

from coop_tools.suite import module_folder
from coop_tools.testing import SUITE_DATABASE, SUITE_MODULES, module_closure

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BACKENDS = ['sqlite', 'postgresql']
DEFAULT_PG_URI = 'postgresql://postgres@127.0.0.1:5432/'
CACHE_ROOT = os.path.join(ROOT, 'var', 'test-cache')
# The label of the PostgreSQL pass's second child (see groups and main)
SECOND_PG_PASS = 'postgresql 2'
# The labels of the PostgreSQL passes started once the suite's template
# database exists: the second one and the end-to-end modules (OWN_PROCESS)
# that restore the suite's database (SUITE_DATABASE), see main
AFTER_TEMPLATE = {SECOND_PG_PASS}


def modules_hash():
    "A hash of what makes an installed database: our files and trytond's"
    digest = hashlib.sha256()
    for module in SUITE_MODULES:
        folder = module_folder(module)
        # Pruned as it walks (sorting the walk first would visit tests/
        # too: a test's change would rebuild the database)
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(
                d for d in dirnames if d not in {'tests', '__pycache__'})
            for filename in sorted(filenames):
                if filename.endswith(('.py', '.xml', '.cfg', '.po')):
                    path = os.path.join(dirpath, filename)
                    digest.update(os.path.relpath(path, ROOT).encode())
                    with open(path, 'rb') as file:
                        digest.update(file.read())
    for dist in sorted(metadata.distributions(),
            key=lambda d: d.metadata['Name'] or ''):
        name = dist.metadata['Name'] or ''
        if name.lower().startswith('trytond'):
            digest.update(f'{name}=={dist.version}'.encode())
    return digest.hexdigest()[:16]


def postgresql_uri():
    uri = os.environ.get('TRYTOND_DATABASE_URI', '')
    if uri.startswith('postgresql'):
        return uri
    try:
        socket.create_connection(('127.0.0.1', 5432), timeout=2).close()
    except OSError:
        return None
    return DEFAULT_PG_URI


def test_names(backend):
    "The test modules to run on the backend"
    names, in_suite = [], []
    # A module after those it depends on: run alone, its database is made
    # from theirs (coop_tools.testing.activate_alone); a module's tests that
    # say SUITE_DATABASE (they run in the suite's) after every module's, so
    # that the suite's database is made from the largest of theirs
    for module in sorted(SUITE_MODULES,
            key=lambda m: (len(module_closure([m])), m)):
        package = importlib.import_module(f'{module}.tests')
        for info in pkgutil.iter_modules(package.__path__):
            if info.name.startswith('test_'):
                name = f'{module}.tests.{info.name}'
                if getattr(importlib.import_module(name), 'SUITE_DATABASE',
                        False):
                    in_suite.append(name)
                else:
                    names.append(name)
    names.extend(in_suite)
    import tests
    for info in pkgutil.iter_modules(tests.__path__):
        if info.name.startswith('test_'):
            module = importlib.import_module(f'tests.{info.name}')
            if backend in getattr(module, 'BACKENDS', BACKENDS):
                names.append(f'tests.{info.name}')
    return names


def groups(backend, names):
    """The backend's tests as (label, names) to run in parallel children:
    the end-to-end modules that say OWN_PROCESS (a server they start, a
    database they create: mostly waiting on other processes) apart from the
    rest, so that the two cores stay busy"""
    if names:
        return [(backend, names)]
    rest, apart = [], []
    for name in test_names(backend):
        # Only the suite's end-to-end modules, already imported, may say so
        if name.startswith('tests.') and getattr(
                importlib.import_module(name), 'OWN_PROCESS', False):
            label = f"{backend} {name.rsplit('.', 1)[-1]}"
            if (backend == 'postgresql' and getattr(
                        importlib.import_module(name), 'SUITE_DATABASE',
                        False)):
                AFTER_TEMPLATE.add(label)
            apart.append((label, [name]))
        else:
            rest.append(name)
    if backend == 'postgresql':
        # The longest pass: in two children, the second started once the
        # first has made the template database (see main)
        first, second = halves(rest)
        return [(backend, first), (SECOND_PG_PASS, second)] + apart
    return [(backend, rest)] + apart


# Seconds each test module took in the PostgreSQL pass (2026-12-02,
# COOP_TEST_SLOWEST; the template's installation left out): only how the
# pass is shared between its two children depends on them; a module not
# listed weighs DEFAULT_SECONDS
PG_SECONDS = {
    'coop_coopcycle.tests.test_module': 40,
    'coop_delivery.tests.test_equivalence': 11,
    'coop_delivery.tests.test_invoice': 39,
    'coop_delivery.tests.test_module': 15,
    'coop_delivery.tests.test_scenario': 18,
    'coop_delivery.tests.test_statistic': 5,
    'coop_delivery.tests.test_tour': 9,
    'coop_einvoice.tests.test_einvoice': 86,
    'coop_einvoice.tests.test_scenario': 17,
    'coop_membership.tests.test_assembly': 31,
    'coop_membership.tests.test_module': 39,
    'coop_membership.tests.test_report': 27,
    'coop_membership.tests.test_scenario': 51,
    'coop_payroll.tests.test_module': 9,
    'coop_payroll.tests.test_payment': 9,
    'coop_payroll.tests.test_payslip': 5,
    'coop_payroll.tests.test_posting': 14,
    'coop_payroll.tests.test_report': 11,
    'coop_payroll_fr.tests.test_module': 17,
    'coop_payroll_membership.tests.test_module': 27,
    'coop_portal.tests.test_portal': 15,
    'tests.test_coop_month': 28,
    'tests.test_roles': 46,
    }
DEFAULT_SECONDS = 10


def halves(names):
    """names in two lists of about the same test time: the longest first,
    each to the lighter list, then each list in the suite's order"""
    lists = ([], [])
    for name in sorted(names, key=lambda n: -PG_SECONDS.get(
                n, DEFAULT_SECONDS)):
        lighter = min(lists, key=lambda l: sum(
                PG_SECONDS.get(n, DEFAULT_SECONDS) for n in l))
        lighter.append(name)
    return tuple(sorted(l, key=names.index) for l in lists)


class TimedResult(unittest.TextTestResult):
    """Remembers how long each test module took, set-up included: in wall
    time and in this process's CPU time (which the other passes beside it
    do not stretch; a database server's work is not in it)"""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seconds = {}
        self.cpu_seconds = {}
        self.test_seconds = {}
        self._last = time.monotonic()
        self._last_cpu = time.process_time()

    def stopTest(self, test):
        super().stopTest(test)
        now, cpu = time.monotonic(), time.process_time()
        module = type(test).__module__
        self.seconds[module] = self.seconds.get(module, 0) + now - self._last
        self.cpu_seconds[module] = (
            self.cpu_seconds.get(module, 0) + cpu - self._last_cpu)
        # The class's set-up counts in its first test
        self.test_seconds[test.id()] = now - self._last
        self._last, self._last_cpu = now, cpu

    def print_slowest(self, count=10):
        self.stream.writeln("slowest test modules (seconds, CPU seconds):")
        for module, seconds in sorted(
                self.seconds.items(), key=lambda i: -i[1])[:count]:
            self.stream.writeln(f"  {seconds:7.1f} {self.cpu_seconds[module]:7.1f}"
                f"  {module}")
        self.stream.writeln("slowest tests, a class's set-up in its first:")
        for name, seconds in sorted(
                self.test_seconds.items(), key=lambda i: -i[1])[:count]:
            self.stream.writeln(f"  {seconds:7.1f}  {name}")


def run_child(backend, names, result_path):
    "Run the tests in this process, configured for backend by the parent"
    start = time.monotonic()
    loader = unittest.TestLoader()
    suite = loader.loadTestsFromNames(names or test_names(backend))
    result = unittest.TextTestRunner(
        verbosity=2, buffer=False, resultclass=TimedResult).run(suite)
    result.print_slowest(int(os.environ.get('COOP_TEST_SLOWEST', 10)))
    failed = len(result.failures) + len(result.errors) + len(
        result.unexpectedSuccesses)
    with open(result_path, 'w') as file:
        json.dump({
                'run': result.testsRun,
                'failed': failed,
                'skipped': len(result.skipped),
                'seconds': round(time.monotonic() - start),
                # Its own and its ended children's (the demo's commands)
                'cpu_seconds': round(time.process_time() + sum(
                        resource.getrusage(resource.RUSAGE_CHILDREN)[:2])),
                }, file)
    return 0 if result.wasSuccessful() else 1


# Where module tests run by default: alone on SQLite (each module in a
# database of its own and its dependencies: a module that works only beside
# another is seen), inside the suite's database on PostgreSQL (as a coop's
# database is); --modules changes both
MODULES_DEFAULT = {'sqlite': 'alone', 'postgresql': 'suite'}


def start_pass(backend, names, label, index=0, modules=None):
    """Start a child running names on the backend; return what finish_pass
    needs

    Its output goes to a file, printed whole when it ends, so that
    passes may run side by side without mixing their lines."""
    env = dict(os.environ)
    env.pop('DB_NAME', None)
    env['COOP_TEST_ALONE'] = (
        '1' if (modules or MODULES_DEFAULT[backend]) == 'alone' else '0')
    if backend == 'sqlite':
        env['DB_CACHE'] = os.path.join(CACHE_ROOT, modules_hash())
        env['TRYTOND_DATABASE_URI'] = 'sqlite://'
        env['DB_NAME'] = ':memory:'
    else:
        uri = postgresql_uri()
        # Cached as a template database on the server: a test class's
        # restore is a copy (1.4 s) instead of a pg_restore (4.5 s)
        env['DB_CACHE'] = uri.rstrip('/')
        env['TRYTOND_DATABASE_URI'] = uri
        # A name of our own, to drop the database when the pass ends
        env['DB_NAME'] = f'coop_test_{os.getpid()}_{index}'
        # The tests' commits (an installation makes hundreds) need not wait
        # for the server's disk: their databases are thrown away. libpq
        # reads it, in the pass and the processes it starts.
        env['PGOPTIONS'] = ' '.join(filter(None, [
                    env.get('PGOPTIONS'), '-c synchronous_commit=off']))
    result_file = tempfile.NamedTemporaryFile(suffix='.json')
    log = tempfile.TemporaryFile(mode='w+')
    header = (f"=== {label}: {env['TRYTOND_DATABASE_URI']}, module tests "
        + ('alone' if env['COOP_TEST_ALONE'] == '1' else 'in the suite'))
    process = subprocess.Popen([
            sys.executable, '-m', 'tests.runner', '--child', backend,
            '--result', result_file.name, *names],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    return (backend, label, header, process, log, result_file,
        time.monotonic(), env)


def finish_pass(started):
    backend, label, header, process, log, result_file, start, env = started
    process.wait()
    if backend == 'postgresql':
        drop_postgresql_database(env['TRYTOND_DATABASE_URI'], env['DB_NAME'])
    log.seek(0)
    print(f"\n{header}", flush=True)
    sys.stdout.write(log.read())
    log.close()
    with result_file:
        try:
            with open(result_file.name) as file:
                result = json.load(file)
        except (OSError, ValueError):
            # The child died before reporting: count it as one failure
            result = {'run': 0, 'failed': 1, 'skipped': 0,
                'seconds': round(time.monotonic() - start)}
    return label, result


def drop_postgresql_database(uri, name):
    import psycopg
    try:
        with psycopg.connect(_server_conninfo(uri), autocommit=True
                ) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except psycopg.Error as error:
        print(f"could not drop the test database {name}: {error}")


def _server_conninfo(uri):
    from urllib.parse import urlparse
    return urlparse(uri)._replace(scheme='postgresql', path='/postgres'
        ).geturl()


def postgresql_template():
    "The suite's template database, named as trytond's DB_CACHE names it"
    return 'test-' + hashlib.shake_128(
        '-'.join(SUITE_DATABASE).encode()).hexdigest(20)


def postgresql_template_exists(uri):
    import psycopg
    with psycopg.connect(_server_conninfo(uri), autocommit=True) as connection:
        return bool(connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s",
                (postgresql_template(),)).fetchone())


def reset_postgresql_cache(uri, folder):
    """Drop the suite's template databases when the code changed since they
    were made: trytond names them from the modules' names only"""
    import psycopg
    marker = os.path.join(folder, 'postgresql-template')
    if os.path.exists(marker):
        return
    with psycopg.connect(_server_conninfo(uri), autocommit=True) as connection:
        # The suite's and, run alone, each module's (trytond names them
        # test-<40 hex digits>)
        for name, in connection.execute(
                "SELECT datname FROM pg_database "
                "WHERE datname ~ '^test-[0-9a-f]{40}$'").fetchall():
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    os.makedirs(folder, exist_ok=True)
    open(marker, 'w').close()


def prune_cache(keep):
    if not os.path.isdir(CACHE_ROOT):
        return
    for name in os.listdir(CACHE_ROOT):
        if name != keep:
            shutil.rmtree(os.path.join(CACHE_ROOT, name), ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--backend', choices=BACKENDS + ['all'],
        default='all')
    parser.add_argument('--serial', action='store_true',
        help="run one backend after the other (default: side by side)")
    parser.add_argument('--modules', choices=['alone', 'suite'],
        help="run module tests in a database of each module alone or of "
        "the whole suite (default: alone on SQLite, the suite on "
        "PostgreSQL)")
    parser.add_argument('--child', choices=BACKENDS, help=argparse.SUPPRESS)
    parser.add_argument('--result', help=argparse.SUPPRESS)
    parser.add_argument('names', nargs='*', metavar='TEST',
        help="test modules, classes or methods (default: all)")
    args = parser.parse_args()
    if args.child:
        return run_child(args.child, args.names, args.result)

    prune_cache(modules_hash())
    backends = BACKENDS if args.backend == 'all' else [args.backend]
    if 'postgresql' in backends and not postgresql_uri():
        print("\n=== postgresql: skipped, no server answers on "
            "127.0.0.1:5432 and TRYTOND_DATABASE_URI is not set")
        backends = [b for b in backends if b != 'postgresql']
    if 'postgresql' in backends:
        reset_postgresql_cache(
            postgresql_uri(), os.path.join(CACHE_ROOT, modules_hash()))
    # The passes share nothing but the caches, named per backend: on two
    # cores they run side by side
    passes = [(backend, names, label)
        for backend in backends
        for label, names in groups(backend, args.names)]
    if args.serial:
        results = dict(finish_pass(start_pass(b, n, l, i, args.modules))
            for i, (b, n, l) in enumerate(passes))
    else:
        print(f"running {', '.join(l for _, _, l in passes)} side by side; "
            "each pass prints its tests when it ends", flush=True)
        started = [start_pass(b, n, l, i, args.modules)
            for i, (b, n, l) in enumerate(passes) if l not in AFTER_TEMPLATE]
        for i, (b, n, l) in enumerate(passes):
            if l not in AFTER_TEMPLATE:
                continue
            # Two children installing the suite at once would both make
            # the template: the second starts once it exists (or once the
            # first ends, to report what failed)
            first = next((s for s in started if s[1] == 'postgresql'), None)
            while (first and first[3].poll() is None
                    and not postgresql_template_exists(postgresql_uri())):
                time.sleep(2)
            started.append(start_pass(b, n, l, i, args.modules))
        results = dict(finish_pass(s) for s in started)

    print()
    total = {'run': 0, 'failed': 0, 'skipped': 0}
    for label, result in results.items():
        # A class whose set-up failed counts one failure and no test run
        passed = max(result['run'] - result['failed'] - result['skipped'], 0)
        print(f"{label}: {passed} passed, {result['failed']} failed, "
            f"{result['skipped']} skipped in {result['seconds']} s"
            f" (CPU {result.get('cpu_seconds', '?')} s)")
        for key in total:
            total[key] += result[key]
    passed = max(total['run'] - total['failed'] - total['skipped'], 0)
    print(f"tests: {passed} passed, {total['failed']} failed, "
        f"{total['skipped']} skipped")
    if not results or total['failed'] or not total['run']:
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
