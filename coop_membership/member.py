# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from coop_tools.model import rec_name_domain

from .exceptions import MemberValidationError

CATEGORY_KINDS = [
    ('employee', "Employees"),
    ('beneficiary', "Beneficiaries"),
    ('supporter', "Supporters"),
    ('public_body', "Public Bodies"),
    ('other', "Other"),
    ]
PERSON_KINDS = [
    ('person', "Natural Person"),
    ('organisation', "Legal Person"),
    ]


class Category(ModelSQL, ModelView):
    "A category of members; in a SCIC, the college they vote in"
    __name__ = 'coop.member.category'
    __string__ = "Member Category"

    company = fields.Many2One('company.company', "Company", required=True)
    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", required=True)
    kind = fields.Selection(
        CATEGORY_KINDS, "Kind", required=True,
        help="What the law knows the category as: a SCOP's employees hold "
        "most of the capital, a SCIC has employees and beneficiaries.")
    vote_weight = fields.Numeric(
        "Vote Weight", digits=(4, 4),
        domain=[If(Eval('vote_weight'),
                [('vote_weight', '>', 0), ('vote_weight', '<=', 1)],
                [])],
        help="The college's share of the votes in a SCIC, as the statutes "
        "set; empty when votes are not weighted by college.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.company, t.code),
                'coop_membership.msg_category_code_unique'),
            ]
        cls._order.insert(0, ('code', 'ASC'))

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def default_kind(cls):
        return 'other'

    @classmethod
    def validate(cls, categories):
        super().validate(categories)
        pool = Pool()
        Legal = pool.get('coop.membership.legal')
        Legal.check_college_weights(categories)


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
    person_kind = fields.Selection(
        PERSON_KINDS, "Person", required=True,
        help="Share classes may be open to natural or legal persons only.")
    category = fields.Many2One(
        'coop.member.category', "Category", required=True,
        ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        help="The category, or college, the member belongs to.")
    holdings = fields.One2Many(
        'coop.share.holding', 'member', "Holdings", readonly=True,
        help="The shares held at the date of the context (today by "
        "default), from the register.")
    shares = fields.Function(fields.Integer("Shares",
            help="The number of shares held, all classes together."),
        'get_holding_totals')
    capital = fields.Function(fields.Numeric("Capital", digits=(16, 2),
            help="The nominal value of the shares held."),
        'get_holding_totals')
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

    @classmethod
    def default_person_kind(cls):
        return 'person'

    @classmethod
    def get_holding_totals(cls, members, names):
        "Shares and capital at the context's date, summed from the register"
        pool = Pool()
        Line = pool.get('coop.share.operation.line')
        ShareClass = pool.get('coop.share.class')
        shares = dict.fromkeys((m.id for m in members), 0)
        capital = dict.fromkeys((m.id for m in members), Decimal('0.00'))
        held = Line.held(members)
        nominals = {c.id: c.nominal
            for c in ShareClass.browse(list({c for _, c in held}))}
        for (member_id, class_id), quantity in held.items():
            shares[member_id] += quantity
            capital[member_id] += nominals[class_id] * quantity
        result = {'shares': shares, 'capital': capital}
        return {name: result[name] for name in names}

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
