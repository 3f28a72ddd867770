# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The dispatch board: a page for the human dispatcher, with the day's
tasks on a map, the unassigned deliveries and one lane per rider, served at
/<database>/dispatch/ to back-office users logged in through Tryton's own
session (docs/dispatch.md)"""
from . import routes  # noqa: F401
from . import portal_pages  # noqa: F401 (a rider's shifts in the portal)
