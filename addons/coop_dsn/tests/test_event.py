# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The DSN's event notices read back field by field against their sources

- Work stoppage (04) and return (05): Inès, full time since 1 January
  2026, off sick from Tuesday 14 to Sunday 19 April 2026 with
  subrogation. The absence gives the last day worked (the day before the
  first day off: 13 April), the expected end (19 April) and the return
  (the day after: 20 April). A notice is due within 5 days of its event:
  the stoppage by 14 + 5 = 19 April, the return by 20 + 5 = 25 April.
  Under subrogation the health insurer pays the allowances to the
  employer: S21.G00.60.007/.008 give the company's IBAN and BIC, from its
  bank account (norm-P26V01.yaml: .007 IBAN X 34, .008 BIC X 11).
- End of contract (FCTU, 07): Awa, full time at the SMIC since 1 June
  2025, resigns (notified 3 July), last day Friday 17 July 2026: the
  figures of coop_payroll_fr's test_leave (test_departure_with_leave_left):
  June gross 1,823.03; July base 1,030.41 (13 of 23 working days) and the
  leave indemnity for 34.13 days left 2,472.98 (the tenth, higher than the
  salary kept 2,393.08), gross 3,503.39. The FCTU carries both months'
  payments, July (M) tagged 01 and June (M-1) 02, the indemnity as
  S21.G00.52 type 020.
- A dismissal (licenciement pour motif personnel, S21.G00.62.002 020 in
  norm-P26V01.yaml's list) of the same contract: the procedure started
  with the convocation of 1 June 2026 (S21.G00.62.005), notified 16 June
  (.003), a month's notice (L1234-1 Code du travail, a year's service)
  worked and paid from 17 June to 17 July (S21.G00.63.001 01, .002, .003).
