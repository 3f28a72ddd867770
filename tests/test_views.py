# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Every list column of the suite is one the web client can draw

sao builds list columns from a fixed table of widgets per field type; a
datetime has none and must be shown as a date and a time. ModuleTestCase
does not check this: a view it accepts broke the delivery form in sao."""
import unittest

from lxml import etree

from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from coop_tools.testing import SUITE_MODULES, activate_suite


BACKENDS = {'sqlite'}
# sao 8.0's Sao.View.TreeXMLViewParser.WIDGETS
SAO_LIST_WIDGETS = {
    'binary', 'boolean', 'callto', 'char', 'date', 'dict', 'email', 'float',
    'image', 'integer', 'many2many', 'many2one', 'numeric', 'one2many',
    'one2one', 'progressbar', 'reference', 'selection', 'multiselection',
    'sip', 'text', 'time', 'timedelta', 'url',
    }


class ListViewsTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_suite()

    @with_transaction()
    def test_list_columns_have_sao_widgets(self):
        pool = Pool()
        View = pool.get('ir.ui.view')
        views = View.search([
                ('module', 'in', SUITE_MODULES),
                ('type', '=', 'tree'),
                ])
        self.assertTrue(views)
        problems = []
        for view in views:
            Model = pool.get(view.model)
            tree = etree.fromstring(view.arch)
            for field in tree.iter('field'):
                widget = field.get('widget') or (
                    Model._fields[field.get('name')]._type)
                if widget not in SAO_LIST_WIDGETS:
                    problems.append(
                        f"{view.module}/{view.name}: {field.get('name')} "
                        f"({widget})")
        self.assertEqual(problems, [])

    @with_transaction()
    def test_years_and_numbers_without_grouping(self):
        """A year, a number or an outside id is shown as 2026, not 2,026:
        sao groups an integer's thousands unless the view says grouping=0"""
        pool = Pool()
        View = pool.get('ir.ui.view')
        views = View.search([
                ('module', 'in', SUITE_MODULES),
                ('type', 'in', ['tree', 'form']),
                ])
        problems = []
        for view in views:
            Model = pool.get(view.model)
            tree = etree.fromstring(view.arch)
            for node in tree.iter('field'):
                field = Model._fields.get(node.get('name'))
                if (field is None or field._type != 'integer'
                        or node.get('widget')):
                    continue
                if ((field.string in {"Year", "Number"}
                            or node.get('name').endswith('_id'))
                        and node.get('grouping') != '0'):
                    problems.append(
                        f"{view.module}/{view.name}: {node.get('name')}")
        self.assertEqual(problems, [])
