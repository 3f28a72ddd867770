# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""What the suite's tests share: one database holding every module

Each set of activated modules is a database that Tryton's DB_CACHE installs
once per backend; installing the accounting stack is most of a test run's
time, so every test, unit or scenario, runs in the database of the whole
suite (as a coop's database is). The names are sorted because proteus's
activate_modules names its cache from the sorted list, and Tryton's
activate_module from the list as given.
"""
from trytond.tests.test_tryton import _DBTestCase, activate_module, drop_db

SUITE_MODULES = ['coop_delivery', 'coop_membership', 'coop_payroll']


def activate_suite():
    "Activate the suite's modules in the test database (or restore them)"
    activate_module(SUITE_MODULES)


class SuiteDatabase:
    "Mixin for a ModuleTestCase: its database holds the whole suite"
    __slots__ = ()

    @classmethod
    def setUpClass(cls):
        # _DBTestCase.setUpClass would activate the tested module alone
        super(_DBTestCase, cls).setUpClass()
        drop_db()
        activate_suite()
