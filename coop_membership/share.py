# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from .exceptions import ShareClassError


class ShareClass(ModelSQL, ModelView):
    "A class of shares: its nominal value and who may hold how many"
    __name__ = 'coop.share.class'
    __string__ = "Share Class"

    company = fields.Many2One('company.company', "Company", required=True)
    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", required=True)
    nominal = fields.Numeric(
        "Nominal Value", digits=(16, 2), required=True,
        domain=[('nominal', '>', 0)],
        help="The value of one share, as the statutes set.")
    minimum = fields.Integer(
        "Minimum per Member", required=True,
        domain=[('minimum', '>=', 1)],
        help="The fewest shares of the class a member may hold, "
        "unless none.")
    maximum = fields.Integer(
        "Maximum per Member",
        domain=[If(Eval('maximum'),
                ('maximum', '>=', Eval('minimum', 1)),
                ())],
        help="The most shares of the class a member may hold; "
        "empty for no limit.")
    category = fields.Many2One(
        'coop.member.category', "Category", ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        help="Only members of this category may hold the class; "
        "empty for every category.")
    for_persons = fields.Boolean(
        "Natural Persons", help="Natural persons may hold the class.")
    for_organisations = fields.Boolean(
        "Legal Persons", help="Legal persons may hold the class.")
    account_paid = fields.Many2One(
        'account.account', "Capital Paid Up Account",
        domain=[
            ('closed', '!=', True),
            ('type', '!=', None),
            ('party_required', '=', False),
            ],
        help="Where the class's paid-up capital is kept, if not in the "
        "configuration's account; a conversion moves capital between them.")
    active = fields.Boolean("Active")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.company, t.code),
                'coop_membership.msg_share_class_code_unique'),
            ]
        cls._order.insert(0, ('code', 'ASC'))

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def default_minimum(cls):
        return 1

    @classmethod
    def default_for_persons(cls):
        return True

    @classmethod
    def default_for_organisations(cls):
        return True

    @classmethod
    def default_active(cls):
        return True

    def check_holder(self, member):
        "Refuse member as a holder of the class"
        if member.person_kind == 'person' and not self.for_persons:
            raise ShareClassError(gettext(
                    'coop_membership.msg_share_class_not_for_persons',
                    share_class=self.rec_name, member=member.rec_name))
        if member.person_kind == 'organisation' and not self.for_organisations:
            raise ShareClassError(gettext(
                    'coop_membership.msg_share_class_not_for_organisations',
                    share_class=self.rec_name, member=member.rec_name))
        if self.category and member.category != self.category:
            raise ShareClassError(gettext(
                    'coop_membership.msg_share_class_category',
                    share_class=self.rec_name, member=member.rec_name,
                    category=self.category.rec_name))

    def check_quantity(self, member, quantity):
        "Refuse quantity as what member holds of the class after an operation"
        if quantity < 0:
            raise ShareClassError(gettext(
                    'coop_membership.msg_share_class_not_enough',
                    share_class=self.rec_name, member=member.rec_name))
        if quantity and quantity < self.minimum:
            raise ShareClassError(gettext(
                    'coop_membership.msg_share_class_below_minimum',
                    share_class=self.rec_name, member=member.rec_name,
                    quantity=quantity, minimum=self.minimum))
        if self.maximum and quantity > self.maximum:
            raise ShareClassError(gettext(
                    'coop_membership.msg_share_class_above_maximum',
                    share_class=self.rec_name, member=member.rec_name,
                    quantity=quantity, maximum=self.maximum))