"""
import datetime as dt
import unittest
from decimal import Decimal as D
from unittest.mock import patch

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from coop_tools.testing import (
    activate_suite, commit_setup, company_records, setup_company)

from coop_payroll.tests.tools import compute_payslip, create_rider
from coop_payroll.tests.tools import setup_payroll

from coop_dsn.exceptions import CheckError, MissingDataError
from coop_dsn.norm import Checker, parse

SIRET = '90012345600015'
URSSAF = '78861779300013'


def nir(digits):
    "A NIR: the 13 digits and their key"
    return digits + '%02d' % (97 - int(digits) % 97)


INES_NIR = nir('2920169123456')
AWA_NIR = nir('2950369123456')
COMPANY_IBAN = 'FR7630004000031234567890143'
COMPANY_BIC = 'BNPAFRPPXXX'
JUNE = dt.date(2026, 6, 1)
JULY = dt.date(2026, 7, 1)


def set_address(party, street, postal_code):
    Party = Pool().get('party.party')
    values = {'street': street, 'postal_code': postal_code, 'city': "Lyon"}
    if party.addresses:
        Party.write([party], {'addresses': [
                    ('write', [a.id for a in party.addresses], values)]})
    else:
        Party.write([party], {'addresses': [('create', [values])]})


def fixture():
    """A coop with its DSN settings; Inès's approved sick leave; Awa's
    ended contract with its June and July payslips confirmed"""
    pool = Pool()
    Party = pool.get('party.party')
    Employee = pool.get('company.employee')
    Contract = pool.get('coop.payroll.contract')
    Absence = pool.get('coop.payroll.absence')
    Payslip = pool.get('coop.payroll.payslip')
    company = create_company()
    with setup_company(company):
        party = company.party
        set_address(party, '12 rue des Capucins', '69001')
        Party.write([party], {'identifiers': [('create', [{
                            'type': 'fr_siret', 'code': SIRET,
                            'address': party.addresses[0].id,
                            }, {
                            'type': 'fr_siren', 'code': SIRET[:9],
                            }])]})
        # The coop's bank account, which the health insurer pays under
        # subrogation
        bank_party, = Party.create([{'name': "Banque Coopérative"}])
        bank, = pool.get('bank').create([{
                    'party': bank_party.id, 'bic': COMPANY_BIC}])
        pool.get('bank.account').create([{
                    'bank': bank.id,
                    'owners': [('add', [party.id])],
                    'numbers': [('create', [{
                                    'type': 'iban', 'number': COMPANY_IBAN,
                                    }])],
                    }])
        config = setup_payroll(company)
        config.dsn_naf = '5320Z'
        config.dsn_urssaf = URSSAF
        config.dsn_retirement_body = 'A700'
        config.dsn_atmp_code = '602MB'
        config.dsn_contact_name = "Camille Martin"
        config.dsn_contact_email = 'paie@coop.example'
        config.save()
        ines = create_rider(company, "Inès Benali", dt.date(2026, 1, 1),
            '12.02')
        awa = create_rider(company, "Awa Diallo", dt.date(2025, 6, 1),
            '12.02')
        for rider, code, last, first, born in [
                (ines, INES_NIR, "Benali", "Inès", dt.date(1992, 1, 5)),
                (awa, AWA_NIR, "Diallo", "Awa", dt.date(1995, 3, 2))]:
            set_address(rider.party, '3 rue Mercière', '69002')
            Party.write([rider.party], {'identifiers': [('create', [{
                                'type': 'fr_nir', 'code': code}])]})
            Employee.write([rider], {
                    'last_name': last, 'first_names': first,
                    'birth_date': born, 'birth_place': "Lyon"})
        for contract in Contract.search([]):
            Contract.write([contract], {
                    'dsn_number': f'C{contract.employee.id:04}'})
        absence, = Absence.create([{
                    'company': company.id, 'employee': ines.id,
                    'kind': 'sick_leave', 'subrogation': True,
                    'start_date': dt.date(2026, 4, 14),
                    'end_date': dt.date(2026, 4, 19)}])
        Absence.approve([absence])

        # Awa's last period of reference, as the leave test gives it
        months = [dt.date(2025 + (m > 12), (m - 1) % 12 + 1, 1)
            for m in range(6, 18)]
        Payslip.create([{
                    'company': company.id, 'employee': awa.id,
                    'start_date': month,
                    'payment_date': month.replace(day=28),
                    'state': 'confirmed', 'gross': D('1823.03'),
                    'leave_accrued': D('2.5'),
                    } for month in months])
        compute_payslip(company, awa, JUNE, confirm=True)
        contract, = Contract.search([('employee', '=', awa.id)])
        Contract.write([contract], {
                'end_date': dt.date(2026, 7, 17),
                'dsn_end_reason': '059',
                'dsn_end_notified': dt.date(2026, 7, 3),
                })
        compute_payslip(company, awa, JULY, confirm=True)
    return {'company': company, 'absence': absence, 'contract': contract,
        'ines': ines, 'awa': awa}


def blocks(text):
    "{block: [values of each instance]}"
    result = {}
    for instance in parse(text)[0]:
        result.setdefault(instance.code, []).append(instance.values)
    return result


class EventNoticeTestCase(unittest.TestCase):
    "Event notices of the DSN"

    @classmethod
    def setUpClass(cls):
        activate_suite('coop_dsn')
        cls.data = commit_setup(fixture)

    def notice(self, nature, source):
        Declaration = Pool().get('coop.dsn.declaration')
        declaration = Declaration.event_declaration(nature, source)
        Declaration.check([declaration])
        return declaration

    def common(self, declaration, nature, month, employee_nir, contract):
        "The blocks every notice has, read back"
        text = declaration.text
        self.assertEqual(declaration.state, 'checked')
        self.assertEqual(Checker(text).check(), [])
        b = blocks(text)
        dsn, = b['S20.G00.05']
        self.assertEqual(
            (dsn['001'], dsn['002'], dsn['005']), (nature, '01', month))
        entreprise, = b['S21.G00.06']
        self.assertEqual(entreprise['001'], SIRET[:9])
        etablissement, = b['S21.G00.11']
        self.assertEqual(etablissement['001'], SIRET[9:])
        individu, = b['S21.G00.30']
        self.assertEqual(individu['001'], employee_nir[:13])
        contrat, = b['S21.G00.40']
        self.assertEqual(
            (contrat['001'], contrat['009'], contrat['019']),
            (contract.start_date.strftime('%d%m%Y'), contract.dsn_number,
                SIRET))
        self.assertEqual(declaration.employee_count, 1)
        self.assertTrue(declaration.attachment.name.startswith(
                f'DSN{nature}-{SIRET}-'))
        return b

    @with_transaction()
    def test_stoppage_notice(self):
        "Work stoppage (04): S21.G00.60 from the absence, due in 5 days"
        with company_records(self.data) as records:
            absence = records['absence']
            declaration = self.notice('04', absence)
            contract, = Pool().get('coop.payroll.contract').search(
                [('employee', '=', records['ines'].id)])
            b = self.common(
                declaration, '04', '01042026', INES_NIR, contract)
        arret, = b['S21.G00.60']
        self.assertEqual(arret, {
                '001': '01',          # maladie
                '002': '13042026',    # the day before 14 April
                '003': '19042026',    # the absence's last day
                '004': '01',          # subrogation
                '005': '14042026',
                '006': '19042026',
                '007': COMPANY_IBAN,  # the company's account
                '008': COMPANY_BIC,   # its bank's
                })
        self.assertNotIn('S21.G00.62', b)
        self.assertNotIn('S21.G00.50', b)
        self.assertEqual(declaration.due_date, dt.date(2026, 4, 19))
        self.assertEqual(declaration.month, dt.date(2026, 4, 1))

    @with_transaction()
    def test_return_notice(self):
        "Return to work (05): the day work resumes and its reason"
        with company_records(self.data) as records:
            declaration = self.notice('05', records['absence'])
            contract, = Pool().get('coop.payroll.contract').search(
                [('employee', '=', records['ines'].id)])
            b = self.common(
                declaration, '05', '01042026', INES_NIR, contract)
        arret, = b['S21.G00.60']
        self.assertEqual((arret['001'], arret['002'], arret['003']),
            ('01', '13042026', '19042026'))
        self.assertEqual((arret['010'], arret['011']), ('20042026', '01'))
        self.assertEqual(declaration.due_date, dt.date(2026, 4, 25))

    @with_transaction()
    def test_end_of_contract_notice(self):
        """FCTU (07): the end, its reason and notification, the last two
        months' payments and the leave indemnity, read back against the
        payslips"""
        Payslip = Pool().get('coop.payroll.payslip')
        with company_records(self.data) as records:
            contract = records['contract']
            declaration = self.notice('07', contract)
            b = self.common(
                declaration, '07', '01072026', AWA_NIR, contract)
            june, = Payslip.search([('employee', '=', records['awa'].id),
                    ('start_date', '=', JUNE), ('contract', '!=', None)])
            july, = Payslip.search([('employee', '=', records['awa'].id),
                    ('start_date', '=', JULY)])
        fin, = b['S21.G00.62']
        self.assertEqual(fin, {
                '001': '17072026',    # the contract's last day
                '002': '059',         # resignation
                '003': '03072026',    # notified
                '006': '17072026',    # last day worked and paid
                })
        self.assertEqual(declaration.due_date, dt.date(2026, 7, 22))
        first, second = b['S21.G00.50']
        for payment, payslip, tag in [
                (first, june, '02'), (second, july, '01')]:
            self.assertEqual(payment['020'], tag)
            self.assertEqual(payment['001'],
                payslip.payment_date.strftime('%d%m%Y'))
            self.assertEqual(D(payment['002']), payslip.taxable_net)
            self.assertEqual(D(payment['004']), payslip.net_pay)
            self.assertEqual(D(payment['009']), payslip.income_tax)
        self.assertEqual(july.gross, D('3503.39'))
        self.assertEqual(july.leave_indemnity, D('2472.98'))
        items = {(i['001'], i['011']): D(i['013'])
            for i in b['S21.G00.51']}
        self.assertEqual(items[('01062026', '001')], D('1823.03'))
        self.assertEqual(items[('01072026', '010')], D('1030.41'))
        self.assertEqual(items[('01072026', '001')], D('3503.39'))
        self.assertEqual(items[('01072026', '002')], D('3503.39'))
        indemnity, = b['S21.G00.52']
        self.assertEqual(indemnity, {
                '001': '020',
                '002': '2472.98',
                '003': '01072026',
                '004': '31072026',
                '006': contract.dsn_number,
                })

    @with_transaction()
    def test_filed_never_changed(self):
        "A filed notice is never changed; a new one cancels and replaces it"
        pool = Pool()
        Declaration = pool.get('coop.dsn.declaration')
        with company_records(self.data) as records:
            absence = records['absence']
            first = self.notice('04', absence)
            # The same notice while it is not filed
            self.assertEqual(
                Declaration.event_declaration('04', absence), first)
            first.filed_reference = '2604000012345678901234'
            first.save()
            Declaration.file([first])
            with self.assertRaises(AccessError):
                Declaration.write([first], {'test': True})
            with self.assertRaises(AccessError):
                Declaration.delete([first])
            second = self.notice('04', absence)
            text = second.text
        self.assertNotEqual(second, first)
        self.assertEqual((second.kind, second.replaces), ('03', first))
        dsn, = blocks(text)['S20.G00.05']
        self.assertEqual((dsn['001'], dsn['002'], dsn['006']),
            ('04', '03', '2604000012345678901234'))
        # The monthly declaration of April is another record
        monthly = Declaration.month_declaration(
            second.company, dt.date(2026, 4, 1), save=False)
        self.assertEqual((monthly.nature, monthly.kind, monthly.id),
            ('01', '01', None))

    @with_transaction()
    def test_missing_data(self):
        "No end reason: the FCTU is not built, the item named, nothing kept"
        pool = Pool()
        Declaration = pool.get('coop.dsn.declaration')
        Attachment = pool.get('ir.attachment')
        with company_records(self.data) as records:
            contract = records['contract']
            contract.dsn_end_reason = None
            contract.save()
            declaration = Declaration.event_declaration('07', contract)
            with self.assertRaises(MissingDataError) as context:
                Declaration.check([declaration])
            self.assertEqual(declaration.state, 'draft')
            self.assertFalse(Attachment.search(
                    [('resource', '=', str(declaration))]))
        self.assertIn("Awa Diallo: the contract's end reason",
            context.exception.message)

    def dismiss(self, contract, **values):
        "Awa's contract ended by a dismissal for personal grounds (020)"
        values = {
            'dsn_end_reason': '020',
            'dsn_end_notified': dt.date(2026, 6, 16),
            'dsn_procedure_started': dt.date(2026, 6, 1),
            'dsn_notice_type': '01',
            'dsn_notice_start': dt.date(2026, 6, 17),
            'dsn_notice_end': dt.date(2026, 7, 17),
            **values}
        Pool().get('coop.payroll.contract').write([contract], values)

    @with_transaction()
    def test_dismissal_notice(self):
        """A dismissal's FCTU: S21.G00.62 with the notification (.003) and
        the day the procedure started (.005), its notice S21.G00.63"""
        Declaration = Pool().get('coop.dsn.declaration')
        with company_records(self.data) as records:
            contract = records['contract']
            self.dismiss(contract)
            declaration = self.notice('07', contract)
            b = self.common(
                declaration, '07', '01072026', AWA_NIR, contract)
            # A notice not worked: the last day worked and paid is the day
            # before it starts (CCH-12 of S21.G00.62.006 as quoted)
            self.dismiss(contract, dsn_notice_type='02',
                dsn_notice_start=dt.date(2026, 7, 1))
            not_worked = Declaration.last_day_worked_paid(contract)
        fin, = b['S21.G00.62']
        self.assertEqual(fin, {
                '001': '17072026',    # the contract's last day
                '002': '020',         # licenciement pour autre motif
                '003': '16062026',    # notified
                '005': '01062026',    # the convocation: procedure started
                '006': '17072026',    # notice worked: the last day
                })
        preavis, = b['S21.G00.63']
        self.assertEqual(preavis, {
                '001': '01',          # préavis effectué et payé
                '002': '17062026',
                '003': '17072026',
                })
        self.assertEqual(not_worked, '30062026')
        # The payments of M and M-1 as for any FCTU
        self.assertEqual([p['020'] for p in b['S21.G00.50']], ['02', '01'])

    @with_transaction()
    def test_dismissal_missing_data(self):
        """Serious misconduct (087) without the day the procedure started
        nor the notice: refused, both named, nothing stored; a notice
        without its days likewise"""
        pool = Pool()
        Declaration = pool.get('coop.dsn.declaration')
        Attachment = pool.get('ir.attachment')
        with company_records(self.data) as records:
            contract = records['contract']
            self.dismiss(contract, dsn_end_reason='087',
                dsn_procedure_started=None, dsn_notice_type=None,
                dsn_notice_start=None, dsn_notice_end=None)
            declaration = Declaration.event_declaration('07', contract)
            with self.assertRaises(MissingDataError) as context:
                Declaration.check([declaration])
            self.assertEqual(declaration.state, 'draft')
            self.assertFalse(Attachment.search(
                    [('resource', '=', str(declaration))]))
            message = context.exception.message
            self.dismiss(contract, dsn_end_reason='087',
                dsn_notice_type='03', dsn_notice_start=None)
            with self.assertRaises(MissingDataError) as context:
                Declaration.check([declaration])
            dates = context.exception.message
        self.assertIn("Awa Diallo: the day the dismissal procedure started",
            message)
        self.assertIn("Awa Diallo: the notice of the dismissal", message)
        self.assertNotIn("the first and last days of the notice", message)
        self.assertIn(
            "Awa Diallo: the first and last days of the notice", dates)
        self.assertNotIn("procedure started", dates)

    @with_transaction()
    def test_subrogation_without_iban(self):
        """Subrogation and no bank account of the company, or no BIC of
        its bank: the stoppage notice is refused, the company named,
        nothing stored"""
        pool = Pool()
        Declaration = pool.get('coop.dsn.declaration')
        BankAccount = pool.get('bank.account')
        Attachment = pool.get('ir.attachment')
        with company_records(self.data) as records:
            company = records['company']
            accounts = list(company.party.bank_accounts)
            declaration = Declaration.event_declaration(
                '04', records['absence'])
            # Its bank without a BIC (CCH-11: the BIC goes with the IBAN)
            pool.get('bank').write([accounts[0].bank], {'bic': None})
            with self.assertRaises(MissingDataError) as no_bic:
                Declaration.check([declaration])
            BankAccount.delete(accounts)
            with self.assertRaises(MissingDataError) as context:
                Declaration.check([declaration])
            self.assertEqual(declaration.state, 'draft')
            self.assertFalse(Attachment.search(
                    [('resource', '=', str(declaration))]))
            name = company.rec_name
        self.assertIn(f"{name}: the BIC of the bank of the company's "
            "account", no_bic.exception.message)
        self.assertIn(f"{name}: a bank account with an IBAN of the company",
            context.exception.message)

    @with_transaction()
    def test_dismissal_fields_checked(self):
        """A dismissal's file without S21.G00.62.005 or without its notice
        block is refused at its place; a subrogation without the IBAN
        too"""
        Declaration = Pool().get('coop.dsn.declaration')
        with company_records(self.data) as records:
            self.dismiss(records['contract'])
            text, _ = Declaration.event_declaration(
                '07', records['contract']).build()
            stoppage, _ = Declaration.event_declaration(
                '04', records['absence']).build()
        self.assertEqual(Checker(text).check(), [])
        self.assertEqual(Checker(stoppage).check(), [])

        def places(text):
            return {(f.employee, f.block, f.field, f.message)
                for f in Checker(text).check()
                if f.message != 'msg_check_count'}
        who = "Awa Diallo"
        broken = text.replace("S21.G00.62.005,'01062026'\n", '')
        self.assertEqual(places(broken), {
                (who, 'S21.G00.62', '005', 'msg_check_reason_field')})
        broken = '\n'.join(l for l in text.splitlines()
            if not l.startswith('S21.G00.63')) + '\n'
        self.assertEqual(places(broken), {
                (who, 'S21.G00.63', '', 'msg_check_reason_block')})
        broken = text.replace("S21.G00.63.003,'17072026'\n", '')
        self.assertEqual(places(broken), {
                (who, 'S21.G00.63', '003', 'msg_check_notice_field')})
        broken = stoppage.replace(f"S21.G00.60.007,'{COMPANY_IBAN}'\n", '')
        self.assertEqual(places(broken), {("Inès Benali", 'S21.G00.60',
                    '007', 'msg_check_subrogation_field')})

    @with_transaction()
    def test_broken_field_refused(self):
        "A broken date, a missing block, a missing field: each at its place"
        pool = Pool()
        Declaration = pool.get('coop.dsn.declaration')
        with company_records(self.data) as records:
            declaration = Declaration.event_declaration(
                '05', records['absence'])
            text, _ = declaration.build()
            self.assertEqual(Checker(text).check(), [])

            def places(text):
                return {(f.employee, f.block, f.field, f.message)
                    for f in Checker(text).check()}
            who = "Inès Benali"
            broken = text.replace(
                "S21.G00.60.002,'13042026'", "S21.G00.60.002,'32042026'")
            self.assertEqual(places(broken), {
                    (who, 'S21.G00.60', '002', 'msg_check_format')})
            broken = text.replace("S21.G00.60.011,'01'\n", '')
            # A rubrique fewer: the count of S90 too
            self.assertEqual(places(broken), {
                    (who, 'S21.G00.60', '011', 'msg_check_nature_field'),
                    ('', 'S90.G00.90', '001', 'msg_check_count')})
            broken = '\n'.join(l for l in text.splitlines()
                if not l.startswith('S21.G00.60')) + '\n'
            places_ = places(broken)
            self.assertIn(
                (who, 'S21.G00.60', '', 'msg_check_nature_block'), places_)
            with patch.object(Declaration, 'build',
                    lambda self: (broken, {})):
                with self.assertRaises(CheckError) as context:
                    Declaration.check([declaration])
            self.assertEqual(declaration.state, 'draft')
        self.assertIn("block S21.G00.60", context.exception.message)
