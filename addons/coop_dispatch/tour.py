# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
import hashlib

from trytond.i18n import gettext
from trytond.pool import PoolMeta

from .exceptions import StaleTourError


def version_of(tasks):
    """A tour's version: its tasks, their order and status, as read; any
    change by anyone (the board, a tour's form, the assign wizard, a task
    done) gives another one"""
    text = ';'.join(f'{i}:{s}' for i, s in tasks)
    return hashlib.sha1(text.encode()).hexdigest()[:16] if tasks else ''


class Tour(metaclass=PoolMeta):
    __name__ = 'coop.delivery.tour'

    @property
    def dispatch_version(self):
        return version_of([(t.id, t.status) for t in self.tasks])

    @classmethod
    def check_dispatch_versions(cls, versions):
        """Refuse when a tour is not at the version the board read,
        versions {tour id: version}"""
        if not versions:
            return
        tours = {t.id: t for t in cls.browse(
                [t.id for t in cls.search(
                        [('id', 'in', list(versions))])])}
        for tour_id, version in versions.items():
            tour = tours.get(tour_id)
            if tour is None or tour.dispatch_version != version:
                raise StaleTourError(gettext(
                        'coop_dispatch.msg_tour_stale',
                        tour=tour.rec_name if tour else tour_id))
