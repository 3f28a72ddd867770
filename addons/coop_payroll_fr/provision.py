# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The provision for paid leave owed, at a fiscal year's end

The days each employee has left at the date (the counters of the month's
confirmed payslip) are valued as if paid at departure (the higher of the
salary kept and the tenth, leave.py), and their employer's charges at the
rate the payroll manager gives. One draft entry in the payroll journal,
for the accountant to check, post and reverse at the next year's opening
(Tryton's cancel of a move): debit paid leave (6412) and employer charges
(645), credit the leave owed (4282) and the charges on it (4382).
"""
from decimal import ROUND_HALF_UP, Decimal

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from coop_payroll.rule import CENT

from coop_tools.model import (
    check_user_company, context_company, user_company_domain)

from .exceptions import LeaveProvisionError


class LeaveProvisionStart(ModelView):
    "Provision for Paid Leave"
    __name__ = 'coop.payroll.leave_provision.start'
    __string__ = "Provision for Paid Leave"

    company = fields.Many2One('company.company', "Company", required=True,
        domain=user_company_domain())
    date = fields.Date(
        "Date", required=True,
        help="The fiscal year's last day: the month's confirmed payslips "
        "give the days owed.")
    rate = fields.Numeric(
        "Employer Charges (%)", digits=(16, 2), required=True,
        domain=[('rate', '>=', 0)],
        help="The employer's contributions on the leave owed, as a share "
        "of it.")

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def default_rate(cls):
        pool = Pool()
        Configuration = pool.get('coop.payroll.configuration')
        # The context's company is the client's word, read here without
        # the user's record rules
        company = context_company('coop_payroll_fr.msg_company_not_allowed')
        if company is None or company < 0:
            return None
        return Configuration.of_company(
            Pool().get('company.company')(company)).leave_provision_rate


class LeaveProvision(Wizard):
    "Provision for Paid Leave"
    __name__ = 'coop.payroll.leave_provision'

    start = StateView(
        'coop.payroll.leave_provision.start',
        'coop_payroll_fr.leave_provision_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Create", 'create_', 'tryton-ok', default=True),
            ])
    create_ = StateTransition()

    def transition_create_(self):
        # The wizard runs without the user's record rules: another coop's
        # books are refused before anything is read or written
        check_user_company(
            self.start.company, 'coop_payroll_fr.msg_company_not_allowed')
        self.make_move(self.start.company, self.start.date, self.start.rate)
        return 'end'

    @classmethod
    def make_move(cls, company, date, rate):
        "The saved draft entry of the provision for leave owed at date"
        pool = Pool()
        Payslip = pool.get('coop.payroll.payslip')
        Configuration = pool.get('coop.payroll.configuration')
        Move = pool.get('account.move')
        MoveLine = pool.get('account.move.line')
        Period = pool.get('account.period')
        config = Configuration.of_company(company)
        provisions = Payslip.leave_provisions(company, date)
        if not provisions:
            raise LeaveProvisionError(gettext(
                    'coop_payroll_fr.msg_leave_provision_none', date=date))
        amount = sum((a for _, _, a in provisions), Decimal(0))
        charges = (amount * rate / 100).quantize(
            CENT, rounding=ROUND_HALF_UP)
        description = gettext(
            'coop_payroll_fr.msg_leave_provision_description', date=date)
        lines = [
            MoveLine(account=config.get_required('leave_expense_account'),
                debit=amount, credit=Decimal(0), description=description),
            MoveLine(account=config.get_required('leave_provision_account'),
                debit=Decimal(0), credit=amount, description=description),
            ]
        if charges:
            lines += [
                MoveLine(
                    account=config.get_required('employer_expense_account'),
                    debit=charges, credit=Decimal(0),
                    description=description),
                MoveLine(
                    account=config.get_required(
                        'leave_social_provision_account'),
                    debit=Decimal(0), credit=charges,
                    description=description),
                ]
        move = Move(
            company=company, journal=config.get_required('journal'),
            date=date, period=Period.find(company, date=date),
            description=description, lines=lines)
        move.save()
        return move
