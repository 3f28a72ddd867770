# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Isolation of the coops of one database: every model of the suite with a
company has its company record rule; every sequence the settings name is
the coop's own"""
import datetime as dt
import unittest

from trytond.model import ModelStorage
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import set_company
from trytond.pool import Pool
from trytond.pyson import Eval, PYSONEncoder
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction, check_access
from trytond.tests.test_tryton import isregisteredby

from coop_tools.testing import SUITE_MODULES, activate_suite

from .test_settings import payroll_coop

APRIL = dt.date(2026, 4, 1)


# Tryton's own exceptions (CompanyTestMixin._skip_company_rule): a user's
# and an employee's company are read across companies
SKIP = {('res.user', 'company'), ('company.employee', 'company')}
# Records a company may have or share with every company (company empty)
SHARED = {'coop.einvoice.late_payment'}


def company_fields(model):
    "The Many2One fields of model that name a company"
    pool = Pool()
    Company = pool.get('company.company')
    return [name for name, field in model._fields.items()
        if field._type == 'many2one'
        and issubclass(field.get_target(), Company)
        and name not in {'create_uid', 'write_uid'}]


class IsolationTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_suite()

    @with_transaction()
    def test_company_rules(self):
        """Each model a module of the suite registers or extends with a
        company field has the global rule keeping it to the user's
        companies (Tryton's test_company_rule, for every model of the suite,
        not only the ModelViews of the modules that run it)"""
        pool = Pool()
        Rule = pool.get('ir.rule')
        missing = []
        for name, model in pool.iterobject():
            if (model.__access__
                    or not issubclass(model, ModelStorage)
                    or not any(isregisteredby(model, m)
                        for m in SUITE_MODULES)):
                continue
            for fname in company_fields(model):
                if (name, fname) in SKIP:
                    continue
                domain = [(fname, 'in', Eval('companies', []))]
                if name in SHARED:
                    domain = ['OR', *domain, (fname, '=', None)]
                rules = Rule.search([
                        ('rule_group.model', '=', name),
                        ('rule_group.global_p', '=', True),
                        ('rule_group.perm_read', '=', True),
                        ('domain', '=',
                            PYSONEncoder(sort_keys=True).encode(domain)),
                        ])
                if not rules:
                    missing.append(f'{name}.{fname}')
        self.assertEqual(missing, [])

    @with_transaction()
    def test_user_of_one_coop_sees_only_it(self):
        """A payroll user of one coop searches payslips, contracts, batches,
        entries and settings rows and finds only her coop's; naming the
        other coop's payslip or contract by id is refused"""
        pool = Pool()
        User = pool.get('res.user')
        Batch = pool.get('coop.payroll.batch')
        Payslip = pool.get('coop.payroll.payslip')
        ModelData = pool.get('ir.model.data')
        Group = pool.get('res.group')
        a, _, _ = payroll_coop("Roue Libre", 'RL-', 'payslip')
        b, _, _ = payroll_coop("Vélo Express", 'VE-', 'payslip')
        for company in [a, b]:
            with set_company(company):
                batch = Batch.run(company, APRIL)
                Batch.confirm([batch])
                Batch.post([batch])
        group = Group(ModelData.get_id('coop_payroll', 'group_payroll_admin'))
        user, = User.create([{
                    'name': "Payroll of Roue Libre", 'login': 'payroll_rl',
                    'companies': [('add', [a.id])], 'company': a.id,
                    'groups': [('add', [group.id])],
                    }])
        others = {model: pool.get(model).search([('company', '=', b.id)])
            for model in [
                'coop.payroll.payslip', 'coop.payroll.contract',
                'coop.payroll.batch', 'account.move',
                'coop.payroll.configuration.payroll']}
        self.assertTrue(all(others.values()))
        with Transaction().set_user(user.id), \
                Transaction().set_context(
                    company=a.id, companies=[a.id]), \
                check_access():
            for model in others:
                with self.subTest(model=model):
                    Model = pool.get(model)
                    found = Model.search([])
                    self.assertTrue(found)
                    self.assertEqual({r.company for r in found}, {a})
            for model in ['coop.payroll.payslip', 'coop.payroll.contract']:
                with self.subTest(model=model), \
                        self.assertRaises(AccessError):
                    pool.get(model).read(
                        [others[model][0].id], ['company'])
            # Reading the settings through the configuration: her coop's
            config = pool.get('coop.payroll.configuration')(1)
            self.assertEqual(config.payslip_sequence.company, a)
        self.assertEqual(
            {p.company for p in Payslip.search([])}, {a, b})

    @with_transaction()
    def test_context_naming_another_coop_refused(self):
        """A user of coop A whose context names coop B (over RPC the
        context is the client's) reads none of B's settings, creates no
        record of B from the context's defaults and runs no wizard for B:
        an access error each time; her own coop's context works"""
        pool = Pool()
        User = pool.get('res.user')
        Configuration = pool.get('coop.payroll.configuration')
        Bonus = pool.get('coop.payroll.bonus')
        ModelData = pool.get('ir.model.data')
        Group = pool.get('res.group')
        Provision = pool.get('coop.payroll.leave_provision', type='wizard')
        a, rider_a, journal_a = payroll_coop("Roue Libre", 'RL-', 'payslip')
        b, rider_b, journal_b = payroll_coop("Vélo Express", 'VE-', 'payslip')
        group = Group(ModelData.get_id('coop_payroll', 'group_payroll_admin'))
        user, = User.create([{
                    'name': "Payroll of Roue Libre", 'login': 'payroll_rl',
                    'companies': [('add', [a.id])], 'company': a.id,
                    'groups': [('add', [group.id])],
                    }])
        # Naming B in both the company and the companies of the context:
        # Tryton's record rules read the user's companies, not the latter
        with Transaction().set_user(user.id), \
                Transaction().set_context(
                    company=b.id, companies=[a.id, b.id]), \
                check_access():
            with self.subTest("a setting, read over RPC"), \
                    self.assertRaises(AccessError) as refused:
                Configuration.read([1], ['journal'])
            self.assertIn("Vélo Express", refused.exception.message)
            with self.subTest("a setting, read by code"), \
                    self.assertRaises(AccessError):
                Configuration(1).journal
            with self.subTest("a setting, written"), \
                    self.assertRaises(AccessError):
                Configuration.write([Configuration(1)], {
                        'journal': journal_a.id})
            # (the record rules refuse it: over RPC the call is rolled
            # back)
            with self.subTest("a record taking the context's company"), \
                    self.assertRaises(AccessError):
                Bonus.create([{
                            'employee': rider_b.id,
                            'month': APRIL, 'name': "Prime",
                            'amount': 100}])
            with self.subTest("a wizard's form, its defaults"), \
                    self.assertRaises(AccessError):
                session_id, _, _ = Provision.create()
                Provision.execute(session_id, {}, 'start')
        self.assertEqual(Configuration.of_company(b).journal, journal_b)
        # Her own coop in the context: her settings
        with Transaction().set_user(user.id), \
                Transaction().set_context(company=a.id), \
                check_access():
            config, = Configuration.read([1], ['journal'])
            self.assertEqual(config['journal'], journal_a.id)
            session_id, _, _ = Provision.create()
            Provision.execute(session_id, {}, 'start')

    @with_transaction()
    def test_user_of_two_coops(self):
        """A user of two coops sees the records of her current company
        (Tryton's company filter "Current", the default), of both with the
        filter "All"; she changes coop through her preferences, as the
        client does: naming the other coop in the context alone (company,
        companies) does not switch her record rules"""
        pool = Pool()
        User = pool.get('res.user')
        Batch = pool.get('coop.payroll.batch')
        Payslip = pool.get('coop.payroll.payslip')
        ModelData = pool.get('ir.model.data')
        Group = pool.get('res.group')
        a, _, _ = payroll_coop("Roue Libre", 'RL-', 'payslip')
        b, _, _ = payroll_coop("Vélo Express", 'VE-', 'payslip')
        payslips = {}
        for company in [a, b]:
            with set_company(company):
                batch = Batch.run(company, APRIL)
                payslips[company], = batch.payslips
        group = Group(ModelData.get_id('coop_payroll', 'group_payroll_admin'))
        user, = User.create([{
                    'name': "Payroll of both", 'login': 'payroll_both',
                    'companies': [('add', [a.id, b.id])], 'company': b.id,
                    'groups': [('add', [group.id])],
                    }])

        def readable():
            "The coops whose payslip she may read, as the client asks"
            context = User.get_preferences(context_only=True)
            found = set()
            with Transaction().set_context(context), check_access():
                self.assertEqual(
                    {p.company for p in Payslip.search([])},
                    {c for c in [a, b]
                        if c.id in User.get_companies()})
                for company, payslip in payslips.items():
                    try:
                        Payslip.read([payslip.id], ['number'])
                    except AccessError:
                        continue
                    found.add(company)
            return found

        with Transaction().set_user(user.id):
            # Current company B: B's records only
            self.assertEqual(readable(), {b})
            # The context alone naming A (and both coops' companies):
            # still B's rules, A's payslip refused
            with Transaction().set_context(
                        company=a.id, companies=[a.id, b.id]), \
                    check_access():
                with self.assertRaises(AccessError):
                    Payslip.read([payslips[a].id], ['number'])
                self.assertEqual(Payslip.search([]), [payslips[b]])
            # Switching back to A through her preferences (the client's
            # company switch): A's
            User.set_preferences({'company': a.id})
            self.assertEqual(readable(), {a})
            # The filter "All": both
            User.set_preferences({'company_filter': 'all'})
            self.assertEqual(readable(), {a, b})
