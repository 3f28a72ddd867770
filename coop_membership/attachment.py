# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"Attachments and notes of a closed assembly are frozen with its record"
from trytond.pool import Pool, PoolMeta


class AssemblyResourceMixin:
    "A record on a resource: none added, changed or removed once closed"
    __slots__ = ()

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        Assembly = Pool().get('coop.assembly')
        resources = [r.resource for r in records]
        if values and values.get('resource'):
            resources.append(values['resource'])
        ids = set()
        for resource in resources:
            if isinstance(resource, str):
                model, _, id_ = resource.partition(',')
            elif isinstance(resource, (list, tuple)):
                model, id_ = resource
            elif resource is not None:
                model, id_ = resource.__name__, resource.id
            else:
                continue
            if model == Assembly.__name__ and int(id_ or -1) >= 0:
                ids.add(int(id_))
        if ids:
            Assembly.check_not_closed(Assembly.browse(list(ids)))


class Attachment(AssemblyResourceMixin, metaclass=PoolMeta):
    __name__ = 'ir.attachment'


class Note(AssemblyResourceMixin, metaclass=PoolMeta):
    __name__ = 'ir.note'
