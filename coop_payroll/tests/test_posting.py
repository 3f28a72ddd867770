# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
import datetime as dt
import unittest
from collections import defaultdict
from decimal import Decimal

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from coop_tools.testing import activate_suite
from trytond.transaction import Transaction

from coop_payroll.payslip import PayslipError

from .tools import (
    create_rider, record_hours, setup_payroll, setup_payroll_accounts,
    week_of)

APRIL = dt.date(2026, 4, 1)


def balances(moves):
    "Debit minus credit per account code and party"
    result = defaultdict(Decimal)
    for move in moves:
        for line in move.lines:
            result[line.account.code, line.party] += line.debit - line.credit
    return result


class PayrollPostingTestCase(unittest.TestCase):
    "Run a month's payroll, post it, correct a payslip, read one's own"

    @classmethod
    def setUpClass(cls):
        activate_suite('coop_payroll', extras=['coop_payroll_fr'])

    @with_transaction()
    def test_batch_post_correct_and_access(self):
        pool = Pool()
        Batch = pool.get('coop.payroll.batch')
        Payslip = pool.get('coop.payroll.payslip')
        Configuration = pool.get('coop.payroll.configuration')
        User = pool.get('res.user')
        company = create_company()
        with set_company(company):
            setup_payroll(company)
            setup_payroll_accounts(company, posting='batch')
            awa = create_rider(company, "Awa", dt.date(2026, 1, 1), '12.02')
            leo = create_rider(
                company, "Léo", dt.date(2026, 1, 1), '12.50',
                weekly_hours=24, mobility_allowance=Decimal(20))
            # Leaves before April: no payslip
            create_rider(
                company, "Tom", dt.date(2026, 1, 1), '12.02',
                end_date=dt.date(2026, 3, 31), kind='fixed_term')
            record_hours(company, awa, week_of(
                    dt.date(2026, 4, 13), 9, 9, 8, 8, 8))

            batch = Batch.run(company, APRIL)
            self.assertEqual(
                sorted(p.employee.party.name for p in batch.payslips),
                ["Awa", "Léo"])
            self.assertEqual(batch.state, 'draft')
            # A second run adds nobody
            self.assertEqual(len(Batch.run(company, APRIL).payslips), 2)

            Batch.confirm([batch])
            batch = Batch(batch.id)
            self.assertEqual(batch.state, 'confirmed')
            self.assertEqual(
                sorted(p.number for p in batch.payslips), ['P-1', 'P-2'])
            payslip = batch.payslips[0]
            with self.assertRaises(AccessError):
                Payslip.write([payslip], {'payment_date': APRIL})
            with self.assertRaises(AccessError):
                Payslip.delete([payslip])

            Batch.post([batch])
            batch = Batch(batch.id)
            self.assertEqual(batch.state, 'posted')
            move, = {p.move for p in batch.payslips}
            self.assertEqual(move.state, 'posted')
            self.assertEqual(move.origin, batch)
            slips = {p.employee: p for p in batch.payslips}
            figures = balances([move])
            self.assertEqual(figures['6411', None],
                sum(p.gross for p in batch.payslips))
            self.assertEqual(figures['645', None],
                sum(p.employer_contributions for p in batch.payslips))
            self.assertEqual(figures['6251', None], Decimal(20))
            for employee, slip in slips.items():
                self.assertEqual(
                    figures['4211', employee.party], -slip.net_pay)
            retirement = sum(
                l.employee_amount + l.employer_amount
                for p in batch.payslips for l in p.lines
                if l.payee == 'retirement')
            self.assertEqual(figures['437', None], -retirement)
            urssaf = sum(
                l.employee_amount + l.employer_amount
                for p in batch.payslips for l in p.lines
                if l.payee == 'urssaf')
            self.assertEqual(figures['431', None], -urssaf)
            for line in move.lines:
                self.assertEqual(
                    (line.debit, line.credit),
                    (line.debit.quantize(Decimal('0.01')),
                        line.credit.quantize(Decimal('0.01'))))
            self.assertEqual(sum(figures.values()), 0)

            # Correct Awa's: a reversal posted, a new draft, nothing edited
            Configuration.write([Configuration(1)], {'posting': 'payslip'})
            original = slips[awa]
            net_pay = original.net_pay
            draft, = Payslip.correct([original])
            original = Payslip(original.id)
            reversal, = original.reversals
            self.assertTrue(original.corrected)
            self.assertEqual(original.state, 'posted')
            self.assertEqual(original.net_pay, net_pay)
            self.assertEqual(reversal.state, 'posted')
            self.assertEqual(reversal.number, 'P-3')
            self.assertEqual(reversal.net_pay, -net_pay)
            reversed_ = balances([reversal.move])
            self.assertEqual(reversed_['6411', None], -original.gross)
            self.assertEqual(
                reversed_['645', None], -original.employer_contributions)
            self.assertEqual(reversed_['4211', awa.party], net_pay)
            self.assertEqual(sum(reversed_.values()), 0)
            self.assertEqual(draft.state, 'draft')
            self.assertEqual(draft.net_pay, net_pay)
            with self.assertRaises(PayslipError):
                Payslip.correct([original])
            Payslip.confirm([draft])
            Payslip.post([draft])
            self.assertEqual(draft.move.origin, draft)
            # What the coop owes Awa is still one net pay
            owed = balances(
                [original.move, reversal.move, draft.move])['4211', awa.party]
            self.assertEqual(owed, -net_pay)

            user, = User.create([{
                        'name': "Awa", 'login': 'awa',
                        'companies': [('add', [company.id])],
                        'company': company.id,
                        'employees': [('add', [awa.id])],
                        'employee': awa.id,
                        }])
            leo_draft, = Payslip.create([{
                        'company': company.id, 'employee': leo.id,
                        'start_date': dt.date(2026, 5, 1),
                        'payment_date': dt.date(2026, 5, 28),
                        }])
        with Transaction().set_user(user.id), \
                Transaction().set_context(_check_access=True), \
                Transaction().set_context(
                    User.get_preferences(context_only=True)):
            own = Payslip.search([])
            self.assertEqual(
                {p.id for p in own},
                {original.id, reversal.id, draft.id})
            self.assertEqual(
                {l.payslip.id for l in
                    pool.get('coop.payroll.payslip.line').search([])},
                {original.id, reversal.id, draft.id})
            with self.assertRaises(AccessError):
                Payslip.read([leo_draft.id], ['net_pay'])


