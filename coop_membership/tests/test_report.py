# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
import datetime as dt
import io
import unittest
from contextlib import contextmanager
from decimal import Decimal

from pypdf import PdfReader

from trytond.modules.company.tests import create_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from coop_tools.languages import load_french
from coop_tools.testing import activate_suite, commit_setup, company_records
from trytond.transaction import Transaction

from coop_membership.report import (
    INFORMATIVE, MOVEMENTS, CapitalVariationError, number_key)

from .tools import (
    capital, create_members, membership_fixture, operation, skip_warnings,
    subscribe)

JAN, FEB, MAR, APR, MAY, JUN, JUL, AUG = (
    dt.date(2026, m, 15) for m in range(1, 9))
# The members of build_register's register
MEMBERS = ['awa', 'leo', 'zoe', 'noa']
REPORTS = [
    'coop.membership.certificate',
    'coop.membership.register',
    'coop.membership.capital_variation.report',
    ]


def pages_text(content):
    "The words of each page, one space apart (pypdf splits table cells)"
    pdf = PdfReader(io.BytesIO(content))
    return [' '.join(p.extract_text().split()) for p in pdf.pages]


def create_coop():
    "The company, with an address and a SIRET"
    pool = Pool()
    Currency = pool.get('currency.currency')
    Address = pool.get('party.address')
    Identifier = pool.get('party.identifier')
    euro, = Currency.create([{
                'name': "Euro", 'symbol': '€', 'code': 'EUR'}])
    company = create_company("Coop Vélo", currency=euro)
    address, = company.party.addresses
    Address.write([address], {
            'street': "12 rue des Rayons",
            'postal_code': '69001', 'city': "Lyon",
            })
    Identifier.create([{
                'party': company.party.id, 'address': address.id,
                'type': 'fr_siret', 'code': '73282932000074',
                }])
    return company


def build_register(company, data):
    """A register on setup_membership's data: Awa and Léo subscribe 8
    shares A in January, Léo 2 more in February, Awa sells 2 back in March,
    transfers 2 to Noa in April and converts 4 A into 1 B in May; Zoé's
    subscription of 2 B in June is reversed in July"""
    pool = Pool()
    Operation = pool.get('coop.share.operation')
    ShareClass = pool.get('coop.share.class')
    share_a = data['A']
    share_b, = ShareClass.create([{
                'code': 'B', 'name': "Hundreds",
                'nominal': Decimal(100),
                }])
    awa, leo, zoe, noa = create_members(
        company, data['EMP'], ["Awa Diallo", "Léo Martin", "Zoé Petit",
            "Noa Bernard"])
    with skip_warnings():
        subscribe([awa, leo], share_a, 8, JAN)
        subscribe([leo], share_a, 2, FEB)
        operation('sell_back', awa, share_a, 2, MAR)
        operation('transfer', awa, share_a, 2, APR, to_member=noa.id)
        operation('conversion', awa, share_a, 4, MAY,
            to_class=share_b.id, to_quantity=1)
        late, = subscribe([zoe], share_b, 2, JUN, paid=False)
        Operation.reverse([late.operation], date=JUL)
    return dict(zip(MEMBERS, [awa, leo, zoe, noa]), B=share_b)


