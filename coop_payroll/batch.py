# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
import datetime as dt
from decimal import Decimal

from sql.aggregate import Count, Sum

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.exceptions import UserWarning
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import Button, StateAction, StateView, Wizard

from coop_tools.model import check_user_company, user_company_domain

from .hours import month_end, weekly_hours


class PayrollWarning(UserWarning):
    pass


class Batch(ModelSQL, ModelView):
    "The payslips of all employees for one month"
    __name__ = 'coop.payroll.batch'
    __string__ = "Payroll Batch"

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    start_date = fields.Date("Month", required=True, readonly=True)
    payment_date = fields.Date("Payment Date", required=True)
    payslips = fields.One2Many(
        'coop.payroll.payslip', 'batch', "Payslips", readonly=True)
    month = fields.Function(fields.Char("Month"), 'get_month')
    headcount = fields.Function(fields.Integer("Headcount"), 'get_totals')
    gross = fields.Function(
        fields.Numeric("Gross Pay", digits=(16, 2)), 'get_totals')
    net_pay = fields.Function(
        fields.Numeric("Net Paid", digits=(16, 2)), 'get_totals')
    employer_cost = fields.Function(
        fields.Numeric("Employer Cost", digits=(16, 2),
            help="Gross pay, employer contributions and allowances."),
        'get_totals')
    income_tax = fields.Function(
        fields.Numeric("Income Tax Withheld", digits=(16, 2)), 'get_totals')
    state = fields.Function(fields.Selection([
                ('draft', "Draft"),
                ('confirmed', "Confirmed"),
                ('posted', "Posted"),
                ], "State"), 'get_state')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('company_month_unique', Unique(t, t.company, t.start_date),
                'coop_payroll.msg_batch_unique'),
            ]
        cls._order = [('start_date', 'DESC'), ('id', 'DESC')]
        cls._buttons.update({
                'compute': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-refresh',
                    'depends': ['state'],
                    },
                'confirm': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'post': {
                    'invisible': Eval('state') != 'confirmed',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                })

    def get_rec_name(self, name):
        return f'{self.start_date:%Y-%m}'

    def get_month(self, name):
        "The month in words, in the user's language: « mars 2026 »"
        pool = Pool()
        Month = pool.get('ir.calendar.month')
        month, = Month.search([('index', '=', self.start_date.month)])
        return f'{month.name} {self.start_date.year}'

    @classmethod
    def get_totals(cls, batches, names):
        "The batch's totals, summed in SQL"
        pool = Pool()
        Payslip = pool.get('coop.payroll.payslip')
        payslip = Payslip.__table__()
        cursor = Transaction().connection.cursor()
        result = {n: {b.id: None for b in batches} for n in names}
        cursor.execute(*payslip.select(
                payslip.batch, Count(payslip.id), Sum(payslip.gross),
                Sum(payslip.net_pay),
                Sum(payslip.gross + payslip.employer_contributions
                    + payslip.allowances),
                Sum(payslip.income_tax),
                where=payslip.batch.in_([b.id for b in batches]),
                group_by=[payslip.batch]))
        for batch, count, *amounts in cursor:
            values = dict(zip(
                    ['gross', 'net_pay', 'employer_cost', 'income_tax'],
                    (Decimal(str(a or 0)).quantize(Decimal('0.01'))
                        for a in amounts)))
            values['headcount'] = count
            for name in names:
                result[name][batch] = values[name]
        return result

    @classmethod
    def check_hours(cls, company, start):
        """Warn when employees under contract in the month have neither
        timesheet lines in its weeks nor imported monthly hours"""
        pool = Pool()
        Contract = pool.get('coop.payroll.contract')
        MonthlyHours = pool.get('coop.payroll.monthly_hours')
        Warning = pool.get('res.user.warning')
        end = month_end(start)
        employees = {c.employee for c in Contract.search([
                    ('company', '=', company.id),
                    ('start_date', '<=', end),
                    ['OR', ('end_date', '=', None), ('end_date', '>=', start)],
                    ])}
        if not employees:
            return
        weekly = weekly_hours(company, [e.id for e in employees], start)
        imported = {h.employee for h in MonthlyHours.search([
                    ('company', '=', company.id), ('month', '=', start)])}
        missing = sorted(e.rec_name for e in employees
            if e not in imported and not any(weekly.get(e.id, {}).values()))
        if missing:
            key = Warning.format(
                f'payroll_hours_missing_{start:%Y-%m}', [company])
            if Warning.check(key):
                raise PayrollWarning(key, gettext(
                        'coop_payroll.msg_batch_hours_missing',
                        month=f'{start:%Y-%m}',
                        employees=', '.join(missing)))

    @classmethod
    def get_state(cls, batches, name):
        states = {}
        for batch in batches:
            payslip_states = {p.state for p in batch.payslips}
            if not payslip_states or 'draft' in payslip_states:
                states[batch.id] = 'draft'
            elif 'confirmed' in payslip_states:
                states[batch.id] = 'confirmed'
            else:
                states[batch.id] = 'posted'
        return states

    @classmethod
    def check_modification(cls, mode, batches, values=None, external=False):
        super().check_modification(
            mode, batches, values=values, external=external)
        if mode == 'delete':
            for batch in batches:
                if any(p.state != 'draft' for p in batch.payslips):
                    raise AccessError(gettext(
                            'coop_payroll.msg_batch_delete_draft',
                            batch=batch.rec_name))

    @classmethod
    def delete(cls, batches):
        pool = Pool()
        Payslip = pool.get('coop.payroll.payslip')
        Payslip.delete([p for b in batches for p in b.payslips])
        super().delete(batches)

    @classmethod
    def run(cls, company, start, payment_date=None):
        """The batch of the month, with a computed payslip for every employee
        under contract who has none yet"""
        pool = Pool()
        Contract = pool.get('coop.payroll.contract')
        Payslip = pool.get('coop.payroll.payslip')
        start = start.replace(day=1)
        end = month_end(start)
        batches = cls.search([
                ('company', '=', company.id),
                ('start_date', '=', start),
                ])
        if batches:
            batch, = batches
        else:
            batch = cls(company=company, start_date=start,
                payment_date=payment_date or end)
            batch.save()
        contracts = Contract.search([
                ('company', '=', company.id),
                ('start_date', '<=', end),
                ['OR',
                    ('end_date', '=', None),
                    ('end_date', '>=', start),
                    ],
                ])
        paid = {p.employee for p in Payslip.search([
                    ('company', '=', company.id),
                    ('start_date', '=', start),
                    ('reversal_of', '=', None),
                    ('reversals', '=', None),
                    ])}
        employees = sorted(
            {c.employee for c in contracts} - paid, key=lambda e: e.id)
        Payslip.create([{
                    'company': company.id,
                    'employee': e.id,
                    'batch': batch.id,
                    'start_date': start,
                    'payment_date': batch.payment_date,
                    } for e in employees])
        cls.compute([batch])
        return batch

    @classmethod
    @ModelView.button
    def compute(cls, batches):
        pool = Pool()
        Payslip = pool.get('coop.payroll.payslip')
        Payslip.compute([
                p for b in batches for p in b.payslips if p.state == 'draft'])

    @classmethod
    @ModelView.button
    def confirm(cls, batches):
        pool = Pool()
        Payslip = pool.get('coop.payroll.payslip')
        Payslip.confirm([
                p for b in batches for p in b.payslips if p.state == 'draft'])

    @classmethod
    @ModelView.button
    def post(cls, batches):
        pool = Pool()
        Payslip = pool.get('coop.payroll.payslip')
        Payslip.post([
                p for b in batches for p in b.payslips
                if p.state == 'confirmed'])


