# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""What the suite's HTML reports share (see docs/templates.md)

A document is an ir.action.report whose template is an HTML (Genshi) file,
rendered to PDF by WeasyPrint (trytond's own convert), its labels translated
through the module's .po (report strings). HTMLReport gives every template
the suite's stylesheet, the document's language and the company's legal
identifiers; the module's Report subclass adds its data in get_context.
"""
import os
from functools import cache

from trytond.pool import Pool
from trytond.report import Report
from trytond.transaction import Transaction

# Party identifier types read for the company's numbers. Neither a NAF nor
# an APE type exists in the party module: a module that adds one is read.
SIRET_TYPES = ('fr_siret',)
SIREN_TYPES = ('fr_siren',)
NAF_TYPES = ('fr_naf', 'fr_ape')
STYLESHEET = os.path.join(os.path.dirname(__file__), 'report.css')


@cache
def stylesheet():
    with open(STYLESHEET, encoding='utf-8') as file:
        return file.read()


def identifier(party, types, address=None):
    """The code of the party's first identifier of types

    The one of the address first, if given (a SIRET is per establishment)."""
    found = [i for i in party.identifiers if i.type in types]
    if address:
        found.sort(key=lambda i: getattr(i, 'address', None) != address)
    return found[0].code if found else ''


def company_identifiers(company):
    """The company's legal identifiers, as a dict: siret (the one of its
    address first), siren, naf (empty strings when missing)"""
    party = company.party
    return {
        'siret': identifier(party, SIRET_TYPES, party.address_get()),
        'siren': identifier(party, SIREN_TYPES),
        'naf': identifier(party, NAF_TYPES),
        }


def address_lines(party):
    "The lines of the party's main address, blank ones left out"
    address = party.address_get()
    if not address:
        return []
    return [l for l in address.full_address.splitlines() if l.strip()]


def selection_string(record, name):
    "The label of record's selection field name, in the reader's language"
    Model = Pool().get(record.__name__)
    selection = Model.fields_get([name])[name]['selection']
    return dict(selection).get(getattr(record, name), '')


def company_language(company):
    "The code of the company's language (its party's), None if not set"
    if not company:
        return None
    # A party's language is a value per company
    with Transaction().set_context(company=company.id):
        lang = type(company)(company.id).party.lang
    return lang.code if lang else None


class HTMLReport(Report):
    "A report whose template is HTML and whose output is a PDF"

    @classmethod
    def document_language(cls, records, data):
        """The code of the language the document is written in, None for
        the reader's"""
        return None

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Lang = pool.get('ir.lang')
        language = cls.document_language(records, data)
        if language:
            # Restored when the report is made (Report._execute)
            Transaction().set_context(language=language)
        context = super().get_context(records, header, data)
        context['stylesheet'] = stylesheet()
        context['lang'] = Lang.get()
        context['today'] = pool.get('ir.date').today()
        context['company_identifiers'] = company_identifiers
        context['address_lines'] = address_lines
        context['selection_string'] = selection_string
        context['format_percent'] = cls.format_percent
        return context

    @classmethod
    def format_percent(cls, value, lang, digits=2):
        "A ratio (0.5, a Fraction) as a percentage: '50,00 %'; '' for None"
        if value is None:
            return ''
        return cls.format_number(float(value) * 100, lang, digits) + '\xa0%'


class CompanyReport(HTMLReport):
    """A report whose documents are the coop's: written in its language (its
    party's), the company of the first record, else of the data or the
    context; else in the reader's"""

    @classmethod
    def document_language(cls, records, data):
        Company = Pool().get('company.company')
        if records:
            return company_language(records[0].company)
        company_id = (data.get('company')
            or Transaction().context.get('company'))
        return company_language(Company(company_id) if company_id else None)
