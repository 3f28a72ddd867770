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
                ['db', 'upgrade'], ['invoice']]:
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
