# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"The demo's company and users, built in the suite's database"
import unittest

from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from coop_tools.testing import activate_suite

BACKENDS = {'sqlite'}


class DemoUsersTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_suite()

    @with_transaction()
    def test_french_coop_and_roles_at_home(self):
        """The demo coop writes in French; each role opens its work at
        login"""
        from coop_cli import demo
        pool = Pool()
        Party = pool.get('party.party')
        Employee = pool.get('company.employee')
        User = pool.get('res.user')
        ActWindow = pool.get('ir.action.act_window')
        company = demo._create_company()
        # A party's language is a value per company
        with Transaction().set_context(company=company.id):
            self.assertEqual(Party(company.party.id).lang.code, 'fr')
        awa, = Employee.create([{
                    'party': Party.create([{'name': "Awa Diallo"}])[0].id,
                    'company': company.id,
                    }])
        demo._create_users(company, [awa])
        for login, models in [
                ('dispatch', ['coop.delivery']),
                ('payroll', ['coop.payroll.batch']),
                ('members', ['coop.assembly', 'coop.share.subscription']),
                ('awa', []),
                ]:
            with self.subTest(login=login):
                user, = User.search([('login', '=', login)])
                windows = ActWindow.search([
                        ('action', 'in', [a.id for a in user.actions])])
                self.assertEqual(
                    sorted(w.res_model for w in windows), models)
