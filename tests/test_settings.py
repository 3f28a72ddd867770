# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Each coop's own settings (coop_tools/settings.py, docs/settings.md)

Two coops in one database, each with its own payroll journal, accounts and
sequence and its own delivery product: payroll posts and invoicing sells
each coop's with its own, whatever the company of the context; a setting
missing for one coop names that coop; a setting naming another coop's
record is refused; the single values of a database from before the
settings were per coop are copied into each coop's row."""
import datetime as dt
import unittest
from decimal import Decimal

from sql import Column, Table

from trytond import backend
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from coop_delivery.tests.tools import (
    ORDERED, create_done_deliveries, create_rule_set, create_store,
    setup_invoicing)
from coop_payroll.configuration import ConfigurationError
from coop_payroll.tests.tools import (
    create_rider, record_hours, setup_payroll, setup_payroll_accounts,
    undone, week_of)
from coop_tools.testing import activate_suite

APRIL = dt.date(2026, 4, 1)


def create_coop(name):
    "A company named name"
    return create_company(name)


def payroll_coop(name, prefix, posting):
    """A coop with its payroll settings, a rider with a week's hours in
    April and a journal of its own; return (company, rider, journal)"""
    pool = Pool()
    Configuration = pool.get('coop.payroll.configuration')
    Journal = pool.get('account.journal')
    company = create_coop(name)
    with set_company(company):
        config = setup_payroll(company)
        config.payslip_sequence.prefix = prefix
        config.payslip_sequence.save()
        setup_payroll_accounts(company, posting=posting)
        journal, = Journal.copy(
            Journal.search([('code', '=', 'CASH')]),
            default={'name': f"Payroll {name}", 'code': prefix})
        Configuration.write([Configuration(1)], {'journal': journal.id})
        rider = create_rider(company, f"Rider {name}",
            dt.date(2026, 1, 1), '12.02')
        record_hours(company, rider, week_of(
                dt.date(2026, 4, 13), 7, 7, 7, 7, 7))
    return company, rider, journal


