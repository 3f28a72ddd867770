# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Load the trytond configuration before anything else of trytond is imported.

trytond reads its environment variables before its configuration file, so a
file would silently win over ``TRYTOND_<SECTION>__<OPTION>``; the suite applies
them again afterwards so that the environment always has the last word.
"""
import os
import urllib.parse

from .errors import CoopError

CONFIG_ENV = 'COOP_CONFIG'
SUPPORTED_SCHEMES = {'sqlite', 'postgresql'}
_loaded = None


def load(path=None, default=None):
    "Load the configuration file and return its path"
    global _loaded
    path = path or os.environ.get(CONFIG_ENV) or default
    if not path:
        raise CoopError(
            "no configuration given: pass --config FILE "
            f"or set {CONFIG_ENV}")
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        raise CoopError(
            f"configuration file not found: {path} "
            f"(pass --config FILE or set {CONFIG_ENV})")
    if _loaded == path:
        return path
    os.environ['TRYTOND_CONFIG'] = path
    from trytond import config
    config.update_etc(path)
    config._config.update_environ()
    config._cache_clear()
    _resolve_paths(config, os.path.dirname(path))
    _check_database_uri(config.get('database', 'uri'))
    if database_scheme() == 'sqlite':
        folder = config.get('database', 'path')
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as exception:
            raise CoopError(
                f"cannot create the SQLite folder {folder}: "
                f"{exception.strerror} (set [database] path)")
    _loaded = path
    return path


# Relative paths of the file are relative to the file, those of the
# environment to the current folder
_PATHS = [('database', 'path'), ('web', 'root')]


def _resolve_paths(config, folder):
    for section, option in _PATHS:
        value = config.get(section, option)
        if not value or os.path.isabs(value):
            continue
        if f'TRYTOND_{section.upper()}__{option.upper()}' in os.environ:
            base = os.getcwd()
        else:
            base = folder
        config.set(section, option, os.path.normpath(
                os.path.join(base, os.path.expanduser(value))))


def _check_database_uri(uri):
    scheme = urllib.parse.urlparse(uri or '').scheme
    if scheme not in SUPPORTED_SCHEMES:
        raise CoopError(
            f"unsupported database URI {uri!r}: use sqlite:// or "
            "postgresql://user@host:port/ in [database] uri "
            "or TRYTOND_DATABASE__URI")
    if scheme == 'postgresql':
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise CoopError(
                "PostgreSQL needs psycopg 3: "
                "pip install 'coop-erp[postgresql]'")


def database_scheme():
    from trytond import config
    return urllib.parse.urlparse(config.get('database', 'uri')).scheme


def describe_database():
    "Where the databases live, for messages"
    from trytond import config
    if database_scheme() == 'sqlite':
        return f"SQLite in {config.get('database', 'path')}"
    uri = urllib.parse.urlparse(config.get('database', 'uri'))
    return f"PostgreSQL at {uri.hostname or 'localhost'}:{uri.port or 5432}"
