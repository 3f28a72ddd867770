# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Delivery prices from CoopCycle-style rules, evaluated without eval.

A rule has a condition and a price, both expressions over the delivery:
``distance`` (m), ``weight`` (g), ``vehicle`` ('bike' or 'cargo_bike'),
``packages`` (``packages.quantity("box")``,
``packages.containsAtLeastOne("box")``), ``pickup`` and ``dropoff`` (with
``type``, ``after``, ``before`` and ``address``). They read as CoopCycle's
(Symfony ExpressionLanguage) for the common forms: comparisons, ``and``,
``or``, ``not``, ``in [...]``, arithmetic and the functions of FUNCTIONS.
Prices are in cents, as in CoopCycle, so its rules can be copied as they are.

Expressions are parsed once by Python's ``ast`` module, checked against the
known names and functions, and evaluated by simpleeval, which refuses
anything but those names, functions and plain operators.
"""
import ast
import math
import operator
import re
from decimal import ROUND_HALF_EVEN, Decimal

import simpleeval
from shapely import Point
from shapely.geometry import shape
from shapely.prepared import prep

NAMES = {'distance', 'weight', 'vehicle', 'packages', 'pickup', 'dropoff'}
CONSTANTS = {'true': True, 'false': False, 'null': None}
FUNCTION_NAMES = {
    'price_range', 'in_zone', 'out_zone', 'diff_hours', 'diff_days',
    'time_range_length', 'min', 'max', 'abs', 'ceil', 'floor', 'round'}
METHODS = {'quantity', 'containsAtLeastOne'}
ATTRIBUTES = {'type', 'after', 'before', 'address'}

# Only these node types may appear: no lambdas, comprehensions, subscripts
_ALLOWED_NODES = (
    ast.Expression, ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.Compare,
    ast.IfExp, ast.Call, ast.Constant, ast.Name, ast.Load, ast.Attribute,
    ast.List, ast.Tuple, ast.And, ast.Or, ast.Not, ast.USub, ast.UAdd,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod,
    ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn,
    )


class ExpressionError(ValueError):
    """An expression that cannot be used; position counts from 1

    kind names the fault (for a translated message) and detail the name
    or Python's own words."""
    MESSAGES = {
        'empty': "the expression is empty",
        'incomplete': "the expression ends too early",
        'syntax': "syntax error: {detail}",
        'not_allowed': "{detail} is not allowed",
        'unknown_function': "unknown function {detail!r}",
        'unknown_method': "unknown method {detail!r}",
        'unknown_attribute': "unknown attribute {detail!r}",
        'unknown_name': "unknown name {detail!r}",
        'keywords': "keyword arguments are not allowed",
        'call': "this call is not allowed",
        }

    def __init__(self, kind, position, detail=''):
        self.kind = kind
        self.detail = detail
        self.position = position
        self.message = self.MESSAGES[kind].format(detail=detail)
        super().__init__(self.message)


class PricingError(ValueError):
    "An expression that failed on a delivery's values"


def parse(expression):
    """Parse and check an expression; return its tree

    Raise ExpressionError with the 1-based position of the first fault."""
    text = (expression or '').strip()
    if not text:
        raise ExpressionError('empty', 1)
    # Leading blanks were stripped: positions refer to the text as typed
    shift = len(expression) - len(expression.lstrip())
    try:
        tree = ast.parse(text, mode='eval')
    except SyntaxError as error:
        if _incomplete(text):
            raise ExpressionError('incomplete', len(text) + 1 + shift)
        raise ExpressionError(
            'syntax', (error.offset or 1) + shift, error.msg)
    for node in ast.walk(tree):
        position = getattr(node, 'col_offset', 0) + 1 + shift
        if not isinstance(node, _ALLOWED_NODES):
            raise ExpressionError(
                'not_allowed', position, type(node).__name__.lower())
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                if func.id not in FUNCTION_NAMES:
                    raise ExpressionError(
                        'unknown_function', position, func.id)
            elif isinstance(func, ast.Attribute):
                if func.attr not in METHODS:
                    raise ExpressionError(
                        'unknown_method', position, func.attr)
            else:
                raise ExpressionError('call', position)
            if node.keywords:
                raise ExpressionError('keywords', position)
        elif isinstance(node, ast.Attribute):
            if node.attr not in ATTRIBUTES | METHODS:
                raise ExpressionError(
                    'unknown_attribute', position, node.attr)
        elif isinstance(node, ast.Name) and not _is_called(tree, node):
            if node.id not in NAMES and node.id not in CONSTANTS:
                raise ExpressionError('unknown_name', position, node.id)
    return tree


def _incomplete(text):
    "Whether an operand or a closing bracket is all that is missing"
    for ending in [' 0', ')', ' 0)', ']', ' 0]']:
        try:
            ast.parse(text + ending, mode='eval')
        except SyntaxError:
            continue
        return True
    return False


def _is_called(tree, name):
    return any(
        isinstance(node, ast.Call) and node.func is name
        for node in ast.walk(tree))


class Address:
    "Where a task takes place; longitude and latitude in degrees"
    __slots__ = ('longitude', 'latitude')

    def __init__(self, latitude=None, longitude=None):
        self.latitude = latitude
        self.longitude = longitude


class Task:
    "A pickup or a dropoff as the expressions see it"
    __slots__ = ('type', 'after', 'before', 'address')

    def __init__(self, type, after=None, before=None, address=None):
        self.type = type
        self.after = after
        self.before = before
        self.address = address or Address()


