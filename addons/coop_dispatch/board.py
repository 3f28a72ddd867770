# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The dispatch board's data and actions, for the page's routes

Every method runs as the logged-in user with the access rules on
(routes.py): the board reads and writes only what that user may, through
the tours' own methods (Tour.assign, Tour.write), so that their warnings and
refusals are those of the web client."""
import datetime as dt
import json
from collections import defaultdict

from sql import Column
from sql.aggregate import Count, Max
from sql.conditionals import Coalesce

from trytond.i18n import gettext
from trytond.model import Model
from trytond.pool import Pool
from trytond.transaction import Transaction

from . import eta
from .exceptions import (
    DispatchAccessError, DispatchError, OffShiftWarning, StaleTourError)
from .tour import version_of

OPEN_DELIVERY = {'confirmed', 'in_progress'}
OVER = eta.OVER
TASK_FIELDS = [
    'delivery', 'type', 'status', 'sequence', 'tour', 'tour_sequence',
    'street', 'postal_code', 'city', 'latitude', 'longitude', 'after',
    'before', 'done_at']
# The page's words, sent with the data in the user's language
LABELS = [
    'title', 'unassigned', 'riders', 'filter_slot', 'filter_zone',
    'filter_store', 'all', 'pickup', 'dropoff', 'late', 'assign_selected',
    'selected', 'save_anyway', 'cancel', 'refreshed', 'no_tour', 'eta',
    'window', 'login', 'password', 'log_in', 'login_failed', 'date',
    'move_up', 'move_down', 'assign_to', 'assigned', 'reordered', 'store',
    'help', 'off_shift']


def iso(value):
    return value.isoformat() if value else None


class Board(Model):
    "The dispatch board"
    __name__ = 'coop.dispatch.board'
    __string__ = "Dispatch Board"

    @classmethod
    def check_user(cls):
        "Refuse a user without the dispatcher's rights or company"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        group = ModelData.get_id('coop_delivery', 'group_delivery')
        transaction = Transaction()
        if (not transaction.user
                or group not in User.get_groups()
                or not transaction.context.get('company')):
            raise DispatchAccessError(gettext(
                    'coop_dispatch.msg_board_access'))
        return transaction.context['company']

    @classmethod
    def labels(cls):
        return {n: gettext(f'coop_dispatch.msg_label_{n}') for n in LABELS}

    @classmethod
    def settings(cls):
        pool = Pool()
        Configuration = pool.get('coop.delivery.configuration')
        Company = pool.get('company.company')
        company = Company(Transaction().context['company'])
        return Configuration.of_company(company).dispatch_settings()

    @classmethod
    def stamp(cls, date):
        """What changes when anything of the day's board does: the count
        and latest change of its tasks and tours, in one query each"""
        pool = Pool()
        Task = pool.get('coop.delivery.task')
        Delivery = pool.get('coop.delivery')
        Tour = pool.get('coop.delivery.tour')
        company = cls.check_user()
        task = Task.__table__()
        delivery = Delivery.__table__()
        tour = Tour.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*task.join(delivery,
                condition=task.delivery == delivery.id).select(
                Count(task.id),
                Max(Coalesce(task.write_date, task.create_date)),
                Max(Coalesce(delivery.write_date, delivery.create_date)),
                where=(delivery.date == date)
                & (delivery.company == company)))
        tasks = cursor.fetchone()
        cursor.execute(*tour.select(
                Count(tour.id),
                Max(Coalesce(tour.write_date, tour.create_date)),
                where=(tour.date == date) & (tour.company == company)))
        tours = cursor.fetchone()
        return json.dumps([str(v) for v in tasks + tours])

    @classmethod
    def riders(cls, date, ids=None):
        """The company's employees working on date (those of ids), by name;
        on a day with shifts planned, those on shift first"""
        pool = Pool()
        Employee = pool.get('company.employee')
        Shift = pool.get('coop.dispatch.shift')
        company = Transaction().context['company']
        domain = [
            ('company', '=', company),
            ['OR', ('start_date', '=', None), ('start_date', '<=', date)],
            ['OR', ('end_date', '=', None), ('end_date', '>=', date)],
            ]
        if ids is not None:
            domain.append(('id', 'in', list(ids)))
        employees = Employee.search(domain)
        shifts, planned = Shift.of_day(date, [e.id for e in employees])
        return sorted(employees, key=lambda e: (
                planned and not shifts[e.id], e.rec_name))

    @classmethod
    def day(cls, date):
        """The day's board: riders with their tours planned, the open
        deliveries left to assign, the stores and zones to filter them"""
        pool = Pool()
        Party = pool.get('party.party')
        company = cls.check_user()
        riders = cls.riders(date)
        board = cls._board(date, company, riders)
        stores = {p['id']: p['rec_name'] for p in Party.read(
                list({d['store'] for d in board['delivery_info'].values()}),
                ['rec_name'])}
        unassigned = [d for d in board['deliveries'].values() if d]
        unassigned.sort(key=lambda d: (
                d['tasks'][0]['after'] or '', d['id']))
        return {
            'date': date.isoformat(),
            'stamp': cls.stamp(date),
            'settings': board['settings'],
            'labels': cls.labels(),
            'riders': board['riders'],
            'unassigned': unassigned,
            'stores': [{'id': i, 'name': n} for i, n in sorted(
                    stores.items(), key=lambda s: s[1])],
            'zones': [z['name'] for z in board['zones']],
            }

    @classmethod
    def changes(cls, date, rider_ids, delivery_ids):
        """What an action changed of the day's board: the lanes of these
        riders, and each of these deliveries as the unassigned list shows it
        (None: it is no longer there); the page merges them"""
        pool = Pool()
        Employee = pool.get('company.employee')
        company = cls.check_user()
        riders = sorted(Employee.browse(list(set(rider_ids))),
            key=lambda e: e.rec_name)
        board = cls._board(date, company, riders, delivery_ids)
        return {
            'date': date.isoformat(),
            'stamp': cls.stamp(date),
            'riders': board['riders'],
            'deliveries': {str(k): v
                for k, v in board['deliveries'].items()},
            }

    @classmethod
    def _board(cls, date, company, riders, delivery_ids=None):
        """The lanes of riders on date and the open deliveries (all of the
        day's, or those of delivery_ids), read in a few queries"""
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        Task = pool.get('coop.delivery.task')
        Tour = pool.get('coop.delivery.tour')
        Shift = pool.get('coop.dispatch.shift')
        settings = cls.settings()
        rider_ids = [r.id for r in riders]
        tours = Tour.search_read([
                ('company', '=', company), ('date', '=', date),
                ('rider', 'in', rider_ids),
                ], fields_names=['rider'])
        tour_of_rider = {t['rider']: t['id'] for t in tours}
        tour_ids = set(tour_of_rider.values())
        if delivery_ids is None:
            delivery_domain = [('date', '=', date)]
            task_domain = []
        else:
            delivery_domain = [['OR',
                    ('id', 'in', list(delivery_ids)),
                    ('tasks.tour', 'in', list(tour_ids))]]
            task_domain = [['OR',
                    ('delivery', 'in', list(delivery_ids)),
                    ('tour', 'in', list(tour_ids))]]
        deliveries = cls._rows(Delivery, [
                ('company', '=', company),
                ('state', 'in', ['confirmed', 'in_progress', 'done',
                        'failed']),
                *delivery_domain,
                ], ['reference', 'customer', 'state'])
        by_id = {d['id']: d for d in deliveries}
        tasks = cls._rows(Task, [
                ('delivery', 'in', list(by_id)), *task_domain,
                ], TASK_FIELDS)
        tasks.sort(key=lambda t: (
                t['delivery'], t['sequence'] is None, t['sequence'] or 0,
                t['id']))
        zones = cls.zones()
        delivery_tasks = defaultdict(list)
        for task in tasks:
            delivery_tasks[task['delivery']].append(task)
        delivery_info = {}
        for delivery_id, task_list in delivery_tasks.items():
            delivery = by_id[delivery_id]
            dropoffs = [t for t in task_list if t['type'] == 'dropoff']
            first = task_list[0]
            delivery_info[delivery_id] = {
                'id': delivery_id,
                'reference': delivery['reference'] or '',
                'store': delivery['customer'],
                'state': delivery['state'],
                'zone': cls.zone_of(zones, dropoffs[-1] if dropoffs
                    else first),
                'slot': cls.slot_of(first),
                }

        now = None
        if date == Pool().get('ir.date').today():
            now = dt.datetime.now()
        stop = dt.timedelta(minutes=settings['stop_minutes'])
        tour_tasks = defaultdict(list)
        for task in tasks:
            if task['tour'] in tour_ids:
                tour_tasks[task['tour']].append(task)
        shifts, any_shift = Shift.of_day(date, rider_ids)
        lanes = []
        for rider in riders:
            tour_id = tour_of_rider.get(rider.id)
            lane = {'id': rider.id, 'name': rider.rec_name, 'tour': None,
                'shifts': [f'{s:%H:%M}-{e:%H:%M}'
                    for s, e in shifts[rider.id]],
                # None: the company plans no shift that day
                'on_shift': (bool(shifts[rider.id]) if any_shift
                    else None)}
            if tour_id:
                task_list = sorted(tour_tasks[tour_id], key=lambda t: (
                        t['tour_sequence'] is None, t['tour_sequence'] or 0,
                        t['id']))
                planned = eta.plan(task_list, settings['speed'], stop, now)
                lane['tour'] = {
                    'id': tour_id,
                    'version': version_of(
                        [(t['id'], t['status']) for t in task_list]),
                    'tasks': [cls.task_json(t, delivery_info, arrival, late)
                        for t, (arrival, late) in zip(task_list, planned)],
                    }
            lanes.append(lane)

        open_deliveries = {}
        wanted = delivery_tasks if delivery_ids is None else delivery_ids
        for delivery_id in wanted:
            open_deliveries[delivery_id] = None
            if (delivery_id not in by_id
                    or by_id[delivery_id]['state'] not in OPEN_DELIVERY):
                continue
            open_tasks = [t for t in delivery_tasks[delivery_id]
                if t['tour'] is None and t['status'] not in OVER]
            if not open_tasks:
                continue
            info = dict(delivery_info[delivery_id])
            info['tasks'] = [cls.task_json(t, delivery_info)
                for t in open_tasks]
            open_deliveries[delivery_id] = info
        return {
            'settings': settings,
            'riders': lanes,
            'deliveries': open_deliveries,
            'delivery_info': delivery_info,
            'zones': zones,
            }

    @classmethod
    def _rows(cls, Model, domain, names):
        """The stored fields names of the records of domain that the user
        may read, as dicts, in one query

        Model.search_read would do the same with the ORM, but builds a
        record per row, each checked against the whole list (quadratic:
        seconds for the 2,000 tasks of a busy day). The access is the
        same: the model's read access, the record rules (in the search's
        query) and the fields' access."""
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        FieldAccess = pool.get('ir.model.field.access')
        ModelAccess.check(Model.__name__, 'read')
        FieldAccess.check(Model.__name__, names, 'read')
        table = Model.__table__()
        query = Model.search(domain, order=[], query=True)
        cursor = Transaction().connection.cursor()
        columns = ['id'] + list(names)
        cursor.execute(*table.select(
                *[Column(table, n) for n in columns],
                where=table.id.in_(query)))
        fields = [Model._fields.get(n) for n in columns]
        rows = []
        for row in cursor:
            rows.append({n: cls._python(f, v)
                    for n, f, v in zip(columns, fields, row)})
        return rows

    @staticmethod
    def _python(field, value):
        "A value as the ORM reads it (SQLite gives some back as text)"
        if value is None or field is None:
            return value
        if field._type == 'datetime' and isinstance(value, str):
            return dt.datetime.fromisoformat(value)
        if field._type == 'float' and not isinstance(value, float):
            return float(value)
        return value

    @classmethod
    def task_json(cls, task, delivery_info, arrival=None, late=False):
        info = delivery_info[task['delivery']]
        return {
            'id': task['id'],
            'delivery': task['delivery'],
            'reference': info['reference'],
            'store': info['store'],
            'type': task['type'],
            'status': task['status'],
            'address': ' '.join(filter(None, [
                        task['street'], task['postal_code'], task['city']])),
            'lat': task['latitude'],
            'lon': task['longitude'],
            'after': iso(task['after']),
            'before': iso(task['before']),
            'eta': iso(arrival),
            'late': late,
            }

    @classmethod
    def zones(cls):
        "The active zones, each with its prepared shape"
        from shapely.geometry import shape
        from shapely.prepared import prep
        Zone = Pool().get('coop.delivery.zone')
        return [{'name': z.name, 'shape': prep(shape(z.shape()))}
            for z in Zone.search([])]

    @classmethod
    def zone_of(cls, zones, task):
        from shapely.geometry import Point
        if task['latitude'] is None or task['longitude'] is None:
            return None
        point = Point(task['longitude'], task['latitude'])
        for zone in zones:
            if zone['shape'].contains(point):
                return zone['name']
        return None

    @classmethod
    def slot_of(cls, task):
        "The hour a delivery's first window opens: the board's time slot"
        if not task['after']:
            return None
        return task['after'].strftime('%H:00')

    # Actions

    @classmethod
    def _tasks(cls, task_ids=(), delivery_ids=()):
        """The tasks named, then each delivery's open tasks in its order;
        refuse what is not the user's company's, a delivery not confirmed
        nor under way, a task over"""
        pool = Pool()
        Task = pool.get('coop.delivery.task')
        Delivery = pool.get('coop.delivery')
        company = Transaction().context['company']
        task_ids = [int(i) for i in task_ids]
        delivery_ids = [int(i) for i in delivery_ids]
        found = Task.search([
                ('id', 'in', task_ids),
                ('delivery.company', '=', company)])
        if len(found) != len(set(task_ids)):
            raise DispatchError(gettext('coop_dispatch.msg_task_unknown'))
        deliveries = Delivery.search([
                ('id', 'in', delivery_ids), ('company', '=', company)])
        if len(deliveries) != len(set(delivery_ids)):
            raise DispatchError(gettext(
                    'coop_dispatch.msg_delivery_unknown'))
        by_id = {t.id: t for t in found}
        tasks = [by_id[i] for i in dict.fromkeys(task_ids)]
        by_delivery = {d.id: d for d in deliveries}
        for delivery_id in dict.fromkeys(delivery_ids):
            tasks.extend(t for t in by_delivery[delivery_id].tasks
                if t.status not in OVER and t not in tasks)
        for task in tasks:
            if task.delivery.state not in OPEN_DELIVERY:
                raise DispatchError(gettext(
                        'coop_dispatch.msg_delivery_not_open',
                        delivery=task.delivery.rec_name,
                        state=cls.selection_string(
                            Delivery, 'state', task.delivery.state)))
            if task.status in OVER:
                raise DispatchError(gettext(
                        'coop_dispatch.msg_task_over',
                        task=task.rec_name, status=cls.selection_string(
                            Task, 'status', task.status)))
        if not tasks:
            raise DispatchError(gettext('coop_dispatch.msg_nothing'))
        return tasks

    @classmethod
    def selection_string(cls, Model, name, value):
        "The translated text of a selection field's value"
        selection = Model.fields_get([name])[name]['selection']
        return dict(selection).get(value, value)

    @classmethod
    def _rider(cls, rider_id, date):
        Employee = Pool().get('company.employee')
        riders = cls.riders(date, [int(rider_id)])
        if not riders:
            raise DispatchError(gettext('coop_dispatch.msg_rider_unknown'))
        return Employee(riders[0].id)

    @classmethod
    def assign(cls, date, rider_id, task_ids=(), delivery_ids=(),
            index=None, versions=None):
        """Put the tasks (and the deliveries' open tasks) in the rider's
        tour of date, at index (else at the end); versions {tour id:
        version} are the tours the board showed, which must not have
        changed since, the rider's included (None: she had none)"""
        pool = Pool()
        Tour = pool.get('coop.delivery.tour')
        cls.check_user()
        rider = cls._rider(rider_id, date)
        tasks = cls._tasks(task_ids, delivery_ids)
        versions = {int(k): v for k, v in (versions or {}).items()}
        tour, = Tour.search([
                ('rider', '=', rider.id), ('date', '=', date)],
            limit=1) or [None]
        if tour and tour.id not in versions and tour.tasks:
            # The board showed no tour, someone has made one meanwhile
            raise StaleTourError(gettext(
                    'coop_dispatch.msg_tour_stale', tour=tour.rec_name))
        Tour.check_dispatch_versions(versions)
        cls.check_on_shift(rider, date)
        changed = cls._changed(tasks)
        Tour.assign(rider, date, tasks,
            index=int(index) if index is not None else None)
        return changed[0] | {rider.id}, changed[1]

    @classmethod
    def check_on_shift(cls, rider, date):
        """Warn when the rider has no shift that day while others have:
        the dispatcher may go on"""
        pool = Pool()
        Shift = pool.get('coop.dispatch.shift')
        Warning = pool.get('res.user.warning')
        shifts, planned = Shift.of_day(date, [rider.id])
        if not planned or shifts[rider.id]:
            return
        key = Warning.format(f'coop_dispatch.off_shift.{date}', [rider])
        if Warning.check(key):
            raise OffShiftWarning(key, gettext(
                    'coop_dispatch.msg_off_shift',
                    rider=rider.rec_name, date=date))

    @classmethod
    def reorder(cls, tour_id, task_ids, version):
        """Set the tour's order to task_ids, as a tour's form does (its
        window warnings included); the board's version must be current"""
        pool = Pool()
        Tour = pool.get('coop.delivery.tour')
        company = cls.check_user()
        tours = Tour.search([
                ('id', '=', int(tour_id)), ('company', '=', company)])
        if not tours:
            raise DispatchError(gettext('coop_dispatch.msg_tour_unknown'))
        tour, = tours
        Tour.check_dispatch_versions({tour.id: version})
        task_ids = [int(i) for i in task_ids]
        if sorted(task_ids) != sorted(t.id for t in tour.tasks):
            raise StaleTourError(gettext(
                    'coop_dispatch.msg_tour_stale', tour=tour.rec_name))
        Tour.write([tour], {'tasks': [
                    ('write', [task_id], {'tour_sequence': i})
                    for i, task_id in enumerate(task_ids, 1)]})
        return {tour.rider.id}, set()

    @classmethod
    def unassign(cls, task_ids, versions):
        "Take the open tasks off their tours, back to the unassigned list"
        pool = Pool()
        Task = pool.get('coop.delivery.task')
        Tour = pool.get('coop.delivery.tour')
        cls.check_user()
        tasks = cls._tasks(task_ids)
        versions = {int(k): v for k, v in (versions or {}).items()}
        tours = {t.tour for t in tasks if t.tour}
        if any(t.id not in versions for t in tours):
            raise StaleTourError(gettext(
                    'coop_dispatch.msg_tour_stale',
                    tour=', '.join(t.rec_name for t in tours)))
        Tour.check_dispatch_versions(versions)
        changed = cls._changed(tasks)
        Task.write(tasks, {'tour': None, 'tour_sequence': None})
        return changed

    @classmethod
    def _changed(cls, tasks):
        "The riders whose tours the tasks leave, and the tasks' deliveries"
        return ({t.tour.rider.id for t in tasks if t.tour},
            {t.delivery.id for t in tasks})
