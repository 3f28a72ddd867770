# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
from trytond.pool import PoolMeta


class Move(metaclass=PoolMeta):
    __name__ = 'account.move'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['coop.surplus.allocation']
