# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The production image's entrypoint, run against the local PostgreSQL

No Docker engine runs here, so the script itself is run as the image runs
it, with its configuration from the environment."""
import json
import os
import subprocess
import tempfile
import unittest
import uuid

from .support import (
    HANG_TIMEOUT, ROOT, SAO_ROOT, clean_environ, free_port, http_get, login,
    wait_for_port)

BACKENDS = {'postgresql'}
# It waits on the entrypoint's processes: the runner gives it a child of
# its own beside the PostgreSQL pass
OWN_PROCESS = True
ENTRYPOINT = os.path.join(ROOT, 'docker', 'entrypoint.sh')


class EntrypointTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.uri = os.environ['TRYTOND_DATABASE_URI']
        cls.database = f'coop_entrypoint_{uuid.uuid4().hex[:8]}'
        folder = tempfile.TemporaryDirectory()
        cls.addClassCleanup(folder.cleanup)
        cls.env = clean_environ(
            TRYTOND_DATABASE__URI=cls.uri,
            TRYTOND_DATABASE__PATH=folder.name,
            TRYTOND_WEB__ROOT=SAO_ROOT,
            COOP_CONFIG=os.path.join(ROOT, 'config', 'production.conf'),
            COOP_DATABASE=cls.database,
            # The entrypoint's roles are under test, not the installation
            # of every module (the PostgreSQL pass does it): one module
            # and its dependencies, as a coop leaving the addons out
            COOP_MODULES='coop_membership',
            COOP_ADMIN_PASSWORD='entrypoint-admin')
        cls.addClassCleanup(cls.drop_database)
        # The first setup, run once for the class: an installation is most
        # of the class's time, and the database it makes is one of the two
        # coops of test_one_database_per_coop
        cls.first_setup = cls.entrypoint('setup')

    @classmethod
    def drop_database(cls):
        import psycopg
        from trytond import config
        conninfo = config.parse_uri(cls.uri)._replace(
            scheme='postgresql', path='/postgres').geturl()
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(
                f'DROP DATABASE IF EXISTS "{cls.database}" WITH (FORCE)')

    @classmethod
    def entrypoint(cls, *args, **env):
        return subprocess.run([ENTRYPOINT, *args],
            env=dict(cls.env, **env), capture_output=True, text=True,
            timeout=HANG_TIMEOUT)

    def setup_summary(self, process):
        self.assertEqual(process.returncode, 0, process.stderr)
        return json.loads(process.stdout.strip().splitlines()[-1])

    def test_setup_creates_then_upgrades_then_serves(self):
        "setup creates the database, skips an idle upgrade; serve logs in"
        summary = self.setup_summary(self.first_setup)
        self.assertEqual(summary['action'], 'created')
        self.assertIn('coop_membership', summary['modules'])
        self.assertIn('account', summary['modules'])
        self.assertNotIn('coop_payroll', summary['modules'])

        # Nothing changed: the restart does not pay for a full upgrade
        summary = self.setup_summary(self.entrypoint('setup'))
        self.assertEqual(summary['action'], 'up-to-date')

        port = free_port()
        server = subprocess.Popen([ENTRYPOINT, 'serve'],
            env=dict(self.env, COOP_WORKERS='2',
                COOP_LISTEN=f'127.0.0.1:{port}'),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            wait_for_port(port, server, timeout=300)
            status, page = http_get(f'http://127.0.0.1:{port}/')
            self.assertEqual(status, 200)
            self.assertIn('sao', page)
            # Both gunicorn workers loaded the database before serving
            for _ in range(4):
                session = login(
                    port, self.database, 'admin', 'entrypoint-admin')
                self.assertIsInstance(session[1], int)
        finally:
            server.terminate()
            server.communicate(timeout=60)

    def test_one_database_per_coop(self):
        """COOP_DATABASES: setup creates each coop's database that is
        missing and leaves the other as it is (a summary line each), serve
        preloads both and each coop's admin logs in to its own"""
        self.setup_summary(self.first_setup)
        # The class's database is the first coop's, set up already
        databases = [self.database, f'{self.database}_b']
        self.addCleanup(self.drop_databases, databases[1:])
        env = {'COOP_DATABASES': ','.join(databases)}
        process = self.entrypoint('setup', **env)
        self.assertEqual(process.returncode, 0, process.stderr)
        summaries = [json.loads(line)
            for line in process.stdout.strip().splitlines()]
        self.assertEqual(
            [(s['database'], s['action']) for s in summaries],
            [(databases[0], 'up-to-date'), (databases[1], 'created')])
        port = free_port()
        server = subprocess.Popen([ENTRYPOINT, 'serve'],
            env=dict(self.env, COOP_WORKERS='1',
                COOP_LISTEN=f'127.0.0.1:{port}', **env),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            wait_for_port(port, server, timeout=300)
            for database in databases:
                with self.subTest(database=database):
                    session = login(
                        port, database, 'admin', 'entrypoint-admin')
                    self.assertIsInstance(session[1], int)
        finally:
            server.terminate()
            server.communicate(timeout=60)

    @classmethod
    def drop_databases(cls, databases):
        import psycopg
        from trytond import config
        conninfo = config.parse_uri(cls.uri)._replace(
            scheme='postgresql', path='/postgres').geturl()
        with psycopg.connect(conninfo, autocommit=True) as connection:
            for database in databases:
                connection.execute(
                    f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    def test_missing_uri(self):
        "Without a database URI the entrypoint says what to set"
        env = dict(self.env)
        del env['TRYTOND_DATABASE__URI']
        process = subprocess.run([ENTRYPOINT, 'setup'], env=env,
            capture_output=True, text=True, timeout=60)
        self.assertEqual(process.returncode, 2)
        self.assertIn('set TRYTOND_DATABASE__URI', process.stderr)

    def test_unreachable_server_gives_up(self):
        "An unreachable server is retried, then reported in one line"
        process = self.entrypoint('setup',
            TRYTOND_DATABASE__URI=f'postgresql://postgres@127.0.0.1:'
            f'{free_port()}/', COOP_SETUP_TRIES='1')
        self.assertEqual(process.returncode, 3)
        self.assertIn('cannot reach the database server', process.stderr)
        self.assertNotIn('Traceback', process.stderr)
