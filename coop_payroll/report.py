# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The payslip as a PDF, from the HTML template report/payslip.html

The template (see docs/templates.md) follows the clarified payslip and the
mentions of article R3243-1 of the Code du travail; a coop may replace it
through the report's action. It is written in the employee's language (the
party's), else the company's, else the reader's: payslips of employees
writing different languages are made apart (a zip of PDFs).
"""
from decimal import Decimal

from trytond.transaction import Transaction

from coop_tools.report import HTMLReport, company_language

from .rule import HEADINGS

__all__ = ['PayslipReport']


def party_language(party, company):
    "The code of the party's language for company, None if not set"
    with Transaction().set_context(company=company.id):
        lang = type(party)(party.id).lang
    return lang.code if lang else None


def significant_digits(value, digits=2, max_digits=4):
    """The decimals to show value with: at least digits, at most
    max_digits, more only when they are not zeros (6,90 %, 0,0125 %)"""
    if value is None:
        return digits
    exponent = Decimal(value).normalize().as_tuple().exponent
    return min(max(-exponent, digits), max_digits)


class PayslipReport(HTMLReport):
    "Payslip"
    __name__ = 'coop.payroll.payslip'

    @classmethod
    def header_key(cls, record, data):
        # A PDF per language: one language per document
        return super().header_key(record, data) + (
            ('language', cls.payslip_language(record)),)

    @classmethod
    def payslip_language(cls, payslip):
        return (party_language(payslip.employee.party, payslip.company)
            or company_language(payslip.company))

    @classmethod
    def document_language(cls, records, data):
        if records:
            return cls.payslip_language(records[0])
        return None

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context['sections'] = cls.sections
        context['format_rate'] = cls.format_rate
        context['rate_digits'] = significant_digits
        context['format_hours'] = lambda hours: cls.format_number(
            hours or 0, context['lang'], 2) + '\xa0h'
        context['relief'] = cls.relief
        context['employer_cost'] = cls.employer_cost
        context['year_to_date'] = cls.year_to_date
        context['paid_leave'] = cls.paid_leave
        return context

    @classmethod
    def sections(cls, payslip):
        """[(heading, lines)]: the contribution and reduction lines under
        their headings, in the clarified payslip's order; a line without a
        heading goes under the employer's other contributions"""
        order = [h for h, _ in HEADINGS if h]
        groups = {h: [] for h in order}
        for line in payslip.lines:
            if line.kind in {'contribution', 'reduction'}:
                groups[line.heading or 'other'].append(line)
        return [(h, groups[h]) for h in order if groups[h]]

    @classmethod
    def format_rate(cls, value, lang):
        "A rate in percent: '6,90 %', '0,0125 %'; '' for None"
        if value is None:
            return ''
        return cls.format_number(
            value, lang, significant_digits(value)) + '\xa0%'

    @classmethod
    def relief(cls, payslip):
        "The exemptions and reductions of the employer's contributions"
        return sum((l.employer_amount for l in payslip.lines
                if l.kind == 'reduction'), Decimal(0))

    @classmethod
    def employer_cost(cls, payslip):
        """What the month costs the employer: the gross pay, its employer
        contributions and the allowances it pays on top"""
        return sum((v or 0 for v in [payslip.gross,
                    payslip.employer_contributions, payslip.allowances]),
            Decimal(0))

    @classmethod
    def year_to_date(cls, payslip):
        """{gross, taxable_net, income_tax, overtime_exempt, rgdu}: the
        year's figures up to the payslip, None when the legislation's
        module does not keep them"""
        return None

    @classmethod
    def paid_leave(cls, payslip):
        """{earned_previous, earned_current, taken, remaining}: the
        payslip's paid leave counters (days), None when the legislation's
        module does not keep them"""
        return None
