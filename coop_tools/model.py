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
        "The setting's value; a clear error naming it if it is not set"
        from trytond.i18n import gettext
        from trytond.pool import Pool
        value = getattr(self, name)
        if not value:
            Field = Pool().get('ir.model.field')
            field, = Field.search([
                    ('model', '=', self.__name__),
                    ('name', '=', name),
                    ])
            raise self._missing_setting_error(gettext(
                    self._missing_setting_message, field=field.string))
        return value


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
