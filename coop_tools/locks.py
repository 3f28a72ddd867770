# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The tables the suite's code locks as it works, taken all at once

A singleton created on first use, the journal's period on its first entry,
the deliveries being invoiced: Tryton restarts a transaction from its start
for each table lock asked for midway, so whatever does much in one
transaction (a test's set-up, the demo's build) asks for them first.
"""
from trytond.transaction import Transaction, TransactionError

LOCKED_TABLES = [
    'account_configuration', 'account_journal_period', 'coop_delivery',
    'coop_delivery_configuration', 'coop_membership_configuration',
    'coop_payroll_configuration']




def lockable_tables(database_name=None):
    """The LOCKED_TABLES of the database's models: a database of some of
    the suite's modules has not all of them (PostgreSQL refuses to lock a
    table that is not there, SQLite locks nothing)"""
    from trytond.pool import Pool
    pool = Pool(database_name) if database_name else Pool()
    tables = {getattr(model, '_table', None)
        for _, model in pool.iterobject()}
    return [t for t in LOCKED_TABLES if t in tables]


class _LockTables(TransactionError):
    def __init__(self, tables):
        super().__init__(tables)
        self.tables = tables

    def fix(self, extras):
        locked = extras.setdefault('_lock_tables', [])
        locked.extend(t for t in self.tables if t not in locked)


def lock_tables():
    "Restart the transaction once, holding every lockable_tables()"
    tables = lockable_tables()
    if not set(tables) <= Transaction()._locked_tables:
        raise _LockTables(tables)
