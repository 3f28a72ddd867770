# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"The coop's pricing rules and zones, as records; pricing.py evaluates them"
import json

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields, sequence_ordered)
from trytond.model.exceptions import ValidationError

from . import pricing


class PriceRuleValidationError(ValidationError):
    pass


class ZoneValidationError(ValidationError):
    pass


def expression_error(error):
    "The translated text of a pricing.ExpressionError"
    return gettext(
        f'coop_delivery.msg_expression_{error.kind}', detail=error.detail)


class Zone(DeactivableMixin, ModelSQL, ModelView):
    "An area of the city, for rules such as in_zone(dropoff.address, name)"
    __name__ = 'coop.delivery.zone'
    __string__ = "Delivery Zone"

    name = fields.Char(
        "Name", required=True,
        help="The name the price expressions use.")
    geometry = fields.Text(
        "GeoJSON", required=True,
        help="A Polygon or a MultiPolygon in longitude, latitude, "
        "as GeoJSON (a Feature is accepted too).")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('name_unique', Unique(t, t.name),
                'coop_delivery.msg_zone_name_unique'),
            ]
        cls._order.insert(0, ('name', 'ASC'))

    @classmethod
    def validate(cls, zones):
        super().validate(zones)
        for zone in zones:
            zone.shape()

    def shape(self):
        "The zone's GeoJSON geometry as a dict; raise if it is no area"
        from shapely.geometry import shape
        try:
            geometry = json.loads(self.geometry)
            if geometry.get('type') == 'Feature':
                geometry = geometry['geometry']
            area = shape(geometry)
        except Exception as error:
            raise ZoneValidationError(gettext(
                    'coop_delivery.msg_zone_invalid',
                    zone=self.name, error=str(error) or type(error).__name__))
        if area.geom_type not in {'Polygon', 'MultiPolygon'} or (
                not area.is_valid or area.is_empty):
            raise ZoneValidationError(gettext(
                    'coop_delivery.msg_zone_not_area',
                    zone=self.name, kind=area.geom_type))
        return geometry

    @classmethod
    def get_evaluator(cls):
        "An evaluator that knows every active zone"
        return pricing.Evaluator({z.name: z.shape() for z in cls.search([])})


class PriceRuleSet(DeactivableMixin, ModelSQL, ModelView):
    "How a store's deliveries are priced"
    __name__ = 'coop.delivery.price.rule_set'
    __string__ = "Price Rule Set"

    name = fields.Char("Name", required=True)
    strategy = fields.Selection([
            ('find', "First Matching Rule"),
            ('map', "Sum of Matching Rules"),
            ], "Strategy", required=True,
        help="Whether the first rule that matches gives the price, "
        "or every rule that matches adds its price.")
    rules = fields.One2Many(
        'coop.delivery.price.rule', 'rule_set', "Rules")

    @staticmethod
    def default_strategy():
        return 'find'

    def pricing_rules(self):
        "The rules, parsed, in their order"
        return [pricing.Rule(rule.rec_name, rule.condition, rule.price)
            for rule in self.rules]


class PriceRule(sequence_ordered(), ModelSQL, ModelView):
    "A condition and the price it gives, as expressions over the delivery"
    __name__ = 'coop.delivery.price.rule'
    __string__ = "Price Rule"

    rule_set = fields.Many2One(
        'coop.delivery.price.rule_set', "Rule Set", required=True,
        ondelete='CASCADE')
    name = fields.Char("Name", required=True)
    condition = fields.Char(
        "Condition",
        help="When the rule applies, e.g. distance > 3000 "
        "(empty: always).")
    price = fields.Char(
        "Price", required=True,
        help="The price in cents, e.g. "
        "price_range(distance, 200, 1000, 2000).")

    @classmethod
    def validate(cls, rules):
        super().validate(rules)
        for rule in rules:
            rule.check_expressions()

    def check_expressions(self):
        for field in ['condition', 'price']:
            text = getattr(self, field)
            if field == 'condition' and not (text or '').strip():
                continue
            try:
                pricing.parse(text)
            except pricing.ExpressionError as error:
                raise PriceRuleValidationError(gettext(
                        'coop_delivery.msg_price_rule_invalid',
                        field=self.__names__(field)['field'],
                        rule=self.name,
                        rule_set=self.rule_set.rec_name,
                        position=error.position,
                        error=expression_error(error)))
