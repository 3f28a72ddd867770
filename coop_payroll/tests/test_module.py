# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
import datetime as dt
from decimal import Decimal

from trytond.model.exceptions import (
    AccessError, DomainValidationError, RequiredValidationError)
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, create_employee, set_company)
from coop_payroll.contract import ContractValidationError
from coop_payroll.parameter import ParameterError
from coop_payroll.rule import RuleError
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from coop_tools.testing import SuiteDatabase


class CoopPayrollTestCase(SuiteDatabase, CompanyTestMixin, ModuleTestCase):
    "Test the coop_payroll module"
    module = 'coop_payroll'
    # Its contracts and payslips are checked against French legal amounts
    extras = ['coop_payroll_fr']

    def _contract(self, employee, start, end=None, **values):
        Contract = Pool().get('coop.payroll.contract')
        values.update({
                'employee': employee.id,
                'start_date': start,
                'end_date': end,
                'hourly_wage': Decimal('12.02'),
                })
        if end:
            values.setdefault('kind', 'fixed_term')
        contract, = Contract.create([values])
        return contract

    @with_transaction()
    def test_contracts_in_a_row(self):
        "An employee may hold several contracts one after the other"
        company = create_company()
        with set_company(company):
            rider = create_employee(company, "Awa Diallo")
            first = self._contract(
                rider, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
            second = self._contract(rider, dt.date(2026, 4, 1))
            self.assertEqual(first.kind, 'fixed_term')
            self.assertEqual(second.kind, 'open_ended')
            self.assertEqual(second.weekly_hours, Decimal(35))
            self.assertEqual(second.currency, company.currency)

    @with_transaction()
    def test_overlap_refused(self):
        "Overlapping contracts of one employee are refused"
        company = create_company()
        with set_company(company):
            rider = create_employee(company, "Awa Diallo")
            other = create_employee(company, "Léo Martin")
            self._contract(rider, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
            # Another employee on the same dates is fine
            self._contract(other, dt.date(2026, 1, 1))
            for start, end in [
                    (dt.date(2026, 3, 31), None),
                    (dt.date(2025, 12, 1), dt.date(2026, 1, 1)),
                    (dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
                    (dt.date(2025, 6, 1), None),
                    ]:
                with self.subTest(start=start, end=end):
                    with self.assertRaises(ContractValidationError) as cm:
                        self._contract(rider, start, end)
                    self.assertIn("overlaps", cm.exception.message)

    @with_transaction()
    def test_bad_values_refused(self):
        "Fixed-term without end, end before start, zero wage are refused"
        company = create_company()
        with set_company(company):
            rider = create_employee(company)
            with self.assertRaises(RequiredValidationError):
                self._contract(rider, dt.date(2026, 1, 1), kind='fixed_term')
            with self.assertRaises(DomainValidationError):
                self._contract(
                    rider, dt.date(2026, 2, 1), dt.date(2026, 1, 1))
            with self.assertRaises(DomainValidationError):
                self._contract(
                    rider, dt.date(2026, 1, 1), weekly_hours=Decimal(0))

    @with_transaction()
    def test_employee_sees_only_own_contracts(self):
        "A user who is not payroll administrator reads only their contracts"
        pool = Pool()
        User = pool.get('res.user')
        Contract = pool.get('coop.payroll.contract')
        company = create_company()
        with set_company(company):
            rider = create_employee(company, "Awa Diallo")
            other = create_employee(company, "Léo Martin")
            own = self._contract(rider, dt.date(2026, 1, 1))
            self._contract(other, dt.date(2026, 1, 1))
            user, = User.create([{
                        'name': "Awa", 'login': 'awa',
                        'companies': [('add', [company.id])],
                        'company': company.id,
                        'employees': [('add', [rider.id])],
                        'employee': rider.id,
                        }])
        with Transaction().set_user(user.id), \
                Transaction().set_context(_check_access=True), \
                Transaction().set_context(
                    User.get_preferences(context_only=True)):
            self.assertEqual(Contract.search([]), [own])
            with self.assertRaises(AccessError):
                Contract.write([Contract(own.id)], {
                        'hourly_wage': Decimal(20)})

    @with_transaction()
    def test_parameters_and_rules_checked(self):
        "Parameters are dated without overlap; rule bases are checked"
        pool = Pool()
        Parameter = pool.get('coop.payroll.parameter')
        Rule = pool.get('coop.payroll.rule')
        ModelData = pool.get('ir.model.data')
        self.assertEqual(
            Parameter.value_at('SMIC_HOURLY', dt.date(2025, 6, 1)),
            Decimal('11.88'))
        self.assertEqual(
            Parameter.value_at('PMSS', dt.date(2026, 6, 1)), Decimal(4005))
        with self.assertRaises(ParameterError) as cm:
            Parameter.value_at('CSG_DED', dt.date(2025, 6, 1))
        self.assertIn("CSG_DED", cm.exception.message)
        with self.assertRaises(ParameterError):
            Parameter.create([{
                        'code': 'SMIC_HOURLY', 'name': "SMIC",
                        'value': Decimal('12.50'),
                        'start_date': dt.date(2026, 7, 1)}])
        structure = ModelData.get_id('coop_payroll_fr', 'structure_fr')
        for base, expected in [
                ('gross * csg_bse / 100', "csg_bse"),
                ('__import__("os")', "__import__"),
                ('gross.real', "Attribute"),
                ('gross *', "not an expression"),
                ]:
            with self.subTest(base=base):
                with self.assertRaises(RuleError) as cm:
                    Rule.create([{
                                'structure': structure, 'code': 'X',
                                'name': "X", 'base': base,
                                'employee_rate': 'CRDS'}])
                self.assertIn(expected, cm.exception.message)
        with self.assertRaises(RuleError) as cm:
            Rule.create([{
                        'structure': structure, 'code': 'X', 'name': "X",
                        'base': 'gross', 'employee_rate': 'NOPE'}])
        self.assertIn("NOPE", cm.exception.message)


del ModuleTestCase
