# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""What the health insurer (CPAM) paid the employer for the daily allowances
it advanced under subrogation

The payslips advance the net IJSS (line IJSS_SUBRO, posted as owed by the
insurer); each payment the insurer makes is recorded here against its
absence, whose balance (advanced less received) shows what is still due.
The bank receipt itself is the accountant's, on the same account.
"""
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import IjssReceiptError


class IjssReceipt(ModelSQL, ModelView):
    "A payment of daily allowances by the health insurer to the employer"
    __name__ = 'coop.payroll.ijss_receipt'
    __string__ = "IJSS Receipt"

    company = fields.Many2One('company.company', "Company", required=True)
    absence = fields.Many2One(
        'coop.payroll.absence', "Absence", required=True,
        ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ('kind', 'in', ['sick_leave', 'work_accident']),
            ])
    date = fields.Date("Date", required=True)
    amount = fields.Numeric(
        "Amount", digits=(16, 2), required=True,
        help="The net daily allowances the insurer paid.")
    reference = fields.Char(
        "Reference", help="The insurer's statement (relevé) number.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def validate(cls, receipts):
        super().validate(receipts)
        for receipt in receipts:
            if not receipt.absence.subrogation:
                raise IjssReceiptError(gettext(
                        'coop_payroll_fr.msg_ijss_receipt_no_subrogation',
                        absence=receipt.absence.rec_name))
