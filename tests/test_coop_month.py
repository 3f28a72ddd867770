# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""One month of a coop, end to end, through the suite's own code

A SCIC (three colleges) imports March's deliveries from CoopCycle's task
export (tasks, deliveries and the riders' tours), invoices its stores,
reads its riders' hours from CoopCycle's payroll export, runs the payroll, records its members' capital (one rider pays by
payroll deduction) and holds its general assembly; then the books balance
and tie out with what the modules hold."""
import datetime as dt
import unittest
from collections import defaultdict
from decimal import Decimal
from unittest.mock import patch

from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from coop_coopcycle.coopcycle import import_data
from coop_coopcycle.tests.tools import task_row, to_csv
from coop_delivery.tests.tools import setup_invoicing
from coop_membership.tests.tools import (
    capital, set_membership_accounts, skip_warnings, subscribe)
from coop_payroll.tests.tools import (
    create_rider, set_payroll_accounts, setup_payroll)
from coop_tools.testing import activate_suite, lock_tables

MONTH = dt.date(2026, 3, 1)
END = dt.date(2026, 3, 31)
# name, CoopCycle username, weekly hours, hourly wage
RIDERS = [
    ("Awa Diallo", 'awa', 35, '12.02'),
    ("Léo Martin", 'leo', 35, '12.50'),
    ("Inès Benali", 'ines', 24, '12.02'),
    ("Tom Rousseau", 'tom', 28, '13.10'),
    ]
STORES = ["Le Vélo Gourmand", "Épicerie du Plateau", "Boulangerie Saint-Jean"]
SUPPORTERS = ["Association Vélo Cité", "Marie Dupont", "Paul Girard"]
# Prices without tax; CoopCycle's export gives them with 20 % VAT
PRICES = [Decimal(p) for p in ['5.50', '7.00', '9.00', '12.00']]


def setup_books(company):
    """The tests' chart with a 20 % VAT, the fiscal year and the delivery
    product (coop_delivery's helper), then payroll's and membership's
    accounts and settings on that chart (their helpers')"""
    setup_invoicing(company)
    setup_payroll(company)
    set_payroll_accounts(company, posting='batch')
    set_membership_accounts(company).save()


def task_export(riders):
    """CoopCycle's task export of March: on each weekday every store has
    deliveries, ridden by the riders in turn; a dropoff failed and an order
    is still to ride (neither is invoiced)"""
    rows = []
    task_id = order = 1
    day = MONTH
    while day <= END:
        if day.weekday() < 5:
            for s, store in enumerate(STORES):
                for n in range(2):
                    price = PRICES[(order + s) % len(PRICES)]
                    status = {}
                    if order == 7:
                        status = {'dropoff': 'FAILED'}
                    elif day == END and s == 0 and n == 1:
                        status = {'pickup': 'TODO', 'dropoff': 'TODO'}
                    hour = 9 + 2 * n + s
                    common = dict(total=str(price * Decimal('1.2')),
                        day=day.strftime('%d/%m/%Y'),
                        courier=riders[order % len(riders)],
                        organization=store)
                    rows += [
                        task_row(task_id, order, 'PICKUP',
                            status=status.get('pickup', 'DONE'),
                            after=f'{hour:02d}:00', before=f'{hour:02d}:30',
                            finished=f'{hour:02d}:20', **common),
                        task_row(task_id + 1, order, 'DROPOFF',
                            status=status.get('dropoff', 'DONE'),
                            after=f'{hour:02d}:10',
                            before=f'{hour + 1:02d}:00',
                            finished=f'{hour:02d}:45', **common),
                        ]
                    task_id += 2
                    order += 1
        day += dt.timedelta(days=1)
    return to_csv(rows)


def payroll_export(hours):
    "CoopCycle's payroll export: {username: (worked, overtime)}"
    lines = ['username,name,planned_hours,worked_hours,overtime_hours,'
        'holiday_days']
    for username, (worked, overtime) in hours.items():
        lines.append(f'{username},{username},,{worked},{overtime},0')
    return ('\n'.join(lines) + '\n').encode()


def balance(accounts, debit=True):
    "Debit minus credit (or credit minus debit) of the posted lines"
    pool = Pool()
    Line = pool.get('account.move.line')
    lines = Line.search([
            ('account', 'child_of', [a.id for a in accounts], 'parent'),
            ('move.state', '=', 'posted'),
            ])
    amount = sum((l.debit - l.credit for l in lines), Decimal(0))
    return amount if debit else -amount


class CoopMonthTestCase(unittest.TestCase):
    "A coop's month, from CoopCycle's exports to the general assembly"

    @classmethod
    def setUpClass(cls):
        activate_suite()

    @with_transaction()
    def test_month(self):
        lock_tables()
        pool = Pool()
        Account = pool.get('account.account')
        Party = pool.get('party.party')
        Employee = pool.get('company.employee')
        Delivery = pool.get('coop.delivery')
        Tour = pool.get('coop.delivery.tour')
        Batch = pool.get('coop.payroll.batch')
        PayrollConfiguration = pool.get('coop.payroll.configuration')
        MembershipConfiguration = pool.get('coop.membership.configuration')
        Category = pool.get('coop.member.category')
        ShareClass = pool.get('coop.share.class')
        Member = pool.get('coop.member')
        Subscription = pool.get('coop.share.subscription')
        Assembly = pool.get('coop.assembly')
        Attendance = pool.get('coop.assembly.attendance')
        Vote = pool.get('coop.assembly.vote')
        Move = pool.get('account.move')
        MoveLine = pool.get('account.move.line')

        company = create_company()
        company.timezone = 'Europe/Paris'
        company.coop_form = 'scic'
        company.save()
        with set_company(company):
            setup_books(company)
            riders = []
            for name, username, hours, wage in RIDERS:
                rider = create_rider(company, name, dt.date(2026, 1, 5),
                    wage, weekly_hours=hours, kind='open_ended',
                    mobility_allowance=Decimal(20))
                rider.coopcycle_username = username
                riders.append(rider)
            Employee.save(riders)
            stores = Party.create([
                    {'name': name, 'addresses': [('create', [{}])]}
                    for name in STORES])

            # The month's deliveries, as CoopCycle exports them
            summary = import_data(
                company, task_export([u for _, u, _, _ in RIDERS]))
            self.assertFalse(summary.stores_created)
            deliveries = Delivery.search([])
            done = [d for d in deliveries if d.state == 'done']
            self.assertEqual(summary.deliveries_created, len(deliveries))
            self.assertEqual(
                (len(deliveries), len(done)), (22 * 6, 22 * 6 - 2))
            self.assertEqual({d.customer for d in deliveries}, set(stores))
            tours = Tour.search([])
            self.assertEqual({t.rider for t in tours}, set(riders))
            self.assertTrue(all(
                    t.tour for d in deliveries for t in d.tasks))

            # The stores' invoices, posted
            invoices = Delivery.invoice_period(company, MONTH, END, END)
            self.assertEqual({i.party for i in invoices}, set(stores))
            self.assertEqual({i.state for i in invoices}, {'posted'})
            priced = sum(d.amount for d in done)
            self.assertEqual(
                sum(i.untaxed_amount for i in invoices), priced)
            self.assertEqual(
                sum(i.tax_amount for i in invoices), priced / 5)
            self.assertTrue(all(d.invoice_line for d in done))
            self.assertEqual(
                Delivery.invoice_period(company, MONTH, END, END), [])

            # The riders' hours: CoopCycle's payroll export (its monthly
            # hours come before timesheet lines, which imported tours do
            # not record)
            summary = import_data(company, payroll_export({
                        'awa': ('160.5', '8.83'), 'leo': ('151.67', '0'),
                        'ines': ('104', '2.5'), 'tom': ('121.33', '0'),
                        }), month=MONTH)
            self.assertEqual(summary.hours_created, 4)

            # The members: a SCIC of three colleges
            employees, users, supporters = Category.create([
                    {'code': code, 'name': name, 'kind': kind,
                        'vote_weight': Decimal(weight)}
                    for code, name, kind, weight in [
                        ('SAL', "Salariés", 'employee', '0.5'),
                        ('USA', "Usagers", 'beneficiary', '0.3'),
                        ('SOU', "Soutiens", 'supporter', '0.2'),
                        ]])
            share_class, = ShareClass.create([{
                        'code': 'A', 'name': "Parts sociales",
                        'nominal': Decimal(25),
                        }])
            supporter_parties = Party.create(
                [{'name': n} for n in SUPPORTERS])
            members = Member.create([{
                        'company': company.id, 'party': party.id,
                        'number': f'S-{number:04d}',
                        'category': category.id, 'person_kind': kind,
                        } for number, (party, category, kind) in enumerate(
                        [(r.party, employees, 'person') for r in riders]
                        + [(s, users, 'organisation') for s in stores]
                        + [(p, supporters, 'person')
                            for p in supporter_parties], 1)])
            by_name = {m.party.name: m for m in members}
            leo = by_name["Léo Martin"]
            # Léo pays his shares from his payslips
            Member.write([leo], {'payroll_deduction': Decimal(40)})
            paying = [m for m in members if m != leo][:-1]
            # The SCIC's three colleges are there once all have subscribed
            # (the first subscriptions are warned about)
            with skip_warnings():
                subscribe([m for m in paying if m.category == employees],
                    share_class, 4, dt.date(2026, 3, 2))
                subscribe([m for m in paying if m.category == users],
                    share_class, 10, dt.date(2026, 3, 3))
                subscribe([m for m in paying if m.category == supporters],
                    share_class, 2, dt.date(2026, 3, 4))
                # Called, to be paid: by Léo's payroll, and by the last
                # supporter later
                leo_subscription, unpaid = subscribe(
                    [leo, members[-1]], share_class, 4, dt.date(2026, 3, 5),
                    paid=False)
            self.assertEqual(
                {m.status for m in Member.browse(members)}, {'member'})

            # The payroll of March, posted in one entry
            batch = Batch.run(company, MONTH)
            self.assertEqual(
                {p.employee for p in batch.payslips}, set(riders))
            Batch.confirm([batch])
            Batch.post([batch])
            batch = Batch(batch.id)
            payslips = batch.payslips
            self.assertEqual({p.state for p in payslips}, {'posted'})
            leo_slip, = [p for p in payslips
                if p.employee.party == leo.party]
            shares, = [l for l in leo_slip.lines if l.code == 'SHARES']
            self.assertEqual(shares.amount, Decimal(-40))
            leo_subscription = Subscription(leo_subscription.id)
            self.assertEqual(leo_subscription.state, 'called')
            self.assertEqual(leo_subscription.amount_due, Decimal(60))

            # The general assembly approves the accounts
            assembly, = Assembly.create([{
                        'name': "AG 2026", 'kind': 'ordinary',
                        'date': END, 'place': "Lyon",
                        # the statutes' 15 days of notice
                        'convocation_date': END - dt.timedelta(days=15),
                        'resolutions': [('create', [{
                                        'sequence': 1,
                                        'title': "Comptes 2025"}])],
                        }])
            with patch('coop_membership.assembly.'
                    'send_message_transactional'):
                Assembly.convene([assembly])
            Assembly.open_session([assembly])
            attendances = Attendance.search(
                [('assembly', '=', assembly.id)])
            self.assertEqual(len(attendances), len(members))
            present = attendances[:7]
            Attendance.write(present, {'status': 'present'})
            resolution, = assembly.resolutions
            Vote.create([{
                        'resolution': resolution.id, 'attendance': a.id,
                        'choice': 'against' if i == 6 else 'for'}
                    for i, a in enumerate(present)])
            Assembly.close([assembly])
            assembly = Assembly(assembly.id)
            self.assertEqual(assembly.state, 'closed')
            self.assertTrue(assembly.closed_quorum)
            self.assertTrue(assembly.minutes)
            self.assertEqual(assembly.resolutions[0].result, 'adopted')

            # The books: every entry posted and balanced
            moves = Move.search([('company', '=', company.id)])
            self.assertEqual({m.state for m in moves}, {'posted'})
            debits = defaultdict(Decimal)
            credits = defaultdict(Decimal)
            for line in MoveLine.search([('move.company', '=', company.id)]):
                debits[line.move] += line.debit
                credits[line.move] += line.credit
            self.assertEqual(debits, credits)
            self.assertEqual(
                sum(debits.values()), sum(credits.values()))
            self.assertGreater(sum(debits.values()), 0)

            # Posted invoices are the priced deliveries
            revenue = pool.get('coop.delivery.configuration')(
                1).invoice_product.account_revenue_used
            self.assertEqual(balance([revenue], debit=False), priced)
            receivable = stores[0].account_receivable_used
            self.assertEqual(balance([receivable]),
                sum(i.total_amount for i in invoices))

            # Payroll expense is gross plus employer contributions
            payroll = PayrollConfiguration(1)
            self.assertEqual(
                (payroll.wage_expense_account.code,
                    payroll.employer_expense_account.code), ('6411', '645'))
            self.assertEqual(balance([payroll.wage_expense_account,
                        payroll.employer_expense_account]),
                sum(p.gross + p.employer_contributions for p in payslips))
            self.assertEqual(balance([payroll.allowance_expense_account]),
                Decimal(20) * len(riders))
            # What the coop owes its riders is their net pay, Léo's less
            # his shares
            self.assertEqual(
                balance([payroll.net_payable_account], debit=False),
                sum(p.net_pay for p in payslips))
            # Léo's 40.00 went to his shares, credited to his 4561
            membership = MembershipConfiguration(1)
            leo_lines = MoveLine.search([
                    ('move', '=', leo_slip.move.id),
                    ('account', '=', membership.account_called.id),
                    ('party', '=', leo.party.id)])
            self.assertEqual(
                sum(l.credit - l.debit for l in leo_lines), Decimal(40))

            # The capital accounts hold the register's capital
            capital_accounts = Account.search(
                [('code', 'in', ['1012', '1013'])])
            register = capital(company, END)
            self.assertEqual(register, Decimal(25) * (
                    4 * 3 + 10 * 3 + 2 * 2 + 4 * 2))
            self.assertEqual(
                balance(capital_accounts, debit=False), register)
            self.assertEqual(
                balance([membership.account_unpaid], debit=False),
                Decimal(60) + unpaid.amount)
            self.assertEqual(
                balance([membership.account_called]),
                Decimal(60) + unpaid.amount)

            # The FEC reads each line's label (its description, or its
            # origin's) and the entry's origin as the piece: every line the
            # month posted (invoices, payroll, capital) has both
            posted = MoveLine.search([('move.state', '=', 'posted')])
            self.assertTrue(posted)
            unlabelled = [l for l in posted if not l.description_used]
            self.assertEqual(unlabelled, [])
            self.assertEqual([l for l in posted if not l.move.origin], [])
