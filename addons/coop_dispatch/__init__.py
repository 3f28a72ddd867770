# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The dispatch board: a page for the human dispatcher, with the day's
tasks on a map, the unassigned deliveries and one lane per rider, served at
/<database>/dispatch/ to back-office users logged in through Tryton's own
session (docs/dispatch.md)"""
from importlib.util import find_spec

from . import routes  # noqa: F401

# A rider's shifts in the portal, when coop_portal is installed beside
# (extras_depend): its pages answer only in a database where coop_portal
# and coop_dispatch are both activated (portal_pages.py)
if find_spec('coop_portal') is not None:
    from . import portal_pages  # noqa: F401