class PayrollRunTestCase(unittest.TestCase):
    "The Run Payroll wizard: any month, totals, hours not in"

    @classmethod
    def setUpClass(cls):
        activate_suite('coop_payroll', extras=['coop_payroll_fr'])

    @with_transaction()
    def test_run_last_month(self):
        from trytond.exceptions import UserWarning
        pool = Pool()
        Batch = pool.get('coop.payroll.batch')
        Run = pool.get('coop.payroll.run', type='wizard')
        company = create_company()
        with set_company(company):
            setup_payroll(company)
            awa = create_rider(company, "Awa", dt.date(2026, 1, 1), '12.02')
            create_rider(company, "Léo", dt.date(2026, 1, 1), '12.02')
            record_hours(company, awa, week_of(
                    dt.date(2026, 3, 2), 7, 7, 7, 7, 7))
            session_id, _, _ = Run.create()
            run = Run(session_id)
            # Every month is offered, by its name
            self.assertEqual(
                [m for m, _ in run.start.get_months()],
                [str(i) for i in range(1, 13)])
            run.start.company = company
            run.start.year = 2026
            run.start.month = '3'
            run.start.payment_date = run.start.on_change_with_payment_date()
            self.assertEqual(run.start.payment_date, dt.date(2026, 3, 31))
            # Léo's hours of March are not in
            with self.assertRaises(UserWarning) as warned:
                run.do_run(None)
            self.assertIn("Léo", warned.exception.message)
            self.assertNotIn("Awa", warned.exception.message)
            with Transaction().set_context(_skip_warnings=True):
                _, data = run.do_run(None)
            batch, = Batch.browse(data['res_id'])
            self.assertEqual(batch.start_date, dt.date(2026, 3, 1))
            self.assertIn("2026", batch.month)
            # Two SMIC months: gross 2 × 1,823.03, net 2 × 1,443.09 (no
            # income tax below 1,620 of taxable net), employer cost 2 ×
            # (1,823.03 + 53.17 employer contributions after the RGDU)
            self.assertEqual(
                (batch.headcount, batch.gross, batch.net_pay,
                    batch.employer_cost, batch.income_tax),
                (2, Decimal('3646.06'), Decimal('2886.18'),
                    Decimal('3752.40'), Decimal(0)))
