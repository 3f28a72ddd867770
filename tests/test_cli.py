# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"The coop command's help and its one-line errors"
import os
import socket
import tempfile
import unittest

from .support import (
    clean_environ, coop, free_port, one_line_error, write_config)

# The command's errors do not depend on the backend under test
BACKENDS = {'sqlite'}


class CoopCommandTestCase(unittest.TestCase):

    def setUp(self):
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.folder = folder.name
        self.config = write_config(self.folder,
            "[database]\nuri = sqlite://\npath = db\n")

    def test_help_everywhere(self):
        "Every command answers --help"
        for args in [[], ['demo'], ['serve'], ['db'], ['db', 'create'],
                ['db', 'upgrade'], ['db', 'requeue'], ['invoice']]:
            with self.subTest(args=args):
                process = coop(*args, '--help')
                self.assertEqual(process.returncode, 0, process.stderr)
                self.assertIn('usage: coop', process.stdout)

    def test_missing_configuration(self):
        "A missing configuration file is named, with the way to give one"
        missing = os.path.join(self.folder, 'nowhere.conf')
        for args in [['demo', '--no-serve'], ['serve'],
                ['db', 'create', 'x'], ['db', 'upgrade', 'x']]:
            with self.subTest(args=args):
                line = one_line_error(
                    self, coop(*args, '--config', missing),
                    "configuration file not found")
                self.assertIn(missing, line)
                self.assertIn('--config', line)

    def test_wrong_database_uri(self):
        "A URI of another database is refused, saying what is supported"
        env = clean_environ(TRYTOND_DATABASE__URI='mysql://root@localhost/')
        line = one_line_error(self,
            coop('db', 'create', 'x', '-c', self.config, env=env),
            "unsupported database URI 'mysql://root@localhost/'")
        self.assertIn('postgresql://', line)

    def test_unreachable_postgresql(self):
        "A PostgreSQL server that does not answer is named, with exit code 3"
        port = free_port()
        env = clean_environ(
            TRYTOND_DATABASE__URI=f'postgresql://postgres@127.0.0.1:{port}/')
        process = coop('db', 'upgrade', 'x', '-c', self.config, env=env)
        line = one_line_error(self, process,
            "cannot reach the database server")
        self.assertIn(f'127.0.0.1:{port}', line)
        self.assertEqual(process.returncode, 3)

    def test_occupied_port(self):
        "A port already taken is named before any long work starts"
        with socket.socket() as sock:
            sock.bind(('127.0.0.1', 0))
            sock.listen()
            port = sock.getsockname()[1]
            for args in [['serve'], ['demo']]:
                with self.subTest(args=args):
                    line = one_line_error(self,
                        coop(*args, '-c', self.config,
                            '--listen', f'127.0.0.1:{port}'),
                        f"port {port} on 127.0.0.1 is already in use")
                    self.assertIn('--listen', line)
        # The demo refused before creating anything
        self.assertFalse(os.listdir(os.path.join(self.folder, 'db')))

    def test_missing_database(self):
        "Upgrading or serving a database that does not exist says how to"
        one_line_error(self,
            coop('db', 'upgrade', 'nothere', '-c', self.config),
            "use 'coop db create nothere'")
        one_line_error(self,
            coop('serve', '-d', 'nothere', '-c', self.config,
                '--listen', f'127.0.0.1:{free_port()}'),
            "no Tryton database 'nothere'")

    def test_several_databases_all_or_none(self):
        """coop db takes one database per coop: none is created or upgraded
        unless all can be, and a name given twice is refused"""
        env = clean_environ(COOP_ADMIN_PASSWORD='x')
        one_line_error(self,
            coop('db', 'upgrade', 'coop_a', 'coop_b', '-c', self.config),
            "no Tryton database 'coop_a'")
        one_line_error(self,
            coop('db', 'create', 'coop_a', 'coop_a', '-c', self.config,
                env=env),
            "database 'coop_a' is named twice")
        one_line_error(self,
            coop('db', 'create', 'coop_a', 'coop_b', '-c', self.config),
            "an admin password is required")
        self.assertFalse(os.listdir(os.path.join(self.folder, 'db')))

    def test_invoice_bad_input(self):
        "A malformed month or date, or no database, is one line"
        one_line_error(self,
            coop('invoice', '--month', '2026-13', '-c', self.config),
            "--month must be YYYY-MM")
        one_line_error(self,
            coop('invoice', '--month', '2026-10', '--date', '31/10/2026',
                '-c', self.config),
            "--date must be YYYY-MM-DD")
        one_line_error(self,
            coop('invoice', '--month', '2026-10', '-d', 'nothere',
                '-c', self.config),
            "no database 'nothere'")

    def test_payroll_bad_input(self):
        "A malformed month or date, or no database, is one line"
        one_line_error(self,
            coop('payroll', 'run', '--month', '10/2026', '-c', self.config),
            "--month must be YYYY-MM")
        one_line_error(self,
            coop('payroll', 'run', '--month', '2026-10', '--date', 'tomorrow',
                '-c', self.config),
            "--date must be YYYY-MM-DD")
        one_line_error(self,
            coop('payroll', 'run', '--month', '2026-10', '-d', 'nothere',
                '-c', self.config),
            "no database 'nothere'")

    def test_create_needs_password(self):
        "Creating a database without an admin password writes nothing"
        one_line_error(self,
            coop('db', 'create', 'nopassword', '-c', self.config),
            "an admin password is required")
        self.assertFalse(os.listdir(os.path.join(self.folder, 'db')))
        one_line_error(self,
            coop('db', 'create', 'nopassword', '-c', self.config,
                '--admin-password-file', os.path.join(self.folder, 'no')),
            "cannot read the admin password file")

    def test_unknown_module(self):
        "A module the suite does not have is refused before any work"
        for args in [['create'], ['upgrade', '--create-missing']]:
            with self.subTest(args=args):
                one_line_error(self,
                    coop('db', *args, 'x', '--modules', 'coop_payroll,sale',
                        '-c', self.config,
                        env=clean_environ(COOP_ADMIN_PASSWORD='x')),
                    "unknown module(s) sale: choose among coop_delivery")
        self.assertFalse(os.listdir(os.path.join(self.folder, 'db')))

    def test_import_members_help(self):
        "coop import members documents its CSV format"
        for args in [['import'], ['import', 'members']]:
            with self.subTest(args=args):
                process = coop(*args, '--help')
                self.assertEqual(process.returncode, 0, process.stderr)
                self.assertIn('usage: coop import', process.stdout)
        for text in ['UTF-8, comma-delimited', 'DD/MM/YYYY', 'to_member',
                'sell_back', 'effective_date', '--dry-run']:
            self.assertIn(text, process.stdout)

    def test_import_members_unreadable_file(self):
        "A file that is not comma-delimited UTF-8 is refused at once"
        from .test_member_import import GOOD
        path = os.path.join(self.folder, 'register.csv')
        for data, line, expected in [
                (GOOD.replace(',', ';').encode(), 1,
                    "the columns are separated by semicolons, not commas"),
                (GOOD.encode('latin-1'), 5, "the file is not UTF-8"),
                ]:
            with self.subTest(expected=expected):
                with open(path, 'wb') as file:
                    file.write(data)
                # Refused before the database is even looked for
                process = coop('import', 'members', path, '-d', 'nothere',
                    '-c', self.config)
                self.assertEqual(process.returncode, 1)
                self.assertNotIn('Traceback', process.stderr)
                first, last = process.stderr.strip().splitlines()
                self.assertIn(f"{path}:{line}: {expected}", first)
                self.assertEqual(
                    last, "coop: error: 1 error: nothing was imported")
        one_line_error(self,
            coop('import', 'members', os.path.join(self.folder, 'no.csv'),
                '-c', self.config),
            "cannot read")
        with open(path, 'w', encoding='utf-8') as file:
            file.write(GOOD)
        one_line_error(self,
            coop('import', 'members', path, '-d', 'nothere',
                '-c', self.config),
            "no database 'nothere'")

    def test_import_members(self):
        "A register imported whole or not at all, its errors by line"
        import json
        import sqlite3

        from .test_member_import import (
            BAD, BAD_LINES, GOOD, GOOD_NUMBERS, register_database)
        register_database(os.path.join(self.folder, 'db'), 'coop')

        def register():
            "The operations' numbers by line, and the members' status"
            path = os.path.join(self.folder, 'db', 'coop.sqlite')
            with sqlite3.connect(path) as connection:
                operations = connection.execute(
                    'SELECT number, description FROM coop_share_operation'
                    ).fetchall()
                members = connection.execute(
                    'SELECT number, status FROM coop_member').fetchall()
            connection.close()
            return ({int(d.rsplit(' ', 1)[1]): n for n, d in operations},
                dict(members))

        def run(text, *args):
            path = os.path.join(self.folder, 'register.csv')
            with open(path, 'w', encoding='utf-8') as file:
                file.write(text)
            return path, coop('import', 'members', path, '-d', 'coop',
                '-c', self.config, *args)

        # A bad file: every error at once, with its line; nothing written
        path, process = run(BAD)
        self.assertEqual(process.returncode, 1, process.stderr)
        lines = process.stderr.strip().splitlines()
        self.assertEqual(
            lines[-1], "coop: error: 9 errors: nothing was imported")
        for line, expected in BAD_LINES.items():
            self.assertTrue(any(l.startswith(f"{path}:{line}: ")
                    and expected in l for l in lines), (line, lines))
        self.assertEqual(register(), ({}, {}))
        path, process = run(BAD, '--json')
        self.assertEqual(process.returncode, 1)
        summary = json.loads(process.stdout)
        self.assertEqual(
            sorted({e['line'] for e in summary['errors']}), list(BAD_LINES))
        self.assertEqual(summary['members_created'], 0)

        # A dry run says what the import would do, and writes nothing
        path, process = run(GOOD, '--dry-run', '--json')
        self.assertEqual(process.returncode, 0, process.stderr)
        summary = json.loads(process.stdout)
        self.assertTrue(summary['dry_run'])
        self.assertEqual(
            (summary['rows'], summary['members_created'],
                summary['capital'], summary['numbers']),
            (6, 4, '200.00', ['1', '6']))
        self.assertEqual(register(), ({}, {}))

        # The import: numbered in date order, statuses from the register
        path, process = run(GOOD)
        self.assertEqual(process.returncode, 0, process.stderr)
        self.assertIn("6 rows replayed into Vélo Coop", process.stdout)
        self.assertIn("operations 1 to 6", process.stdout)
        self.assertIn("capital on 2022-03-31: 200.00", process.stdout)
        numbers, statuses = register()
        self.assertEqual(numbers, GOOD_NUMBERS)
        self.assertEqual(statuses, {
                '1': 'member', '2': 'former', '3': 'member', '4': 'member'})

        # A file older than the register: the register's refusal, its
        # line, and nothing of the file stays written
        path, process = run(
            "date,kind,member,name,category,share_class,shares\n"
            "2023-01-01,subscription,9,Zoé,EMP,A,1\n"
            "2021-12-31,increase,1,,,A,1\n")
        self.assertEqual(process.returncode, 1)
        first, last = process.stderr.strip().splitlines()
        self.assertIn(f"{path}:3: increase of 1 A by member 1 on "
            "2021-12-31: ", first)
        self.assertIn('the register already has "6"', first)
        self.assertEqual(
            last, "coop: error: 1 error: nothing was imported")
        self.assertEqual(register(), (numbers, statuses))
