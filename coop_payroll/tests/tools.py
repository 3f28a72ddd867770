# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"Shared set-up of the payroll tests"
import datetime as dt
import io
from contextlib import contextmanager
from decimal import Decimal

from pypdf import PdfReader

from trytond.modules.company.tests import create_employee
from trytond.pool import Pool
from trytond.transaction import Transaction

from coop_tools.testing import lock_tables, setup_company


def setup_payroll(company, headcount=10):
    """The French structure (coop_payroll_fr), the company's headcount and
    a payslip sequence in the configuration"""
    lock_tables()
    pool = Pool()
    Configuration = pool.get('coop.payroll.configuration')
    Sequence = pool.get('ir.sequence.strict')
    SequenceType = pool.get('ir.sequence.type')
    ModelData = pool.get('ir.model.data')
    sequence_type = SequenceType(ModelData.get_id(
            'coop_payroll', 'sequence_type_payslip'))
    sequence = Sequence(
        name="Payslips", sequence_type=sequence_type, company=company,
        prefix='P-')
    sequence.save()
    config = Configuration(1)
    config.payslip_sequence = sequence
    config.structure = ModelData.get_id('coop_payroll_fr', 'structure_fr')
    config.headcount = headcount
    config.save()
    return config


def payroll_fixture(company, **values):
    """company and its setup_payroll, for commit_setup (a class's fixture
    built once)"""
    with setup_company(company):
        setup_payroll(company, **values)
    return {'company': company}


def compute_payslip(company, employee, month, confirm=False, **values):
    """A payslip of employee for month (its first day) paid on the 28th,
    computed (and confirmed if confirm), read again"""
    Payslip = Pool().get('coop.payroll.payslip')
    payslip, = Payslip.create([{
                'company': company.id, 'employee': employee.id,
                'start_date': month,
                'payment_date': month.replace(day=28), **values}])
    Payslip.compute([payslip])
    if confirm:
        Payslip.confirm([payslip])
    return Payslip(payslip.id)


def create_rider(company, name, start, wage, weekly_hours=35, **values):
    pool = Pool()
    Contract = pool.get('coop.payroll.contract')
    employee = create_employee(company, name)
    Contract.create([{
                'employee': employee.id,
                'start_date': start,
                'hourly_wage': Decimal(wage),
                'weekly_hours': Decimal(weekly_hours),
                **values,
                }])
    return employee


def record_hours(company, employee, hours_per_day):
    "Timesheet lines: {date: hours}"
    pool = Pool()
    Work = pool.get('timesheet.work')
    Line = pool.get('timesheet.line')
    works = Work.search([('company', '=', company.id)], limit=1)
    if works:
        work, = works
    else:
        work = Work(name="Tours", company=company)
        work.save()
    Line.create([{
                'company': company.id,
                'employee': employee.id,
                'work': work.id,
                'date': date,
                'duration': dt.timedelta(hours=float(hours)),
                } for date, hours in hours_per_day.items()])


def week_of(monday, *hours):
    "{date: hours} for the days of the week starting on monday"
    return {monday + dt.timedelta(days=i): Decimal(h)
        for i, h in enumerate(hours) if h}


def setup_payroll_accounts(company, posting='payslip'):
    """A test chart, a fiscal year over 2026 and an account for each payroll
    setting; return the configuration"""
    lock_tables()
    from trytond.modules.account.tests import create_chart, get_fiscalyear
    pool = Pool()
    FiscalYear = pool.get('account.fiscalyear')
    create_chart(company)
    fiscal_year = get_fiscalyear(company, today=dt.date(2026, 1, 1))
    fiscal_year.save()
    FiscalYear.create_period([fiscal_year])
    return set_payroll_accounts(company, posting)


def set_payroll_accounts(company, posting='payslip'):
    """An account for each payroll setting, on the company's test chart
    (create_chart's), and the CASH journal; return the configuration"""
    pool = Pool()
    Account = pool.get('account.account')
    Journal = pool.get('account.journal')
    Configuration = pool.get('coop.payroll.configuration')

    def account(kind, **values):
        template, = Account.search([
                ('company', '=', company.id),
                ('type.%s' % kind, '=', True),
                ('closed', '!=', True),
                ], limit=1)
        return Account.create([{
                    'company': company.id, 'type': template.type.id,
                    'parent': template.parent.id, **values}])[0]
    config = Configuration(1)
    config.posting = posting
    config.journal, = Journal.search([('code', '=', 'CASH')])
    config.wage_expense_account = account(
        'expense', code='6411', name="Wages")
    config.employer_expense_account = account(
        'expense', code='645', name="Employer contributions")
    config.allowance_expense_account = account(
        'expense', code='6251', name="Travel")
    config.net_payable_account = account(
        'payable', code='4211', name="Net pay", party_required=True,
        reconcile=True)
    config.urssaf_account = account('payable', code='431', name="URSSAF")
    config.retirement_account = config.other_social_account = account(
        'payable', code='437', name="Agirc-Arrco")
    if 'income_tax_account' in Configuration._fields:
        # A country module withholding income tax (coop_payroll_fr)
        config.income_tax_account = account(
            'payable', code='4421', name="Income tax withheld")
    config.save()
    return config


def pages_text(content):
    """The words of each page of a PDF, one space apart (pypdf puts table
    cells on lines of their own; no-break spaces read as spaces)"""
    return [' '.join(p.extract_text().replace('\u202f', ' ')
            .replace('\xa0', ' ').split())
        for p in PdfReader(io.BytesIO(content)).pages]


@contextmanager
def undone():
    """Run a block in a savepoint rolled back after it: what a refused
    call wrote before its error is undone, as the RPC's transaction
    would be"""
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    cursor.execute('SAVEPOINT undone')
    try:
        yield
    finally:
        cursor.execute('ROLLBACK TO SAVEPOINT undone')
        # What the records read before is stale: empty each cache in
        # place (the records hold them)
        for cache in list(transaction.cache.values()):
            cache.clear()
