# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"A wheel of the suite, installed in a fresh virtualenv, runs a new coop"
import glob
import json
import os
import subprocess
import sys
import tempfile
import unittest

from coop_tools.suite import MODULES, module_folder

from .support import ROOT, clean_environ

BACKENDS = {'sqlite'}
# Folders in the checkout; the addons' install as top-level packages
PACKAGES = ['coop_cli', 'coop_tools'] + [
    os.path.relpath(module_folder(m), ROOT) for m in MODULES]
SHIPPED_SUFFIXES = ('.py', '.cfg', '.xml', '.po', '.rst')
REGISTER = """\
import json
from trytond.modules import get_modules
from trytond.pool import Pool
Pool.start()
print(json.dumps(sorted(m for m in get_modules() if m.startswith('coop_'))))
"""


class WheelTestCase(unittest.TestCase):

    def test_wheel_ships_the_modules(self):
        "pip wheel . installs in a new virtualenv with every module file"
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

            # Every file the modules load (Python, tryton.cfg, XML, views,
            # translations, scenarios) is in the wheel: a database made from
            # it would find them (the demo and entrypoint tests make
            # databases from the checkout)
            site = subprocess.run(
                [python, '-c', 'import sysconfig; '
                    'print(sysconfig.get_paths()["purelib"])'],
                check=True, capture_output=True, text=True).stdout.strip()
            tracked = subprocess.run(
                ['git', 'ls-files', *PACKAGES], check=True,
                capture_output=True, text=True, cwd=ROOT).stdout.split()
            shipped = [path for path in tracked
                if path.endswith(SHIPPED_SUFFIXES)]
            self.assertTrue(shipped)
            missing = [path for path in shipped
                if not os.path.exists(os.path.join(
                        site, path.removeprefix('addons/')))]
            self.assertEqual(missing, [])

            # trytond finds the modules by their entry points and registers
            # every class their tryton.cfg names
            registered = subprocess.run([python, '-c', REGISTER],
                check=True, capture_output=True, text=True, cwd=folder,
                env=clean_environ())
            modules = json.loads(registered.stdout)
            for module in MODULES:
                self.assertIn(module, modules)
