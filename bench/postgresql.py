# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"The benchmarks' own PostgreSQL database, made fresh and dropped after"
import os
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create(name):
    """Load the PostgreSQL configuration and create the database name with
    the suite (dropping a leftover one first)"""
    from coop_cli import database, settings
    os.environ.setdefault(
        'TRYTOND_DATABASE__URI', 'postgresql://postgres@127.0.0.1:5432/')
    # One process: no need for the cache listener postgresql.conf asks for
    os.environ['TRYTOND_CACHE__CLEAN_TIMEOUT'] = '300'
    settings.load(os.path.join(ROOT, 'config', 'postgresql.conf'))
    if database.exists(name):
        drop(name)
    start = time.monotonic()
    database.create(name, 'bench-password')
    print(f"database created in {time.monotonic() - start:.0f} s",
        flush=True)


def drop(name):
    "Drop the database; trytond's cache listener still holds a session"
    import psycopg
    from coop_cli import database
    with psycopg.connect(os.environ['TRYTOND_DATABASE__URI'] + 'postgres',
            autocommit=True) as connection:
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
    database.drop(name)
