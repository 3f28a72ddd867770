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


class _LockTables(TransactionError):
    def fix(self, extras):
        tables = extras.setdefault('_lock_tables', [])
        tables.extend(t for t in LOCKED_TABLES if t not in tables)


def lock_tables():
    "Restart the transaction once, holding every LOCKED_TABLES"
    if not set(LOCKED_TABLES) <= Transaction()._locked_tables:
        raise _LockTables()
