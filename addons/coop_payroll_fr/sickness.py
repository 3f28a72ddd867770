# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Sick leave (non-work sickness) on the payslip

- The stoppage's working days are deducted by the real hours of the month
  (ABS_MAL), as an unpaid absence.
- The health insurer's daily allowances (IJSS, CSS L323-1, R323-1 to -5):
  for each calendar day from the (IJSS_WAITING_DAYS + 1)th of the stoppage,
  IJSS_RATE % of the daily basic wage: the gross of the three calendar
  months before the stoppage's month (each at most IJSS_CAP_SMIC × the
  monthly SMIC) / IJSS_REFERENCE_DAYS, rounded to the cent. The gross is
  that of the confirmed payslips.
- The employer's sick pay (L1226-1, D1226-1 to -8): with
  SICK_PAY_SENIORITY_YEARS of seniority (from the first contract), from the
  (SICK_PAY_WAITING_DAYS + 1)th calendar day, SICK_PAY_RATE_1 % of the
  gross the days would have earned for N days, then SICK_PAY_RATE_2 % for
  N more, N = SICK_PAY_DAYS + SICK_PAY_DAYS_STEP per whole
  SICK_PAY_STEP_YEARS of seniority beyond the first year, at most
  SICK_PAY_DAYS_MAX; less the gross IJSS of the same days (D1226-5). The
  days the twelve months before the stoppage paid count (D1226-4).
- Subrogation (an option of the absence): the net IJSS (less the CSG
  IJSS_CSG and CRDS IJSS_CRDS on them) are paid with the pay (line
  IJSS_SUBRO, outside contributions), their taxable part (net + the
  non-deductible CSG + CRDS) enters the taxable net, and the payslip's
  ijss_advanced is owed by the insurer: posted to the IJSS account, then
  reconciled with the insurer's payments (coop.payroll.ijss_receipt).
- The ceiling loses the calendar days no pay maintains (CSS R242-2); the
  RGDU's SMIC term follows the pay (D241-7).
- A work accident (its absence starting the day after the accident, which
  the employer pays in full: L433-1) has no waiting days; its IJSS are
  IJSS_AT_RATE_1 % of the daily wage (the gross of the month before the
  stoppage's / IJSS_AT_REFERENCE_DAYS, at most IJSS_AT_CAP_PASS % of the
  yearly ceiling) up to the IJSS_AT_RATE_1_DAYS-th day, IJSS_AT_RATE_2 %
  after (R433-1 to -4); the employer's sick pay starts on its first day
  (SICK_PAY_AT_WAITING_DAYS, D1226-3); IJSS_AT_TAXABLE % of its IJSS is
  taxable (CGI 80 quinquies).
