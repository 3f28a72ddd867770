# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""A party's e-mail, phone and other contact fields follow the record rules
of its contact mechanisms

Function fields are computed without access checks: without this, whoever
may read a party's name would read its e-mail and phone through them."""
from trytond.pool import Pool, PoolMeta
from trytond.transaction import (
    Transaction, check_access, without_check_access)


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    def get_contact_mechanism(self, name):
        if not self.contact_mechanisms_readable():
            return ''
        return super().get_contact_mechanism(name)

    def contact_mechanisms_readable(self):
        "Whether the user may read the party's contact mechanisms"
        pool = Pool()
        Rule = pool.get('ir.rule')
        ContactMechanism = pool.get('party.contact_mechanism')
        if not Transaction().user:
            return True
        with check_access():
            domain = Rule.domain_get(
                'party.contact_mechanism', mode='read')
        if not domain:
            return True
        # The rules are on the party: one of its mechanisms tells for all
        with without_check_access():
            return bool(ContactMechanism.search([
                        ('party', '=', self.id), domain], limit=1))
