# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The WSGI application for production servers: gunicorn coop_cli.wsgi:app

Set COOP_CONFIG (or TRYTOND_CONFIG) to the configuration file and
TRYTOND_DATABASE_NAMES to the databases to load at start-up: trytond 8.0.12
refuses logins to a database its process has not loaded yet.
"""
import os

from . import settings

settings.load(default=os.environ.get('TRYTOND_CONFIG'))

from trytond.application import app  # noqa: E402

__all__ = ['app']