"""
import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta

from coop_payroll.absence import WORKING_WEEKDAYS
from coop_payroll.hours import HOUR
from coop_payroll.rule import CENT, percent_of

from .absence import SICKNESS_KINDS

COUNTED_STATES = ['confirmed', 'posted']
DAY = dt.timedelta(days=1)


def months_before(month, count):
    "The first days of the count calendar months before month"
    months = []
    for _ in range(count):
        month = (month - DAY).replace(day=1)
        months.append(month)
    return months


def seniority_years(first_start, date):
    "The whole years from first_start to date"
    years = date.year - first_start.year
    if (date.month, date.day) < (first_start.month, first_start.day):
        years -= 1
    return years


def sick_pay_days(parameters, years):
    """The days paid at each rate for a seniority of years (D1226-1,
    D1226-2); 0 without the seniority required"""
    p = parameters
    required = p['SICK_PAY_SENIORITY_YEARS']
    if years < required:
        return 0
    steps = int((years - required) // p['SICK_PAY_STEP_YEARS'])
    return int(min(p['SICK_PAY_DAYS'] + p['SICK_PAY_DAYS_STEP'] * steps,
            p['SICK_PAY_DAYS_MAX']))


def ijss_daily(parameters, grosses):
    """The daily allowance for the three months' gross: IJSS_RATE % of
    their sum, each month at most IJSS_CAP_SMIC × the monthly SMIC, over
    IJSS_REFERENCE_DAYS, rounded to the cent"""
    p = parameters
    smic_month = (p['SMIC_HOURLY'] * p['LEGAL_WEEKLY_HOURS'] * 52 / 12)
    cap = p['IJSS_CAP_SMIC'] * smic_month
    base = sum((min(g, cap) for g in grosses), Decimal(0))
    return (base / p['IJSS_REFERENCE_DAYS'] * p['IJSS_RATE'] / 100
        ).quantize(CENT, rounding=ROUND_HALF_UP)


def sick_pay_waiting_days(parameters, absence):
    "The days before the employer's sick pay starts (D1226-3)"
    return int(parameters['SICK_PAY_AT_WAITING_DAYS'
            if absence.kind == 'work_accident' else 'SICK_PAY_WAITING_DAYS'])


def ijss_at_daily_wage(parameters, gross):
    """The daily wage of a work accident's IJSS: the month's gross over
    IJSS_AT_REFERENCE_DAYS, at most IJSS_AT_CAP_PASS % of the yearly
    ceiling (12 monthly ceilings), unrounded"""
    p = parameters
    cap = p['PMSS'] * 12 * p['IJSS_AT_CAP_PASS'] / 100
    return min(gross / p['IJSS_AT_REFERENCE_DAYS'], cap)


def day_ijss(parameters, absence, base, number):
    """The IJSS of the stoppage's number-th calendar day (from 1): base is
    the daily allowance of a sickness, the daily wage of a work accident"""
    p = parameters
    if absence.kind == 'work_accident':
        rate = (p['IJSS_AT_RATE_1'] if number <= p['IJSS_AT_RATE_1_DAYS']
            else p['IJSS_AT_RATE_2'])
        return (base * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    if number > p['IJSS_WAITING_DAYS']:
        return base
    return Decimal(0)


class Payslip(metaclass=PoolMeta):
    __name__ = 'coop.payroll.payslip'

    ijss_gross = fields.Numeric(
        "IJSS", digits=(16, 2), readonly=True,
        help="The month's daily allowances from the health insurer, gross.")
    ijss_advanced = fields.Numeric(
        "IJSS Advanced", digits=(16, 2), readonly=True,
        help="The net daily allowances the payslip pays under subrogation, "
        "owed to the employer by the health insurer.")
    sick_pay = fields.Numeric(
        "Employer Sick Pay", digits=(16, 2), readonly=True,
        help="The employer's complement to the daily allowances (L1226-1).")

    @classmethod
    def total_fields(cls):
        return super().total_fields() + [
            'ijss_gross', 'ijss_advanced', 'sick_pay']

    @classmethod
    def handled_absence_kinds(cls):
        return super().handled_absence_kinds() | SICKNESS_KINDS

    @classmethod
    def compute_base_pay(cls, computations):
        super().compute_base_pay(computations)
        sick = []
        for c in computations:
            c.totals.update({
                    'ijss_gross': Decimal(0),
                    'ijss_advanced': Decimal(0),
                    'sick_pay': Decimal(0),
                    })
            c.sickness = []
            if any(a.kind in SICKNESS_KINDS for a in c.absences):
                sick.append(c)
        if not sick:
            return
        absences = [a for c in sick for a in c.absences
            if a.kind in SICKNESS_KINDS]
        daily = cls._ijss_bases(absences)
        first_starts = cls._first_contract_starts(
            {a.employee.id for a in absences})
        consumed = cls._sick_pay_consumed(absences)
        for c in sick:
            for absence in c.absences:
                if absence.kind in SICKNESS_KINDS:
                    cls._add_sickness(
                        c, absence, daily[absence],
                        first_starts[absence.employee.id], consumed[absence])

    @classmethod
    def _ijss_bases(cls, absences):
        """{absence: its daily allowance (sickness) or daily wage (work
        accident)}, from the confirmed payslips' gross"""
        pool = Pool()
        Parameter = pool.get('coop.payroll.parameter')
        months = {a: months_before(a.start_date.replace(day=1),
                1 if a.kind == 'work_accident' else 3)
            for a in absences}
        grosses = defaultdict(Decimal)
        for payslip in cls.search([
                    ('employee', 'in',
                        list({a.employee.id for a in absences})),
                    ('start_date', 'in', list(
                            {m for ms in months.values() for m in ms})),
                    ('state', 'in', COUNTED_STATES),
                    ]):
            # A reversal counts, negative
            grosses[payslip.employee.id, payslip.start_date] += (
                payslip.gross or 0)
        bases = {}
        for absence in absences:
            parameters = Parameter.values_at(absence.start_date)
            values = [grosses[absence.employee.id, m]
                for m in months[absence]]
            if absence.kind == 'work_accident':
                bases[absence] = ijss_at_daily_wage(parameters, values[0])
            else:
                bases[absence] = ijss_daily(parameters, values)
        return bases

    @classmethod
    def _first_contract_starts(cls, employee_ids):
        "{employee id: the start of the first contract}: seniority's origin"
        pool = Pool()
        Contract = pool.get('coop.payroll.contract')
        starts = {}
        for contract in Contract.search([
                    ('employee', 'in', list(employee_ids)),
                    ], order=[('start_date', 'ASC')]):
            starts.setdefault(contract.employee.id, contract.start_date)
        return starts

    @classmethod
    def _sick_pay_consumed(cls, absences):
        """{absence: the days of sick pay its employee's earlier sick
        leaves of the twelve months before it used}"""
        pool = Pool()
        Absence = pool.get('coop.payroll.absence')
        Parameter = pool.get('coop.payroll.parameter')
        consumed = {}
        for absence in absences:
            start = absence.start_date
            window = start.replace(year=start.year - 1)
            parameters = Parameter.values_at(start)
            days = 0
            for other in Absence.search([
                        ('employee', '=', absence.employee.id),
                        ('kind', 'in', list(SICKNESS_KINDS)),
                        ('state', '=', 'approved'),
                        ('start_date', '<', start),
                        ('end_date', '>=', window),
                        ]):
                waiting = sick_pay_waiting_days(parameters, other)
                first_paid = other.start_date + dt.timedelta(days=waiting)
                first = max(first_paid, window)
                last = min(other.end_date, start - DAY)
                days += max((last - first).days + 1, 0)
            consumed[absence] = days
        return consumed

    @classmethod
    def _add_sickness(cls, c, absence, daily, first_start, consumed):
        """The lines of a sick leave in c's month: its deduction, the
        employer's sick pay; its IJSS kept for the totals"""
        p = c.parameters
        lost = hours_share = Decimal(0)
        for contract in c.contracts:
            days, hours, amount = c.absence_pay(contract, absence)
            if not days:
                continue
            accident = absence.kind == 'work_accident'
            c.add_earning(
                'ABS_AT' if accident else 'ABS_MAL', gettext(
                    'coop_payroll_fr.msg_line_accident_absence' if accident
                    else 'coop_payroll_fr.msg_line_sick_absence',
                    start=absence.start_date, end=absence.end_date),
                -hours.quantize(HOUR, rounding=ROUND_HALF_UP),
                c.month_hour_rate(contract), -amount, absence=absence.id)
            lost += amount
            hours_share += (c.monthly_hours(contract) * days
                / c.month_working_days)
        pay_waiting = sick_pay_waiting_days(p, absence)
        each = sick_pay_days(
            p, seniority_years(first_start, absence.start_date))
        rates = [p['SICK_PAY_RATE_1'], p['SICK_PAY_RATE_2']]
        first = max(c.start, absence.start_date)
        last = min(c.end, absence.end_date)
        ijss = ijss_days = Decimal(0)
        # Per rate: the salary the days would have earned, their IJSS
        salary = [Decimal(0), Decimal(0)]
        tier_ijss = [Decimal(0), Decimal(0)]
        unpaid_days = Decimal(0)
        day = first
        while day <= last:
            number = (day - absence.start_date).days + 1
            calendar = absence.calendar_days_in(day, day)
            day_amount = day_ijss(p, absence, daily, number)
            if day_amount:
                ijss += day_amount
                ijss_days += 1
            paid = number - pay_waiting + consumed
            tier = None
            if each and number > pay_waiting and paid <= 2 * each:
                tier = 0 if paid <= each else 1
            if tier is None:
                unpaid_days += calendar
            else:
                tier_ijss[tier] += day_amount
                if day.weekday() in WORKING_WEEKDAYS:
                    contract = c.contract_on(day)
                    salary[tier] += (c.monthly_salary(contract)
                        * absence.working_days_in(day, day)
                        / c.month_working_days)
            day += DAY
        sick_pay = Decimal(0)
        for tier, rate in enumerate(rates):
            if not salary[tier]:
                continue
            amount = max(salary[tier] * rate / 100 - tier_ijss[tier],
                Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP)
            if amount:
                c.add_earning(
                    f'SICK_PAY{tier + 1}', gettext(
                        'coop_payroll_fr.msg_line_sick_pay',
                        rate=rate.normalize()),
                    None, None, amount, absence=absence.id)
                sick_pay += amount
        c.totals['ijss_gross'] += ijss
        c.totals['sick_pay'] += sick_pay
        c.unpaid_days_extra += unpaid_days
        if lost:
            c.paid_hours -= hours_share * (lost - sick_pay) / lost
            c.totals['contract_hours'] = c.paid_hours.quantize(
                HOUR, rounding=ROUND_HALF_UP)
        c.sickness.append((absence, ijss, ijss_days))

    @classmethod
    def compute_totals(cls, computations):
        super().compute_totals(computations)
        for c in computations:
            for absence, gross, days in getattr(c, 'sickness', []):
                if absence.subrogation and gross:
                    cls._add_subrogation(c, absence, gross, days)

    @classmethod
    def _add_subrogation(cls, c, absence, gross, days):
        "Pay the net IJSS with the pay, for the insurer to repay them"
        p = c.parameters
        csg = percent_of(gross, p['IJSS_CSG'])
        crds = percent_of(gross, p['IJSS_CRDS'])
        deductible = percent_of(gross, p['IJSS_CSG_DED'])
        net = gross - csg - crds
        taxable = gross - deductible
        if absence.kind == 'work_accident':
            taxable = percent_of(taxable, p['IJSS_AT_TAXABLE'])
        c.add_line(
            kind='allowance', code='IJSS_SUBRO',
            name=gettext('coop_payroll_fr.msg_line_ijss_subrogation',
                days=days.normalize(), gross=gross, csg=csg, crds=crds),
            quantity=days, base=gross, amount=net, absence=absence.id)
        c.totals['ijss_advanced'] += net
        c.totals['net_before_tax'] += net
        c.totals['net_pay'] += net
        c.totals['taxable_net'] += taxable

    def move_amounts(self, config, contributions):
        yield from super().move_amounts(config, contributions)
        if self.ijss_advanced:
            yield ((config.get_required('ijss_account'), None),
                self.ijss_advanced)