class Packages:
    "The packages of a delivery: quantities per package type name"
    __slots__ = ('quantities',)

    def __init__(self, quantities=None):
        self.quantities = dict(quantities or {})

    def quantity(self, name):
        return self.quantities.get(name, 0)

    def containsAtLeastOne(self, name):
        return self.quantities.get(name, 0) > 0


class Delivery:
    "The values of one delivery that rules read"
    __slots__ = ('distance', 'weight', 'vehicle', 'packages', 'pickup',
        'dropoff', 'ordered_at')

    def __init__(self, distance=0, weight=0, vehicle='bike', packages=None,
            pickup=None, dropoff=None, ordered_at=None):
        self.distance = distance or 0
        self.weight = weight or 0
        self.vehicle = vehicle
        self.packages = packages or Packages()
        self.pickup = pickup or Task('pickup')
        self.dropoff = dropoff or Task('dropoff')
        self.ordered_at = ordered_at

    def names(self):
        return {
            'distance': self.distance,
            'weight': self.weight,
            'vehicle': self.vehicle,
            'packages': self.packages,
            'pickup': self.pickup,
            'dropoff': self.dropoff,
            **CONSTANTS,
            }


def price_range(value, price, step, threshold):
    """The price of each started step of value beyond threshold

    CoopCycle's own function goes negative below the threshold; this one
    is 0 there."""
    if not value or value <= threshold:
        return 0
    return math.ceil((value - threshold) / step) * price


_COMPARISON = re.compile(r'^\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$')
_OPERATORS = {
    '<': operator.lt, '<=': operator.le, '>': operator.gt,
    '>=': operator.ge, '==': operator.eq, '!=': operator.ne,
    }


def _compare(value, comparison):
    if comparison is None:
        return value
    match = _COMPARISON.match(str(comparison))
    if not match:
        raise PricingError(
            f"{comparison!r} is not a comparison such as \"< 2\"")
    return _OPERATORS[match.group(1)](value, float(match.group(2)))


class Evaluator:
    "Evaluates parsed expressions with the zones of a coop"

    def __init__(self, zones=None):
        "zones maps a zone name to its GeoJSON geometry (a dict)"
        self._zones = {
            name: prep(shape(geometry)) for name, geometry in
            (zones or {}).items()}

    def _in_zone(self, address, name):
        zone = self._zones.get(name)
        if (zone is None or address is None
                or address.latitude is None or address.longitude is None):
            return False
        # covers: a point on the border is in the zone
        return zone.covers(Point(address.longitude, address.latitude))

    def _out_zone(self, address, name):
        if name not in self._zones:
            return True
        if address is None or address.latitude is None:
            return False
        return not self._in_zone(address, name)

    def _functions(self, delivery):
        def hours_before(task):
            if task is None or task.before is None or (
                    delivery.ordered_at is None):
                return -1
            return (task.before - delivery.ordered_at).total_seconds() / 3600

        def diff_hours(task, comparison=None):
            return _compare(hours_before(task), comparison)

        def diff_days(task, comparison=None):
            hours = hours_before(task)
            days = hours if hours < 0 else math.ceil(hours / 24)
            return _compare(days, comparison)

        def time_range_length(task, unit='hours', comparison=None):
            if task.after is None or task.before is None:
                return _compare(0, comparison)
            hours = (task.before - task.after).total_seconds() / 3600
            length = hours / 24 if unit == 'days' else hours
            return _compare(length, comparison)

        return {
            'price_range': price_range,
            'in_zone': self._in_zone,
            'out_zone': self._out_zone,
            'diff_hours': diff_hours,
            'diff_days': diff_days,
            'time_range_length': time_range_length,
            'min': min, 'max': max, 'abs': abs,
            'ceil': math.ceil, 'floor': math.floor, 'round': round,
            }

    def evaluate(self, tree, delivery):
        evaluator = simpleeval.EvalWithCompoundTypes(
            names=delivery.names(), functions=self._functions(delivery))
        evaluator.allowed_attrs = None
        try:
            return evaluator.eval('', previously_parsed=tree.body)
        except PricingError:
            raise
        except Exception as error:
            raise PricingError(str(error)) from error


def to_amount(cents, rounding=Decimal('0.01')):
    "A price in cents as an amount of the currency"
    amount = Decimal(str(cents)) / 100
    return amount.quantize(rounding, rounding=ROUND_HALF_EVEN)


class Rule:
    "A parsed rule: condition (None means always) and price"
    __slots__ = ('key', 'condition', 'price')

    def __init__(self, key, condition, price):
        self.key = key
        self.condition = parse(condition) if (condition or '').strip() \
            else None
        self.price = parse(price)


def compute(rules, strategy, evaluator, delivery):
    """Return (cents, matched rule keys) for the delivery, or (None, [])

    strategy 'find' takes the first matching rule, 'map' sums them all."""
    total, matched = 0, []
    for rule in rules:
        try:
            if rule.condition is not None and not evaluator.evaluate(
                    rule.condition, delivery):
                continue
            value = evaluator.evaluate(rule.price, delivery)
        except PricingError as error:
            raise PricingError(f"{rule.key}: {error}") from error
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise PricingError(
                f"{rule.key}: the price is {value!r}, not a number")
        total += value
        matched.append(rule.key)
        if strategy == 'find':
            break
    if not matched:
        return None, []
    return total, matched
