# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"A wheel of the suite, installed in a fresh virtualenv, runs a new coop"
import glob
import json
import os
import subprocess
import sys
import tempfile
import unittest

from .support import ROOT, clean_environ, coop, write_config

BACKENDS = {'sqlite'}


class WheelTestCase(unittest.TestCase):

    def test_wheel_activates_the_modules(self):
        "pip wheel . installs in a new virtualenv and creates a database"
        with tempfile.TemporaryDirectory() as folder:
            subprocess.run(
                [sys.executable, '-m', 'pip', 'wheel', '--quiet',
                    '--no-deps', '--wheel-dir', folder, ROOT],
                check=True, capture_output=True, cwd=folder)
            wheel, = glob.glob(os.path.join(folder, 'coop_erp-*.whl'))

            venv = os.path.join(folder, 'venv')
            subprocess.run([sys.executable, '-m', 'venv', venv], check=True)
            python = os.path.join(venv, 'bin', 'python')
            # Dependencies come from the package index, as for any user
            subprocess.run(
                [python, '-m', 'pip', 'install', '--quiet',
                    '--disable-pip-version-check', wheel],
                check=True, capture_output=True, cwd=folder)

            # The modules are the wheel's, not this checkout's
            located = subprocess.run(
                [python, '-c', 'import coop_delivery, coop_payroll, '
                    'coop_membership, coop_cli; print(coop_payroll.__file__)'],
                check=True, capture_output=True, text=True, cwd=folder)
            self.assertTrue(
                located.stdout.strip().startswith(venv), located.stdout)

            config = write_config(folder,
                "[database]\nuri = sqlite://\npath = db\n")
            env = clean_environ(COOP_ADMIN_PASSWORD='wheel-admin')
            env['PATH'] = os.path.join(venv, 'bin') + os.pathsep + env['PATH']
            process = coop('db', 'create', 'wheel', '-c', config, '--json',
                env=env, cwd=folder,
                coop_bin=os.path.join(venv, 'bin', 'coop'))
            self.assertEqual(process.returncode, 0, process.stderr)
            summary = json.loads(process.stdout)
            self.assertEqual(summary['action'], 'created')
            for module in ['coop_delivery', 'coop_payroll',
                    'coop_membership', 'account_fr', 'sale', 'timesheet']:
                self.assertIn(module, summary['modules'])
