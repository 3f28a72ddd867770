# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The tax office's return of withholding rates (the DGFiP's « CRM
nominatif » of the DSN) read into the employees' rates, with their dates

The return is an XML report of net-entreprises: a root ``rapport`` in the
namespace http://www.gip-mds.fr/, one ``declaration`` per declaration it
answers, whose ``declaration_identification`` names the company
(``SIREN``) and whose ``declaration_bilan`` holds a ``salarie`` per
employee: ``NIR`` (the 13 characters the DSN declares, without the key),
``matricule`` (the DSN's S21.G00.30.019, here the party's code), the rate
``taux_imposition_PAS`` (in %) and, when the office already knows the next
one, ``future_imposition_PAS`` with its ``taux`` and ``date_effet``.

That layout is read from GIP-MDS's stylesheet for showing CRMs and from two
open-source readers of the file (docs/dsn.md); the CRM's own specification
was not reachable, so the date formats, the decimal separator and the
report type are taken leniently and are unconfirmed. The rate applies
from the day the payroll manager gives (by default the day of the import:
the rate is to be applied as soon as it is received). A file naming
another company, an employee the company does not know, a rate or a date
that is not one, is refused whole, each item with its reason; an employee
without a rate keeps the neutral grid.
"""
import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from defusedxml.common import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from coop_payroll_fr.income_tax import RateRow
from coop_tools.imports import LineError
from coop_tools.model import check_user_company, user_company_domain
from coop_tools.report import SIREN_TYPES, SIRET_TYPES, identifier

from .dsn import compact
from .exceptions import CrmImportError


class LineElement(Element):
    "An element that knows the line of its start tag"
    line = 0


class LineTreeBuilder(TreeBuilder):
    "Builds LineElements, reading the line from the parser that feeds it"
    parser = None

    def __init__(self):
        super().__init__(element_factory=LineElement)

    def start(self, tag, attrs):
        element = super().start(tag, attrs)
        # defusedxml's parser is the pure-Python one, over expat
        element.line = self.parser.parser.CurrentLineNumber
        return element


def parse_xml(data):
    "The root of the XML bytes, each element with its line (defused)"
    builder = LineTreeBuilder()
    parser = DefusedXMLParser(target=builder)
    builder.parser = parser
    parser.feed(data)
    return parser.close()


def local_name(tag):
    return tag.rsplit('}', 1)[-1]


def text(node, path):
    found = node.find(path)
    if found is None or found.text is None:
        return ''
    return found.text.strip()


def parse_date(value):
    "A date written YYYY-MM-DD, DD/MM/YYYY or DDMMYYYY"
    value = value.strip()
    for pattern, order in [
            (r'^(\d{4})-(\d{2})-(\d{2})$', (0, 1, 2)),
            (r'^(\d{2})/(\d{2})/(\d{4})$', (2, 1, 0)),
            (r'^(\d{2})(\d{2})(\d{4})$', (2, 1, 0)),
            ]:
        match = re.match(pattern, value)
        if match:
            parts = match.groups()
            try:
                return dt.date(*(int(parts[i]) for i in order))
            except ValueError:
                return None
    return None


def parse_rate(value):
    "A rate in %, with a dot or a comma; None if it is not one"
    try:
        rate = Decimal(value.replace(',', '.'))
    except InvalidOperation:
        return None
    if not rate.is_finite() or not 0 <= rate <= 100:
        return None
    return rate


class Rate(metaclass=PoolMeta):
    __name__ = 'coop.payroll.income_tax.rate'

    @classmethod
    def import_crm(cls, company, data, start_date):
        """Create the rates of the tax office's return (data, its XML
        bytes) for company, from start_date (the future ones from their
        date); return the rates created. Refuse the file whole, naming each
        bad item at its line; a rate already recorded is not recorded
        again (the rates are stored as the CSV import stores them:
        Rate.store_rates)"""
        pool = Pool()
        Employee = pool.get('company.employee')
        try:
            root = parse_xml(data)
        except (ParseError, DefusedXmlException, ValueError) as exception:
            raise CrmImportError(gettext(
                    'coop_dsn.msg_crm_unreadable', reason=str(exception)))
        # The namespace is the root's; read the tags without any
        for node in root.iter():
            node.tag = local_name(node.tag)
        if root.tag != 'rapport':
            raise CrmImportError(gettext(
                    'coop_dsn.msg_crm_unreadable', reason=root.tag))
        party = company.party
        siren = compact(identifier(party, SIREN_TYPES)) or compact(
            identifier(party, SIRET_TYPES, party.address_get()))[:9]
        employees = Employee.search([('company', '=', company.id)])
        by_nir, by_code = {}, {}
        for employee in employees:
            nir = compact(identifier(employee.party, ('fr_nir',)))
            if nir:
                by_nir[nir[:13]] = employee
            if employee.party.code:
                by_code[employee.party.code] = employee
        errors, rows = [], []

        def fail(node, message, **values):
            errors.append(LineError(node.line, gettext(
                        f'coop_dsn.{message}', **values)))
        for number, declaration in enumerate(
                root.iter('declaration'), 1):
            declared = text(declaration, 'declaration_identification/SIREN')
            if declared and declared != siren:
                fail(declaration, 'msg_crm_siren', declaration=number,
                    siren=declared, company=company.rec_name)
                continue
            for salarie in declaration.iterfind('declaration_bilan/salarie'):
                nir = compact(text(salarie, 'NIR'))[:13]
                code = text(salarie, 'matricule')
                who = ' '.join(filter(None, [
                            text(salarie, 'prenoms'),
                            text(salarie, 'nom_famille'), nir or code]))
                employee = by_nir.get(nir) if nir else None
                employee = employee or (by_code.get(code) if code else None)
                if not employee:
                    fail(salarie, 'msg_crm_employee', employee=who)
                    continue
                rates = []
                value = text(salarie, 'taux_imposition_PAS')
                if value:
                    rates.append((value, start_date, None))
                future = salarie.find('future_imposition_PAS')
                if future is not None:
                    rates.append((text(future, 'taux'), None,
                            text(future, 'date_effet')))
                for value, date, date_text in rates:
                    rate = parse_rate(value)
                    if rate is None:
                        fail(salarie, 'msg_crm_rate', employee=who,
                            rate=value)
                        continue
                    if date is None:
                        date = parse_date(date_text)
                        if date is None:
                            fail(salarie, 'msg_crm_date', employee=who,
                                date=date_text)
                            continue
                    rows.append(RateRow(salarie.line, employee, rate, date))
        return cls.store_rates(company, rows, errors,
            error=CrmImportError, refused='coop_dsn.msg_crm_refused')


class CrmImportStart(ModelView):
    "Import the Tax Office's Return"
    __name__ = 'coop.dsn.crm_import.start'
    __string__ = "Import the Tax Office's Return"

    company = fields.Many2One('company.company', "Company", required=True,
        domain=user_company_domain())
    data = fields.Binary(
        "File", required=True,
        help="The tax office's return of withholding rates (CRM), the XML "
        "file downloaded from net-entreprises.")
    start_date = fields.Date(
        "Valid From", required=True,
        help="The first payment the rates apply to (a future rate the file "
        "gives keeps its own date).")

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def default_start_date(cls):
        return Pool().get('ir.date').today()


class CrmImport(Wizard):
    "Import the tax office's return of withholding rates"
    __name__ = 'coop.dsn.crm_import'
    start = StateView(
        'coop.dsn.crm_import.start',
        'coop_dsn.crm_import_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Import", 'import_', 'tryton-ok', default=True),
            ])
    import_ = StateTransition()

    def transition_import_(self):
        Rate = Pool().get('coop.payroll.income_tax.rate')
        check_user_company(
            self.start.company, 'coop_dsn.msg_company_not_allowed')
        Rate.import_crm(
            self.start.company, self.start.data, self.start.start_date)
        return 'end'