class CoopSettingsTestCase(unittest.TestCase):
    "Two coops, one database: each works with its own settings"

    @classmethod
    def setUpClass(cls):
        activate_suite()

    @with_transaction()
    def test_payroll_posts_each_coop_with_its_own(self):
        """Payslips of two coops confirmed and posted in one call (the
        context's company is the first coop's): each numbered in its coop's
        sequence, posted in its coop's journal on its coop's accounts"""
        pool = Pool()
        Batch = pool.get('coop.payroll.batch')
        Payslip = pool.get('coop.payroll.payslip')
        a, rider_a, journal_a = payroll_coop("Roue Libre", 'RL-', 'batch')
        b, rider_b, journal_b = payroll_coop(
            "Vélo Express", 'VE-', 'payslip')
        self.assertNotEqual(journal_a, journal_b)
        with set_company(a):
            payslips = []
            for company in [a, b]:
                payslips.extend(Batch.run(company, APRIL).payslips)
            self.assertEqual(len(payslips), 2)
            Payslip.confirm(payslips)
            Payslip.post(payslips)
            for payslip in Payslip.browse(payslips):
                company = payslip.company
                with self.subTest(company=company.rec_name):
                    # Each coop's sequence starts at 1: RL-1 and VE-1
                    prefix = 'RL-' if company == a else 'VE-'
                    self.assertEqual(payslip.number, f'{prefix}1')
                    move = payslip.move
                    self.assertEqual(move.company, company)
                    self.assertEqual(
                        move.journal, journal_a if company == a else journal_b)
                    # A's posts by batch, B's by payslip
                    self.assertEqual(move.origin,
                        payslip.batch if company == a else payslip)
                    self.assertEqual(
                        {l.account.company for l in move.lines}, {company})
                    gross, = [l.debit for l in move.lines
                        if l.account.code == '6411']
                    self.assertEqual(gross, payslip.gross)
                    # 35 h a week: 35 x 52 / 12 = 151.666... h a month,
                    # x 12.02 = 1823.0333..., 1823.03
                    self.assertEqual(payslip.gross, Decimal('1823.03'))

    @with_transaction()
    def test_invoicing_sells_each_coop_its_product(self):
        """Each coop's stores are invoiced with its own delivery product,
        on its own chart, even as the other coop is the user's company"""
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        Configuration = pool.get('coop.delivery.configuration')
        stores, products = {}, {}
        companies = [create_coop("Roue Libre"), create_coop("Vélo Express")]
        for company in companies:
            with set_company(company):
                products[company] = setup_invoicing(company)
                stores[company] = create_store(
                    create_rule_set(), name=f"Store of {company.rec_name}")
                create_done_deliveries(
                    stores[company], [Decimal('5.00'), Decimal('7.50')])
        self.assertNotEqual(*products.values())
        a, b = companies
        for company in companies:
            self.assertEqual(
                Configuration.of_company(company).invoice_product,
                products[company])
        # B invoiced while A is the user's company
        with set_company(a):
            for company in [b, a]:
                invoice, = Delivery.invoice_period(company,
                    ORDERED.date().replace(day=1), ORDERED.date(),
                    dt.date(2026, 3, 31))
                with self.subTest(company=company.rec_name):
                    self.assertEqual(invoice.company, company)
                    self.assertEqual(invoice.party, stores[company])
                    self.assertEqual(
                        {l.product for l in invoice.lines},
                        {products[company]})
                    self.assertEqual(
                        {l.account.company for l in invoice.lines},
                        {company})
                    # 5.00 + 7.50
                    self.assertEqual(invoice.untaxed_amount, Decimal('12.50'))

    @with_transaction()
    def test_missing_setting_names_the_coop(self):
        "A coop without a journal is told so by name; the other is not"
        pool = Pool()
        Configuration = pool.get('coop.payroll.configuration')
        Journal = pool.get('account.journal')
        a, b = create_coop("Roue Libre"), create_coop("Vélo Express")
        journal, = Journal.search([('code', '=', 'CASH')])
        with set_company(a):
            Configuration.write([Configuration(1)], {'journal': journal.id})
        self.assertEqual(
            Configuration.of_company(a).get_required('journal'), journal)
        with self.assertRaises(ConfigurationError) as cm:
            Configuration.of_company(b).get_required('journal')
        self.assertEqual(cm.exception.message,
            'Set "Journal" in the payroll configuration of Vélo Express.')
        with self.assertRaises(ConfigurationError) as cm:
            Configuration.of_company(None).get_required('journal')
        self.assertEqual(cm.exception.message,
            "The payroll configuration is each coop's own: choose a "
            'company to read "Journal".')

    @with_transaction()
    def test_setting_of_another_coop_refused(self):
        "A coop's setting cannot name an account of another coop"
        pool = Pool()
        Configuration = pool.get('coop.payroll.configuration')
        a, b = create_coop("Roue Libre"), create_coop("Vélo Express")
        for company in [a, b]:
            with set_company(company):
                setup_payroll_accounts(company)
        wages_b = Configuration.of_company(b).wage_expense_account
        self.assertEqual(wages_b.company, b)
        with set_company(a), undone():
            with self.assertRaises(ConfigurationError) as cm:
                Configuration.write([Configuration(1)], {
                        'wage_expense_account': wages_b.id})
        self.assertEqual(cm.exception.message,
            'The setting "Wages" of Roue Libre cannot name '
            f'"{wages_b.rec_name}", which belongs to Vélo Express.')
        self.assertNotEqual(
            Configuration.of_company(a).wage_expense_account, wages_b)

    @with_transaction()
    def test_single_values_migrated_to_each_coop(self):
        """A database from before: the configuration's table holds the
        single values as columns and there is no value table; registering
        the value model copies them into the row of every coop"""
        pool = Pool()
        Configuration = pool.get('coop.payroll.configuration')
        Value = pool.get('coop.payroll.configuration.payroll')
        Journal = pool.get('account.journal')
        cursor = Transaction().connection.cursor()
        a, b = create_coop("Roue Libre"), create_coop("Vélo Express")
        journal, = Journal.search([('code', '=', 'CASH')])
        # The old columns, with their single values
        config_h = backend.TableHandler(Configuration)
        config_h.add_column('posting', 'VARCHAR')
        config_h.add_column('journal', 'INTEGER')
        config = Table(Configuration._table)
        cursor.execute(*config.select(config.id))
        if not cursor.fetchone():
            cursor.execute(*config.insert([config.id], [[1]]))
        cursor.execute(*config.update(
                [Column(config, 'posting'), Column(config, 'journal')],
                ['batch', journal.id]))
        cursor.execute('DROP TABLE "%s"' % Value._table)
        Value.__register__('coop_payroll')
        Value._values_cache().clear()
        for company in [a, b]:
            with self.subTest(company=company.rec_name):
                config = Configuration.of_company(company)
                self.assertEqual(
                    (config.posting, config.journal), ('batch', journal))
                # A setting that had no column gets its default
                self.assertIsNone(config.payslip_sequence)
        value = Value.__table__()
        cursor.execute(*value.select(value.company))
        self.assertEqual(sorted(c for c, in cursor), sorted([a.id, b.id]))

    @with_transaction()
    def test_shared_sequence_refused(self):
        """A coop numbers its payslips in a sequence of its own: one shared
        by every coop (no company) is refused, its own is taken"""
        pool = Pool()
        Configuration = pool.get('coop.payroll.configuration')
        Sequence = pool.get('ir.sequence.strict')
        ModelData = pool.get('ir.model.data')
        a = create_coop("Roue Libre")
        sequence_type = ModelData.get_id(
            'coop_payroll', 'sequence_type_payslip')
        shared, own = Sequence.create([
                {'name': "Shared", 'sequence_type': sequence_type,
                    'company': None},
                {'name': "Own", 'sequence_type': sequence_type,
                    'company': a.id},
                ])
        with set_company(a):
            with undone(), self.assertRaises(ConfigurationError) as cm:
                Configuration.write([Configuration(1)], {
                        'payslip_sequence': shared.id})
            self.assertEqual(cm.exception.message,
                'The setting "Payslip Sequence" of Roue Libre cannot name '
                'the sequence "Shared", which every coop shares: choose a '
                'sequence of Roue Libre.')
            Configuration.write([Configuration(1)], {
                    'payslip_sequence': own.id})
        self.assertEqual(
            Configuration.of_company(a).payslip_sequence, own)
