# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"The suite's Tryton modules: the three core ones and those under addons/"
import importlib.util

MODULES = [
    'coop_delivery', 'coop_payroll', 'coop_membership', 'coop_coopcycle',
    'coop_portal', 'coop_payroll_membership', 'coop_payroll_fr',
    'coop_einvoice', 'coop_dsn', 'coop_dispatch']
# What a coop's database runs (coop db create, the entrypoint, the demo) and
# the suite's tests run in: the modules and the French chart, which no
# module depends on (coop_delivery uses it when it is there)
DATABASE_MODULES = MODULES + ['account_fr']


def module_folder(name):
    "Where the module's files are (a core module or an addon)"
    return importlib.util.find_spec(name).submodule_search_locations[0]
