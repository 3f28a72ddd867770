# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""French payslips of 2026 worked out by hand, to the cent

The law: ../shared/reference/payroll-fr.md, 2026 section. SMIC 12.02 EUR an
hour, ceiling 4,005 EUR; a company of 10 employees (below 11 and 50):
FNAL 0.10 % on band 1, vocational training 0.55 %, no mobility levy, RGDU
Tdelta 0.3781. AT/MP is the shipped 2.00 %. Every amount is base × rate /
100 rounded half up to the cent; the CSG/CRDS base is 98.25 % of the gross
(plus the employer's health share), rounded to the cent.

The full-time SMIC month (1,823.03 gross) that several cases share:
- employee: old age capped 6.90 % 125.79, uncapped 0.40 % 7.29, Agirc-Arrco
  band 1 3.15 % 57.43, CEG 0.86 % 15.68; CSG base 1,823.03 × 98.25 % =
  1,791.13: CSG 6.80 % 121.80, CSG 2.40 % 42.99, CRDS 0.50 % 8.96;
  total 379.94
- employer: 8.55 % 155.87, 2.11 % 38.47, 4.72 % 86.05, 1.29 % 23.52, health
  13 % 236.99, family 5.25 % 95.71, unemployment 4 % 72.92, AGS 0.25 % 4.56,
  FNAL 0.10 % 1.82, CSA 0.30 % 5.47, AT/MP 2 % 36.46, training 0.55 % 10.03,
  apprenticeship tax 0.59 % 10.76, social dialogue 0.016 % 0.29;
  total 778.92
- RGDU: SMIC term 12.02 × 35 × 52 / 12 = 1,823.0333 → 1,823.03, so
  3 × SMIC / gross − 1 = 2, ½ × 2 = 1, 1^1.75 = 1: coefficient
  0.02 + 0.3781 = 0.3981; 1,823.03 × 0.3981 = 725.748 → 725.75 (the
  reference check); Agirc-Arrco share 725.75 × 6.01 % / 0.3981 = 109.5644
  → 109.56, URSSAF 616.19; employer total 778.92 − 725.75 = 53.17
- net before income tax 1,823.03 − 379.94 = 1,443.09; taxable net
  1,443.09 + 42.99 + 8.96 = 1,495.04, below 1,620: neutral rate 0 %
"""
import datetime as dt
from decimal import Decimal

from trytond.model.exceptions import ValidationError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from coop_tools.languages import load_french
from coop_tools.testing import SuiteDatabase

from coop_payroll.tests.tools import (
    compute_payslip, create_rider, pages_text, record_hours, setup_payroll,
    week_of)

from coop_payroll_fr import income_tax
from coop_payroll_fr.payslip import rgdu_coefficient

D = Decimal
MARCH = dt.date(2026, 3, 1)
SMIC_EMPLOYER = D('778.92')
SMIC_EMPLOYEE = D('379.94')
FULL_WEEKS = [dt.date(2026, 2, 23), dt.date(2026, 3, 2), dt.date(2026, 3, 9),
    dt.date(2026, 3, 16), dt.date(2026, 3, 23)]


class PayrollFrTestCase(SuiteDatabase, ModuleTestCase):
    "French payroll 2026"
    module = 'coop_payroll_fr'

    def payslip(self, company, employee, month, confirm=False, **values):
        return compute_payslip(company, employee, month, confirm, **values)

    def line(self, payslip, code):
        line, = [l for l in payslip.lines if l.code == code]
        return line

    def full_time_rider(self, company, name="Awa", wage='12.02', weeks=()):
        rider = create_rider(company, name, dt.date(2026, 1, 1), wage)
        for monday in weeks:
            record_hours(company, rider, week_of(monday, 7, 7, 7, 7, 7))
        return rider

    @with_transaction()
    def test_rgdu_coefficient(self):
        "The decree's formula: capped at the SMIC, nil from 3 SMIC"
        Parameter = Pool().get('coop.payroll.parameter')
        p = Parameter.values_at(MARCH)
        smic = D('1823.03')
        self.assertEqual(rgdu_coefficient(smic, smic, p, 10), D('0.3981'))
        self.assertEqual(rgdu_coefficient(smic, smic, p, 50), D('0.4021'))
        # 2 SMIC: ½ × (3 / 2 − 1) = 0.25; 0.25^1.75 = 0.088388;
        # 0.02 + 0.3781 × 0.088388 = 0.053419 → 0.0534
        self.assertEqual(
            rgdu_coefficient(smic, 2 * smic, p, 10), D('0.0534'))
        self.assertEqual(rgdu_coefficient(smic, 3 * smic, p, 10), D(0))

    @with_transaction()
    def test_smic_month(self):
        "A full-time SMIC month: 2026 rates, RGDU, neutral PAS at 0 %"
        company = create_company()
        with set_company(company):
            setup_payroll(company)
            rider = self.full_time_rider(company, weeks=FULL_WEEKS)
            payslip = self.payslip(company, rider, MARCH)

        self.assertEqual(
            [(l.code, l.base, l.employer_amount) for l in payslip.lines
                if l.code in {'MALADIE', 'ALLOC_FAM', 'FORMATION',
                    'APPRENTISSAGE', 'DIALOGUE_SOCIAL', 'RGDU',
                    'RGDU_RETRAITE'}],
            [('MALADIE', D('1823.03'), D('236.99')),
                ('ALLOC_FAM', D('1823.03'), D('95.71')),
                ('FORMATION', D('1823.03'), D('10.03')),
                ('APPRENTISSAGE', D('1823.03'), D('10.76')),
                ('DIALOGUE_SOCIAL', D('1823.03'), D('0.29')),
                ('RGDU', D('1823.03'), D('-616.19')),
                ('RGDU_RETRAITE', D('1823.03'), D('-109.56'))])
        self.assertEqual(self.line(payslip, 'RGDU').employer_rate,
            D('-39.81'))
        # No mobility levy nor FNAL 0.50 % below 11 and 50 employees
        self.assertFalse({'MOBILITE', 'FNAL_50', 'FORMATION_11'}
            & {l.code for l in payslip.lines})
        pas = self.line(payslip, 'PAS')
        self.assertEqual((pas.base, pas.employee_rate, pas.employee_amount),
            (D('1495.04'), D(0), D(0)))
        self.assertEqual(
            (payslip.gross, payslip.employee_contributions,
                payslip.employer_contributions, payslip.rgdu,
                payslip.rgdu_smic, payslip.net_before_tax,
                payslip.income_tax, payslip.net_pay, payslip.taxable_net,
                payslip.income_tax_origin),
            (D('1823.03'), SMIC_EMPLOYEE, D('53.17'), D('725.75'),
                D('1823.03'), D('1443.09'), D(0), D('1443.09'),
                D('1495.04'), 'neutral'))

    @with_transaction()
    def test_part_time_extra_hours(self):
        "A 24-hour part-timer with extra hours: RGDU on the prorated SMIC"
        company = create_company()
        with set_company(company):
            setup_payroll(company)
            rider = create_rider(
                company, "Léo", dt.date(2026, 1, 1), '12.50',
                weekly_hours=24, bike_supplier='rider',
                mobility_allowance=D('20.00'))
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
            payslip = self.payslip(company, rider, dt.date(2026, 4, 1))

        # Base 24 × 52 / 12 = 104 h × 12.50 = 1,300.00; +10 %: 4.4 h ×
        # 13.75 = 60.50; +25 %: 0.6 h × 15.625 = 9.38; gross 1,369.88,
        # extra hours 69.88 (5 h)
        self.assertEqual(payslip.gross, D('1369.88'))
        self.assertEqual(payslip.overtime_pay, D('69.88'))
        # Employee: 94.52 + 5.48 + 43.15 + 11.78 (pension 11.31 %);
        # CSG base 1,369.88 × 98.25 % = 1,345.91: 91.52 + 32.30 + 6.73;
        # 285.48, less the overtime reduction min(11.31 %, 6.90 + 0.40 +
        # 3.15 + 0.86 = 11.31 %) × 69.88 = 7.9034 → 7.90: 277.58
        reduction = self.line(payslip, 'OVERTIME_REDUCTION')
        self.assertEqual(
            (reduction.base, reduction.employee_rate,
                reduction.employee_amount),
            (D('69.88'), D('-11.31'), D('-7.90')))
        self.assertEqual(payslip.employee_contributions, D('277.58'))
        # RGDU: SMIC term 12.02 × 104 = 1,250.08 plus 12.02 × 5 = 60.10:
        # 1,310.18; ½ × (3 × 1,310.18 / 1,369.88 − 1) = 0.934629;
        # 0.934629^1.75 = 0.888406; 0.02 + 0.3781 × 0.888406 = 0.355906
        # → 0.3559; 1,369.88 × 0.3559 = 487.54; Agirc-Arrco 487.54 ×
        # 0.0601 / 0.3981 = 73.60, URSSAF 413.94
        self.assertEqual(payslip.rgdu_smic, D('1310.18'))
        self.assertEqual(payslip.rgdu, D('487.54'))
        self.assertEqual(
            (self.line(payslip, 'RGDU').employer_amount,
                self.line(payslip, 'RGDU_RETRAITE').employer_amount),
            (D('-413.94'), D('-73.60')))
        # Employer: 117.12 + 28.90 + 64.66 + 17.67 + 178.08 + 71.92 +
        # 54.80 + 3.42 + 1.37 + 4.11 + 27.40 + 7.53 + 8.08 + 0.22 = 585.28,
        # less 487.54: 97.74
        self.assertEqual(payslip.employer_contributions, D('97.74'))
        # Net 1,369.88 − 277.58 = 1,092.30, + 20.00 mobility = 1,112.30.
        # Taxable: 1,092.30 + 32.30 + 6.73 = 1,131.33, less the exempt
        # extra hours 69.88 (no pension contribution left on them), plus
        # their CSG made non-deductible: 69.88 × 98.25 % = 68.66 × 6.80 %
        # = 4.67: 1,066.12
        self.assertEqual(payslip.overtime_exempt, D('69.88'))
        self.assertEqual(payslip.taxable_net, D('1066.12'))
        self.assertEqual(
            (payslip.income_tax, payslip.net_pay), (D(0), D('1112.30')))

    @with_transaction()
    def test_overtime_in_two_weeks(self):
        "Overtime in two weeks: employee reduction, tax exemption, RGDU"
        company = create_company()
        with set_company(company):
            setup_payroll(company)
            rider = create_rider(company, "Inès", dt.date(2026, 1, 1), '12.02')
            # 30 March - 5 April is April's (its Sunday): 44 h, 8 h at
            # +25 %, 1 h at +50 %
            record_hours(company, rider, week_of(
                    dt.date(2026, 3, 30), 10, 10, 8, 8, 8))
            record_hours(company, rider, week_of(
                    dt.date(2026, 4, 6), 7, 7, 7, 7, 7))
            # 38 h: 3 h at +25 %
            record_hours(company, rider, week_of(
                    dt.date(2026, 4, 13), 8, 8, 8, 7, 7))
            record_hours(company, rider, week_of(
                    dt.date(2026, 4, 20), 7, 7, 7, 7, 7))
            payslip = self.payslip(company, rider, dt.date(2026, 4, 1))

        # 11 h × 15.025 = 165.28, 1 h × 18.03: overtime pay 183.31, gross
        # 1,823.03 + 183.31 = 2,006.34
        self.assertEqual(
            (payslip.gross, payslip.overtime_pay, payslip.extra_hours),
            (D('2006.34'), D('183.31'), D('12.00')))
        # Employee: 138.44 + 8.03 + 63.20 + 17.25 + CSG on 1,971.23:
        # 134.04 + 47.31 + 9.86 = 418.13; reduction 183.31 × 11.31 % =
        # 20.7324 → 20.73: 397.40
        self.assertEqual(
            self.line(payslip, 'OVERTIME_REDUCTION').employee_amount,
            D('-20.73'))
        self.assertEqual(payslip.employee_contributions, D('397.40'))
        # Net 2,006.34 − 397.40 = 1,608.94; taxable 1,608.94 + 47.31 +
        # 9.86 = 1,666.11 − 183.31 exempt + 183.31 × 98.25 % = 180.10 ×
        # 6.80 % = 12.25 of CSG not deductible: 1,495.05, below 1,620
        # (0 %; without the exemption 1,666.11 would pay 0.5 %)
        self.assertEqual(
            (payslip.overtime_exempt, payslip.taxable_net,
                payslip.income_tax, payslip.net_pay),
            (D('183.31'), D('1495.05'), D(0), D('1608.94')))
        # RGDU: SMIC term 1,823.03 + 12.02 × 12 h = 144.24: 1,967.27;
        # ½ × (3 × 1,967.27 / 2,006.34 − 1) = 0.970790; ^1.75 = 0.949444;
        # 0.02 + 0.3781 × 0.949444 = 0.378985 → 0.3790; 2,006.34 × 0.3790
        # = 760.40; Agirc-Arrco 760.40 × 0.0601 / 0.3981 = 114.80
        self.assertEqual(
            (payslip.rgdu_smic, payslip.rgdu,
                self.line(payslip, 'RGDU').employer_amount,
                self.line(payslip, 'RGDU_RETRAITE').employer_amount),
            (D('1967.27'), D('760.40'), D('-645.60'), D('-114.80')))

    @with_transaction()
    def test_above_ceiling_neutral_rate(self):
        "A wage above the ceiling: band 2, no RGDU, PAS at the neutral rate"
        company = create_company()
        with set_company(company):
            setup_payroll(company)
            rider = self.full_time_rider(company, "Zoé", wage='40')
            payslip = self.payslip(company, rider, dt.date(2026, 1, 1))

        # 40 × 35 × 52 / 12 = 6,066.67; band 1 4,005, band 2 2,061.67.
        # Employee: 4,005 × 6.90 % = 276.35; 6,066.67 × 0.40 % = 24.27;
        # 4,005 × 3.15 % = 126.16; 2,061.67 × 8.64 % = 178.13; 4,005 ×
        # 0.86 % = 34.44; 2,061.67 × 1.08 % = 22.27; CET 6,066.67 × 0.14 %
        # = 8.49; CSG base 6,066.67 × 98.25 % = 5,960.50: 405.31 + 143.05 +
        # 29.80; total 1,248.27
        self.assertEqual(payslip.gross, D('6066.67'))
        self.assertEqual(payslip.employee_contributions, D('1248.27'))
        # 6,066.67 ≥ 3 × 1,823.03 = 5,469.09: no RGDU
        self.assertEqual(payslip.rgdu, D(0))
        self.assertFalse({'RGDU', 'RGDU_RETRAITE'}
            & {l.code for l in payslip.lines})
        # Net 6,066.67 − 1,248.27 = 4,818.40; taxable + 143.05 + 29.80 =
        # 4,991.25, in the 4,648–5,574 bracket: 15.8 %, 788.6175 → 788.62
        pas = self.line(payslip, 'PAS')
        self.assertEqual((pas.base, pas.employee_rate, pas.employee_amount),
            (D('4991.25'), D('15.8'), D('788.62')))
        self.assertEqual(
            (payslip.net_before_tax, payslip.income_tax, payslip.net_pay,
                payslip.income_tax_origin),
            (D('4818.40'), D('788.62'), D('4029.78'), 'neutral'))

    @with_transaction()
    def test_twelve_months_december_bonus(self):
        "Twelve SMIC months and a December bonus: the RGDU regularised"
        pool = Pool()
        Bonus = pool.get('coop.payroll.bonus')
        company = create_company()
        with set_company(company):
            setup_payroll(company)
            rider = self.full_time_rider(company)
            Bonus.create([{'employee': rider.id, 'name': "Prime",
                        'month': dt.date(2026, 12, 1), 'amount': D(1500)}])
            payslips = [self.payslip(
                    company, rider, dt.date(2026, m, 1), confirm=True)
                for m in range(1, 13)]

        # Each month: gross and SMIC term 1,823.03, coefficient 0.3981; the
        # year's reduction after m months is round(0.3981 × m × 1,823.03):
        # 725.75, 1,451.50, 2,177.24, 2,902.99, 3,628.74, 4,354.49,
        # 5,080.24, 5,805.99, 6,531.73, 7,257.48, 7,983.23; each month
        # takes the difference.
        # December: gross 1,823.03 + 1,500 = 3,323.03; the year 20,053.33 +
        # 3,323.03 = 23,376.36 for a SMIC term of 12 × 1,823.03 =
        # 21,876.36: ½ × (3 × 21,876.36 / 23,376.36 − 1) = 0.903749;
        # ^1.75 = 0.837691; 0.02 + 0.3781 × 0.837691 = 0.336731 → 0.3367;
        # 23,376.36 × 0.3367 = 7,870.82: December gives back 7,870.82 −
        # 7,983.23 = −112.41 (Agirc-Arrco −112.41 × 0.0601 / 0.3981 =
        # −16.97, URSSAF −95.44)
        self.assertEqual([p.rgdu for p in payslips], [
                D('725.75'), D('725.75'), D('725.74'), D('725.75'),
                D('725.75'), D('725.75'), D('725.75'), D('725.75'),
                D('725.74'), D('725.75'), D('725.75'), D('-112.41')])
        december = payslips[-1]
        self.assertEqual(december.gross, D('3323.03'))
        self.assertEqual(
            (self.line(december, 'RGDU').employer_amount,
                self.line(december, 'RGDU_RETRAITE').employer_amount),
            (D('95.44'), D('16.97')))
        self.assertEqual(
            (december.ytd_gross, december.ytd_rgdu),
            (D('23376.36'), D('7870.82')))

        # The yearly summary, month by month (the test company pays in
        # dollars: amounts read without their unit). January, the SMIC
        # month: gross, taxable net, no tax, no overtime, RGDU, employer
        # cost 1,823.03 + 53.17 = 1,876.20 (1,876.21 in the months taking
        # 725.74).
        # December, gross 3,323.03 (all in band 1): employee 6.90 % 229.29,
        # 0.40 % 13.29, 3.15 % 104.68, 0.86 % 28.58; CSG base 3,323.03 ×
        # 98.25 % = 3,264.88: 6.80 % 222.01, 2.40 % 78.36, CRDS 16.32;
        # total 692.53; taxable net 3,323.03 − 692.53 + 78.36 + 16.32 =
        # 2,725.18, neutral rate 7.5 % (2,714–3,107): 204.39. Employer
        # 284.12 + 70.12 + 156.85 + 42.87 + 431.99 + 174.46 + 132.92 +
        # 8.31 + 3.32 + 9.97 + 66.46 + 18.28 + 19.61 + 0.53 = 1,419.81,
        # plus the 112.41 of RGDU given back: 1,532.22; cost 4,855.25.
        # The year: taxable 11 × 1,495.04 + 2,725.18 = 19,170.62; cost
        # 11 × 1,876.20 + 0.02 + 4,855.25 = 25,493.47.
        Report = pool.get('coop.payroll.year_summary', type='report')
        load_french(['coop_payroll_fr'])
        with set_company(company), Transaction().set_context(language='fr'):
            oext, content, _, _ = Report.execute(
                [rider.id], {'year': 2026})
        self.assertEqual(oext, 'pdf')
        page, = pages_text(content)
        page = page.replace(' usd', '')
        self.assertIn("Récapitulatif annuel de paie Année 2026", page)
        self.assertEqual(page.count("/2026 "), 12)
        for row in [
                "01/2026 1 823,03 1 495,04 0,00 0,00 725,75 1 876,20",
                "03/2026 1 823,03 1 495,04 0,00 0,00 725,74 1 876,21",
                "12/2026 3 323,03 2 725,18 204,39 0,00 -112,41 4 855,25",
                "Total 23 376,36 19 170,62 204,39 0,00 7 870,82 25 493,47",
                ]:
            with self.subTest(row=row):
                self.assertIn(row, page)
        # Another year: no payslip
        with set_company(company):
            _, content, _, _ = Report.execute([rider.id], {'year': 2025})
        self.assertIn("No confirmed payslip", pages_text(content)[0])

    @with_transaction()
    def test_personalised_rate(self):
        "A personalised PAS rate on the SMIC month's taxable net"
        pool = Pool()
        Rate = pool.get('coop.payroll.income_tax.rate')
        company = create_company()
        with set_company(company):
            setup_payroll(company)
            rider = self.full_time_rider(company, weeks=FULL_WEEKS)
            # An older rate and one after the payment: not applied
            Rate.create([
                    {'employee': rider.id, 'rate': D('2.5'),
                        'start_date': dt.date(2025, 9, 1)},
                    {'employee': rider.id, 'rate': D('4.5'),
                        'start_date': dt.date(2026, 3, 1)},
                    {'employee': rider.id, 'rate': D('9'),
                        'start_date': dt.date(2026, 4, 1)}])
            payslip = self.payslip(company, rider, MARCH)

        # 1,495.04 × 4.5 % = 67.2768 → 67.28; net paid 1,443.09 − 67.28
        pas = self.line(payslip, 'PAS')
        self.assertEqual((pas.base, pas.employee_rate, pas.employee_amount),
            (D('1495.04'), D('4.5'), D('67.28')))
        self.assertEqual(
            (payslip.net_before_tax, payslip.income_tax, payslip.net_pay,
                payslip.income_tax_origin),
            (D('1443.09'), D('67.28'), D('1375.81'), 'personalised'))

    @with_transaction()
    def test_health_cover_exempted_employee(self):
        "A health cover of 60.00 half paid by the employer; one exempted"
        pool = Pool()
        Cover = pool.get('coop.payroll.health_cover')
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            setup_payroll(company)
            awa = self.full_time_rider(company, "Awa", weeks=FULL_WEEKS)
            ben = self.full_time_rider(company, "Ben", weeks=FULL_WEEKS)
            insurer, = Party.create([{'name': "Mutuelle"}])
            Cover.create([{
                        'name': "Santé", 'insurer': insurer.id,
                        'computation': 'fixed', 'amount': D(60),
                        'employer_share': D(50),
                        'start_date': dt.date(2026, 1, 1),
                        'exemptions': [('create', [{
                                        'employee': ben.id,
                                        'reason': 'other_cover',
                                        'start_date': dt.date(2026, 1, 1),
                                        }])]}])
            covered = self.payslip(company, awa, MARCH)
            exempted = self.payslip(company, ben, MARCH)

        health = self.line(covered, 'HEALTH')
        self.assertEqual((health.employee_amount, health.employer_amount),
            (D('30.00'), D('30.00')))
        # CSG base 1,791.13 + 30.00 employer share (no allowance) =
        # 1,821.13: CSG 6.80 % 123.84, 2.40 % 43.71, CRDS 0.50 % 9.11
        self.assertEqual(
            [(l.code, l.base, l.employee_amount) for l in covered.lines
                if l.code in {'CSG_DED', 'CSG_NONDED', 'CRDS'}],
            [('CSG_DED', D('1821.13'), D('123.84')),
                ('CSG_NONDED', D('1821.13'), D('43.71')),
                ('CRDS', D('1821.13'), D('9.11'))])
        # Employee 125.79 + 7.29 + 57.43 + 15.68 + 123.84 + 43.71 + 9.11 +
        # 30.00 = 412.85; net 1,823.03 − 412.85 = 1,410.18; taxable
        # 1,410.18 + 43.71 + 9.11 + 30.00 = 1,493.00; net social
        # 1,410.18 + 30.00 = 1,440.18; employer 53.17 + 30.00 = 83.17
        self.assertEqual(
            (covered.employee_contributions, covered.net_pay,
                covered.taxable_net, covered.net_social,
                covered.employer_contributions),
            (D('412.85'), D('1410.18'), D('1493.00'), D('1440.18'),
                D('83.17')))
        self.assertNotIn('HEALTH', {l.code for l in exempted.lines})
        self.assertEqual(
            (exempted.employee_contributions, exempted.net_pay,
                exempted.taxable_net),
            (SMIC_EMPLOYEE, D('1443.09'), D('1495.04')))

    @with_transaction()
    def test_health_employer_share_below_half(self):
        "An employer share of a health cover under 50 % is refused"
        pool = Pool()
        Cover = pool.get('coop.payroll.health_cover')
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            insurer, = Party.create([{'name': "Mutuelle"}])
            with self.assertRaises(ValidationError) as refused:
                Cover.create([{
                            'name': "Santé", 'insurer': insurer.id,
                            'computation': 'fixed', 'amount': D(60),
                            'employer_share': D('49.99'),
                            'start_date': dt.date(2026, 1, 1)}])
            self.assertIn("49.99 %", refused.exception.message)
            # A provident scheme may be paid by the employee alone
            Cover.create([{
                        'name': "Prévoyance", 'kind': 'provident',
                        'insurer': insurer.id, 'computation': 'rate',
                        'rate': D('1.5'), 'employer_share': D(0),
                        'start_date': dt.date(2026, 1, 1)}])

    @with_transaction()
    def test_missing_parameter(self):
        "A payslip before the 2026 rates names the parameter and the date"
        company = create_company()
        with set_company(company):
            setup_payroll(company)
            rider = create_rider(
                company, "Awa", dt.date(2024, 12, 1), '12.02')
            with self.assertRaises(ValidationError) as refused:
                self.payslip(company, rider, dt.date(2025, 6, 1))
        self.assertIn("2025-06-30", refused.exception.message)

    @with_transaction()
    def test_import_rates(self):
        "A rate file with bad lines is refused whole, each line named"
        pool = Pool()
        Rate = pool.get('coop.payroll.income_tax.rate')
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            setup_payroll(company)
            rider = self.full_time_rider(company)
            Party.write([rider.party], {'code': 'R001'})
            bad = (b"employee,rate,start_date\n"
                b"R001,4.5,2026-03-01\n"
                b"R999,3,2026-03-01\n"
                b"R001,abc,2026-03-01\n"
                b"R001,2,01/03/2026\n")
            with self.assertRaises(ValidationError) as refused:
                Rate.import_file(company, bad)
            message = refused.exception.message
            for text in ["Line 3", "R999", "Line 4", "abc", "Line 5",
                    "01/03/2026"]:
                self.assertIn(text, message)
            self.assertNotIn("Line 2", message)
            self.assertFalse(Rate.search([]))
            good = b"employee,rate,start_date\nR001,\"4,5\",2026-03-01\n"
            rate, = Rate.import_file(company, good)
            self.assertEqual(
                (rate.employee, rate.rate, rate.start_date, rate.origin),
                (rider, D('4.5'), MARCH, 'imported'))
            # The same rate again is not recorded twice
            self.assertEqual(Rate.import_file(company, good), [])
            # What every import stores through (the CRM's too): a rate read
            # at line 9 that is no percentage is refused at its line
            RateRow = income_tax.RateRow
            with self.assertRaises(ValidationError) as refused:
                Rate.store_rates(company, [
                        RateRow(8, rider, D('5'), MARCH),
                        RateRow(9, rider, D('120'), MARCH)])
            self.assertIn('Line 9: the rate "120"',
                refused.exception.message)
            self.assertNotIn("Line 8", refused.exception.message)
            self.assertEqual(len(Rate.search([])), 1)


del ModuleTestCase
