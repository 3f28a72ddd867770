# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The tax office's return of withholding rates (CRM) read into the rates

Two riders: Awa, found by her NIR (the 13 characters, as the DSN declares
it), 7.5 % from the day of the import (1 September 2026) and 8.1 % from 1
January 2027; Léo, found by his code (the DSN's matricule), 0 %. An
employee the company does not have, a rate above 100 %, a date that is
none, another company's SIREN: each named, nothing imported."""
import datetime as dt
import unittest
from decimal import Decimal as D

from trytond.modules.company.tests import create_company, create_employee
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from coop_tools.testing import (
    activate_suite, commit_setup, company_records, setup_company)

from coop_dsn.exceptions import CrmImportError

SIREN = '900123456'
SEPTEMBER = dt.date(2026, 9, 1)


def nir(digits):
    return digits + '%02d' % (97 - int(digits) % 97)


AWA_NIR = nir('2950369123456')


def fixture():
    pool = Pool()
    Party = pool.get('party.party')
    company = create_company()
    with setup_company(company):
        Party.write([company.party], {'identifiers': [('create', [{
                            'type': 'fr_siren', 'code': SIREN}])]})
        awa = create_employee(company, "Awa Diallo")
        leo = create_employee(company, "Léo Petit")
        Party.write([awa.party], {'identifiers': [('create', [{
                            'type': 'fr_nir', 'code': AWA_NIR}])]})
        Party.write([leo.party], {'code': 'LEO-1'})
    return {'company': company, 'awa': awa, 'leo': leo}


def crm(salaries, siren=SIREN):
    "A return of the tax office: its declaration and salarie elements"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<gipmds:rapport xmlns:gipmds="http://www.gip-mds.fr/" type="DGFIP">
<declaration>
<declaration_identification><SIREN>{siren}</SIREN>
<nic_affectation>00015</nic_affectation></declaration_identification>
<declaration_bilan>{chr(10).join(salaries)}</declaration_bilan>
</declaration>
</gipmds:rapport>""".encode()


AWA = ("<salarie><NIR>2950369123456</NIR><nom_famille>DIALLO</nom_famille>"
    "<prenoms>Awa</prenoms><taux_imposition_PAS>7.50</taux_imposition_PAS>"
    "<future_imposition_PAS><taux>8,10</taux>"
    "<date_effet>2027-01-01</date_effet></future_imposition_PAS></salarie>")
LEO = ("<salarie><nom_famille>PETIT</nom_famille><matricule>LEO-1"
    "</matricule><taux_imposition_PAS>0.00</taux_imposition_PAS></salarie>")


class CrmImportTestCase(unittest.TestCase):
    "The tax office's return of withholding rates"

    @classmethod
    def setUpClass(cls):
        activate_suite('coop_dsn')
        cls.data = commit_setup(fixture)

    def rates(self):
        Rate = Pool().get('coop.payroll.income_tax.rate')
        return sorted((r.employee.rec_name, r.start_date, r.rate, r.origin)
            for r in Rate.search([]))

    @with_transaction()
    def test_import(self):
        "Each rate with its date; the same file again adds nothing"
        Rate = Pool().get('coop.payroll.income_tax.rate')
        with company_records(self.data) as records:
            company = records['company']
            created = Rate.import_crm(company, crm([AWA, LEO]), SEPTEMBER)
            self.assertEqual(len(created), 3)
            self.assertEqual(self.rates(), [
                    ("Awa Diallo", SEPTEMBER, D('7.50'), 'imported'),
                    ("Awa Diallo", dt.date(2027, 1, 1), D('8.10'),
                        'imported'),
                    ("Léo Petit", SEPTEMBER, D('0.00'), 'imported'),
                    ])
            self.assertEqual(
                Rate.import_crm(company, crm([AWA, LEO]), SEPTEMBER), [])
            # The rate in force for a payment, as the payslip reads it
            awa = records['awa']
            self.assertEqual(Rate.rates_at([awa], dt.date(2026, 12, 31)),
                {awa.id: D('7.50')})
            self.assertEqual(Rate.rates_at([awa], dt.date(2027, 1, 31)),
                {awa.id: D('8.10')})

    @with_transaction()
    def test_refused(self):
        "Every bad item named; nothing is imported"
        Rate = Pool().get('coop.payroll.income_tax.rate')
        unknown = ("<salarie><NIR>1800175000001</NIR><nom_famille>MARTIN"
            "</nom_famille><taux_imposition_PAS>4.1</taux_imposition_PAS>"
            "</salarie>")
        bad_rate = LEO.replace('0.00', '120')
        bad_date = AWA.replace('2027-01-01', '2027-13-01')
        with company_records(self.data) as records:
            company = records['company']
            with self.assertRaises(CrmImportError) as context:
                Rate.import_crm(
                    company, crm([bad_date, bad_rate, unknown]), SEPTEMBER)
            message = context.exception.message
            # Each salarie at the line of its start tag: the first on the
            # 6th (after the XML declaration, rapport, declaration and the
            # two lines of declaration_identification), one a line after
            self.assertIn('Line 6: Awa DIALLO 2950369123456: "2027-13-01" '
                'is not a date', message)
            self.assertIn('Line 7: PETIT LEO-1: "120" is not a rate',
                message)
            self.assertIn('Line 8: MARTIN 1800175000001: no employee',
                message)
            self.assertEqual(self.rates(), [])
            with self.assertRaises(CrmImportError) as context:
                Rate.import_crm(
                    company, crm([AWA], siren='552100554'), SEPTEMBER)
            self.assertIn("Line 3: declaration 1 is for the SIREN 552100554",
                context.exception.message)
            with self.assertRaises(CrmImportError) as context:
                Rate.import_crm(company, b'S10.G00.00.001,x', SEPTEMBER)
            self.assertIn("is not a return of the tax office",
                context.exception.message)
            self.assertEqual(self.rates(), [])
