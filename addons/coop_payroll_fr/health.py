# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Complementary health cover and provident schemes, as data

A cover is the company's contract with an insurer: a fixed monthly amount
or a rate of the gross pay, of which the employer pays a share (at least
50 % for health cover, CSS L911-7). An employee may be exempted (a reason
the law lists, from a date). The employer's share enters the CSG/CRDS base
without the 1.75 % allowance; its health part is also taxable income and
is added to the « montant net social ».
"""
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from .exceptions import HealthCoverError

EXEMPTIONS = [
    ('fixed_term', "Fixed-term contract or short contract"),
    ('part_time', "Part-time, contribution of 10 % of the pay or more"),
    ('other_cover', "Covered elsewhere (spouse's mandatory cover, etc.)"),
    ('css', "Complémentaire santé solidaire"),
    ('before_scheme', "Employed before the scheme was set up by decision "
        "of the employer"),
    ]


class Cover(ModelSQL, ModelView):
    "A complementary health or provident contract of the company"
    __name__ = 'coop.payroll.health_cover'
    __string__ = "Health or Provident Cover"

    company = fields.Many2One('company.company', "Company", required=True)
    name = fields.Char("Name", required=True)
    kind = fields.Selection([
            ('health', "Complementary health (mutuelle)"),
            ('provident', "Provident scheme (prévoyance)"),
            ], "Kind", required=True)
    insurer = fields.Many2One('party.party', "Insurer", required=True)
    reference = fields.Char(
        "Contract Reference", help="As the DSN declares it.")
    computation = fields.Selection([
            ('fixed', "Fixed monthly amount"),
            ('rate', "Rate of the gross pay"),
            ], "Computation", required=True)
    amount = fields.Numeric(
        "Monthly Amount", digits=(16, 2),
        states={
            'invisible': Eval('computation') != 'fixed',
            'required': Eval('computation') == 'fixed',
            })
    rate = fields.Numeric(
        "Rate (%)", digits=(16, 4),
        states={
            'invisible': Eval('computation') != 'rate',
            'required': Eval('computation') == 'rate',
            })
    employer_share = fields.Numeric(
        "Employer Share (%)", digits=(16, 2), required=True,
        domain=[('employer_share', '<=', 100)])
    start_date = fields.Date(
        "Valid From", required=True,
        domain=[If(Eval('end_date'),
                ('start_date', '<=', Eval('end_date')), ())])
    end_date = fields.Date("Valid To")
    exemptions = fields.One2Many(
        'coop.payroll.health_cover.exemption', 'cover', "Exemptions")

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def default_kind(cls):
        return 'health'

    @classmethod
    def default_computation(cls):
        return 'fixed'

    @classmethod
    def validate_fields(cls, covers, field_names):
        super().validate_fields(covers, field_names)
        for cover in covers:
            if (cover.kind == 'health'
                    and (cover.employer_share or 0) < 50):
                raise HealthCoverError(gettext(
                        'coop_payroll_fr.msg_health_employer_share',
                        cover=cover.rec_name, share=cover.employer_share))

    def parts(self, gross):
        "The employee's and the employer's monthly parts for a gross pay"
        from coop_payroll.rule import percent_of
        if self.computation == 'fixed':
            total = self.amount
        else:
            total = percent_of(gross, self.rate)
        employer = percent_of(total, self.employer_share)
        return total - employer, employer

    def exempts(self, employee, date):
        return any(
            e.employee == employee and e.start_date <= date
            and (not e.end_date or e.end_date >= date)
            for e in self.exemptions)


class Exemption(ModelSQL, ModelView):
    "An employee exempted from a cover, for a reason the law lists"
    __name__ = 'coop.payroll.health_cover.exemption'
    __string__ = "Cover Exemption"

    cover = fields.Many2One(
        'coop.payroll.health_cover', "Cover", required=True,
        ondelete='CASCADE')
    employee = fields.Many2One('company.employee', "Employee", required=True)
    reason = fields.Selection(EXEMPTIONS, "Reason", required=True)
    start_date = fields.Date("From", required=True)
    end_date = fields.Date("To")
    document = fields.Char(
        "Supporting Document", help="The employee's written request and "
        "its proof.")
