# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"Pieces of Tryton models the suite writes alike"


def rec_name_domain(clause, *names):
    """The search_rec_name domain that matches clause on any of names (on
    none of them for a negative operator)"""
    _, operator, operand, *extra = clause
    if operator.startswith('!') or operator.startswith('not '):
        bool_op = 'AND'
    else:
        bool_op = 'OR'
    return [bool_op, *((name, operator, operand, *extra) for name in names)]



class RequiredSettings:
    """A configuration singleton whose settings some work cannot go without

    The class names the message (with a %(field)s argument) raised when such
    a setting is empty, and the error class."""
    __slots__ = ()
    _missing_setting_message = None
    _missing_setting_error = None

    def get_required(self, name):
        """The setting's value; a clear error naming it (and the context's
        company, as %(company)s) if it is not set"""
        from trytond.i18n import gettext
        value = getattr(self, name)
        if not value:
            raise self._missing_setting_error(gettext(
                    self._missing_setting_message,
                    field=self._field_string(name),
                    company=self._context_company_name()))
        return value

    @classmethod
    def _field_string(cls, name):
        "The setting's label, in the user's language"
        from trytond.pool import Pool
        Field = Pool().get('ir.model.field')
        field, = Field.search([
                ('model', '=', cls.__name__),
                ('name', '=', name),
                ])
        return field.string

    def _context_company_name(self):
        "The name of the company the settings were read for"
        from trytond.pool import Pool
        company = self._context.get('company')
        if company is None:
            return ''
        Company = Pool().get('company.company')
        return Company(company).rec_name


def account_field(string, help, party_required=None):
    """A setting's account: postable (open, typed), with a party or without
    one when party_required says so"""
    from trytond.model import fields
    domain = [
        ('closed', '!=', True),
        ('type', '!=', None),
        ]
    if party_required is not None:
        domain.append(('party_required', '=', party_required))
    return fields.Many2One('account.account', string, domain=domain, help=help)


def user_company_domain(name='id'):
    """The domain of a wizard form's company (name: its path from the
    field, 'id' for a company field, 'company' for a fiscal year or a
    period): the user's company, as the client's context names it (the
    context the client holds has the company, not the user's list of
    companies; account's party fields are restricted the same way)"""
    from trytond.pyson import Eval
    return [(name, '=', Eval('context', {}).get('company', -1))]


def check_user_company(company, message):
    """Refuse (an AccessError with message, its %(company)s the coop's
    name) a company that is not one of the user's companies, those its
    record rules let it see (res.user's get_companies); a wizard's
    transitions run without the user's access checks, so a company named
    on its form must be checked before anything is read or written for
    it. The administrator (user 0, the command line and the queue's
    tasks) may act on any."""
    from trytond.i18n import gettext
    from trytond.model.exceptions import AccessError
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    if Transaction().user == 0 or company is None:
        return
    User = Pool().get('res.user')
    if int(company) not in User.get_companies():
        raise AccessError(gettext(message, company=company.rec_name))


def user_companies():
    """The ids of the companies of the user (res.user's companies, among
    which she may choose her current one), None for the administrator
    (user 0) who may name any"""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    transaction = Transaction()
    if transaction.user == 0:
        return None
    User = Pool().get('res.user')
    # An instance reads without the user's access checks
    return {c.id for c in User(transaction.user).companies}


def context_company(message):
    """The context's company id (None if it names none), checked as
    Tryton's company module checks it when it returns a user's preferences
    (res.user.read): one of the user's companies, the administrator (user
    0) any. The context is the client's word over RPC: a company that is
    not one of the user's is refused with an AccessError (message, its
    %(company)s the coop's name), before anything is read for it without
    the user's record rules (a setting, a default, a wizard's work)"""
    from trytond.i18n import gettext
    from trytond.model.exceptions import AccessError
    from trytond.pool import Pool
    from trytond.transaction import Transaction, without_check_access
    company = Transaction().context.get('company')
    if company is None:
        return None
    allowed = user_companies()
    if allowed is None:
        return company
    try:
        company = int(company)
    except (TypeError, ValueError):
        raise AccessError(gettext(message, company=company))
    # A negative id (a form's empty company, -1) names no coop
    if company >= 0 and company not in allowed:
        Company = Pool().get('company.company')
        with without_check_access():
            found = Company.search([('id', '=', company)])
        raise AccessError(gettext(
                message, company=found[0].rec_name if found else company))
    return company