class RunStart(ModelView):
    "Which month to pay"
    __name__ = 'coop.payroll.run.start'
    __string__ = "Run Payroll"

    company = fields.Many2One('company.company', "Company", required=True,
        domain=user_company_domain())
    year = fields.Integer("Year", required=True)
    # A selection, not a Many2One: ir.calendar.month has no view to
    # search it from, so any month but the default one was out of reach
    month = fields.Selection('get_months', "Month", sort=False, required=True)
    payment_date = fields.Date("Payment Date", required=True)

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def default_year(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        return Date.today().year

    @classmethod
    def default_month(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        return str(Date.today().month)

    @classmethod
    def get_months(cls):
        "The calendar's months, in the user's language"
        pool = Pool()
        Month = pool.get('ir.calendar.month')
        return [(str(m.index), m.name)
            for m in Month.search([], order=[('index', 'ASC')])]

    @property
    def first_day(self):
        if self.year and self.month:
            return dt.date(self.year, int(self.month), 1)

    @fields.depends('year', 'month')
    def on_change_with_payment_date(self):
        if self.first_day:
            return month_end(self.first_day)


class Run(Wizard):
    "Make and compute the payroll batch of a month"
    __name__ = 'coop.payroll.run'

    start = StateView(
        'coop.payroll.run.start', 'coop_payroll.run_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Run", 'run', 'tryton-ok', default=True),
            ])
    run = StateAction('coop_payroll.act_batch_form')

    def do_run(self, action):
        pool = Pool()
        Batch = pool.get('coop.payroll.batch')
        # The wizard runs without the user's record rules: another coop's
        # payroll is refused before anything is read or written
        check_user_company(
            self.start.company, 'coop_payroll.msg_company_not_allowed')
        Batch.check_hours(self.start.company, self.start.first_day)
        batch = Batch.run(
            self.start.company, self.start.first_day,
            self.start.payment_date)
        return action, {'res_id': [batch.id]}
