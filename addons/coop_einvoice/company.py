# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The company's legal identity on its invoices, and the late-payment terms
(dated data: the law sets the indemnity, the coop its penalty rate)"""
import datetime as dt
import re

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import LegalIdentityError

# NAF rév. 2 codes: two digits, a dot (optional), two digits, a letter
APE_CODE = re.compile(r'^\d{2}\.?\d{2}[A-Z]$')
# Small and micro companies issue e-invoices from this date (décret
# 2022-1299 as amended by the 2024 finance law); a setting per company
SMALL_COMPANY_ISSUING_DATE = dt.date(2027, 9, 1)


class Company(metaclass=PoolMeta):
    __name__ = 'company.company'

    legal_form = fields.Char(
        "Legal Form",
        help="As the invoices state it, e.g. "
        "« SCOP SARL à capital variable » or « SCIC SAS à capital variable ».")
    share_capital = fields.Numeric(
        "Share Capital", digits=(16, 2),
        domain=['OR', ('share_capital', '=', None),
            ('share_capital', '>=', 0)],
        help="Printed after the legal form; leave empty for a variable "
        "capital that is not stated.")
    ape_code = fields.Char(
        "APE Code", size=6, help="The activity code (NAF), e.g. 53.20Z.")
    einvoice_issuing_date = fields.Date(
        "E-Invoices Required From",
        help="From this invoice date, every customer invoice must pass the "
        "e-invoicing rules to be posted; before it, a Factur-X is made for "
        "those that pass them.")

    @classmethod
    def default_einvoice_issuing_date(cls):
        return SMALL_COMPANY_ISSUING_DATE

    @classmethod
    def validate_fields(cls, companies, field_names):
        super().validate_fields(companies, field_names)
        if 'ape_code' in field_names:
            for company in companies:
                if company.ape_code and not APE_CODE.match(company.ape_code):
                    raise LegalIdentityError(gettext(
                            'coop_einvoice.msg_ape_code_invalid',
                            code=company.ape_code,
                            company=company.rec_name))

    def einvoice_required(self, date):
        "Whether an invoice of date must be an e-invoice"
        return bool(self.einvoice_issuing_date
            and date and date >= self.einvoice_issuing_date)


class LatePaymentTerms(ModelSQL, ModelView):
    "The late-payment penalty rate and the fixed recovery indemnity, dated"
    __name__ = 'coop.einvoice.late_payment'
    __string__ = "Late Payment Terms"

    company = fields.Many2One(
        'company.company', "Company", ondelete='CASCADE',
        help="Empty: the terms of every company without its own.")
    start_date = fields.Date("Start Date", required=True)
    end_date = fields.Date(
        "End Date",
        domain=['OR', ('end_date', '=', None),
            ('end_date', '>=', Eval('start_date', None))])
    penalty_rate = fields.Numeric(
        "Penalty Rate", digits=(16, 4), required=True,
        domain=[('penalty_rate', '>=', 0)],
        help="Yearly, as a ratio (0.1215 for 12.15 %); the law's minimum is "
        "three times the legal interest rate (Code de commerce L441-10).")
    recovery_indemnity = fields.Numeric(
        "Recovery Indemnity", digits=(16, 2), required=True,
        domain=[('recovery_indemnity', '>=', 0)],
        help="The fixed indemnity for recovery costs owed by a business "
        "customer paying late (D441-5: 40 EUR).")
    source = fields.Char("Source")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('start_date', 'DESC'))

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    @without_check_access
    def terms_at(cls, company, date):
        """The terms in force at date for company (its own first, then the
        shared ones); None when there are none"""
        clause = [
            ('start_date', '<=', date),
            ['OR', ('end_date', '=', None), ('end_date', '>=', date)],
            ]
        for company_clause in [('company', '=', company.id),
                ('company', '=', None)]:
            terms = cls.search([company_clause] + clause,
                order=[('start_date', 'DESC')], limit=1)
            if terms:
                return terms[0]
        return None


def late_payment_terms(company, date):
    return Pool().get('coop.einvoice.late_payment').terms_at(company, date)
