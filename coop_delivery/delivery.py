# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.pyson import Eval
from trytond.transaction import Transaction

VEHICLES = [
    ('bike', "Bike"),
    ('cargo_bike', "Cargo Bike"),
    ]


def _non_negative(name):
    return ['OR', (name, '=', None), (name, '>=', 0)]


class Delivery(Workflow, ModelSQL, ModelView):
    "A delivery ordered by a client store, ridden by one of the coop's riders"
    __name__ = 'coop.delivery'
    __string__ = "Delivery"
    _rec_name = 'reference'

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    company = fields.Many2One(
        'company.company', "Company", required=True,
        states=_states)
    customer = fields.Many2One(
        'party.party', "Customer", required=True,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        states=_states,
        help="The store or restaurant that ordered the delivery.")
    reference = fields.Char(
        "Reference", states=_states,
        help="The customer's own reference for the delivery.")
    date = fields.Date("Date", required=True, states=_states)
    vehicle = fields.Selection(
        VEHICLES, "Vehicle", required=True, states=_states)
    distance = fields.Integer(
        "Distance", states=_states, domain=[_non_negative('distance')],
        help="In metres.")
    duration = fields.TimeDelta("Duration", states=_states)
    weight = fields.Integer(
        "Weight", states=_states, domain=[_non_negative('weight')],
        help="In grams.")
    notes = fields.Text("Notes")
    state = fields.Selection([
            ('draft', "Draft"),
            ('confirmed', "Confirmed"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('date', 'DESC NULLS FIRST'),
            ('id', 'DESC'),
            ]
        cls._transitions |= {
            ('draft', 'confirmed'),
            ('draft', 'cancelled'),
            ('confirmed', 'cancelled'),
            ('cancelled', 'draft'),
            }
        cls._buttons.update({
                'cancel': {
                    'invisible': Eval('state') == 'cancelled',
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': Eval('state') != 'cancelled',
                    'icon': 'tryton-undo',
                    'depends': ['state'],
                    },
                'confirm': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                })

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_date():
        return dt.date.today()

    @staticmethod
    def default_vehicle():
        return 'bike'

    @staticmethod
    def default_state():
        return 'draft'

    def get_rec_name(self, name):
        if self.reference:
            return f'{self.reference} ({self.customer.rec_name})'
        return f'{self.customer.rec_name} {self.date}'

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('reference', operator, operand, *extra),
            ('customer.rec_name', operator, operand, *extra),
            ]

    @classmethod
    def check_modification(cls, mode, deliveries, values=None, external=False):
        super().check_modification(
            mode, deliveries, values=values, external=external)
        if mode == 'delete':
            for delivery in deliveries:
                if delivery.state not in {'draft', 'cancelled'}:
                    raise AccessError(gettext(
                            'coop_delivery.msg_delivery_delete_draft',
                            delivery=delivery.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, deliveries):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('confirmed')
    def confirm(cls, deliveries):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, deliveries):
        pass
