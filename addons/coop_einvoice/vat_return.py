# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The monthly VAT return's figures (CA3, cerfa 3310-CA3-SD) from posted
moves: the lines of the form a delivery coop fills

VAT on cash basis (account_tax_cash) is reported in the period it was paid,
the rest in the period of its move, as the tax code reports do. Box numbers:
01 sales and services (base), 08 standard rate 20 % (base and tax), 9B
10 %, 09 5.5 %, 16 gross VAT due, 20 deductible VAT on other goods and
services, 22 credit carried over, 23 total deductible, 25 credit, 28 net
VAT due, 32 total to pay (docs/einvoicing.md cites the form)."""
from collections import defaultdict
from decimal import Decimal

from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from coop_tools.model import check_user_company, user_company_domain

# Rate (percent) of a sales tax: its CA3 line
SALE_RATE_BOXES = {Decimal(20): '08', Decimal(10): '9B', Decimal('5.5'): '09'}


def _money_field(string):
    return fields.Numeric(string, digits=(16, 2), readonly=True)


class VatReturnStart(ModelView):
    "VAT Return (CA3)"
    __name__ = 'coop.einvoice.vat_return.start'
    __string__ = "VAT Return (CA3)"

    company = fields.Many2One('company.company', "Company", required=True,
        domain=user_company_domain())
    period = fields.Many2One(
        'account.period', "Period", required=True,
        domain=[('company', '=', Eval('company', -1)),
            ('type', '=', 'standard')])
    credit_carried = fields.Numeric(
        "Credit Carried Over", digits=(16, 2), required=True,
        domain=[('credit_carried', '>=', 0)],
        help="Line 27 of the previous return (CA3 line 22).")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_credit_carried(cls):
        return Decimal(0)


class VatReturnResult(ModelView):
    "VAT Return (CA3)"
    __name__ = 'coop.einvoice.vat_return.result'
    __string__ = "VAT Return (CA3)"

    period = fields.Many2One('account.period', "Period", readonly=True)
    box_01 = _money_field("01 Sales and Services (Base)")
    box_08_base = _money_field("08 Standard Rate 20 % (Base)")
    box_08_tax = _money_field("08 Standard Rate 20 % (Tax)")
    box_9b_base = _money_field("9B Rate 10 % (Base)")
    box_9b_tax = _money_field("9B Rate 10 % (Tax)")
    box_09_base = _money_field("09 Rate 5.5 % (Base)")
    box_09_tax = _money_field("09 Rate 5.5 % (Tax)")
    box_16 = _money_field("16 Gross VAT Due")
    box_20 = _money_field("20 Deductible VAT on Other Goods and Services")
    box_22 = _money_field("22 Credit Carried Over")
    box_23 = _money_field("23 Total Deductible VAT")
    box_25 = _money_field("25 VAT Credit")
    box_28 = _money_field("28 Net VAT Due")
    box_32 = _money_field("32 Total to Pay")

    @classmethod
    def figures(cls, company, period, credit_carried=Decimal(0)):
        """The CA3 figures of company for period, as a dict of box names,
        from the tax lines of posted moves"""
        pool = Pool()
        TaxLine = pool.get('account.tax.line')
        lines = TaxLine.search([
                ('tax.company', '=', company.id),
                ('move_line.move.state', '=', 'posted'),
                ['OR',
                    [('on_cash_basis', '=', False),
                        ('move_line.move.period', '=', period.id)],
                    [('on_cash_basis', '=', True),
                        ('period', '=', period.id)],
                    ],
                ])
        sums = defaultdict(Decimal)
        for line in lines:
            tax = line.tax
            while tax.parent:
                tax = tax.parent
            kind = tax.group.kind if tax.group else 'sale'
            rate = ((tax.rate or 0) * 100).normalize()
            if kind == 'purchase':
                if line.type == 'tax':
                    sums['box_20'] += line.amount
                continue
            box = SALE_RATE_BOXES.get(rate)
            if line.type == 'base':
                sums['box_01'] += line.amount
                if box:
                    sums[f'box_{box.lower()}_base'] += line.amount
            else:
                if box:
                    sums[f'box_{box.lower()}_tax'] += line.amount
                sums['box_16'] += line.amount
        sums['box_22'] = credit_carried
        sums['box_23'] = sums['box_20'] + sums['box_22']
        balance = sums['box_16'] - sums['box_23']
        sums['box_28'] = max(balance, Decimal(0))
        sums['box_25'] = max(-balance, Decimal(0))
        sums['box_32'] = sums['box_28']
        round_ = company.currency.round
        names = [n for n in cls._fields if n.startswith('box_')]
        return {n: round_(sums.get(n, Decimal(0))) for n in names}


class VatReturn(Wizard):
    "VAT Return (CA3)"
    __name__ = 'coop.einvoice.vat_return'
    start = StateView('coop.einvoice.vat_return.start',
        'coop_einvoice.vat_return_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Compute", 'compute', 'tryton-ok', default=True),
            ])
    compute = StateTransition()
    result = StateView('coop.einvoice.vat_return.result',
        'coop_einvoice.vat_return_result_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def transition_compute(self):
        # The figures are read without the user's record rules: another
        # coop's period is refused
        check_user_company(
            self.start.company, 'coop_einvoice.msg_company_not_allowed')
        check_user_company(
            self.start.period.company, 'coop_einvoice.msg_company_not_allowed')
        return 'result'

    def default_result(self, fields):
        Result = Pool().get('coop.einvoice.vat_return.result')
        values = Result.figures(
            self.start.company, self.start.period,
            self.start.credit_carried)
        values['period'] = self.start.period.id
        return values
