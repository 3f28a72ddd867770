# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Monthly payslips: computed in draft, confirmed (numbered, immutable), posted

The base salary is monthly (mensualisation: the weekly hours × 52 / 12),
prorated by calendar days when a contract starts or ends within the month.
Hours beyond the contract, counted per ISO week (see hours.py), earn the
premiums in force. The contributions come from the salary structure's rules.
A confirmed payslip is corrected by a reversal payslip (every amount negated)
and a new one, never by editing it.
"""
import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from sql.aggregate import Sum

from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError, ValidationError
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from coop_tools.model import rec_name_domain
from coop_tools.sql import insert, stored_values

from .absence import WORKING_WEEKDAYS, working_days
from .hours import (
    HOUR, is_full_time, month_end, month_weeks, premium_hours, premium_rates,
    weekly_hours)
from .rule import CENT, HEADINGS

STATES = [
    ('draft', "Draft"),
    ('confirmed', "Confirmed"),
    ('posted', "Posted"),
    ]
LINE_KINDS = [
    ('earning', "Earning"),
    ('contribution', "Contribution"),
    ('reduction', "Reduction of Contributions"),
    ('allowance', "Allowance"),
    ('tax', "Tax Withheld"),
    ]
# Written by the workflow on payslips that are no longer drafts
WORKFLOW_FIELDS = {'state', 'number', 'move'}
# Every column of a payslip line, for insert()
LINE_COLUMNS = [
    'payslip', 'sequence', 'kind', 'code', 'name', 'quantity', 'rate',
    'amount', 'base', 'employee_rate', 'employee_amount', 'employer_rate',
    'employer_amount', 'payee', 'heading', 'net_social', 'non_deductible',
    'absence']
# Payslips worked on at once (see Payslip._chunks)
CHUNK = 50
TOTAL_FIELDS = [
    'gross', 'employee_contributions', 'employer_contributions',
    'allowances', 'net_pay', 'net_social', 'taxable_net', 'net_before_tax',
    'income_tax']


class PayslipError(ValidationError):
    pass


def _amount_field(string, help=''):
    return fields.Numeric(
        string, digits=(16, 2), readonly=True, help=help)


class Payslip(Workflow, ModelSQL, ModelView):
    "What an employee earned in a month, and what was deducted"
    __name__ = 'coop.payroll.payslip'
    __string__ = "Payslip"

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    number = fields.Char("Number", readonly=True)
    employee = fields.Many2One(
        'company.employee', "Employee", required=True, states=_states,
        domain=[('company', '=', Eval('company', -1))])
    batch = fields.Many2One(
        'coop.payroll.batch', "Batch", ondelete='RESTRICT', readonly=True,
        domain=[('company', '=', Eval('company', -1))])
    start_date = fields.Date(
        "Start Date", required=True, states=_states,
        help="The first day of the month paid.")
    end_date = fields.Function(
        fields.Date("End Date"), 'on_change_with_end_date')
    payment_date = fields.Date(
        "Payment Date", required=True, states=_states)
    state = fields.Selection(STATES, "State", readonly=True, required=True)
    contract = fields.Many2One(
        'coop.payroll.contract', "Contract", readonly=True,
        help="The contract in force at the end of the month.")
    hours_source = fields.Selection([
            (None, ""),
            ('timesheet', "Timesheet lines"),
            ('imported', "Imported monthly hours"),
            ], "Hours From", readonly=True)
    contract_hours = fields.Numeric(
        "Contract Hours", digits=(16, 2), readonly=True)
    extra_hours = fields.Numeric(
        "Extra Hours", digits=(16, 2), readonly=True,
        help="Hours beyond the contract, paid with a premium.")
    lines = fields.One2Many(
        'coop.payroll.payslip.line', 'payslip', "Lines", readonly=True)
    gross = _amount_field("Gross Pay")
    employee_contributions = _amount_field("Employee Contributions")
    employer_contributions = _amount_field("Employer Contributions")
    allowances = _amount_field("Allowances")
    net_pay = _amount_field("Net Pay")
    net_social = _amount_field(
        "Net Social Amount",
        help="The \"montant net social\": gross pay less the social "
        "contributions.")
    taxable_net = _amount_field(
        "Taxable Net", help="The net pay with the non-deductible CSG "
        "and CRDS added back, allowances left out.")
    net_before_tax = _amount_field(
        "Net Pay before Income Tax")
    income_tax = _amount_field(
        "Income Tax Withheld", help="The tax at source withheld from the "
        "net pay, paid to the tax office.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    move = fields.Many2One('account.move', "Move", readonly=True)
    reversal_of = fields.Many2One(
        'coop.payroll.payslip', "Reversal Of", readonly=True,
        help="The payslip whose amounts this one cancels.")
    reversals = fields.One2Many(
        'coop.payroll.payslip', 'reversal_of', "Reversals", readonly=True)
    corrected = fields.Function(
        fields.Boolean("Corrected"), 'get_corrected',
        searcher='search_corrected')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('start_date', 'DESC'),
            ('number', 'DESC NULLS FIRST'),
            ('id', 'DESC'),
            ]
        cls._transitions |= {
            ('draft', 'confirmed'),
            ('confirmed', 'posted'),
            }
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
                'correct': {
                    'invisible': (
                        (Eval('state') == 'draft')
                        | Eval('corrected', False)
                        | Eval('reversal_of')),
                    'icon': 'tryton-undo',
                    'depends': ['state', 'corrected', 'reversal_of'],
                    },
                })

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_state():
        return 'draft'

    @fields.depends('start_date')
    def on_change_with_end_date(self, name=None):
        if self.start_date:
            return month_end(self.start_date)

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    def get_rec_name(self, name):
        label = self.number or f'({self.id})'
        return (f'{label} {self.employee.rec_name} '
            f'{self.start_date:%Y-%m}')

    @classmethod
    def search_rec_name(cls, name, clause):
        return rec_name_domain(clause, 'number', 'employee.rec_name')

    @classmethod
    def get_corrected(cls, payslips, name):
        return {p.id: bool(p.reversals) for p in payslips}

    @classmethod
    def search_corrected(cls, name, clause):
        _, operator, value = clause
        if (operator == '=') == bool(value):
            return [('reversals', '!=', None)]
        return [('reversals', '=', None)]

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('start_date'):
            values['start_date'] = values['start_date'].replace(day=1)
        return values

    @classmethod
    def check_modification(cls, mode, payslips, values=None, external=False):
        super().check_modification(
            mode, payslips, values=values, external=external)
        if mode == 'delete':
            for payslip in payslips:
                if payslip.state != 'draft':
                    raise AccessError(gettext(
                            'coop_payroll.msg_payslip_delete_draft',
                            payslip=payslip.rec_name))
        elif mode == 'write' and (
                external or values.keys() - WORKFLOW_FIELDS):
            for payslip in payslips:
                if payslip.state != 'draft':
                    raise AccessError(gettext(
                            'coop_payroll.msg_payslip_modify_confirmed',
                            payslip=payslip.rec_name))

    @classmethod
    def copy(cls, payslips, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('number', None)
        default.setdefault('state', 'draft')
        default.setdefault('move', None)
        default.setdefault('lines', None)
        default.setdefault('reversal_of', None)
        default.setdefault('reversals', None)
        for name in cls.total_fields():
            default.setdefault(name, None)
        return super().copy(payslips, default=default)

    @classmethod
    def total_fields(cls):
        "The computed amounts of a payslip, negated by its reversal"
        return list(TOTAL_FIELDS)

    @classmethod
    @ModelView.button
    def compute(cls, payslips):
        pool = Pool()
        Line = pool.get('coop.payroll.payslip.line')
        for sub_payslips in cls._chunks(
                [p for p in payslips if p.state == 'draft']):
            Line.delete(Line.search([('payslip', 'in', sub_payslips)]))
            computations = cls.computations(sub_payslips)
            cls.compute_steps(computations)
            # Values the steps made whole: no need for create's checks
            insert(Line, cls._line_rows(computations))
            to_write = []
            for computation in computations:
                to_write.extend(
                    ([computation.payslip], computation.totals))
            if to_write:
                cls.write(*to_write)

    @classmethod
    def compute_steps(cls, computations):
        """Compute the payslips step by step; each step is a classmethod
        working on all the computations at once, that a module extends
        (with super()) to add or change lines"""
        cls.compute_base_pay(computations)
        cls.compute_premiums(computations)
        cls.compute_bonuses(computations)
        cls.compute_rule_amounts(computations)
        cls.compute_contributions(computations)
        cls.compute_reductions(computations)
        cls.compute_totals(computations)
        cls.compute_taxes(computations)
        cls.compute_after_net(computations)

    @classmethod
    def computations(cls, payslips):
        "A PayslipComputation per payslip, with what its steps read"
        pool = Pool()
        Parameter = pool.get('coop.payroll.parameter')
        by_company = defaultdict(list)
        for payslip in payslips:
            by_company[payslip.company, payslip.start_date].append(payslip)
        parameters, computations = {}, {}
        for (company, start), sub_payslips in by_company.items():
            end = month_end(start)
            if end not in parameters:
                parameters[end] = Parameter.values_at(end)
            contracts = cls._month_contracts(sub_payslips, start, end)
            monthly = cls._month_hours(company, sub_payslips, start)
            weekly = weekly_hours(
                company, [p.employee.id for p in sub_payslips], start)
            for payslip in sub_payslips:
                employee = payslip.employee.id
                computations[payslip] = PayslipComputation(
                    payslip, parameters[end], contracts.get(employee, []),
                    monthly.get(employee), weekly.get(employee, {}))
        computations = [computations[p] for p in payslips]
        for computation in computations:
            cls._check_contracts(computation)
        return computations

    @classmethod
    def _month_contracts(cls, payslips, start, end):
        pool = Pool()
        Contract = pool.get('coop.payroll.contract')
        contracts = defaultdict(list)
        for contract in Contract.search([
                    ('employee', 'in', [p.employee.id for p in payslips]),
                    ('start_date', '<=', end),
                    ['OR',
                        ('end_date', '=', None),
                        ('end_date', '>=', start),
                        ],
                    ], order=[('start_date', 'ASC')]):
            contracts[contract.employee.id].append(contract)
        return contracts

    @classmethod
    def _month_hours(cls, company, payslips, start):
        pool = Pool()
        MonthlyHours = pool.get('coop.payroll.monthly_hours')
        return {h.employee.id: h for h in MonthlyHours.search([
                    ('company', '=', company.id),
                    ('employee', 'in', [p.employee.id for p in payslips]),
                    ('month', '=', start),
                    ])}

    @classmethod
    def _check_contracts(cls, computation):
        payslip = computation.payslip
        if not computation.contracts:
            raise PayslipError(gettext(
                    'coop_payroll.msg_payslip_no_contract',
                    employee=payslip.employee.rec_name,
                    month=f'{computation.start:%Y-%m}'))
        smic = computation.parameters['SMIC_HOURLY']
        for contract in computation.contracts:
            if contract.hourly_wage < smic:
                raise PayslipError(gettext(
                        'coop_payroll.msg_payslip_below_smic',
                        contract=contract.rec_name,
                        wage=contract.hourly_wage, smic=smic,
                        date=computation.end))

    @classmethod
    def compute_base_pay(cls, computations):
        """The base salary: a line per contract in force in the month, its
        monthly salary prorated by the real hours of the month when it
        starts or ends within it, less the unpaid absences"""
        cls._add_absences(computations)
        for c in computations:
            contract_hours = Decimal(0)
            c.paid_hours = Decimal(0)
            for contract in c.contracts:
                first, last = c.contract_span(contract)
                share = c.presence_share(contract)
                hours = c.monthly_hours(contract) * share
                amount = (c.monthly_salary(contract) * share).quantize(
                    CENT, rounding=ROUND_HALF_UP)
                c.add_earning(
                    'BASE', gettext('coop_payroll.msg_line_base_salary'),
                    hours.quantize(HOUR, rounding=ROUND_HALF_UP),
                    contract.hourly_wage, amount)
                c.paid_hours += hours
                for absence in c.absences:
                    if absence.kind in cls.unpaid_absence_kinds():
                        c.paid_hours -= cls._add_unpaid_absence(
                            c, contract, absence)
            c.totals['contract_hours'] = c.paid_hours.quantize(
                HOUR, rounding=ROUND_HALF_UP)

    @classmethod
    def _add_absences(cls, computations):
        "Give each computation the approved absences of its month"
        pool = Pool()
        Absence = pool.get('coop.payroll.absence')
        by_month = defaultdict(list)
        for c in computations:
            by_month[c.start].append(c)
        handled = cls.handled_absence_kinds()
        for start, sub in by_month.items():
            absences = Absence.approved_in(
                [c.payslip.employee for c in sub], start, month_end(start))
            for c in sub:
                c.absences = absences.get(c.payslip.employee.id, [])
                for absence in c.absences:
                    if absence.kind not in handled:
                        raise PayslipError(gettext(
                                'coop_payroll.msg_payslip_absence_not_handled',
                                payslip=c.payslip.rec_name,
                                absence=absence.rec_name,
                                kind=absence.kind_string))

    @classmethod
    def unpaid_absence_kinds(cls):
        "The kinds of absence the base salary loses, by the hours missed"
        return {'unpaid_leave', 'unjustified'}

    @classmethod
    def handled_absence_kinds(cls):
        """The kinds of absence the computation knows how to pay: other
        legal leave (family events) keeps the salary; a module paying
        paid leave or sickness adds its kinds"""
        return cls.unpaid_absence_kinds() | {'other_legal'}

    @classmethod
    def _add_unpaid_absence(cls, c, contract, absence):
        """Deduct an unpaid absence by the hours missed over the real hours
        of the month (the monthly salary × days missed / working days of
        the month); return the contract hours it takes off the month"""
        days, hours, amount = c.absence_pay(contract, absence)
        if days:
            c.add_earning(
                'ABS_UNPAID', gettext(
                    'coop_payroll.msg_line_unpaid_absence',
                    kind=absence.kind_string, start=absence.start_date,
                    end=absence.end_date),
                -hours.quantize(HOUR, rounding=ROUND_HALF_UP),
                c.month_hour_rate(contract), -amount, absence=absence.id)
        # The contract's hours lose the share the pay loses (the SMIC of
        # the RGDU follows the pay)
        return c.monthly_hours(contract) * days / c.month_working_days

    @classmethod
    def compute_premiums(cls, computations):
        "The hours beyond the contract and their earning lines"
        for c in computations:
            c.totals['extra_hours'] = cls._add_premiums(c)

    @classmethod
    def _add_premiums(cls, c):
        "Add the premium lines of c; return the extra hours"
        tiers = defaultdict(Decimal)  # (contract, tier): hours
        parameters = c.parameters
        if c.monthly:
            # Another system counted the month: its overtime is split into
            # tiers over the month's weeks, as close as a total allows.
            contract = c.contract
            first, second = cls._monthly_tiers(
                c.monthly, contract, parameters, c.start)
            tiers[contract, 0] += first
            tiers[contract, 1] += second
        else:
            for monday in month_weeks(c.start):
                sunday = monday + dt.timedelta(days=6)
                contract = next(
                    (k for k in reversed(c.contracts)
                        if k.start_date <= sunday), c.contracts[0])
                first, second = premium_hours(
                    c.weekly.get(monday, Decimal(0)), contract.weekly_hours,
                    parameters)
                tiers[contract, 0] += first
                tiers[contract, 1] += second
        extra = Decimal(0)
        for (contract, tier), hours in tiers.items():
            if not hours:
                continue
            premium = premium_rates(contract.weekly_hours, parameters)[tier]
            rate = contract.hourly_wage * (1 + premium / 100)
            extra += hours
            full_time = is_full_time(contract.weekly_hours, parameters)
            c.add_earning(
                f'EXTRA{tier + 1}',
                gettext('coop_payroll.msg_line_overtime'
                    if full_time else 'coop_payroll.msg_line_extra_hours',
                    premium=premium.normalize()),
                hours, rate,
                (hours * rate).quantize(CENT, rounding=ROUND_HALF_UP))
        return extra

    @staticmethod
    def _monthly_tiers(monthly, contract, parameters, start):
        weeks = len(month_weeks(start))
        if is_full_time(contract.weekly_hours, parameters):
            worked = parameters['LEGAL_WEEKLY_HOURS'] * weeks
        else:
            worked = contract.weekly_hours * weeks
        return premium_hours(
            worked + monthly.overtime_hours, contract.weekly_hours,
            parameters, weeks=weeks)

    @classmethod
    def compute_bonuses(cls, computations):
        "The month's bonuses: gross pay subject to contributions"
        pool = Pool()
        Bonus = pool.get('coop.payroll.bonus')
        keys = {(c.payslip.company.id, c.payslip.employee.id, c.start): c
            for c in computations}
        for bonus in Bonus.search([
                    ('company', 'in', list({k[0] for k in keys})),
                    ('employee', 'in', list({k[1] for k in keys})),
                    ('month', 'in', list({k[2] for k in keys})),
                    ], order=[('id', 'ASC')]):
            c = keys.get((bonus.company.id, bonus.employee.id, bonus.month))
            if c:
                c.add_earning('BONUS', bonus.name, None, None, bonus.amount)

    @classmethod
    def compute_rule_amounts(cls, computations):
        "The named amounts the rules' bases read (Rule.base_names)"
        for c in computations:
            start, end, last = c.start, c.end, c.contract
            time_share = min(
                last.weekly_hours / c.parameters['LEGAL_WEEKLY_HOURS'], 1)
            # Calendar days employed, less the unpaid absences' (CSS
            # R242-2 since décret 2017-858)
            days_share = (Decimal(sum(
                        k.days_in(start, end) for k in c.contracts))
                - c.unpaid_calendar_days(cls.unpaid_absence_kinds())
                - c.unpaid_days_extra) / c.month_days
            c.amounts.update({
                    'gross': c.total('amount', 'earning'),
                    'hours': c.totals['contract_hours']
                    + c.totals['extra_hours'],
                    'ceiling': (c.parameters['PMSS'] * time_share
                        * days_share).quantize(CENT, rounding=ROUND_HALF_UP),
                    'mobility_allowance': last.mobility_allowance,
                    'bike_by_rider': Decimal(last.bike_supplier == 'rider'),
                    })

    @classmethod
    def compute_contributions(cls, computations):
        "The contribution and allowance lines of the salary structure's rules"
        rules = {}
        for c in computations:
            structure = c.contract.get_structure()
            if structure.id not in rules:
                rules[structure.id] = list(structure.rules)
            for rule in rules[structure.id]:
                line = rule.get_line(c.amounts, c.parameters)
                if line:
                    c.add_line(**line)

    @classmethod
    def compute_reductions(cls, computations):
        "Reductions of contributions: lines of kind reduction, negative"
        pass

    @classmethod
    def compute_totals(cls, computations):
        "The payslip's totals before income tax and after-net elements"
        for c in computations:
            gross = c.total('amount', 'earning')
            employee = c.total('employee_amount', 'contribution', 'reduction')
            employer = c.total('employer_amount', 'contribution', 'reduction')
            social = c.total(
                'employee_amount', 'contribution', 'reduction',
                flag='net_social')
            non_deductible = c.total(
                'employee_amount', 'contribution', 'reduction',
                flag='non_deductible')
            allowances = c.total('amount', 'allowance')
            net = gross - employee
            c.totals.update({
                    'contract': c.contract.id,
                    'hours_source': 'imported' if c.monthly else 'timesheet',
                    'gross': gross,
                    'employee_contributions': employee,
                    'employer_contributions': employer,
                    'allowances': allowances,
                    'net_social': gross - social,
                    'taxable_net': net + non_deductible,
                    'net_before_tax': net + allowances,
                    'income_tax': Decimal(0),
                    'net_pay': net + allowances,
                    })

    @classmethod
    def compute_taxes(cls, computations):
        """Taxes withheld from the net pay: lines of kind tax whose
        employee amount the net pay loses (income_tax)"""
        pass

    @classmethod
    def compute_after_net(cls, computations):
        "Elements paid or deducted after the net, changing net_pay"
        pass

    @classmethod
    def _line_rows(cls, computations):
        "The computed lines as rows of the same columns, numbered"
        rows = []
        for c in computations:
            for sequence, line in enumerate(c.lines, 1):
                line['payslip'] = c.payslip.id
                line.setdefault('sequence', sequence)
                rows.append(line)
        columns = set(LINE_COLUMNS).union(*rows)
        for row in rows:
            for name in columns:
                row.setdefault(name, None)
            row['employee_amount'] = row['employee_amount'] or Decimal(0)
            row['employer_amount'] = row['employer_amount'] or Decimal(0)
            row['net_social'] = bool(row['net_social'])
            row['non_deductible'] = bool(row['non_deductible'])
        return rows

    @classmethod
    def _chunks(cls, payslips):
        """The payslips re-read in small groups

        Tryton checks each record it instantiates against the whole list it
        was read with, which costs the square of the list's length: a month
        of payslips and their lines is worked through in chunks."""
        for sub_ids in grouped_slice([p.id for p in payslips], CHUNK):
            yield cls.browse(sub_ids)

    @classmethod
    @ModelView.button
    @Workflow.transition('confirmed')
    def confirm(cls, payslips):
        for company, company_payslips in cls.by_company(payslips):
            cls._confirm_company(company, company_payslips)

    @staticmethod
    def by_company(payslips):
        """(company, its payslips) pairs: each coop's payslips are numbered
        and posted with its own settings"""
        groups = defaultdict(list)
        for payslip in payslips:
            groups[payslip.company].append(payslip)
        return sorted(groups.items(), key=lambda item: item[0].id)

    @classmethod
    def _confirm_company(cls, company, payslips):
        "Number one company's payslips in its own sequence"
        pool = Pool()
        Configuration = pool.get('coop.payroll.configuration')
        config = Configuration.of_company(company)
        if not config.payslip_sequence:
            raise PayslipError(gettext(
                    'coop_payroll.msg_payslip_no_sequence',
                    company=company.rec_name))
        # Numbering locks the sequence: better before the work than after
        config.payslip_sequence.__class__.lock([config.payslip_sequence])
        computed = cls.contribution_totals(payslips)
        for payslip in payslips:
            if payslip.id not in computed:
                raise PayslipError(gettext(
                        'coop_payroll.msg_payslip_not_computed',
                        payslip=payslip.rec_name))
        to_write = []
        ordered = sorted(payslips, key=lambda p: (p.start_date, p.id))
        numbers = config.payslip_sequence.get_many(len(ordered)) \
            if ordered else []
        for payslip, number in zip(ordered, numbers):
            to_write.extend(([payslip], {'number': number}))
        if to_write:
            cls.write(*to_write)

    @classmethod
    def contribution_totals(cls, payslips):
        """{payslip id: {payee: employee + employer parts}} in SQL; every
        computed payslip is a key (its base salary line has no payee)"""
        pool = Pool()
        Line = pool.get('coop.payroll.payslip.line')
        line = Line.__table__()
        cursor = Transaction().connection.cursor()
        totals = defaultdict(lambda: defaultdict(Decimal))
        for sub_ids in grouped_slice(
                [p.id for p in payslips], backend.MAX_QUERY_PARAMS):
            cursor.execute(*line.select(
                    line.payslip, line.payee,
                    Sum(line.employee_amount + line.employer_amount),
                    where=fields.SQL_OPERATORS['in'](line.payslip, sub_ids),
                    group_by=[line.payslip, line.payee]))
            for payslip, payee, amount in cursor:
                # SQLite sums decimals as floats: back to the cent they are in
                totals[payslip][payee] += Decimal(str(amount or 0)).quantize(
                    CENT, rounding=ROUND_HALF_UP)
        return totals

    @classmethod
    @ModelView.button
    @Workflow.transition('posted')
    def post(cls, payslips):
        for company, company_payslips in cls.by_company(payslips):
            cls._post_company(company, company_payslips)

    @classmethod
    def _post_company(cls, company, payslips):
        "Post one company's payslips with its own journal and accounts"
        pool = Pool()
        Move = pool.get('account.move')
        Configuration = pool.get('coop.payroll.configuration')
        config = Configuration.of_company(company)
        groups = defaultdict(list)
        for payslip in payslips:
            if config.posting == 'batch' and payslip.batch:
                groups[payslip.batch].append(payslip)
            else:
                groups[payslip].append(payslip)
        origins = list(groups)
        cls._lock_posting(payslips, config)
        # An entry per payslip is posted in chunks, as is computing
        for sub_origins in grouped_slice(origins, CHUNK):
            sub_origins = list(sub_origins)
            totals = cls.contribution_totals(
                [p for o in sub_origins for p in groups[o]])
            moves = [cls.get_move(o, groups[o], config, totals)
                for o in sub_origins]
            cls._save_moves(moves)
            Move.post(moves)
            to_write = []
            for move, origin in zip(moves, sub_origins):
                to_write.extend((groups[origin], {'move': move.id}))
            cls.write(*to_write)

    @classmethod
    def _save_moves(cls, moves):
        """Save moves made with their lines in memory: the moves through the
        ORM, their lines in one insert once Tryton's own check of the lines
        has passed (a month of payslips makes thousands of lines, which
        create would check again one by one)"""
        pool = Pool()
        Move = pool.get('account.move')
        MoveLine = pool.get('account.move.line')
        # Moves without id hash as new: keep their lines by position
        lines = [list(move.lines) for move in moves]
        MoveLine.check_account([l for ls in lines for l in ls])
        for move in moves:
            move.lines = []
        Move.save(moves)
        template = stored_values(MoveLine, MoveLine(
                move=moves[0], account=lines[0][0].account,
                debit=Decimal(0), credit=Decimal(0)))
        insert(MoveLine, [{
                    **template,
                    'move': move.id,
                    'account': line.account.id,
                    'party': line.party.id if line.party else None,
                    'debit': line.debit,
                    'credit': line.credit,
                    'description': getattr(line, 'description', None),
                    } for move, move_lines in zip(moves, lines)
                for line in move_lines])
        Move.validate_move(moves)

    @classmethod
    def _lock_posting(cls, payslips, config):
        """Take first the locks that posting asks for (the move sequence,
        the journal's period): each lock asked for restarts the
        transaction, better before the work"""
        pool = Pool()
        MoveLine = pool.get('account.move.line')
        Period = pool.get('account.period')
        journal = config.get_required('journal')
        for company, date in {
                (p.company, month_end(p.start_date)) for p in payslips}:
            period = Period.find(company, date=date)
            sequence = period.move_sequence_used
            sequence.__class__.lock([sequence])
            MoveLine.check_journal_period_modify(period, journal)

    @classmethod
    def get_move(cls, origin, payslips, config, totals):
        "One balanced move for payslips, summed per account and party"
        pool = Pool()
        Move = pool.get('account.move')
        MoveLine = pool.get('account.move.line')
        Period = pool.get('account.period')
        company = payslips[0].company
        # end_date is a Function field: slow to read for many payslips
        date = max(month_end(p.start_date) for p in payslips)
        amounts = defaultdict(Decimal)
        for (account, party), amount in cls.moves_amounts(
                payslips, config, totals):
            amounts[account, party] += amount
        description = gettext('coop_payroll.msg_move_description',
            month=f'{payslips[0].start_date:%Y-%m}')
        lines = []
        for (account, party), amount in amounts.items():
            if not amount:
                continue
            # The FEC labels each line: its own description or none
            lines.append(MoveLine(
                    account=account, party=party,
                    debit=max(amount, Decimal(0)),
                    credit=max(-amount, Decimal(0)),
                    description=description))
        return Move(
            company=company, journal=config.get_required('journal'),
            date=date, period=Period.find(company, date=date),
            origin=origin, description=description,
            lines=lines)

    @classmethod
    def moves_amounts(cls, payslips, config, totals):
        """(account, party), amount pairs of payslips posted together

        A module adding amounts reads what it needs for all the payslips at
        once: reading each payslip's lines inside the list is quadratic."""
        for payslip in payslips:
            yield from payslip.move_amounts(config, totals[payslip.id])

    @classmethod
    def payee_account(cls, config, payee):
        "The account a payee's contributions (or tax) are credited to"
        return config.get_required({
                'urssaf': 'urssaf_account',
                'retirement': 'retirement_account',
                'other': 'other_social_account',
                }[payee])

    def move_amounts(self, config, contributions):
        """(account, party), amount pairs: debit positive, credit negative

        contributions: the payslip's {payee: amount}"""
        yield (config.get_required('wage_expense_account'), None), self.gross
        if self.employer_contributions:
            yield ((config.get_required('employer_expense_account'), None),
                self.employer_contributions)
        if self.allowances:
            yield ((config.get_required('allowance_expense_account'), None),
                self.allowances)
        for payee, amount in contributions.items():
            if payee and amount:
                yield (self.payee_account(config, payee), None), -amount
        yield ((config.get_required('net_payable_account'),
                self.employee.party), -self.net_pay)

    @classmethod
    @ModelView.button
    def correct(cls, payslips):
        """Cancel confirmed payslips by reversal ones and compute new drafts

        Return the new drafts."""
        pool = Pool()
        Line = pool.get('coop.payroll.payslip.line')
        for payslip in payslips:
            if (payslip.state == 'draft' or payslip.corrected
                    or payslip.reversal_of):
                raise PayslipError(gettext(
                        'coop_payroll.msg_payslip_correct',
                        payslip=payslip.rec_name))
        reversals = cls.copy(payslips, default={
                'reversal_of': lambda data: data['id'],
                })
        negated = cls.total_fields()
        to_write, lines = [], []
        for payslip, reversal in zip(payslips, reversals):
            to_write.extend(([reversal], {
                        name: -(getattr(payslip, name) or 0)
                        for name in negated}))
            for line in payslip.lines:
                lines.extend(Line.copy([line], default={
                            'payslip': reversal.id,
                            'amount': -line.amount if line.amount else None,
                            'employee_amount': -line.employee_amount,
                            'employer_amount': -line.employer_amount,
                            }))
        if to_write:
            cls.write(*to_write)
        cls.confirm(reversals)
        to_post = [r for p, r in zip(payslips, reversals)
            if p.state == 'posted']
        if to_post:
            # Posting asks for the journal even with nothing to post
            cls.post(to_post)
        drafts = cls.copy(payslips)
        cls.compute(drafts)
        return drafts


class PayslipLine(ModelSQL, ModelView):
    "An earning, a contribution or an allowance of a payslip"
    __name__ = 'coop.payroll.payslip.line'
    __string__ = "Payslip Line"

    payslip = fields.Many2One(
        'coop.payroll.payslip', "Payslip", required=True, ondelete='CASCADE')
    sequence = fields.Integer("Sequence")
    kind = fields.Selection(LINE_KINDS, "Kind", required=True)
    code = fields.Char("Code")
    name = fields.Char("Name", required=True)
    quantity = fields.Numeric(
        "Quantity", digits=(16, 2),
        help="The hours of an earning.")
    rate = fields.Numeric(
        "Rate", digits=(16, 4), help="The hourly wage of an earning, with "
        "its premium.")
    amount = fields.Numeric(
        "Amount", digits=(16, 2),
        help="The earning or allowance paid.")
    base = fields.Numeric("Base", digits=(16, 2))
    employee_rate = fields.Numeric("Employee Rate (%)", digits=(16, 4))
    employee_amount = fields.Numeric(
        "Employee Amount", digits=(16, 2), required=True)
    employer_rate = fields.Numeric("Employer Rate (%)", digits=(16, 4))
    employer_amount = fields.Numeric(
        "Employer Amount", digits=(16, 2), required=True)
    payee = fields.Selection([
            (None, ""),
            ('urssaf', "URSSAF"),
            ('retirement', "Complementary pension (Agirc-Arrco)"),
            ('other', "Other social body"),
            ], "Paid To")
    heading = fields.Selection(HEADINGS, "Payslip Heading")
    net_social = fields.Boolean("Social Contribution")
    non_deductible = fields.Boolean("Not Tax-Deductible")
    absence = fields.Many2One(
        'coop.payroll.absence', "Absence", readonly=True,
        ondelete='SET NULL',
        help="The absence the line deducts or pays.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('payslip', 'ASC'), ('sequence', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_employee_amount(cls):
        return Decimal(0)

    @classmethod
    def default_employer_amount(cls):
        return Decimal(0)

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        if external:
            for line in lines:
                if line.payslip.state != 'draft':
                    raise AccessError(gettext(
                            'coop_payroll.msg_payslip_modify_confirmed',
                            payslip=line.payslip.rec_name))


class PayslipComputation:
    """A draft payslip being computed: what the steps read (parameters,
    contracts, hours) and what they build (lines, the rules' amounts,
    totals), kept in memory until the lines are written at once"""

    def __init__(self, payslip, parameters, contracts, monthly, weekly):
        self.payslip = payslip
        self.parameters = parameters
        self.contracts = contracts
        self.monthly = monthly
        self.weekly = weekly
        self.lines = []
        self.absences = []
        self.paid_hours = Decimal(0)
        # Calendar days of absences a module leaves unpaid (the ceiling
        # loses them)
        self.unpaid_days_extra = Decimal(0)
        self.amounts = {}
        self.totals = {}
        self.start = payslip.start_date
        self.end = month_end(payslip.start_date)
        self.month_days = (self.end - self.start).days + 1

    @property
    def contract(self):
        "The contract in force at the end of the month"
        return self.contracts[-1]

    @property
    def month_working_days(self):
        "The days of the month from Monday to Friday"
        return working_days(self.start, self.end)

    def contract_on(self, date):
        "The contract in force on date (the month's last when none is)"
        for contract in reversed(self.contracts):
            if contract.start_date <= date and (
                    not contract.end_date or contract.end_date >= date):
                return contract
        return self.contract

    def contract_span(self, contract):
        "The first and last days of the month under contract"
        return (max(self.start, contract.start_date),
            min(self.end, contract.end_date or self.end))

    def monthly_hours(self, contract):
        return contract.monthly_hours()

    def monthly_salary(self, contract):
        return contract.monthly_salary()

    def presence_share(self, contract):
        """The share of the month's real hours the contract covers: its
        working days over the month's"""
        first, last = self.contract_span(contract)
        month = self.month_working_days
        present = working_days(first, last)
        if present >= month:
            return Decimal(1)
        return Decimal(present) / month

    def month_hour_rate(self, contract):
        """The monthly salary over the real hours of the month: the rate
        an absence is deducted at"""
        daily = contract.weekly_hours / len(WORKING_WEEKDAYS)
        return (self.monthly_salary(contract)
            / (self.month_working_days * daily)).quantize(
            Decimal('0.0001'), rounding=ROUND_HALF_UP)

    def absence_pay(self, contract, absence):
        """The working days and hours of the contract absence misses this
        month, and the salary they are worth by the real hours of the
        month"""
        first, last = self.contract_span(contract)
        days = absence.working_days_in(first, last)
        daily = contract.weekly_hours / len(WORKING_WEEKDAYS)
        amount = (self.monthly_salary(contract) * days
            / self.month_working_days).quantize(
            CENT, rounding=ROUND_HALF_UP)
        return days, days * daily, amount

    def unpaid_calendar_days(self, kinds):
        "The calendar days of the month absences of kinds leave unpaid"
        return sum((a.calendar_days_in(self.start, self.end)
                for a in self.absences if a.kind in kinds), Decimal(0))

    def lines_of(self, *kinds):
        return [l for l in self.lines if l['kind'] in kinds]

    def add_line(self, **values):
        self.lines.append(values)
        return values

    def add_earning(self, code, name, hours, rate, amount, **values):
        return self.add_line(
            kind='earning', code=code, name=name, quantity=hours, rate=rate,
            amount=amount, **values)

    def total(self, column, *kinds, flag=None):
        "The sum of column over the lines of kinds (with flag set)"
        return sum((l.get(column) or Decimal(0) for l in self.lines_of(*kinds)
                if flag is None or l.get(flag)), Decimal(0))
