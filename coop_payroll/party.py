# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""A party's e-mail, phone and other contact fields follow the record rules
of its contact mechanisms; a search of parties by name looks only into the
details the user may read

Function fields are computed and searched without access checks, and a
search through a relation applies no record rule of its target: without
this, whoever may read a party's name would read its e-mail and phone, and
find a colleague's NIR or IBAN by searching names with it."""
from trytond.pool import Pool, PoolMeta
from trytond.transaction import (
    Transaction, check_access, without_check_access)


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def search_rec_name(cls, name, clause):
        domain = super().search_rec_name(name, clause)
        if not Transaction().user:
            return domain
        FieldAccess = Pool().get('ir.model.field.access')
        access = FieldAccess.get_access([cls.__name__])[cls.__name__]
        unreadable = {f for f, a in access.items() if not a['read']}
        return cls._search_readable(domain, unreadable)

    @classmethod
    def _search_readable(cls, domain, unreadable):
        """The domain without its clauses on fields the user may not read
        (the name's clause always stays: the domain never empties)"""
        result = []
        for item in domain:
            if isinstance(item, list):
                item = cls._search_readable(item, unreadable)
            elif (isinstance(item, tuple)
                    and item[0].split('.', 1)[0] in unreadable):
                continue
            result.append(item)
        return result

    # The party's details and the record rules of each
    RULED_DETAILS = {
        'addresses': 'party.address',
        'contact_mechanisms': 'party.contact_mechanism',
        'identifiers': 'party.identifier',
        }

    @classmethod
    def search_domain(cls, domain, active_test=None, tables=None):
        # A search through a relation applies no record rule of its target:
        # a clause on the details searches only those the user may read
        if Transaction().user:
            domain = cls._search_ruled(domain, {})
        return super().search_domain(
            domain, active_test=active_test, tables=tables)

    @classmethod
    def _search_ruled(cls, domain, rules):
        "The domain whose clauses on details keep to their rules"
        Rule = Pool().get('ir.rule')
        if not isinstance(domain, (list, tuple)) or not domain:
            return domain
        if isinstance(domain[0], str) and domain[0] not in {'AND', 'OR'}:
            name, *rest = domain
            root, _, target = name.partition('.')
            model = cls.RULED_DETAILS.get(root)
            where = not target and rest and rest[0] in {'where', 'not where'}
            if not model or not rest or not (target or where):
                return domain
            if model not in rules:
                with check_access():
                    rules[model] = Rule.domain_get(model, mode='read')
            if not rules[model]:
                return domain
            if where:
                return (root, rest[0], [rest[1], rules[model]])
            return (root, 'where', [(target, *rest), rules[model]])
        return [d if isinstance(d, str) else cls._search_ruled(d, rules)
            for d in domain]

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
