# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The French steps of the payslip computation

- Rules read the company's headcount (thresholds of 11 and 50 employees),
  its notified AT/MP rate and its local mobility-levy rate.
- Complementary health and provident covers add their lines; the
  employer's share enters the CSG/CRDS base (rule data) and, for health,
  the taxable net and the « montant net social ».
- Overtime and extra hours: the employee contribution reduction (CSS
  L241-17, D241-21: at most OVERTIME_REDUCTION_MAX, never more than the
  employee's own pension rates) and the income-tax exemption (CGI 81
  quater) up to OVERTIME_TAX_CEILING a year; the CSG/CRDS on the exempt
  part is not deductible.
- RGDU (CSS L241-13, D241-7): the coefficient on the calendar year's
  cumulated SMIC term and gross, regularised every month; the Agirc-Arrco
  share (RGDU_RETIREMENT_RATE of the maximum) is declared to Agirc-Arrco,
  the rest to URSSAF.
- Income tax at source (CGI 204 H): the employee's personalised rate, else
  the neutral grid, on the taxable net.
"""
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from sql import Literal
from sql.aggregate import Sum
from sql.conditionals import Coalesce

from trytond import backend
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from coop_payroll.rule import CENT, percent_of


# The employee's old-age pension contributions, whose rates cap the
# overtime reduction (CSS D241-21)
PENSION_CODES = {
    'VIEIL_PLAF', 'VIEIL_DEPLAF', 'AGIRC_T1', 'AGIRC_T2', 'CEG_T1', 'CEG_T2',
    'CET'}
# Summed over the calendar year by the year-to-date figures
YEAR_FIELDS = [
    'gross', 'taxable_net', 'income_tax', 'overtime_exempt', 'rgdu',
    'rgdu_smic']
COUNTED_STATES = ['confirmed', 'posted']


def _round(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def rgdu_coefficient(smic, gross, parameters, headcount):
    """The RGDU coefficient (CSS D241-7) for a SMIC term and a gross pay,
    rounded to RGDU_COEFFICIENT_DIGITS decimals (4): Tmin + Tdelta × (½ × (3 × SMIC / gross − 1))^P,
    at most Tmin + Tdelta, nil from 3 SMIC"""
    if gross <= 0:
        return Decimal(0)
    limit = parameters['RGDU_SMIC_LIMIT']
    if gross >= limit * smic:
        return Decimal(0)
    tmin = parameters['RGDU_TMIN']
    tdelta = rgdu_tdelta(parameters, headcount)
    ratio = min((limit * smic / gross - 1) / 2, Decimal(1))
    coefficient = tmin + tdelta * ratio ** parameters['RGDU_POWER']
    digits = int(parameters['RGDU_COEFFICIENT_DIGITS'])
    return min(coefficient, tmin + tdelta).quantize(
        Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def rgdu_tdelta(parameters, headcount):
    return parameters[
        'RGDU_TDELTA_GE50' if headcount >= 50 else 'RGDU_TDELTA_LT50']


class Payslip(metaclass=PoolMeta):
    __name__ = 'coop.payroll.payslip'

    rgdu = fields.Numeric(
        "RGDU", digits=(16, 2), readonly=True,
        help="The month's general degressive reduction of the employer's "
        "contributions, regularised on the year to date.")
    rgdu_smic = fields.Numeric(
        "RGDU SMIC Term", digits=(16, 2), readonly=True,
        help="The SMIC of the month for the contract's hours, plus the SMIC "
        "hourly rate times the overtime and extra hours.")
    overtime_pay = fields.Numeric(
        "Overtime Pay", digits=(16, 2), readonly=True)
    overtime_exempt = fields.Numeric(
        "Overtime Exempt from Income Tax", digits=(16, 2), readonly=True)
    income_tax_rate = fields.Numeric(
        "Withholding Rate (%)", digits=(16, 2), readonly=True)
    income_tax_origin = fields.Selection([
            (None, ""),
            ('personalised', "Personalised rate"),
            ('neutral', "Neutral grid"),
            ], "Withholding Rate From", readonly=True)
    ytd_gross = fields.Function(
        fields.Numeric("Gross, Year to Date", digits=(16, 2)),
        'get_year_to_date')
    ytd_taxable_net = fields.Function(
        fields.Numeric("Taxable Net, Year to Date", digits=(16, 2)),
        'get_year_to_date')
    ytd_income_tax = fields.Function(
        fields.Numeric("Income Tax, Year to Date", digits=(16, 2)),
        'get_year_to_date')
    ytd_overtime_exempt = fields.Function(
        fields.Numeric("Exempt Overtime, Year to Date", digits=(16, 2)),
        'get_year_to_date')
    ytd_rgdu = fields.Function(
        fields.Numeric("RGDU, Year to Date", digits=(16, 2)),
        'get_year_to_date')
    ytd_rgdu_smic = fields.Function(
        fields.Numeric("RGDU SMIC Term, Year to Date", digits=(16, 2)),
        'get_year_to_date')

    @classmethod
    def total_fields(cls):
        return super().total_fields() + [
            'rgdu', 'rgdu_smic', 'overtime_pay', 'overtime_exempt']

    @classmethod
    def copy(cls, payslips, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('income_tax_rate', None)
        default.setdefault('income_tax_origin', None)
        return super().copy(payslips, default=default)

    # Year to date

    @classmethod
    def year_sums(cls, keys, before=True):
        """{(company, employee, month): {field: sum}} over the confirmed and
        posted payslips of the month's calendar year, before the month
        (with it, when before is False)"""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        sums = {k: {f: _round(0) for f in YEAR_FIELDS} for k in keys}
        # One query per company and month, for all its employees
        groups = defaultdict(list)
        for company, employee, month in keys:
            groups[company, month].append(employee)
        for (company, month), employees in groups.items():
            for sub_employees in grouped_slice(
                    sorted(set(employees)), backend.MAX_QUERY_PARAMS):
                where = ((table.company == company)
                    & table.employee.in_(list(sub_employees))
                    & (table.state.in_(COUNTED_STATES))
                    & (table.start_date >= month.replace(month=1, day=1)))
                if before:
                    where &= table.start_date < month
                else:
                    where &= table.start_date <= month
                cursor.execute(*table.select(
                        table.employee,
                        *[Sum(Coalesce(getattr(table, f), Literal(0)))
                            for f in YEAR_FIELDS],
                        where=where, group_by=[table.employee]))
                for employee, *row in cursor:
                    sums[company, employee, month] = {
                        f: _round(v or 0) for f, v in zip(YEAR_FIELDS, row)}
        return sums

    @classmethod
    def get_year_to_date(cls, payslips, names):
        """The year's sums up to the payslip's month (a draft counts
        itself on top of the confirmed ones)"""
        keys = {p: (p.company.id, p.employee.id, p.start_date)
            for p in payslips}
        sums = cls.year_sums(set(keys.values()), before=False)
        result = {n: {} for n in names}
        for payslip in payslips:
            year = sums[keys[payslip]]
            for name in names:
                field = name[len('ytd_'):]
                value = year[field]
                if payslip.state == 'draft':
                    value += getattr(payslip, field) or 0
                result[name][payslip.id] = value
        return result

    # Computation steps

    @classmethod
    def compute_rule_amounts(cls, computations):
        pool = Pool()
        Configuration = pool.get('coop.payroll.configuration')
        super().compute_rule_amounts(computations)
        # Each coop's headcount and notified rates
        headcounts, rates = {}, {}
        for company in {c.payslip.company for c in computations}:
            config = Configuration.of_company(company)
            headcounts[company] = config.get_required('headcount')
            rates[company] = company_rates = {}
            if config.atmp_rate is not None:
                company_rates['ATMP_PAT'] = config.atmp_rate
            if config.mobility_rate is not None:
                company_rates['MOBILITE_PAT'] = config.mobility_rate
        covers = cls._covers(computations)
        for c in computations:
            headcount = headcounts[c.payslip.company]
            company_rates = rates[c.payslip.company]
            if company_rates:
                c.parameters = c.parameters.__class__(
                    c.parameters.date, {**c.parameters, **company_rates})
            c.amounts['headcount'] = Decimal(headcount)
            c.covers = []
            for cover in covers[c.payslip.company.id]:
                if (cover.start_date <= c.end
                        and (not cover.end_date or cover.end_date >= c.end)
                        and not cover.exempts(c.payslip.employee, c.end)):
                    c.covers.append(
                        (cover, *cover.parts(c.amounts['gross'])))
            c.amounts['health_employer'] = sum(
                (e for _, _, e in c.covers), Decimal(0))

    @classmethod
    def _covers(cls, computations):
        pool = Pool()
        Cover = pool.get('coop.payroll.health_cover')
        covers = defaultdict(list)
        for cover in Cover.search([
                    ('company', 'in', list(
                            {c.payslip.company.id for c in computations})),
                    ]):
            covers[cover.company.id].append(cover)
        return covers

    @classmethod
    def compute_contributions(cls, computations):
        super().compute_contributions(computations)
        for c in computations:
            for cover, employee, employer in c.covers:
                c.add_line(
                    kind='contribution',
                    code=cover.kind.upper(), name=cover.name,
                    base=(c.amounts['gross']
                        if cover.computation == 'rate' else None),
                    employee_rate=(cover.rate * (100 - cover.employer_share)
                        / 100 if cover.computation == 'rate' else None),
                    employee_amount=employee,
                    employer_rate=(cover.rate * cover.employer_share / 100
                        if cover.computation == 'rate' else None),
                    employer_amount=employer,
                    payee='other', heading='health', net_social=True)

    @classmethod
    def compute_reductions(cls, computations):
        super().compute_reductions(computations)
        years = cls.year_sums({
                (c.payslip.company.id, c.payslip.employee.id, c.start)
                for c in computations})
        for c in computations:
            c.year = years[
                c.payslip.company.id, c.payslip.employee.id, c.start]
            cls._add_overtime_reduction(c)
            cls._add_rgdu(c)

    @classmethod
    def _add_overtime_reduction(cls, c):
        "The employee contribution reduction on overtime and extra hours"
        overtime = sum((l['amount'] for l in c.lines_of('earning')
                if l['code'].startswith('EXTRA')), Decimal(0))
        c.totals['overtime_pay'] = overtime
        c.overtime_rate = Decimal(0)
        if not overtime:
            return
        pension = [l for l in c.lines_of('contribution')
            if l['code'] in PENSION_CODES]
        pension_rate = sum(
            (l['employee_rate'] or 0 for l in pension), Decimal(0))
        rate = min(c.parameters['OVERTIME_REDUCTION_MAX'], pension_rate)
        amount = min(percent_of(overtime, rate),
            sum((l['employee_amount'] for l in pension), Decimal(0)))
        c.overtime_rate = rate
        c.overtime_pension_rest = percent_of(
            overtime, max(pension_rate - rate, 0))
        if amount:
            c.add_line(
                kind='reduction', code='OVERTIME_REDUCTION',
                name=gettext('coop_payroll_fr.msg_line_overtime_reduction'),
                base=overtime, employee_rate=-rate, employee_amount=-amount,
                payee='urssaf', heading='relief', net_social=True)

    @classmethod
    def _add_rgdu(cls, c):
        """The month's RGDU: the year's reduction on the cumulated figures
        less what the year's earlier payslips took"""
        p = c.parameters
        headcount = c.amounts['headcount']
        smic = p['SMIC_HOURLY']
        # The contract's hours of the month, prorated as the base salary
        # is for entry, exit and unpaid absences (D241-7)
        smic_term = _round(smic * c.paid_hours) + _round(
            smic * c.totals['extra_hours'])
        gross = c.amounts['gross']
        c.totals['rgdu_smic'] = smic_term
        year_smic = c.year['rgdu_smic'] + smic_term
        year_gross = c.year['gross'] + gross
        coefficient = rgdu_coefficient(year_smic, year_gross, p, headcount)
        reduction = _round(coefficient * year_gross) - c.year['rgdu']
        c.totals['rgdu'] = reduction
        c.rgdu_coefficient = coefficient
        if not reduction:
            return
        maximum = p['RGDU_TMIN'] + rgdu_tdelta(p, headcount)
        retirement = _round(
            reduction * p['RGDU_RETIREMENT_RATE'] / 100 / maximum)
        rate = -coefficient * 100
        c.add_line(
            kind='reduction', code='RGDU',
            name=gettext('coop_payroll_fr.msg_line_rgdu_urssaf'),
            base=gross, employer_rate=rate,
            employer_amount=-(reduction - retirement), payee='urssaf',
            heading='relief')
        if retirement:
            c.add_line(
                kind='reduction', code='RGDU_RETRAITE',
                name=gettext('coop_payroll_fr.msg_line_rgdu_retirement'),
                base=gross, employer_rate=rate, employer_amount=-retirement,
                payee='retirement', heading='relief')

    @classmethod
    def compute_totals(cls, computations):
        super().compute_totals(computations)
        for c in computations:
            p = c.parameters
            health = sum((e for cover, _, e in c.covers
                    if cover.kind == 'health'), Decimal(0))
            c.totals['net_social'] += health
            c.totals['taxable_net'] += health
            overtime = c.totals['overtime_pay']
            exempt = Decimal(0)
            if overtime:
                # Overtime net of its deductible contributions
                exempt = overtime - c.overtime_pension_rest
                room = max(p['OVERTIME_TAX_CEILING']
                    - c.year['overtime_exempt'], Decimal(0))
                share = min(exempt, room)
                # The CSG on the exempt part is not deductible
                csg = _round(percent_of(share, p['CSG_BASE'])
                    * p['CSG_DED'] / 100)
                exempt = share
                c.totals['taxable_net'] += csg - exempt
            c.totals['overtime_exempt'] = exempt

    @classmethod
    def compute_taxes(cls, computations):
        pool = Pool()
        Rate = pool.get('coop.payroll.income_tax.rate')
        Bracket = pool.get('coop.payroll.income_tax.bracket')
        super().compute_taxes(computations)
        by_date = defaultdict(list)
        for c in computations:
            by_date[c.payslip.payment_date].append(c)
        for date, sub in by_date.items():
            rates = Rate.rates_at([c.payslip.employee for c in sub], date)
            for c in sub:
                base = c.totals['taxable_net']
                rate = rates.get(c.payslip.employee.id)
                if rate is not None:
                    origin = 'personalised'
                else:
                    origin = 'neutral'
                    rate = Bracket.neutral_rate(base, date)
                amount = percent_of(max(base, Decimal(0)), rate)
                c.totals['income_tax_rate'] = rate
                c.totals['income_tax_origin'] = origin
                c.totals['income_tax'] = amount
                c.totals['net_pay'] -= amount
                c.add_line(
                    kind='tax', code='PAS',
                    name=gettext('coop_payroll_fr.msg_line_income_tax'
                        if origin == 'personalised'
                        else 'coop_payroll_fr.msg_line_income_tax_neutral'),
                    base=base, employee_rate=rate, employee_amount=amount,
                    payee='tax')

    @classmethod
    def payee_account(cls, config, payee):
        if payee == 'tax':
            return config.get_required('income_tax_account')
        return super().payee_account(config, payee)


class PayslipLine(metaclass=PoolMeta):
    __name__ = 'coop.payroll.payslip.line'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        selection = list(cls.payee.selection)
        if ('tax', "Tax office") not in selection:
            selection.append(('tax', "Tax office"))
        cls.payee.selection = selection
