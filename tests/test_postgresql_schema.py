# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""coop_tools.postgresql: the foreign keys' delete rules read from the
catalog are those Tryton reads from the information schema, for every
table of the suite's database"""
import unittest

from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from coop_tools import postgresql
from coop_tools.postgresql import fk_delete_rules
from coop_tools.testing import activate_suite

BACKENDS = {'postgresql'}

# Tryton's own query (trytond/backend/postgresql/table.py, 8.0)
INFORMATION_SCHEMA_QUERY = (
    'SELECT k.constraint_name, k.column_name, r.delete_rule '
    'FROM information_schema.key_column_usage AS k '
    'JOIN information_schema.referential_constraints AS r '
    'ON r.constraint_schema = k.constraint_schema '
    'AND r.constraint_name = k.constraint_name '
    'WHERE k.table_schema = %s')


class PostgreSQLSchemaTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_suite()

    def test_applied(self):
        "Once the suite's modules are loaded, Tryton's handler reads them so"
        from trytond import backend
        self.assertIs(
            backend.TableHandler._fk_deltypes.fget, postgresql._fk_deltypes)

    @with_transaction()
    def test_fk_delete_rules_as_information_schema(self):
        "Every table's foreign keys and delete rules, both ways the same"
        cursor = Transaction().connection.cursor()
        cursor.execute('SELECT current_schema()')
        schema, = cursor.fetchone()
        # The information schema once for the whole schema (the per-table
        # query is what is slow), split by table
        cursor.execute(INFORMATION_SCHEMA_QUERY.replace(
                'SELECT k.constraint_name',
                'SELECT k.table_name, k.constraint_name'), (schema,))
        expected = {}
        for table, name, column, rule in cursor.fetchall():
            expected.setdefault(table, {})[(name, column)] = rule
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s",
            (schema,))
        tables = [t for t, in cursor.fetchall()]
        # The suite's database has foreign keys of every rule Tryton uses
        rules = {r for t in expected.values() for r in t.values()}
        self.assertTrue({'CASCADE', 'SET NULL', 'RESTRICT'} <= rules, rules)
        self.assertGreater(len(tables), 300)
        for table in tables:
            with self.subTest(table=table):
                self.assertEqual(
                    fk_delete_rules(cursor, table, schema),
                    expected.get(table, {}))