class CoopMembershipReportTestCase(unittest.TestCase):
    "Test the documents of the register of members"

    @classmethod
    def setUpClass(cls):
        activate_suite('coop_membership')
        # The coop and its register (build_register's), built once,
        # committed: each test reads them in its transaction, rolled back
        cls.data = commit_setup(
            lambda: membership_fixture(create_coop(), build_register))

    @contextmanager
    def coop(self):
        """The class's coop as the user's company and its register, as
        (company, (share_a, share_b, (awa, leo, zoe, noa)))"""
        with company_records(self.data) as data:
            yield data['company'], (data['A'], data['B'],
                tuple(data[m] for m in MEMBERS))

    def run_report(self, name, ids, data=None):
        "The text of each page of the report, as a French user reads it"
        Report = Pool().get(name, type='report')
        load_french(['coop_membership'])
        with Transaction().set_context(language='fr'):
            oext, content, _, _ = Report.execute(ids, data or {})
        self.assertEqual(oext, 'pdf')
        return pages_text(content)

    def test_number_key(self):
        "Operation numbers sort as numbers"
        self.assertEqual(
            sorted(['10', '9', 'R-2', 'R-10', '1'], key=number_key),
            ['1', '9', '10', 'R-2', 'R-10'])

    @with_transaction()
    def test_actions(self):
        "The reports and the wizard are for membership administrators"
        pool = Pool()
        ActionReport = pool.get('ir.action.report')
        ActionWizard = pool.get('ir.action.wizard')
        ModelData = pool.get('ir.model.data')
        group = ModelData.get_id('coop_membership', 'group_membership_admin')
        reports = ActionReport.search([('report_name', 'in', REPORTS)])
        self.assertEqual(
            sorted(r.report_name for r in reports), sorted(REPORTS))
        wizard, = ActionWizard.search([
                ('wiz_name', '=', 'coop.membership.capital_variation')])
        for action in reports + [wizard]:
            with self.subTest(action=action.name):
                self.assertEqual([g.id for g in action.groups], [group])
        for report in reports:
            with self.subTest(report=report.report_name):
                self.assertEqual(report.extension, 'pdf')
                self.assertEqual(
                    bool(report.keywords),
                    report.model == 'coop.member')

    @with_transaction()
    def test_certificate(self):
        "A page per member: the coop, the member, holdings, operations"
        with self.coop() as (company, register):
            share_a, share_b, members = register
            awa, leo, zoe, noa = members
            today = Pool().get('ir.date').today()
            with Transaction().set_context(date=AUG):
                first, second, third = self.run_report(
                    'coop.membership.certificate', [awa.id, leo.id, zoe.id])
            for text in [
                    "Certificat de parts sociales",
                    "Certificat de parts sociales Arrêté au 15/08/2026",
                    "Parts sociales détenues Classe de parts Parts Valeur "
                    "nominale Montant",
                    "Coop Vélo", "12 rue des Rayons", "69001 Lyon",
                    "SIRET : 732 829 320 00074",
                    "Société coopérative et participative (SCOP) à capital "
                    "variable",
                    "Awa Diallo", f"N° d'associé : {awa.number}",
                    "Catégorie d'associés : Employees",
                    "Statut : Associé", "Date d'entrée : 15/01/2026",
                    # Holdings: no class A left, one share of B
                    "B - Hundreds 1 100,00 € 100,00 €",
                    "Total 1 100,00 €",
                    # The operations, one row per class moved
                    "1 15/01/2026 Souscription A 8 200,00 €",
                    "4 15/03/2026 Remboursement A -2 -50,00 €",
                    "5 15/04/2026 Cession A -2 -50,00 €",
                    "6 15/05/2026 Conversion A -4 -100,00 €",
                    "6 15/05/2026 Conversion B 1 100,00 €",
                    f"Certificat délivré le {today.strftime('%d/%m/%Y')}",
                    "Les parts sociales ne sont pas négociables",
                    ]:
                with self.subTest(text=text):
                    self.assertIn(text, first)
            self.assertNotIn("A - Ordinary", first)
            for text in [
                    "Léo Martin", "A - Ordinary 10 25,00 € 250,00 €",
                    "Total 10 250,00 €",
                    "3 15/02/2026 Souscription complémentaire A 2 50,00 €",
                    ]:
                with self.subTest(text=text):
                    self.assertIn(text, second)
            self.assertNotIn("Awa Diallo", second)
            # Zoé left when her subscription was reversed
            for text in [
                    "Zoé Petit", "Statut : Ancien associé",
                    "Date de sortie : 15/07/2026",
                    "Aucune part sociale détenue à cette date.",
                    "7 15/06/2026 Souscription B 2 200,00 €",
                    "8 15/07/2026 Annulation du n° 7 B -2 -200,00 €",
                    ]:
                with self.subTest(text=text):
                    self.assertIn(text, third)

            # At an earlier date, the register as it was
            with Transaction().set_context(date=FEB):
                page, = self.run_report(
                    'coop.membership.certificate', [awa.id])
            self.assertIn("Arrêté au 15/02/2026", page)
            self.assertIn("A - Ordinary 8 25,00 € 200,00 €", page)
            self.assertNotIn("Remboursement", page)

    @with_transaction()
    def test_template_replaced(self):
        "A coop replaces the certificate's template through its action"
        pool = Pool()
        ActionReport = pool.get('ir.action.report')
        with self.coop() as (company, register):
            share_a, share_b, members = register
            awa = members[0]
            action, = ActionReport.search([
                    ('report_name', '=', 'coop.membership.certificate')])
            template = action.report_content.decode()
            # The coop's own wording, and a label of its own (translated
            # labels stay as they are)
            self.assertIn('<h1>Share Certificate</h1>', template)
            ActionReport.write([action], {
                    'report_content': template.replace(
                        '<h1>Share Certificate</h1>',
                        '<h1>Attestation de parts</h1>'
                        '<p>Roue Libre, ${member.party.rec_name}</p>',
                        ).encode(),
                    })
            with Transaction().set_context(date=AUG):
                page, = self.run_report(
                    'coop.membership.certificate', [awa.id])
            self.assertIn("Attestation de parts", page)
            self.assertIn("Roue Libre, Awa Diallo", page)
            self.assertNotIn("Certificat de parts sociales", page)
            # The rest of the template is the module's, in French
            self.assertIn("Parts sociales détenues", page)

            # Emptied, the module's file again
            ActionReport.write([action], {'report_content': None})
            with Transaction().set_context(date=AUG):
                page, = self.run_report(
                    'coop.membership.certificate', [awa.id])
            self.assertIn("Certificat de parts sociales", page)

    @with_transaction()
    def test_reader_language(self):
        "In English for an English reader, French for the coop in French"
        pool = Pool()
        Lang = pool.get('ir.lang')
        Party = pool.get('party.party')
        with self.coop() as (company, register):
            share_a, share_b, members = register
            awa = members[0]
            Certificate = pool.get(
                'coop.membership.certificate', type='report')
            load_french(['coop_membership'])
            with Transaction().set_context(date=AUG, language='en'):
                _, content, _, _ = Certificate.execute([awa.id], {})
            page, = pages_text(content)
            self.assertIn("Share Certificate As at 08/15/2026", page)
            self.assertIn("Shares held", page)
            self.assertIn("Member number:", page)

            french, = Lang.search([('code', '=', 'fr')])
            Party.write([company.party], {'lang': french.id})
            with Transaction().set_context(date=AUG, language='en'):
                _, content, _, _ = Certificate.execute([awa.id], {})
            page, = pages_text(content)
            self.assertIn("Certificat de parts sociales Arrêté au 15/08/2026",
                page)

    @with_transaction()
    def test_register(self):
        "The members with their holdings, then the numbered operations"
        with self.coop() as (company, register):
            share_a, share_b, members = register
            awa, leo, zoe, noa = members
            with Transaction().set_context(date=AUG):
                pages = self.run_report(
                    'coop.membership.register', [m.id for m in members])
            text = ' '.join(pages)
            for value in [
                    "Registre des associés", "Arrêté au 15/08/2026",
                    "Coop Vélo", "SIRET : 732 829 320 00074",
                    f"{awa.number} Awa Diallo Employees Associé 15/01/2026 "
                    "1 100,00 €",
                    f"{leo.number} Léo Martin Employees Associé 15/01/2026 "
                    "10 250,00 €",
                    f"{zoe.number} Zoé Petit Employees Ancien associé "
                    "15/06/2026 15/07/2026 0 0,00 €",
                    f"{noa.number} Noa Bernard Employees Associé 15/04/2026 "
                    "2 50,00 €",
                    "Total 13 400,00 €",
                    "Mouvements de parts sociales",
                    f"1 15/01/2026 15/01/2026 Souscription {awa.number} Awa "
                    "Diallo A 8 200,00 €",
                    f"2 15/01/2026 15/01/2026 Souscription {leo.number} Léo "
                    "Martin A 8 200,00 €",
                    f"3 15/02/2026 15/02/2026 Souscription complémentaire "
                    f"{leo.number} Léo Martin A 2 50,00 €",
                    f"4 15/03/2026 15/03/2026 Remboursement {awa.number} Awa "
                    "Diallo A 2 50,00 €",
                    f"5 15/04/2026 15/04/2026 Cession {awa.number} Awa Diallo "
                    f"{noa.number} Noa Bernard A 2 50,00 €",
                    f"6 15/05/2026 15/05/2026 Conversion {awa.number} Awa "
                    "Diallo A en B 4 en 1 100,00 €",
                    f"8 15/07/2026 15/07/2026 Annulation du n° 7 {zoe.number} "
                    "Zoé Petit B 2 200,00 €",
                    "Page 1",
                    ]:
                with self.subTest(text=value):
                    self.assertIn(value, text)
            # In the register's order
            self.assertLess(text.index("1 15/01/2026 15/01/2026"),
                text.index("8 15/07/2026 15/07/2026"))

            # Selected members: the operations that move their shares only
            with Transaction().set_context(date=AUG):
                text = ' '.join(self.run_report(
                        'coop.membership.register', [noa.id]))
            self.assertIn("Total 2 50,00 €", text)
            self.assertIn("5 15/04/2026 15/04/2026 Cession", text)
            self.assertNotIn("Souscription", text)

    @with_transaction()
    def test_capital_variation(self):
        "Opening plus the movements of the period is the closing capital"
        pool = Pool()
        Report = pool.get(
            'coop.membership.capital_variation.report', type='report')
        with self.coop() as (company, register):
            share_a, share_b, members = register
            start, end = dt.date(2026, 2, 1), dt.date(2026, 7, 31)
            variation = Report.variation(company, start, end)

            self.assertEqual(list(variation['classes']), ['A', 'B'])
            figures, totals = variation['figures'], variation['totals']
            expected = {
                'opening': {'A': 16, 'B': 0},
                'subscribed': {'A': 2, 'B': 2},
                'sold_back': {'A': -2, 'B': 0},
                'converted_in': {'A': 0, 'B': 1},
                'converted_out': {'A': -4, 'B': 0},
                'reversed': {'A': 0, 'B': -2},
                'closing': {'A': 12, 'B': 1},
                'transferred': {'A': 2, 'B': 0},
                }
            nominal = {'A': Decimal(25), 'B': Decimal(100)}
            for row, shares in expected.items():
                for code, quantity in shares.items():
                    with self.subTest(row=row, share_class=code):
                        self.assertEqual(figures[row][code], {
                                'shares': quantity,
                                'amount': nominal[code] * quantity,
                                })
            self.assertEqual(totals['opening'], Decimal(400))
            self.assertEqual(totals['opening'], capital(company, start
                    - dt.timedelta(days=1)))
            self.assertEqual(totals['closing'], Decimal(400))
            self.assertEqual(totals['closing'], capital(company, end))
            self.assertEqual(totals['subscribed'], Decimal(250))
            self.assertEqual(totals['transferred'], Decimal(50))
            self.assertEqual(
                totals['opening'] + sum(totals[m] for m in MOVEMENTS),
                totals['closing'])
            for code in variation['classes']:
                with self.subTest(share_class=code):
                    self.assertEqual(
                        figures['opening'][code]['shares']
                        + sum(figures[m][code]['shares'] for m in MOVEMENTS),
                        figures['closing'][code]['shares'])
            self.assertEqual(INFORMATIVE, ['transferred'])

            # Over the year: from nothing
            variation = Report.variation(
                company, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
            totals = variation['totals']
            self.assertEqual(totals['opening'], Decimal(0))
            self.assertEqual(totals['subscribed'], Decimal(650))
            self.assertEqual(
                sum(totals[m] for m in MOVEMENTS), totals['closing'])
            self.assertEqual(totals['closing'], Decimal(400))

            # A day with no movement
            variation = Report.variation(company, AUG, AUG)
            self.assertEqual(
                variation['totals']['opening'], variation['totals']['closing'])
            self.assertFalse(any(
                    variation['totals'][m] for m in MOVEMENTS + INFORMATIVE))

            with self.assertRaises(CapitalVariationError):
                Report.variation(company, end, start)

    @with_transaction()
    def test_capital_variation_wizard(self):
        "The wizard checks the period and prints the statement"
        pool = Pool()
        CapitalVariation = pool.get(
            'coop.membership.capital_variation', type='wizard')
        with self.coop() as (company, register):
            share_a, share_b, members = register
            start, end = dt.date(2026, 2, 1), dt.date(2026, 7, 31)

            session_id, _, _ = CapitalVariation.create()
            with self.assertRaises(CapitalVariationError):
                CapitalVariation.execute(session_id, {'start': {
                            'company': company.id,
                            'start_date': end, 'end_date': start,
                            }}, 'print_')
            result = CapitalVariation.execute(session_id, {'start': {
                        'company': company.id,
                        'start_date': start, 'end_date': end,
                        }}, 'print_')
            (action, data), = result['actions']
            self.assertEqual(action['report_name'],
                'coop.membership.capital_variation.report')
            self.assertEqual(data, {
                    'company': company.id,
                    'start_date': start, 'end_date': end,
                    })

            page, = self.run_report(action['report_name'], [], data)
            for text in [
                    "État des variations du capital social",
                    "Période du 01/02/2026 au 31/07/2026",
                    "Coop Vélo", "SIRET : 732 829 320 00074",
                    "Mouvement Parts A Montant A Parts B Montant B Total",
                    "Capital au début de la période 16 400,00 € 0 0,00 € "
                    "400,00 €",
                    "Souscriptions et souscriptions complémentaires 2 50,00 € "
                    "2 200,00 € 250,00 €",
                    "Remboursements -2 -50,00 € 0 0,00 € -50,00 €",
                    "Conversions : parts reçues 0 0,00 € 1 100,00 € 100,00 €",
                    "Conversions : parts converties -4 -100,00 € 0 0,00 € "
                    "-100,00 €",
                    "Annulations d'opérations 0 0,00 € -2 -200,00 € -200,00 €",
                    "Capital à la fin de la période 12 300,00 € 1 100,00 € "
                    "400,00 €",
                    "Cessions entre associés (pour information, sans effet "
                    "sur le capital) 2 50,00 € 0 0,00 € 50,00 €",
                    ]:
                with self.subTest(text=text):
                    self.assertIn(text, page)
