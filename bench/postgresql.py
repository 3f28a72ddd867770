# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"The benchmarks' own PostgreSQL database, made fresh and dropped after"
import os
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def configure():
    "Load the PostgreSQL configuration of the suite, for one process"
    from coop_cli import settings
    os.environ.setdefault(
        'TRYTOND_DATABASE__URI', 'postgresql://postgres@127.0.0.1:5432/')
    # One process: no need for the cache listener postgresql.conf asks for
    os.environ['TRYTOND_CACHE__CLEAN_TIMEOUT'] = '300'
    settings.load(os.path.join(ROOT, 'config', 'postgresql.conf'))


def create(name):
    """Load the PostgreSQL configuration and create the database name with
    the suite (dropping a leftover one first)"""
    from coop_cli import database
    configure()
    if database.exists(name):
        drop(name)
    start = time.monotonic()
    database.create(name, 'bench-password')
    print(f"database created in {time.monotonic() - start:.0f} s",
        flush=True)


def _server():
    import psycopg
    return psycopg.connect(os.environ['TRYTOND_DATABASE__URI'] + 'postgres',
        autocommit=True)


def _disconnect(connection, name):
    "Close this process's pool and end the other sessions on name"
    from trytond import backend
    if name in backend.Database._databases[os.getpid()]:
        backend.Database(name).close()
    connection.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))


def copy(source, target):
    """Create target as a copy of source (PostgreSQL's CREATE DATABASE
    ... TEMPLATE: seconds where the set-up takes minutes), replacing it"""
    from psycopg import sql
    with _server() as connection:
        _disconnect(connection, source)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(
                sql.Identifier(target)))
        connection.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(target), sql.Identifier(source)))


def drop(name):
    "Drop the database; trytond's cache listener still holds a session"
    from coop_cli import database
    with _server() as connection:
        _disconnect(connection, name)
    database.drop(name)
