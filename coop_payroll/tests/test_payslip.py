# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Payslips worked out by hand, to the cent

Rates, SMIC and ceiling are the shipped 2026 parameters (SMIC 12.02 EUR,
ceiling 4,005 EUR). Every amount is base × rate / 100 rounded half up to the
cent; the CSG/CRDS base is 98.25 % of the gross, rounded to the cent.
The company has 10 employees (setup_payroll): FNAL 0.10 % on band 1,
vocational training 0.55 %, no mobility levy. Since 1 January 2026 health
(13 %) and family (5.25 %) have one rate for every wage (décret 2025-887);
the employer's total is net of the RGDU (coop_payroll_fr's tests check its
arithmetic) and the net pay is after income tax at source.
"""
import datetime as dt
import unittest
from decimal import Decimal as D
from unittest import mock

from trytond.modules.company.tests import create_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from coop_payroll.payslip import PayslipError

from coop_tools.testing import activate_suite, commit_setup, company_records

from .tools import (
    compute_payslip, create_rider, payroll_fixture, record_hours, week_of)

# A full-time SMIC month: 12.02 × 35 × 52 / 12 = 1,823.0333 → 1,823.03
# (151.67 hours); every band-1 base is the whole gross.
SMIC_MONTH = [
    # code, base, employee part, employer part
    ('VIEIL_PLAF', D('1823.03'), D('125.79'), D('155.87')),  # 6.90 / 8.55
    ('VIEIL_DEPLAF', D('1823.03'), D('7.29'), D('38.47')),  # 0.40 / 2.11
    ('AGIRC_T1', D('1823.03'), D('57.43'), D('86.05')),  # 3.15 / 4.72
    ('CEG_T1', D('1823.03'), D('15.68'), D('23.52')),  # 0.86 / 1.29
    ('MALADIE', D('1823.03'), D(0), D('236.99')),  # 13.00
    ('ALLOC_FAM', D('1823.03'), D(0), D('95.71')),  # 5.25
    ('CHOMAGE', D('1823.03'), D(0), D('72.92')),  # 4.00
    ('AGS', D('1823.03'), D(0), D('4.56')),  # 0.25
    ('FNAL', D('1823.03'), D(0), D('1.82')),  # 0.10
    ('CSA', D('1823.03'), D(0), D('5.47')),  # 0.30
    ('ATMP', D('1823.03'), D(0), D('36.46')),  # 2.00
    ('CSG_DED', D('1791.13'), D('121.80'), D(0)),  # 1,823.03 × 98.25 %
    ('CSG_NONDED', D('1791.13'), D('42.99'), D(0)),
    ('CRDS', D('1791.13'), D('8.96'), D(0)),
    ('FORMATION', D('1823.03'), D(0), D('10.03')),  # 0.55
    ('APPRENTISSAGE', D('1823.03'), D(0), D('10.76')),  # 0.59
    ('DIALOGUE_SOCIAL', D('1823.03'), D(0), D('0.29')),  # 0.016
    ]


class PayslipTestCase(unittest.TestCase):
    "Compute payslips"

    @classmethod
    def setUpClass(cls):
        activate_suite('coop_payroll', extras=['coop_payroll_fr'])
        # The company and its payroll settings built once, committed; each
        # test rolls back its riders, hours and payslips
        cls.data = commit_setup(lambda: payroll_fixture(create_company()))

    def coop(self):
        "The class's company, as the user's company, by key"
        return company_records(self.data)

    def compute(self, company, employee, month):
        return compute_payslip(company, employee, month)

    def assertLines(self, payslip, earnings, contributions):
        self.assertEqual([
                (l.code, l.quantity, l.rate, l.amount)
                for l in payslip.lines if l.kind == 'earning'], earnings)
        self.assertEqual([
                (l.code, l.base, l.employee_amount, l.employer_amount)
                for l in payslip.lines if l.kind == 'contribution'],
            contributions)

    def assertTotals(self, payslip, **totals):
        self.assertEqual(
            {name: getattr(payslip, name) for name in totals}, totals)

    @with_transaction()
    def test_full_time_smic_month(self):
        "A full-time SMIC month, 35 hours every week"
        with self.coop() as data:
            company = data['company']
            rider = create_rider(company, "Awa", dt.date(2026, 1, 1), '12.02')
            for monday in [dt.date(2026, 2, 23), dt.date(2026, 3, 2),
                    dt.date(2026, 3, 9), dt.date(2026, 3, 16),
                    dt.date(2026, 3, 23)]:
                record_hours(company, rider, week_of(monday, 7, 7, 7, 7, 7))

            payslip = self.compute(company, rider, dt.date(2026, 3, 1))

        self.assertLines(payslip,
            [('BASE', D('151.67'), D('12.02'), D('1823.03'))], SMIC_MONTH)
        # Employer 778.92 less the RGDU 725.75; taxable net below 1,620:
        # no income tax
        self.assertTotals(payslip,
            gross=D('1823.03'), employee_contributions=D('379.94'),
            employer_contributions=D('53.17'), net_pay=D('1443.09'),
            net_social=D('1443.09'), taxable_net=D('1495.04'),
            extra_hours=D(0), hours_source='timesheet')

    @with_transaction()
    def test_part_time_extra_hours(self):
        "A 24-hour part-timer with extra hours in two weeks"
        with self.coop() as data:
            company = data['company']
            rider = create_rider(
                company, "Léo", dt.date(2026, 1, 1), '12.50',
                weekly_hours=24, bike_supplier='rider',
                mobility_allowance=D('20.00'))
            # April 2026: the weeks ending on 5, 12, 19 and 26 April
            record_hours(company, rider, week_of(
                    dt.date(2026, 3, 30), 8, 8, 8))
            # 27 h: 2.4 h (a tenth of 24) at +10 %, 0.6 h at +25 %
            record_hours(company, rider, week_of(
                    dt.date(2026, 4, 6), 9, 9, 9))
            record_hours(company, rider, week_of(
                    dt.date(2026, 4, 13), 8, 8, 8))
            # 26 h: 2 h at +10 %
            record_hours(company, rider, week_of(
                    dt.date(2026, 4, 20), 8, 8, 10))

            payslip = self.compute(company, rider, dt.date(2026, 4, 1))

        # Base: 24 × 52 / 12 = 104 h × 12.50 = 1,300.00
        # +10 %: 4.4 h × 13.75 = 60.50; +25 %: 0.6 h × 15.625 = 9.375 → 9.38
        self.assertLines(payslip, [
                ('BASE', D('104.00'), D('12.50'), D('1300.00')),
                ('EXTRA1', D('4.40'), D('13.7500'), D('60.50')),
                ('EXTRA2', D('0.60'), D('15.6250'), D('9.38')),
                ], [
                # Part-time ceiling: 4,005 × 24 / 35 = 2,746.29
                ('VIEIL_PLAF', D('1369.88'), D('94.52'), D('117.12')),
                ('VIEIL_DEPLAF', D('1369.88'), D('5.48'), D('28.90')),
                ('AGIRC_T1', D('1369.88'), D('43.15'), D('64.66')),
                ('CEG_T1', D('1369.88'), D('11.78'), D('17.67')),
                ('MALADIE', D('1369.88'), D(0), D('178.08')),
                ('ALLOC_FAM', D('1369.88'), D(0), D('71.92')),
                ('CHOMAGE', D('1369.88'), D(0), D('54.80')),
                ('AGS', D('1369.88'), D(0), D('3.42')),
                ('FNAL', D('1369.88'), D(0), D('1.37')),
                ('CSA', D('1369.88'), D(0), D('4.11')),
                ('ATMP', D('1369.88'), D(0), D('27.40')),
                ('CSG_DED', D('1345.91'), D('91.52'), D(0)),
                ('CSG_NONDED', D('1345.91'), D('32.30'), D(0)),
                ('CRDS', D('1345.91'), D('6.73'), D(0)),
                ('FORMATION', D('1369.88'), D(0), D('7.53')),
                ('APPRENTISSAGE', D('1369.88'), D(0), D('8.08')),
                ('DIALOGUE_SOCIAL', D('1369.88'), D(0), D('0.22')),
                ])
        allowance, = [l for l in payslip.lines if l.kind == 'allowance']
        self.assertEqual((allowance.code, allowance.amount), ('FMD', D(20)))
        # Employee 285.48 less the extra hours' reduction 7.90; employer
        # 585.28 less the RGDU 487.54; net 1,369.88 − 277.58 = 1,092.30,
        # paid with the 20.00 allowance; the taxable net leaves out the
        # exempt extra hours (coop_payroll_fr's tests give the arithmetic)
        self.assertTotals(payslip,
            gross=D('1369.88'), employee_contributions=D('277.58'),
            employer_contributions=D('97.74'), allowances=D('20.00'),
            net_pay=D('1112.30'), net_social=D('1092.30'),
            taxable_net=D('1066.12'), extra_hours=D('5.00'))

    @with_transaction()
    def test_full_time_overtime_straddling_week(self):
        "Overtime in two weeks of April, one of them begun in March"
        with self.coop() as data:
            company = data['company']
            rider = create_rider(company, "Inès", dt.date(2026, 1, 1), '12.02')
            # 30 March - 5 April belongs to April (its Sunday): 44 h,
            # 20 of them in March: 8 h at +25 %, 1 h at +50 %
            record_hours(company, rider, week_of(
                    dt.date(2026, 3, 30), 10, 10, 8, 8, 8))
            record_hours(company, rider, week_of(
                    dt.date(2026, 4, 6), 7, 7, 7, 7, 7))
            # 38 h: 3 h at +25 %
            record_hours(company, rider, week_of(
                    dt.date(2026, 4, 13), 8, 8, 8, 7, 7))
            record_hours(company, rider, week_of(
                    dt.date(2026, 4, 20), 7, 7, 7, 7, 7))
            # 27 April - 3 May belongs to May: its 5 h over are May's
            record_hours(company, rider, week_of(
                    dt.date(2026, 4, 27), 8, 8, 8, 8, 8))

            april = self.compute(company, rider, dt.date(2026, 4, 1))
            may = self.compute(company, rider, dt.date(2026, 5, 1))

        # 11 h × 12.02 × 1.25 = 165.275 → 165.28; 1 h × 18.03
        self.assertLines(april, [
                ('BASE', D('151.67'), D('12.02'), D('1823.03')),
                ('EXTRA1', D('11.00'), D('15.0250'), D('165.28')),
                ('EXTRA2', D('1.00'), D('18.0300'), D('18.03')),
                ], [
                ('VIEIL_PLAF', D('2006.34'), D('138.44'), D('171.54')),
                ('VIEIL_DEPLAF', D('2006.34'), D('8.03'), D('42.33')),
                ('AGIRC_T1', D('2006.34'), D('63.20'), D('94.70')),
                ('CEG_T1', D('2006.34'), D('17.25'), D('25.88')),
                ('MALADIE', D('2006.34'), D(0), D('260.82')),
                ('ALLOC_FAM', D('2006.34'), D(0), D('105.33')),
                ('CHOMAGE', D('2006.34'), D(0), D('80.25')),
                ('AGS', D('2006.34'), D(0), D('5.02')),
                ('FNAL', D('2006.34'), D(0), D('2.01')),
                ('CSA', D('2006.34'), D(0), D('6.02')),
                ('ATMP', D('2006.34'), D(0), D('40.13')),
                ('CSG_DED', D('1971.23'), D('134.04'), D(0)),
                ('CSG_NONDED', D('1971.23'), D('47.31'), D(0)),
                ('CRDS', D('1971.23'), D('9.86'), D(0)),
                ('FORMATION', D('2006.34'), D(0), D('11.03')),
                ('APPRENTISSAGE', D('2006.34'), D(0), D('11.84')),
                ('DIALOGUE_SOCIAL', D('2006.34'), D(0), D('0.32')),
                ])
        # Employee 418.13 less the overtime reduction 20.73; employer
        # 857.22 less the RGDU 760.40 (coop_payroll_fr's tests)
        self.assertTotals(april,
            gross=D('2006.34'), employee_contributions=D('397.40'),
            employer_contributions=D('96.82'), net_pay=D('1608.94'),
            net_social=D('1608.94'), taxable_net=D('1495.05'),
            extra_hours=D('12.00'))
        self.assertEqual(
            [(l.code, l.quantity) for l in may.lines if l.kind == 'earning'],
            [('BASE', D('151.67')), ('EXTRA1', D('5.00'))])

    @with_transaction()
    def test_above_ceiling_band_2(self):
        "A wage above the ceiling pays band-2 contributions"
        with self.coop() as data:
            company = data['company']
            rider = create_rider(company, "Zoé", dt.date(2026, 1, 1), '30')

            payslip = self.compute(company, rider, dt.date(2026, 1, 1))

        # 30 × 151.6667 = 4,550.00; band 1 = 4,005, band 2 = 545.00
        self.assertLines(payslip, [
                ('BASE', D('151.67'), D('30'), D('4550.00')),
                ], [
                ('VIEIL_PLAF', D('4005'), D('276.35'), D('342.43')),
                ('VIEIL_DEPLAF', D('4550.00'), D('18.20'), D('96.01')),
                ('AGIRC_T1', D('4005'), D('126.16'), D('189.04')),
                ('AGIRC_T2', D('545.00'), D('47.09'), D('70.58')),
                ('CEG_T1', D('4005'), D('34.44'), D('51.66')),
                ('CEG_T2', D('545.00'), D('5.89'), D('8.83')),
                # CET: gross above the ceiling, bands 1 and 2
                ('CET', D('4550.00'), D('6.37'), D('9.56')),
                ('MALADIE', D('4550.00'), D(0), D('591.50')),
                ('ALLOC_FAM', D('4550.00'), D(0), D('238.88')),
                ('CHOMAGE', D('4550.00'), D(0), D('182.00')),
                ('AGS', D('4550.00'), D(0), D('11.38')),
                ('FNAL', D('4005'), D(0), D('4.01')),
                ('CSA', D('4550.00'), D(0), D('13.65')),
                ('ATMP', D('4550.00'), D(0), D('91.00')),
                ('CSG_DED', D('4470.38'), D('303.99'), D(0)),
                ('CSG_NONDED', D('4470.38'), D('107.29'), D(0)),
                ('CRDS', D('4470.38'), D('22.35'), D(0)),
                ('FORMATION', D('4550.00'), D(0), D('25.03')),
                ('APPRENTISSAGE', D('4550.00'), D(0), D('26.85')),
                ('DIALOGUE_SOCIAL', D('4550.00'), D(0), D('0.73')),
                ])
        # Employer 1,953.14 less the RGDU: ½ × (3 × 1,823.03 / 4,550 − 1)
        # = 0.100999, ^1.75 = 0.018095, 0.02 + 0.3781 × 0.018095 = 0.0268;
        # 4,550 × 0.0268 = 121.94. Taxable net 3,731.51 in the 3,539–3,983
        # bracket of the neutral grid: 11.9 %, 444.05; net paid 3,601.87 −
        # 444.05
        self.assertTotals(payslip,
            gross=D('4550.00'), employee_contributions=D('948.13'),
            employer_contributions=D('1831.20'), net_pay=D('3157.82'),
            net_before_tax=D('3601.87'), income_tax=D('444.05'),
            net_social=D('3601.87'), taxable_net=D('3731.51'))



class AbsencePayslipTestCase(PayslipTestCase):
    """Unpaid absences and entry mid-month, by the real hours of the month

    March 2026 has 22 working days (Monday to Friday) and 31 calendar
    days; a 35-hour week is 7 hours a day, the month's real hours
    22 × 7 = 154. The monthly salary is weekly hours × 52 / 12 × the
    hourly wage, unrounded until the line."""

    @with_transaction()
    def test_unpaid_day(self):
        "An unpaid Monday off a full-time SMIC month"
        pool = Pool()
        Absence = pool.get('coop.payroll.absence')
        with self.coop() as data:
            company = data['company']
            rider = create_rider(company, "Awa", dt.date(2026, 1, 1), '12.02')
            for monday in [dt.date(2026, 2, 23), dt.date(2026, 3, 2),
                    dt.date(2026, 3, 9), dt.date(2026, 3, 23)]:
                record_hours(company, rider, week_of(monday, 7, 7, 7, 7, 7))
            record_hours(company, rider, week_of(
                    dt.date(2026, 3, 16), 0, 7, 7, 7, 7))
            absence, = Absence.create([{
                        'employee': rider.id, 'kind': 'unpaid_leave',
                        'start_date': dt.date(2026, 3, 16),
                        'end_date': dt.date(2026, 3, 16)}])
            Absence.approve([absence])

            payslip = self.compute(company, rider, dt.date(2026, 3, 1))

        # Deduction: 1,823.0333 × 7 / 154 = 1,823.0333 / 22 = 82.8652
        # → 82.87, at 1,823.0333 / 154 = 11.8379 an hour
        self.assertEqual([
                (l.code, l.quantity, l.rate, l.amount)
                for l in payslip.lines if l.kind == 'earning'], [
                ('BASE', D('151.67'), D('12.02'), D('1823.03')),
                ('ABS_UNPAID', D('-7.00'), D('11.8379'), D('-82.87')),
                ])
        # gross 1,823.03 − 82.87 = 1,740.16; CSG base × 98.25 % =
        # 1,709.7072 → 1,709.71
        self.assertEqual([
                (l.code, l.base, l.employee_amount)
                for l in payslip.lines if l.code in {
                    'VIEIL_PLAF', 'VIEIL_DEPLAF', 'AGIRC_T1', 'CEG_T1',
                    'CSG_DED', 'CSG_NONDED', 'CRDS'}], [
                ('VIEIL_PLAF', D('1740.16'), D('120.07')),  # 6.90 % 120.0710
                ('VIEIL_DEPLAF', D('1740.16'), D('6.96')),  # 0.40 % 6.9606
                ('AGIRC_T1', D('1740.16'), D('54.82')),  # 3.15 % 54.8150
                ('CEG_T1', D('1740.16'), D('14.97')),  # 0.86 % 14.9654
                ('CSG_DED', D('1709.71'), D('116.26')),  # 6.80 % 116.2603
                ('CSG_NONDED', D('1709.71'), D('41.03')),  # 2.40 % 41.0330
                ('CRDS', D('1709.71'), D('8.55')),  # 0.50 % 8.5486
                ])
        # Employee 120.07 + 6.96 + 54.82 + 14.97 + 116.26 + 41.03 + 8.55
        # = 362.66; net 1,740.16 − 362.66 = 1,377.50; taxable net
        # 1,377.50 + 41.03 + 8.55 = 1,427.08, below 1,620: no tax.
        # Hours paid 151.6667 × 21 / 22 = 144.7727; the RGDU's SMIC term
        # 12.02 × 144.7727 = 1,740.1682 → 1,740.17 (D241-7: the SMIC
        # prorated as the pay), three SMIC over the gross: coefficient
        # at its maximum 0.3981, 1,740.16 × 0.3981 = 692.7577 → 692.76
        self.assertTotals(payslip,
            gross=D('1740.16'), employee_contributions=D('362.66'),
            net_pay=D('1377.50'), taxable_net=D('1427.08'),
            contract_hours=D('144.77'), extra_hours=D(0),
            rgdu_smic=D('1740.17'), rgdu=D('692.76'))

    @with_transaction()
    def test_start_on_the_10th(self):
        "A start on Tuesday 10 March, above the prorated ceiling"
        with self.coop() as data:
            company = data['company']
            rider = create_rider(company, "Léo", dt.date(2026, 3, 10), '30')

            payslip = self.compute(company, rider, dt.date(2026, 3, 1))

        # Working days 10–31 March: 4 + 5 + 5 + 2 = 16 of 22. Monthly
        # 151.6667 h × 30 = 4,550.00; × 16 / 22 = 3,309.0909 → 3,309.09,
        # hours 151.6667 × 16 / 22 = 110.3030 → 110.30 (by calendar days
        # it would have been 4,550 × 22 / 31 = 3,229.03)
        self.assertEqual([
                (l.code, l.quantity, l.rate, l.amount)
                for l in payslip.lines if l.kind == 'earning'], [
                ('BASE', D('110.30'), D('30'), D('3309.09')),
                ])
        # Ceiling by calendar days employed (CSS R242-2): 4,005 × 22 / 31
        # = 2,842.2581 → 2,842.26; band 2: 3,309.09 − 2,842.26 = 466.83
        self.assertEqual([
                (l.code, l.base, l.employee_amount, l.employer_amount)
                for l in payslip.lines if l.code in {
                    'VIEIL_PLAF', 'AGIRC_T1', 'AGIRC_T2'}], [
                # 6.90 % 196.1159, 8.55 % 243.0132
                ('VIEIL_PLAF', D('2842.26'), D('196.12'), D('243.01')),
                # 3.15 % 89.5312, 4.72 % 134.1547
                ('AGIRC_T1', D('2842.26'), D('89.53'), D('134.15')),
                # 8.64 % 40.3341, 12.95 % 60.4545
                ('AGIRC_T2', D('466.83'), D('40.33'), D('60.45')),
                ])
        # The RGDU's SMIC term on the same hours: 12.02 × 110.3030 =
        # 1,325.8424 → 1,325.84
        self.assertTotals(payslip,
            gross=D('3309.09'), contract_hours=D('110.30'),
            rgdu_smic=D('1325.84'))

    @with_transaction()
    def test_absence_kinds(self):
        """Family leave keeps the salary; an absence no installed module
        pays (the engine alone: a work accident) is refused"""
        pool = Pool()
        Absence = pool.get('coop.payroll.absence')
        Payslip = pool.get('coop.payroll.payslip')
        with self.coop() as data:
            company = data['company']
            rider = create_rider(company, "Awa", dt.date(2026, 1, 1), '12.02')
            family, accident = Absence.create([{
                        'employee': rider.id, 'kind': 'other_legal',
                        'start_date': dt.date(2026, 3, 2),
                        'end_date': dt.date(2026, 3, 3)}, {
                        'employee': rider.id, 'kind': 'work_accident',
                        'start_date': dt.date(2026, 4, 6),
                        'end_date': dt.date(2026, 4, 9)}])
            Absence.approve([family, accident])

            march = self.compute(company, rider, dt.date(2026, 3, 1))
            self.assertEqual(
                [(l.code, l.amount) for l in march.lines
                    if l.kind == 'earning'],
                [('BASE', D('1823.03'))])
            april, = Payslip.create([{
                        'company': company.id, 'employee': rider.id,
                        'start_date': dt.date(2026, 4, 1),
                        'payment_date': dt.date(2026, 4, 28)}])
            # The engine's kinds alone, as without coop_payroll_fr
            engine_kinds = classmethod(
                lambda cls: cls.unpaid_absence_kinds() | {'other_legal'})
            with mock.patch.object(
                    Payslip, 'handled_absence_kinds', engine_kinds), \
                    self.assertRaises(PayslipError) as cm:
                Payslip.compute([april])
            self.assertIn(accident.rec_name, str(cm.exception))
