# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # access.xml lets nobody read them (login and e-mail: only the
        # administrator): a client reading a user's fields (proteus reads
        # every eager field) must not ask for them
        for name in ['password_hash', 'password_reset', 'login', 'email']:
            getattr(cls, name).loading = 'lazy'

    @classmethod
    def search_rec_name(cls, name, clause):
        # res.user searches the login too: whoever may not read logins
        # would find them out by searching names
        # (a Function field's searcher runs without access checks: the
        # user's field access is asked for all the same)
        transaction = Transaction()
        if transaction.user:
            FieldAccess = Pool().get('ir.model.field.access')
            access = FieldAccess.get_access([cls.__name__])[cls.__name__]
            if not access.get('login', {}).get('read', True):
                return [('name',) + tuple(clause[1:])]
        return super().search_rec_name(name, clause)
