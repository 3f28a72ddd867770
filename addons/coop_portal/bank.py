# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""A rider's new bank account, asked for in the portal: a request that
changes nothing until a payroll manager approves it in the back office
(Payroll > Bank Account Changes); the rider is told of the answer by
e-mail, in their language.

On approval the IBAN becomes a bank account of the rider's party (bank's
own model, its IBAN checks) and the party's other accounts are
deactivated, so that the net pay's SEPA credit transfer
(account_payment_sepa reads the party's first active account) goes to the
new one from the next payment on."""
import logging

from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumError

from trytond import config
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.report import Report, get_email
from trytond.sendmail import send_message_transactional
from trytond.tools.email_ import set_from_header
from trytond.transaction import Transaction

from .exceptions import BankAccountRequestError

logger = logging.getLogger(__name__)
STATES = [
    ('requested', "Requested"),
    ('approved', "Approved"),
    ('refused', "Refused"),
    ]


def check_iban(number):
    """The IBAN in its compact form, or BankAccountRequestError: its
    country's length and format and its check digits (python-stdnum, as
    Tryton's bank module checks it)"""
    number = (number or '').strip()[:50]
    try:
        return stdnum_iban.validate(number)
    except StdnumError:
        raise BankAccountRequestError(gettext(
                'coop_portal.msg_bank_iban_invalid', number=number))


class BankAccountRequest(Workflow, ModelSQL, ModelView):
    "A rider's request to be paid on another bank account"
    __name__ = 'coop.payroll.bank_account.request'
    __string__ = "Bank Account Change"

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    employee = fields.Many2One(
        'company.employee', "Employee", required=True, readonly=True,
        domain=[('company', '=', Eval('company', -1))])
    iban = fields.Char("IBAN", required=True, readonly=True)
    request_date = fields.Date("Request Date", required=True, readonly=True)
    state = fields.Selection(
        STATES, "State", required=True, readonly=True, sort=False)
    account = fields.Many2One(
        'bank.account', "Bank Account", readonly=True,
        help="The account made from the request once approved.")
    answered_by = fields.Many2One('res.user', "Answered By", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('request_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('requested', 'approved'),
            ('requested', 'refused'),
            }
        cls._buttons.update({
                'approve': {
                    'invisible': Eval('state') != 'requested',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'refuse': {
                    'invisible': Eval('state') != 'requested',
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'requested'

    @classmethod
    def default_request_date(cls):
        return Pool().get('ir.date').today()

    def get_rec_name(self, name):
        return f'{self.employee.rec_name} ({self.iban})'

    @classmethod
    def validate_fields(cls, requests, field_names):
        super().validate_fields(requests, field_names)
        if not field_names or 'iban' in field_names:
            for request in requests:
                check_iban(request.iban)

    @classmethod
    def portal_request(cls, employees, number):
        """Ask that the rider (their employee records) be paid on the IBAN
        number: refused malformed, the same as the current one, or while
        another request waits; nothing is written then"""
        compact = check_iban(number)
        employee_ids = [e.id for e in employees]
        if cls.search([
                    ('employee', 'in', employee_ids),
                    ('state', '=', 'requested'),
                    ], limit=1):
            raise BankAccountRequestError(gettext(
                    'coop_portal.msg_bank_pending'))
        employee = employees[0]
        current = cls.current_iban(employee)
        if current and stdnum_iban.compact(current) == compact:
            raise BankAccountRequestError(gettext(
                    'coop_portal.msg_bank_same'))
        request, = cls.create([{
                    'company': employee.company.id,
                    'employee': employee.id,
                    'iban': stdnum_iban.format(compact),
                    }])
        return request

    @classmethod
    def current_iban(cls, employee):
        "The IBAN the rider's net pay goes to (the party's first account)"
        for account in employee.party.bank_accounts_used:
            for number in account.numbers:
                if number.type == 'iban':
                    return number.number

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    def approve(cls, requests):
        """The IBAN becomes the rider's bank account: a new account of
        their party, their other accounts deactivated"""
        pool = Pool()
        Account = pool.get('bank.account')
        to_deactivate = []
        for request in requests:
            party = request.employee.party
            to_deactivate.extend(party.bank_accounts_used)
        if to_deactivate:
            Account.write(to_deactivate, {'active': False})
        accounts = Account.create([{
                    'owners': [('add', [r.employee.party.id])],
                    'numbers': [('create', [{
                                    'type': 'iban', 'number': r.iban}])],
                    } for r in requests])
        # The state now: the e-mail says it
        args = []
        for request, account in zip(requests, accounts):
            args.extend([[request], {
                        'state': 'approved',
                        'account': account.id,
                        'answered_by': Transaction().user or None,
                        }])
        if args:
            cls.write(*args)
        cls.notify(requests)

    @classmethod
    @ModelView.button
    @Workflow.transition('refused')
    def refuse(cls, requests):
        cls.write(requests, {
                'state': 'refused',
                'answered_by': Transaction().user or None,
                })
        cls.notify(requests)

    @classmethod
    def notify(cls, requests):
        """Tell each rider the answer by e-mail, in their language (their
        portal account's, as web_user's e-mails); sent at commit"""
        pool = Pool()
        WebUser = pool.get('web.user')
        from_ = config.get('email', 'from')
        for request in requests:
            users = WebUser.search([
                    ('party', '=', request.employee.party.id),
                    ('active', '=', True),
                    ], limit=1)
            if not users or not users[0].email:
                logger.info("no e-mail for bank account request %s",
                    request.id)
                continue
            user, = users
            msg, title = get_email(
                'coop.payroll.bank_account.request.email', request,
                user.languages)
            set_from_header(msg, from_, from_)
            msg['To'] = user.email
            msg['Subject'] = title
            send_message_transactional(msg)


class BankAccountRequestEmail(Report):
    "The e-mail telling a rider the answer to their bank account change"
    __name__ = 'coop.payroll.bank_account.request.email'

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context['mask'] = mask_iban
        return context


def mask_iban(number):
    "An IBAN with only its country and last four characters shown"
    compact = stdnum_iban.compact(number or '')
    if len(compact) < 8:
        return compact
    return compact[:2] + '•' * (len(compact) - 6) + compact[-4:]
