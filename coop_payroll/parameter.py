# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Legal amounts and rates, each valid over a span of dates

The SMIC, the social security ceiling, every contribution rate and the
overtime premiums change with time; the payroll reads them at the date of
the pay period, never from code.
"""
from coop_tools.model import rec_name_domain
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.model.exceptions import ValidationError
from trytond.pyson import Eval, If

from .dated import find_overlap


class ParameterError(ValidationError):
    pass


class Parameter(ModelSQL, ModelView):
    "A legal amount or rate, valid from a date"
    __name__ = 'coop.payroll.parameter'
    __string__ = "Payroll Parameter"

    code = fields.Char(
        "Code", required=True,
        help="The name salary rules use; versions of one amount share it.")
    name = fields.Char("Name", required=True, translate=True)
    value = fields.Numeric("Value", digits=(16, 4), required=True)
    start_date = fields.Date(
        "Valid From", required=True,
        domain=[
            If(Eval('end_date'),
                ('start_date', '<=', Eval('end_date')),
                ()),
            ])
    end_date = fields.Date("Valid To")
    source = fields.Char("Source", help="Where the value comes from.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('code', 'ASC'),
            ('start_date', 'DESC'),
            ('id', 'DESC'),
            ]

    def get_rec_name(self, name):
        return f'{self.code} ({self.start_date})'

    @classmethod
    def search_rec_name(cls, name, clause):
        return rec_name_domain(clause, 'code', 'name')

    @classmethod
    def validate(cls, parameters):
        super().validate(parameters)
        cls.check_overlap(parameters)

    @classmethod
    def check_overlap(cls, parameters):
        "One code has one value on any day"
        overlap = find_overlap(cls, parameters, 'code')
        if overlap:
            parameter, other = overlap
            raise ParameterError(gettext(
                    'coop_payroll.msg_parameter_overlap',
                    parameter=parameter.rec_name, other=other.rec_name))

    @classmethod
    def values_at(cls, date):
        "The value of every code in force at date"
        parameters = cls.search([
                ('start_date', '<=', date),
                ['OR',
                    ('end_date', '=', None),
                    ('end_date', '>=', date),
                    ],
                ])
        return ParameterValues(date, {p.code: p.value for p in parameters})

    @classmethod
    def value_at(cls, code, date):
        return cls.values_at(date)[code]


class ParameterValues(dict):
    "The values in force at a date; a missing code raises a clear error"

    def __init__(self, date, values):
        super().__init__(values)
        self.date = date

    def __missing__(self, code):
        raise ParameterError(gettext(
                'coop_payroll.msg_parameter_missing',
                code=code, date=self.date))
