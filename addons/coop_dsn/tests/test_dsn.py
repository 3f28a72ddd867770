# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The monthly DSN of a small coop, read back field by field

Two riders paid in April 2026 (the figures of coop_payroll_fr's tests):
- Awa, full time at the SMIC (12.02 × 35 h): gross 1,823.03; employee
  contributions 379.94, of which Agirc-Arrco band 1 57.43 and CEG 15.68;
  employer 778.92 before the RGDU, of which Agirc-Arrco 86.05 and CEG
  23.52; RGDU 725.75 = URSSAF 616.19 + Agirc-Arrco 109.56; PAS 0 % on a
  taxable net of 1,495.04; net paid 1,443.09.
- Léo, 24 h a week at 12.50 with 5 extra hours and a 20.00 mobility
  allowance: gross 1,369.88 (base 104 h 1,300.00, extra hours 69.88);
  employee 285.48 before the overtime reduction of 7.90, of which
  Agirc-Arrco 43.15 and CEG 11.78; employer 585.28 before the RGDU, of
  which Agirc-Arrco 64.66 and CEG 17.67; RGDU 487.54 = URSSAF 413.94 +
  Agirc-Arrco 73.60; taxable net 1,066.12, PAS 0; net paid 1,112.30.

Declared to URSSAF (individual contributions S21.G00.81 without a body,
the bordereau S21.G00.22 and the payment S21.G00.20):
- Awa: employee 379.94 − 73.11 = 306.83; employer 778.92 − 109.57 =
  669.35, less 616.19 = 53.16; 359.99
- Léo: employee 285.48 − 54.93 − 7.90 = 222.65; employer 585.28 − 82.33
  = 502.95, less 413.94 = 89.01; 311.66
- total 671.65
To Agirc-Arrco: Awa 73.11 + 109.57 − 109.56 = 73.12; Léo 54.93 + 82.33
− 73.60 = 63.66; total 136.78. Both add up to the payslips' own
contributions: 379.94 + 53.17 = 433.11 = 359.99 + 73.12 and 277.58 +
97.74 = 375.32 = 311.66 + 63.66.
"""
import datetime as dt
from decimal import Decimal
from unittest.mock import patch

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from coop_tools.testing import SuiteDatabase

from coop_payroll.tests.tools import (
    compute_payslip, create_rider, record_hours, setup_payroll, week_of)

from coop_dsn.exceptions import CheckError, MissingDataError
from coop_dsn.norm import Checker, parse

D = Decimal
APRIL = dt.date(2026, 4, 1)
APRIL_WEEKS = [dt.date(2026, 3, 30), dt.date(2026, 4, 6),
    dt.date(2026, 4, 13), dt.date(2026, 4, 20)]
SIRET = '90012345600015'
URSSAF = '78861779300013'
AGIRC = 'A700'


def nir(digits):
    "A NIR: the 13 digits and their key"
    return digits + '%02d' % (97 - int(digits) % 97)


AWA_NIR = nir('2950369123456')
LEO_NIR = nir('1980775056012')


def set_address(party, street='12 rue des Capucins', postal_code='69001'):
    "The party's addresses (create_company and create_employee make one)"
    Party = Pool().get('party.party')
    values = {'street': street, 'postal_code': postal_code, 'city': "Lyon"}
    if party.addresses:
        Party.write([party], {'addresses': [
                    ('write', [a.id for a in party.addresses], values)]})
    else:
        Party.write([party], {'addresses': [('create', [values])]})


class DsnTestCase(SuiteDatabase, ModuleTestCase):
    "Monthly DSN"
    module = 'coop_dsn'

    def setup_coop(self, cover=False):
        """A coop of two riders with their April payslips confirmed (with
        a health cover of 60.00 a month, half paid by the coop, if cover);
        return the company and the riders"""
        pool = Pool()
        Party = pool.get('party.party')
        Contract = pool.get('coop.payroll.contract')
        Employee = pool.get('company.employee')
        company = create_company()
        with set_company(company):
            party = company.party
            set_address(party)
            Party.write([party], {'identifiers': [('create', [{
                                'type': 'fr_siret', 'code': SIRET,
                                'address': party.addresses[0].id,
                                }, {
                                'type': 'fr_siren', 'code': SIRET[:9],
                                }])]})
            config = setup_payroll(company)
            config.dsn_naf = '5320Z'
            config.dsn_urssaf = URSSAF
            config.dsn_retirement_body = AGIRC
            config.dsn_atmp_code = '602MB'
            config.dsn_contact_name = "Camille Martin"
            config.dsn_contact_email = 'paie@coop.example'
            config.save()
            awa = create_rider(company, "Awa Diallo", dt.date(2026, 1, 1),
                '12.02')
            leo = create_rider(
                company, "Léo Petit", dt.date(2026, 1, 1), '12.50',
                weekly_hours=24, bike_supplier='rider',
                mobility_allowance=D('20.00'))
            for rider, code, last, first, born in [
                    (awa, AWA_NIR, "Diallo", "Awa", dt.date(1995, 3, 2)),
                    (leo, LEO_NIR, "Petit", "Léo", dt.date(1998, 7, 14))]:
                set_address(rider.party, '3 rue Mercière', '69002')
                Party.write([rider.party], {
                        'identifiers': [('create', [{
                                        'type': 'fr_nir', 'code': code}])],
                        })
                Employee.write([rider], {
                        'last_name': last, 'first_names': first,
                        'birth_date': born, 'birth_place': "Lyon"})
            for contract in Contract.search([]):
                Contract.write([contract], {
                        'dsn_number': f'C{contract.employee.id:04}'})
            for monday in APRIL_WEEKS:
                record_hours(company, awa, week_of(monday, 7, 7, 7, 7, 7))
            record_hours(company, leo, week_of(APRIL_WEEKS[0], 8, 8, 8))
            record_hours(company, leo, week_of(APRIL_WEEKS[1], 9, 9, 9))
            record_hours(company, leo, week_of(APRIL_WEEKS[2], 8, 8, 8))
            record_hours(company, leo, week_of(APRIL_WEEKS[3], 8, 8, 10))
            if cover:
                Party = pool.get('party.party')
                Cover = pool.get('coop.payroll.health_cover')
                insurer, = Party.create([{'name': "Mutuelle des coursiers"}])
                Cover.create([{
                            'company': company.id, 'name': "Santé",
                            'insurer': insurer.id, 'computation': 'fixed',
                            'amount': D(60), 'employer_share': D(50),
                            'start_date': dt.date(2026, 1, 1),
                            'reference': 'SANTE-2026',
                            }])
            for rider in [awa, leo]:
                compute_payslip(company, rider, APRIL, confirm=True)
        return company, awa, leo

    def declaration(self, company, **values):
        Declaration = Pool().get('coop.dsn.declaration')
        declaration, = Declaration.create([{
                    'company': company.id, 'siret': SIRET, 'month': APRIL,
                    **values}])
        return declaration

    def individuals(self, text):
        """{NIR: {block: [values of each instance]}} and the rest of the
        file's {block: [values]}"""
        people, establishment, current = {}, {}, None
        for instance in parse(text)[0]:
            if instance.code == 'S21.G00.30':
                current = people.setdefault(instance.values['001'], {})
            elif instance.code.startswith('S90'):
                current = None
            target = establishment if current is None else current
            target.setdefault(instance.code, []).append(instance.values)
        return people, establishment

    @with_transaction()
    def test_monthly_dsn(self):
        "Two riders' April: every block read back against the payslips"
        pool = Pool()
        Payslip = pool.get('coop.payroll.payslip')
        Declaration = pool.get('coop.dsn.declaration')
        company, awa, leo = self.setup_coop()
        with set_company(company):
            declaration = self.declaration(company)
            Declaration.check([declaration])
            text = declaration.text
        self.assertEqual(declaration.state, 'checked')
        self.assertEqual(Checker(text).check(), [])
        self.assertEqual(declaration.employee_count, 2)
        self.assertEqual(declaration.urssaf_total, D('671.65'))
        self.assertEqual(declaration.income_tax_total, D(0))
        people, establishment = self.individuals(text)

        # Sender, declaration, company, establishment
        envoi, = establishment['S10.G00.00']
        self.assertEqual(
            (envoi['005'], envoi['006']), ('02', 'P26V01'))
        sender, = establishment['S10.G00.01']
        self.assertEqual((sender['001'], sender['002'], sender['005']),
            ('900123456', '00015', '69001'))
        dsn, = establishment['S20.G00.05']
        self.assertEqual(
            (dsn['001'], dsn['002'], dsn['003'], dsn['005']),
            ('01', '01', '11', '01042026'))
        self.assertNotIn('006', dsn)
        entreprise, = establishment['S21.G00.06']
        self.assertEqual((entreprise['001'], entreprise['003']),
            ('900123456', '5320Z'))
        etablissement, = establishment['S21.G00.11']
        self.assertEqual((etablissement['001'], etablissement['002']),
            ('00015', '5320Z'))

        # Payments and aggregates per body
        self.assertEqual(
            [(p['001'], p['005']) for p in establishment['S21.G00.20']],
            [(URSSAF, '671.65'), (AGIRC, '136.78')])
        bordereau, = establishment['S21.G00.22']
        self.assertEqual((bordereau['001'], bordereau['005']),
            (URSSAF, '671.65'))
        self.assertEqual(
            sum(D(a['005']) for a in establishment['S21.G00.23']),
            D('671.65'))

        payslips = {p.employee: p for p in Payslip.search([])}
        for rider, code in [(awa, AWA_NIR), (leo, LEO_NIR)]:
            payslip = payslips[rider]
            blocks = people[code[:13]]
            individu, = blocks['S21.G00.30']
            self.assertEqual(
                (individu['002'], individu['004'], individu['009']),
                (rider.last_name, rider.first_names, '69002'))
            self.assertEqual(individu['005'],
                '02' if rider == awa else '01')
            contrat, = blocks['S21.G00.40']
            self.assertEqual(
                (contrat['001'], contrat['007'], contrat['009'],
                    contrat['019']),
                ('01012026', '01', payslip.contract.dsn_number, SIRET))
            versement, = blocks['S21.G00.50']
            self.assertEqual(
                (versement['001'], D(versement['002']),
                    D(versement['004']), D(versement['006']),
                    versement['007'], D(versement['009'])),
                ('28042026', payslip.taxable_net, payslip.net_pay,
                    payslip.income_tax_rate, '13', payslip.income_tax))
            items = {r['011']: (r.get('012'), D(r['013']))
                for r in blocks['S21.G00.51']}
            self.assertEqual(items['001'][1], payslip.gross)
            self.assertEqual(items['002'][1], payslip.gross)
            nets = {r['003']: D(r['004']) for r in blocks['S21.G00.58']}
            self.assertEqual(nets['03'], payslip.net_social)
            bases = {b['001']: D(b['004']) for b in blocks['S21.G00.78']}
            self.assertEqual(bases['03'], payslip.gross)
            self.assertEqual(bases['02'], payslip.gross)
            # CSG/CRDS base: 98.25 % of the gross
            self.assertEqual(bases['04'], (payslip.gross * D('0.9825')
                    ).quantize(D('0.01')))
            self.assertEqual(
                [(c['001'], c['004']) for c in blocks['S21.G00.79']],
                [('01', str(payslip.rgdu_smic))])
            # Every line's amounts, employee and employer, are declared
            declared = sum(D(c['004']) for c in blocks['S21.G00.81'])
            self.assertEqual(declared, payslip.employee_contributions
                + payslip.employer_contributions)
            individual = {(c['001'], c.get('002', '')): D(c['004'])
                for c in blocks['S21.G00.81']}
            rgdu = {l.code: l.employer_amount for l in payslip.lines
                if l.code in {'RGDU', 'RGDU_RETRAITE'}}
            self.assertEqual(individual['018', ''], rgdu['RGDU'])
            self.assertEqual(individual['106', AGIRC], rgdu['RGDU_RETRAITE'])
            self.assertEqual(blocks['S21.G00.71'], [{'002': 'RUAA'}])

        awa_blocks, leo_blocks = people[AWA_NIR[:13]], people[LEO_NIR[:13]]
        self.assertEqual(
            {r['011']: (r.get('012'), r['013'])
                for r in awa_blocks['S21.G00.51']}['010'],
            ('151.67', '1823.03'))
        # Léo: base 104 h 1,300.00, extra hours 5 h 69.88, RGDU 413.94,
        # overtime reduction 7.90, mobility allowance 20.00
        leo_items = {r['011']: (r.get('012'), r['013'])
            for r in leo_blocks['S21.G00.51']}
        self.assertEqual(
            (leo_items['010'], leo_items['017']),
            (('104.00', '1300.00'), ('5.00', '69.88')))
        self.assertEqual(
            {(c['001'], c['004']) for c in leo_blocks['S21.G00.81']}
            & {('018', '-413.94'), ('114', '-7.90'), ('106', '-73.60')},
            {('018', '-413.94'), ('114', '-7.90'), ('106', '-73.60')})
        self.assertEqual(
            [(o['001'], o['002']) for o in leo_blocks['S21.G00.54']],
            [('19', '20.00')])
        self.assertEqual(
            {n['003']: n['004'] for n in leo_blocks['S21.G00.58']}['01'],
            '69.88')
        awa_contract, = awa_blocks['S21.G00.40']
        leo_contract, = leo_blocks['S21.G00.40']
        self.assertEqual(
            (awa_contract['013'], awa_contract['014'],
                leo_contract['013'], leo_contract['014']),
            ('151.67', '10', '104.00', '20'))

        # The count of rubriques includes the two of S90
        total, = establishment['S90.G00.90']
        self.assertEqual(total['001'], str(len(text.splitlines())))

    @with_transaction()
    def test_missing_data(self):
        "Missing data stop the build, each item named by employee"
        pool = Pool()
        Declaration = pool.get('coop.dsn.declaration')
        Identifier = pool.get('party.identifier')
        Contract = pool.get('coop.payroll.contract')
        Configuration = pool.get('coop.payroll.configuration')
        Attachment = pool.get('ir.attachment')
        company, awa, leo = self.setup_coop()
        with set_company(company):
            Identifier.delete(Identifier.search([
                        ('party', '=', awa.party.id),
                        ('type', '=', 'fr_nir')]))
            Contract.write(Contract.search([('employee', '=', leo.id)]),
                {'dsn_number': None})
            config = Configuration(1)
            config.dsn_naf = None
            config.save()
            declaration = self.declaration(company)
            with self.assertRaises(MissingDataError) as context:
                Declaration.check([declaration])
        message = context.exception.message
        self.assertIn(f"{awa.rec_name}: the social security number", message)
        self.assertIn(f"{leo.rec_name}: the contract number", message)
        self.assertIn("Establishment 90012345600015: the payroll "
            "configuration's \"NAF Code\"", message)
        self.assertEqual(declaration.state, 'draft')
        self.assertFalse(Attachment.search(
                [('resource', '=', str(declaration))]))

    @with_transaction()
    def test_nir_key(self):
        "A NIR whose key is wrong stops the build, naming the employee"
        pool = Pool()
        Declaration = pool.get('coop.dsn.declaration')
        Identifier = pool.get('party.identifier')
        company, awa, leo = self.setup_coop()
        identifier, = Identifier.search([
                ('party', '=', leo.party.id), ('type', '=', 'fr_nir')])
        # As an import would leave it: the party's check is bypassed
        table = Identifier.__table__()
        cursor = Transaction().connection.cursor()
        wrong = LEO_NIR[:13] + '%02d' % ((int(LEO_NIR[13:]) + 1) % 97)
        cursor.execute(*table.update(
                [table.code], [wrong], where=table.id == identifier.id))
        with set_company(company):
            declaration = self.declaration(company)
            with self.assertRaises(MissingDataError) as context:
                Declaration.check([declaration])
        self.assertIn(f"{leo.rec_name}: a social security number (NIR) "
            "whose key is right", context.exception.message)

    def built_text(self):
        company, awa, leo = self.setup_coop()
        with set_company(company):
            declaration = self.declaration(company)
            text, _ = declaration.build()
        return declaration, text

    def places(self, text):
        return {(f.employee, f.block, f.field, f.message)
            for f in Checker(text).check()}

    @with_transaction()
    def test_check_total(self):
        "A contribution changed: the URSSAF totals fail"
        _, text = self.built_text()
        # Awa's health insurance (075): 236.99 declared 236.98
        self.assertIn("S21.G00.81.004,'236.99'", text)
        broken = text.replace("S21.G00.81.004,'236.99'",
            "S21.G00.81.004,'236.98'", 1)
        self.assertEqual(self.places(broken), {
                ('', 'S21.G00.22', '005', 'msg_check_total'),
                ('', 'S21.G00.20', '005', 'msg_check_total'),
                })

    @with_transaction()
    def test_check_nir(self):
        "A NIR in the file that is not one: refused at its place"
        _, text = self.built_text()
        broken = text.replace(AWA_NIR[:13], AWA_NIR[:12] + 'X')
        self.assertEqual(self.places(broken), {
                ("Awa Diallo", 'S21.G00.30', '001', 'msg_check_key')})

    @with_transaction()
    def test_check_length(self):
        "A family name beyond 80 characters: refused at its place"
        _, text = self.built_text()
        broken = text.replace(
            "S21.G00.30.002,'Petit'", "S21.G00.30.002,'%s'" % ('P' * 81))
        self.assertEqual(self.places(broken), {
                ("Léo " + 'P' * 81, 'S21.G00.30', '002',
                    'msg_check_length')})

    @with_transaction()
    def test_check_order(self):
        "A contract block after the payment block: refused at its place"
        _, text = self.built_text()
        lines = text.splitlines()
        first = lines.index(next(l for l in lines
                if l.startswith('S21.G00.30.001')))
        start = next(i for i, l in enumerate(lines)
            if i > first and l.startswith('S21.G00.40.'))
        end = next(i for i, l in enumerate(lines)
            if i > start and not l.startswith('S21.G00.40.'))
        block = lines[start:end]
        rest = lines[:start] + lines[end:]
        # Awa's blocks end where Léo's start
        second = [i for i, l in enumerate(rest)
            if l.startswith('S21.G00.30.001')][1]
        broken = rest[:second] + block + rest[second:]
        # Her pension scheme (S21.G00.71) is left without its contract
        self.assertEqual(self.places('\n'.join(broken) + '\n'), {
                ("Awa Diallo", 'S21.G00.71', '', 'msg_check_parent'),
                ("Awa Diallo", 'S21.G00.40', '', 'msg_check_order'),
                })

    @with_transaction()
    def test_check_refuses(self):
        "The declaration is not checked nor stored while a check fails"
        pool = Pool()
        Declaration = pool.get('coop.dsn.declaration')
        Attachment = pool.get('ir.attachment')
        declaration, text = self.built_text()
        broken = text.replace(
            "S21.G00.30.002,'Petit'", "S21.G00.30.002,'%s'" % ('P' * 81))
        with patch.object(Declaration, 'build',
                lambda self: (broken, {})):
            with self.assertRaises(CheckError) as context:
                Declaration.check([declaration])
        self.assertIn("block S21.G00.30, field 002",
            context.exception.message)
        self.assertEqual(declaration.state, 'draft')
        self.assertFalse(Attachment.search(
                [('resource', '=', str(declaration))]))

    @with_transaction()
    def test_cancels_and_replaces(self):
        """A filed declaration is never changed; a corrected payslip is
        declared by a declaration that cancels and replaces it"""
        pool = Pool()
        Declaration = pool.get('coop.dsn.declaration')
        Payslip = pool.get('coop.payroll.payslip')
        Attachment = pool.get('ir.attachment')
        Configuration = pool.get('coop.payroll.configuration')
        Journal = pool.get('account.journal')
        company, awa, leo = self.setup_coop()
        with set_company(company):
            first = self.declaration(company)
            Declaration.check([first])
            first.filed_reference = '2604000012345678901234'
            first.save()
            Declaration.file([first])
            self.assertEqual(first.state, 'filed')
            with self.assertRaises(AccessError):
                Declaration.write([first], {'test': True})
            with self.assertRaises(AccessError):
                Declaration.delete([first])
            with self.assertRaises(AccessError):
                Attachment.delete([first.attachment])

            # Léo's payslip corrected: reversed, computed again, confirmed
            # (correct posts the reversals of posted payslips: none here,
            # but posting asks for the journal first)
            config = Configuration(1)
            config.journal, = Journal.search([('code', '=', 'CASH')])
            config.save()
            payslip, = Payslip.search([('employee', '=', leo)])
            draft, = Payslip.correct([payslip])
            Payslip.confirm([draft])
            second = self.declaration(
                company, kind='03', replaces=first.id)
            Declaration.check([second])
            text = second.text
        people, establishment = self.individuals(text)
        dsn, = establishment['S20.G00.05']
        self.assertEqual((dsn['002'], dsn['006']),
            ('03', '2604000012345678901234'))
        # The new payslip only: neither the corrected one nor its reversal
        self.assertEqual(second.employee_count, 2)
        self.assertEqual(second.urssaf_total, D('671.65'))
        versement, = people[LEO_NIR[:13]]['S21.G00.50']
        self.assertEqual(D(versement['004']), draft.net_pay)
        self.assertEqual(first.text.count('S21.G00.30.001'), 2)

    @with_transaction()
    def test_health_cover(self):
        """A health cover: its adhesion, each rider's affiliation, and the
        contribution declared to the insurer (60.00, half each)"""
        pool = Pool()
        Cover = pool.get('coop.payroll.health_cover')
        Declaration = pool.get('coop.dsn.declaration')
        company, awa, leo = self.setup_coop(cover=True)
        with set_company(company):
            cover, = Cover.search([])
            declaration = self.declaration(company)
            with self.assertRaises(MissingDataError) as context:
                Declaration.check([declaration])
            self.assertIn('the insurer code of the cover "Santé"',
                context.exception.message)
            Cover.write([cover], {'insurer_code': 'P0942'})
            Declaration.check([declaration])
            text = declaration.text
        people, establishment = self.individuals(text)
        self.assertEqual(establishment['S21.G00.15'], [{
                    '001': 'SANTE-2026', '002': 'P0942', '004': '01',
                    '005': '001'}])
        # A fixed amount has no base of its own: the gross stands for it
        for code, gross in [(AWA_NIR, '1823.03'), (LEO_NIR, '1369.88')]:
            blocks = people[code[:13]]
            self.assertEqual(blocks['S21.G00.70'], [{
                        '012': '001', '013': '001', '014': '01012026'}])
            base, = [b for b in blocks['S21.G00.78'] if b['001'] == '31']
            self.assertEqual((base['004'], base['005']), (gross, '001'))
            self.assertIn({'001': '059', '002': 'P0942', '003': gross,
                    '004': '60.00'}, blocks['S21.G00.81'])
        # Not paid through the DSN: no payment to the insurer
        self.assertEqual([p['001'] for p in establishment['S21.G00.20']],
            [URSSAF, AGIRC])

    @with_transaction()
    def test_month_without_payslips(self):
        "A month without payslips is declared without individuals (02)"
        pool = Pool()
        Declaration = pool.get('coop.dsn.declaration')
        company, awa, leo = self.setup_coop()
        with set_company(company):
            declaration = self.declaration(
                company, month=dt.date(2026, 5, 1))
            Declaration.check([declaration])
            text = declaration.text
        people, establishment = self.individuals(text)
        self.assertEqual(people, {})
        self.assertEqual(establishment['S20.G00.05'][0]['002'], '02')
        self.assertNotIn('S21.G00.22', establishment)
        self.assertEqual(declaration.employee_count, 0)

    @with_transaction()
    def test_command(self):
        """coop dsn: --check stores nothing, then the declaration is stored
        checked; once filed, the next one cancels and replaces it"""
        from coop_cli.dsn import declare_month
        pool = Pool()
        Declaration = pool.get('coop.dsn.declaration')
        company, awa, leo = self.setup_coop()
        with set_company(company):
            checked = declare_month(company, APRIL, check=True)
            self.assertFalse(Declaration.search([]))
            self.assertEqual(
                (checked['stored'], checked['employees'],
                    checked['urssaf_total'], checked['kind']),
                (False, 2, '671.65', '01'))
            stored = declare_month(company, APRIL, test=True)
            declaration, = Declaration.search([])
            self.assertEqual(
                (stored['stored'], stored['state'], stored['test'],
                    stored['rubriques'], stored['file']),
                (True, 'checked', True, checked['rubriques'],
                    declaration.file_name))
            self.assertIn("S10.G00.00.005,'01'", declaration.text)
            # Run again: the same declaration, built anew
            declare_month(company, APRIL, test=True)
            self.assertEqual(Declaration.search([]), [declaration])
            declaration.filed_reference = '2604000012345678901234'
            declaration.save()
            Declaration.file([declaration])
            replacing = declare_month(company, APRIL)
        self.assertEqual(
            (replacing['kind'], replacing['state'], replacing['test']),
            ('03', 'checked', False))
        self.assertEqual(len(Declaration.search([])), 2)

    @with_transaction()
    def test_wizard(self):
        "Payroll > Monthly Declaration builds, checks and opens it"
        pool = Pool()
        Declare = pool.get('coop.dsn.declare', type='wizard')
        Declaration = pool.get('coop.dsn.declaration')
        company, awa, leo = self.setup_coop()
        with set_company(company):
            session_id, _, _ = Declare.create()
            declare = Declare(session_id)
            self.assertEqual(declare.start.default_siret(), SIRET)
            declare.start.company = company
            declare.start.siret = SIRET
            declare.start.month = dt.date(2026, 4, 17)
            declare.start.test = False
            self.assertEqual(declare.transition_declare(), 'open_')
            action, _ = declare.do_open_({'views': [(1, 'tree'), (2, 'form')]})
        declaration, = Declaration.search([])
        self.assertEqual(action['res_id'], [declaration.id])
        self.assertEqual(action['views'][0], (2, 'form'))
        self.assertEqual(
            (declaration.state, declaration.month, declaration.kind),
            ('checked', APRIL, '01'))


del ModuleTestCase
