# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"CoopCycle interoperability: its exports, its API and its webhooks"
from . import routes

__all__ = ['routes']
