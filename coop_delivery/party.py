# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
from trytond.model import fields
from trytond.pool import PoolMeta


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    delivery_price_rule_set = fields.Many2One(
        'coop.delivery.price.rule_set', "Delivery Price Rule Set",
        ondelete='RESTRICT',
        help="How the deliveries ordered by this store are priced.")
