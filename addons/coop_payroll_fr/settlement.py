# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The final settlement receipt of a departing employee (reçu pour solde
de tout compte, Code du travail L1234-20): the inventory of the sums paid
at the end of the contract, which the employee receipts; it can be
contested within six months of its signature, after which it discharges
the employer for the sums it lists.

The sums are those of the contract's last payslip (the month it ends in,
confirmed or posted, a corrected one replaced by its correction): its
earnings, the leave indemnity among them, and its allowances, the
contributions and tax withheld, and the net paid."""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.pool import Pool

from coop_tools.report import CompanyReport

from .certificate import WorkCertificateReport
from .exceptions import CertificateError
from .payslip import COUNTED_STATES

# The lines of a payslip that are sums paid to the employee
PAID_KINDS = ('earning', 'allowance')
# L1234-20: the months within which the receipt can be contested
CONTEST_MONTHS = 6


class SettlementReceiptReport(CompanyReport):
    "Final settlement receipt: the sums paid at the end of a contract"
    __name__ = 'coop.payroll.settlement_receipt'

    @classmethod
    def get_context(cls, records, header, data):
        payslips = {}
        for contract in records:
            WorkCertificateReport.check_ended(contract)
            payslips[contract.id] = cls.last_payslips(contract)
        context = super().get_context(records, header, data)
        context['last_payslips'] = lambda c: payslips[c.id]
        context['paid_lines'] = cls.paid_lines
        context['totals'] = cls.totals
        context['contest_months'] = CONTEST_MONTHS
        return context

    @classmethod
    def last_payslips(cls, contract):
        """The contract's payslips of the month it ends in; refused when
        there is none confirmed"""
        Payslip = Pool().get('coop.payroll.payslip')
        month = contract.end_date.replace(day=1)
        payslips = Payslip.search([
                ('company', '=', contract.company.id),
                ('employee', '=', contract.employee.id),
                ('contract', '=', contract.id),
                ('start_date', '=', month),
                ('state', 'in', COUNTED_STATES),
                ('reversal_of', '=', None),
                ('corrected', '=', False),
                ], order=[('id', 'ASC')])
        if not payslips:
            raise CertificateError(gettext(
                    'coop_payroll_fr.msg_settlement_no_payslip',
                    contract=contract.rec_name))
        return payslips

    @classmethod
    def paid_lines(cls, payslips):
        "The lines paid to the employee, in the payslips' order"
        return [l for p in payslips for l in p.lines
            if l.kind in PAID_KINDS and l.amount]

    @classmethod
    def totals(cls, payslips):
        "The payslips' gross, contributions, tax withheld and net paid"
        def total(name):
            return sum((getattr(p, name) or 0 for p in payslips), Decimal(0))
        return {name: total(name) for name in [
                'gross', 'employee_contributions', 'allowances',
                'income_tax', 'net_pay']}
