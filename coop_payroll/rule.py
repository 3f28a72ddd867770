# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Salary rules as data: a base expression, rates from parameters, a band

A rule's base is an expression over the payslip's named amounts (NAMES) and
the parameters' codes, written in lower case (``gross * csg_base / 100``).
It is parsed with Python's ``ast`` module, checked to hold only those names,
numbers, arithmetic and ``min``/``max``, and evaluated by simpleeval on
Decimals: no free Python.
"""
import ast
import functools
from decimal import ROUND_HALF_UP, Decimal

import simpleeval

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields, sequence_ordered
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool
from trytond.pyson import Eval

# The amounts a payslip gives every rule's base
NAMES = {
    'gross': "the gross pay",
    'hours': "the hours paid",
    'ceiling': "the social security ceiling of the month",
    'mobility_allowance': "the contract's sustainable-mobility allowance",
    'bike_by_rider': "1 when the rider brings the bike, else 0",
    }
FUNCTIONS = {'min': min, 'max': max}
_ALLOWED_NODES = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.Call, ast.Constant,
    ast.Name, ast.Load, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.USub,
    ast.UAdd, ast.IfExp, ast.Compare, ast.Gt, ast.GtE, ast.Lt, ast.LtE,
    ast.Eq, ast.NotEq,
    )
CENT = Decimal('0.01')
# The headings of the payslip's contributions, in the order of the
# clarified payslip (arrêté of 25 February 2016); a line without one is
# shown under the employer's other contributions
HEADINGS = [
    (None, ""),
    ('health', "Health"),
    ('accident', "Accidents at work - occupational illnesses"),
    ('retirement', "Retirement"),
    ('family', "Family"),
    ('unemployment', "Unemployment insurance"),
    ('other', "Other contributions due by the employer"),
    ('statutory', "Statutory or collectively agreed contributions"),
    ('relief', "Exemptions and reductions of contributions"),
    ('csg_crds', "CSG/CRDS"),
    ]


class RuleError(ValidationError):
    pass


class BaseExpressionError(ValueError):
    def __init__(self, detail):
        self.detail = detail
        super().__init__(detail)


def expression_names(expression):
    """The names an expression uses; raise BaseExpressionError if it is
    not plain arithmetic over names and numbers"""
    try:
        tree = ast.parse((expression or '').strip(), mode='eval')
    except SyntaxError as exception:
        raise BaseExpressionError(exception.msg) from exception
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise BaseExpressionError(type(node).__name__)
        if isinstance(node, ast.Call):
            if (not isinstance(node.func, ast.Name)
                    or node.func.id not in FUNCTIONS or node.keywords):
                raise BaseExpressionError(ast.unparse(node.func))
        elif isinstance(node, ast.Name):
            if node.id not in FUNCTIONS:
                names.add(node.id)
        elif isinstance(node, ast.Constant):
            if (isinstance(node.value, bool)
                    or not isinstance(node.value, (int, float))):
                raise BaseExpressionError(repr(node.value))
    return names


class _DecimalEval(simpleeval.SimpleEval):
    "simpleeval on Decimals: number literals are read as Decimal"

    def _eval_constant(self, node):
        return Decimal(repr(node.value))


@functools.lru_cache(maxsize=1024)
def _parsed(expression):
    "The parsed expression: a month's payslips evaluate the same rules"
    return _DecimalEval.parse(expression)


def evaluate(expression, names):
    evaluator = _DecimalEval(names=names, functions=FUNCTIONS)
    expression = expression.strip()
    return Decimal(evaluator.eval(expression, _parsed(expression)))


def band_base(base, band, ceiling, band2_ceilings):
    "The part of base that falls in band"
    if band == 't1':
        return min(base, ceiling)
    elif band == 't2':
        return min(max(base - ceiling, 0), ceiling * (band2_ceilings - 1))
    elif band == 't12':
        return min(base, ceiling * band2_ceilings)
    return base


def percent_of(base, rate):
    return (base * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)


class Structure(ModelSQL, ModelView):
    "The ordered salary rules a payslip applies"
    __name__ = 'coop.payroll.structure'
    __string__ = "Salary Structure"

    name = fields.Char("Name", required=True, translate=True)
    rules = fields.One2Many('coop.payroll.rule', 'structure', "Rules")


class Rule(sequence_ordered(), ModelSQL, ModelView):
    "A payslip line computed from a base, a band and rates"
    __name__ = 'coop.payroll.rule'
    __string__ = "Salary Rule"

    structure = fields.Many2One(
        'coop.payroll.structure', "Structure", required=True,
        ondelete='CASCADE')
    code = fields.Char("Code", required=True)
    name = fields.Char("Name", required=True, translate=True)
    kind = fields.Selection([
            ('contribution', "Contribution"),
            ('allowance', "Allowance"),
            ], "Kind", required=True,
        help="A contribution takes its rates of the base: the employee's "
        "part is deducted from the net pay, the employer's is a charge.\n"
        "An allowance pays the base to the employee on top of the net pay, "
        "outside contributions.")
    base = fields.Char(
        "Base", required=True,
        help="An expression over gross, hours, ceiling, mobility_allowance, "
        "bike_by_rider and the parameters' codes in lower case, "
        "e.g. \"gross * csg_base / 100\".")
    band = fields.Selection([
            (None, "Whole base"),
            ('t1', "Band 1 (up to the ceiling)"),
            ('t2', "Band 2 (from 1 to 8 ceilings)"),
            ('t12', "Bands 1 and 2 (up to 8 ceilings)"),
            ], "Band",
        states={
            'invisible': Eval('kind') != 'contribution',
            })
    employee_rate = fields.Char(
        "Employee Rate",
        states={
            'invisible': Eval('kind') != 'contribution',
            },
        help="The code of the parameter that gives the employee's rate (%).")
    employer_rate = fields.Char(
        "Employer Rate",
        states={
            'invisible': Eval('kind') != 'contribution',
            },
        help="The code of the parameter that gives the employer's rate (%).")
    payee = fields.Selection([
            (None, ""),
            ('urssaf', "URSSAF"),
            ('retirement', "Complementary pension (Agirc-Arrco)"),
            ('other', "Other social body"),
            ], "Paid To",
        states={
            'invisible': Eval('kind') != 'contribution',
            'required': Eval('kind') == 'contribution',
            },
        help="Which social body's account receives the contribution.")
    heading = fields.Selection(
        HEADINGS, "Payslip Heading",
        states={
            'invisible': Eval('kind') != 'contribution',
            },
        help="Under which heading of the payslip the line is shown.")
    net_social = fields.Boolean(
        "Social Contribution",
        states={
            'invisible': Eval('kind') != 'contribution',
            },
        help="Deducted to reach the \"montant net social\".")
    non_deductible = fields.Boolean(
        "Not Tax-Deductible",
        states={
            'invisible': Eval('kind') != 'contribution',
            },
        help="The employee's part stays in the taxable net (CSG 2.40 points, "
        "CRDS).")

    @classmethod
    def default_kind(cls):
        return 'contribution'

    @classmethod
    def default_payee(cls):
        return 'urssaf'

    @classmethod
    def default_net_social(cls):
        return True

    @classmethod
    def validate_fields(cls, rules, field_names):
        super().validate_fields(rules, field_names)
        cls.check_base(rules, field_names)
        cls.check_rates(rules, field_names)

    @classmethod
    def check_base(cls, rules, field_names=None):
        pool = Pool()
        Parameter = pool.get('coop.payroll.parameter')
        if field_names and 'base' not in field_names:
            return
        codes = {p.code.lower() for p in Parameter.search([])}
        for rule in rules:
            try:
                names = expression_names(rule.base)
            except BaseExpressionError as exception:
                raise RuleError(gettext(
                        'coop_payroll.msg_rule_base_invalid',
                        rule=rule.rec_name, detail=exception.detail))
            unknown = names - cls.base_names().keys() - codes
            if unknown:
                raise RuleError(gettext(
                        'coop_payroll.msg_rule_base_unknown_name',
                        rule=rule.rec_name, name=', '.join(sorted(unknown))))

    @classmethod
    def check_rates(cls, rules, field_names=None):
        pool = Pool()
        Parameter = pool.get('coop.payroll.parameter')
        if field_names and not (
                field_names & {'employee_rate', 'employer_rate', 'kind'}):
            return
        codes = {p.code for p in Parameter.search([])}
        for rule in rules:
            if rule.kind != 'contribution':
                continue
            if not rule.employee_rate and not rule.employer_rate:
                raise RuleError(gettext(
                        'coop_payroll.msg_rule_no_rate', rule=rule.rec_name))
            for code in filter(None, [rule.employee_rate, rule.employer_rate]):
                if code not in codes:
                    raise RuleError(gettext(
                            'coop_payroll.msg_rule_rate_unknown',
                            rule=rule.rec_name, code=code))

    def get_rec_name(self, name):
        return f'{self.code} - {self.name}'

    @classmethod
    def base_names(cls):
        """The amounts a payslip gives every rule's base: {name: help};
        a module computing more amounts extends it"""
        return dict(NAMES)

    def get_line(self, amounts, parameters):
        "The payslip line values of the rule, or None when it is nil"
        base, employee_rate, employee_amount, employer_rate, \
            employer_amount = self.compute(amounts, parameters)
        if self.kind == 'allowance':
            if base:
                return {
                    'kind': 'allowance', 'code': self.code,
                    'name': self.name, 'amount': base,
                    }
            return None
        if not (employee_amount or employer_amount):
            return None
        return {
            'kind': 'contribution', 'code': self.code,
            'name': self.name, 'base': base,
            'employee_rate': employee_rate,
            'employee_amount': employee_amount,
            'employer_rate': employer_rate,
            'employer_amount': employer_amount,
            'payee': self.payee,
            'heading': self.heading,
            'net_social': self.net_social,
            'non_deductible': self.non_deductible,
            }

    def compute(self, amounts, parameters):
        """The line values for the named amounts and parameters in force

        Return base, employee rate and amount, employer rate and amount;
        amounts are positive (what the employee or employer pays)."""
        names = dict(amounts)
        names.update((c.lower(), v) for c, v in parameters.items())
        try:
            base = evaluate(self.base, names)
        except simpleeval.NameNotDefined as exception:
            # A parameter with no value at the period's date
            parameters[exception.name.upper()]
            raise
        base = base.quantize(CENT, rounding=ROUND_HALF_UP)
        if self.kind == 'allowance':
            return base, None, None, None, None
        base = band_base(
            base, self.band, amounts['ceiling'], parameters['BAND2_CEILINGS'])
        employee_rate = employer_rate = None
        employee_amount = employer_amount = Decimal(0)
        if self.employee_rate:
            employee_rate = parameters[self.employee_rate]
            employee_amount = percent_of(base, employee_rate)
        if self.employer_rate:
            employer_rate = parameters[self.employer_rate]
            employer_amount = percent_of(base, employer_rate)
        return (base, employee_rate, employee_amount,
            employer_rate, employer_amount)
