# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
from coop_tools.model import rec_name_domain
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.model.exceptions import ValidationError
from trytond.pyson import Eval, If
from trytond.transaction import Transaction


class MemberValidationError(ValidationError):
    pass


class Member(ModelSQL, ModelView):
    "A person or an organisation that holds shares of the cooperative"
    __name__ = 'coop.member'
    __string__ = "Member"
    _rec_name = 'number'

    company = fields.Many2One('company.company', "Company", required=True)
    party = fields.Many2One(
        'party.party', "Party", required=True, ondelete='RESTRICT',
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    number = fields.Char(
        "Number", required=True,
        help="The member's number in the register of members.")
    status = fields.Selection([
            ('candidate', "Candidate"),
            ('member', "Member"),
            ('former', "Former Member"),
            ], "Status", required=True, sort=False)
    entry_date = fields.Date(
        "Entry Date",
        domain=[
            If(Eval('entry_date') & Eval('exit_date'),
                ('entry_date', '<=', Eval('exit_date')),
                ()),
            ],
        states={
            'required': Eval('status').in_(['member', 'former']),
            })
    exit_date = fields.Date(
        "Exit Date",
        domain=[
            If(Eval('entry_date') & Eval('exit_date'),
                ('exit_date', '>=', Eval('entry_date')),
                ()),
            ],
        states={
            'required': Eval('status') == 'former',
            'invisible': Eval('status') != 'former',
            })

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('number_unique', Unique(t, t.company, t.number),
                'coop_membership.msg_member_number_unique'),
            ('party_unique', Unique(t, t.company, t.party),
                'coop_membership.msg_member_party_unique'),
            ]
        cls._order = [
            ('number', 'ASC'),
            ('id', 'ASC'),
            ]

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_status():
        return 'candidate'

    def get_rec_name(self, name):
        return f'{self.number} {self.party.rec_name}'

    @classmethod
    def search_rec_name(cls, name, clause):
        return rec_name_domain(clause, 'number', 'party.rec_name')

    @classmethod
    def validate(cls, members):
        super().validate(members)
        for member in members:
            member.check_status_dates()

    def check_status_dates(self):
        # The entry and exit dates are required by the fields' states
        if self.status != 'former' and self.exit_date:
            raise MemberValidationError(gettext(
                    'coop_membership.msg_member_exit_date_not_former',
                    member=self.rec_name))
