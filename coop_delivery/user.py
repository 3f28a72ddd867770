# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
from trytond.pool import PoolMeta


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # access.xml lets nobody read them: a client reading a user's
        # fields (proteus reads every eager field) must not ask for them
        for name in ['password_hash', 'password_reset']:
            getattr(cls, name).loading = 'lazy'
