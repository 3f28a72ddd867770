# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The norm's codes the declaration uses, as editable data

A contribution code says how a payslip line is declared: its base (block
S21.G00.78), its individual contribution code (S21.G00.81) and, for
URSSAF, its aggregated contribution (S21.G00.23). A setting code gives a
value of the norm (a code list's entry). Those not read in the official
cahier technique are shipped with confirmed unticked (docs/dsn.md)."""
from trytond.model import ModelSQL, ModelView, fields
from trytond.pyson import Eval


class Code(ModelSQL, ModelView):
    "A code of the DSN norm"
    __name__ = 'coop.dsn.code'
    __string__ = "DSN Code"

    usage = fields.Selection([
            ('contribution', "Contribution"),
            ('setting', "Setting"),
            ], "Usage", required=True)
    key = fields.Char(
        "Key", required=True,
        help="The payslip line's code, or the setting's name.")
    value = fields.Char(
        "Value", states={
            'invisible': Eval('usage') != 'setting',
            })
    base_code = fields.Char(
        "Base Code", size=2, states={
            'invisible': Eval('usage') != 'contribution',
            }, help="S21.G00.78.001")
    individual_code = fields.Char(
        "Individual Code", size=3, states={
            'invisible': Eval('usage') != 'contribution',
            }, help="S21.G00.81.001")
    ctp = fields.Char(
        "URSSAF Code (CTP)", size=3, states={
            'invisible': Eval('usage') != 'contribution',
            }, help="S21.G00.23.001; empty for other bodies.")
    qualifier = fields.Char(
        "Base Qualifier", size=3, states={
            'invisible': Eval('usage') != 'contribution',
            }, help="S21.G00.23.002: 920 other base, 921 capped base.")
    confirmed = fields.Boolean(
        "Confirmed", help="Read in the norm's cahier technique.")
    source = fields.Char("Source")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('usage', 'ASC'), ('key', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_usage(cls):
        return 'contribution'

    def get_rec_name(self, name):
        return self.key

    @classmethod
    def contributions(cls):
        "{payslip line code: code record}"
        return {c.key: c for c in cls.search([('usage', '=', 'contribution')])}

    @classmethod
    def settings(cls):
        "{setting name: value}"
        return {c.key: c.value or ''
            for c in cls.search([('usage', '=', 'setting')])}

    @classmethod
    def setting(cls, key):
        return cls.settings().get(key, '')
