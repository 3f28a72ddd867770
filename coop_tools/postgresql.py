# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The delete rules of a PostgreSQL table's foreign keys, read from the
catalog

Tryton's TableHandler reads them (for each foreign key it finds already
there, to see whether its ON DELETE changed) through the information
schema: key_column_usage joined with referential_constraints, views over
every constraint of the database that PostgreSQL cannot filter by table
before joining them. On a database of the suite's some 600 tables that is
about 170 ms a table, asked some 500 times when the modules are installed
or updated: 80 s of each installation. pg_constraint answers the same in
a millisecond. tests/test_postgresql_schema.py checks that both give the
same answer for every table of the suite.

Applied by the suite's core modules when trytond imports them (their
__init__), that is once the database's backend is known: importing
trytond.backend earlier would fix it before the configuration is read."""
import sys

# pg_constraint.confdeltype, as the information schema spells it
DELETE_RULES = {
    'a': 'NO ACTION', 'r': 'RESTRICT', 'c': 'CASCADE', 'n': 'SET NULL',
    'd': 'SET DEFAULT'}

FK_DELETE_RULES_QUERY = (
    'SELECT c.conname, a.attname, c.confdeltype '
    'FROM pg_constraint AS c '
    'JOIN pg_class AS t ON t.oid = c.conrelid '
    'JOIN pg_namespace AS n ON n.oid = t.relnamespace '
    'JOIN pg_attribute AS a '
    'ON a.attrelid = t.oid AND a.attnum = ANY(c.conkey) '
    "WHERE c.contype = 'f' AND t.relname = %s AND n.nspname = %s")


def fk_delete_rules(cursor, table_name, table_schema):
    "{(constraint, column): delete rule} of the table's foreign keys"
    cursor.execute(FK_DELETE_RULES_QUERY, (table_name, table_schema))
    return {(name, column): DELETE_RULES[rule]
        for name, column, rule in cursor}


def _fk_deltypes(self):
    # The attribute Tryton's own property caches in, which
    # TableHandler._update_definitions resets when constraints change
    if self._TableHandler__fk_deltypes is None:
        from trytond.transaction import Transaction
        self._TableHandler__fk_deltypes = fk_delete_rules(
            Transaction().connection.cursor(),
            self.table_name, self.table_schema)
    return self._TableHandler__fk_deltypes


def read_fk_delete_rules_from_catalog():
    "Make PostgreSQL's TableHandler read its delete rules from the catalog"
    backend = sys.modules.get('trytond.backend')
    if backend is not None and backend.name == 'postgresql':
        backend.TableHandler._fk_deltypes = property(_fk_deltypes)
