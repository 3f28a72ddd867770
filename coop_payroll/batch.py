# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import Button, StateAction, StateView, Wizard

from .hours import month_end


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

    company = fields.Many2One('company.company', "Company", required=True)
    year = fields.Integer("Year", required=True)
    month = fields.Many2One('ir.calendar.month', "Month", required=True)
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
        Month = pool.get('ir.calendar.month')
        month, = Month.search([('index', '=', Date.today().month)])
        return month.id

    @fields.depends('year', 'month')
    def on_change_with_payment_date(self):
        if self.year and self.month:
            return month_end(dt.date(self.year, self.month.index, 1))


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
        batch = Batch.run(
            self.start.company,
            dt.date(self.start.year, self.start.month.index, 1),
            self.start.payment_date)
        return action, {'res_id': [batch.id]}
