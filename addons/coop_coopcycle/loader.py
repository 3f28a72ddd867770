# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""What CoopCycle says, written into the suite: deliveries, tasks, tours,
monthly hours

An import is keyed by CoopCycle's ids: a task by its IRI (/api/tasks/12,
the `#` column of the task export), a delivery by its IRI or order number
when the source gives one, else through its tasks. So importing the same
data twice, or a newer export that overlaps, updates and never duplicates.

Everything is checked before anything is written: names are matched to the
database (stores, couriers) and every error is collected, with its line.
A month's export holds tens of thousands of tasks, so rows are written set
based: one query to find what exists, new rows inserted in bulk, changed
rows updated in bulk, values checked here as the ORM would.
"""
import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from trytond import backend
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from coop_delivery.delivery import state_from_statuses
from coop_delivery.invoice import proportional
from coop_tools.sql import forget, insert, update

from .formats import Error

SOURCE = "CoopCycle"
# What a task carries over from CoopCycle; compared to tell an update
TASK_FIELDS = [
    'type', 'status', 'after', 'before', 'done_at', 'street', 'latitude',
    'longitude', 'proof_notes', 'incident', 'coopcycle_comments',
    'coopcycle_contact', 'tour', 'tour_sequence']
DELIVERY_FIELDS = [
    'customer', 'date', 'ordered_at', 'vehicle', 'distance', 'weight',
    'state', 'coopcycle_order']
PRICE_FIELDS = ['price', 'price_rules']


class ImportRefused(Exception):
    "The data was refused: its errors say why; nothing was written"

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = sorted(errors, key=lambda e: (e.line, e.code))


@dataclass
class Summary:
    kind: str = None
    rows: int = 0
    deliveries_created: int = 0
    deliveries_updated: int = 0
    tasks_created: int = 0
    tasks_updated: int = 0
    unchanged: int = 0
    stores_created: list = field(default_factory=list)
    tours_created: int = 0
    hours_created: int = 0
    hours_updated: int = 0
    # Invoiced deliveries whose CoopCycle price changed: kept, to credit
    prices_kept: list = field(default_factory=list)
    dry_run: bool = False

    def as_dict(self):
        return dict(self.__dict__)


def message(error):
    "The translated text of an Error"
    return gettext(f'coop_coopcycle.{error.code}', **error.kwargs)


def _in(column, values):
    return fields.SQL_OPERATORS['in'](column, values)


class Loader:
    "Writes parsed CoopCycle data for a company"

    def __init__(self, company, progress=None, dry_run=False):
        self.company = company
        self.progress = progress or (lambda step, count: None)
        self.summary = Summary(dry_run=dry_run)
        self.dry_run = dry_run
        self.timezone = ZoneInfo(company.timezone) if company.timezone \
            else dt.timezone.utc
        self.errors = []
        self.tax_regimes, self.reversed_totals = {}, {}

    def error(self, line, code, **values):
        self.errors.append(Error.of(line, code, **values))

    def utc(self, moment):
        "A naive UTC datetime, as Tryton stores them"
        if moment is None:
            return None
        if moment.tzinfo is None:  # local time, as the exports write
            moment = moment.replace(tzinfo=self.timezone)
        return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def local_day(self, moment):
        if moment is None:
            return None
        if moment.tzinfo is None:
            return moment.date()
        return moment.astimezone(self.timezone).date()

    # Deliveries

    def load(self, parsed, stores=None):
        """Write the parsed deliveries or hours; stores maps organizations
        to the party of a store when the source knows it (an API app is
        bound to one store). Raise ImportRefused with every error."""
        self.summary.kind = parsed.kind
        self.summary.rows = parsed.rows
        self.errors = list(parsed.errors)
        if parsed.kind == 'payroll':
            return self.load_hours(parsed)
        self.progress('check', parsed.rows)
        couriers = self.couriers(
            {(t.courier, t.line) for d in parsed.deliveries
                for t in d.tasks if t.courier})
        stores, new_stores = self.stores(parsed.deliveries, stores or {})
        if self.errors:
            raise ImportRefused(self.errors)
        self.summary.stores_created = sorted(new_stores)
        existing_tasks, existing_deliveries = self.existing(
            parsed.deliveries)
        prices = self.prices(parsed.deliveries)
        if self.errors:
            raise ImportRefused(self.errors)
        if self.dry_run:
            self.plan(parsed.deliveries, existing_tasks, existing_deliveries)
            return self.summary
        stores.update(self.create_stores(new_stores))
        self.progress('stores', len(stores))
        delivery_ids = self.write_deliveries(
            parsed.deliveries, stores, prices, existing_tasks,
            existing_deliveries)
        self.progress('deliveries', len(delivery_ids))
        tours = self.tours(parsed.deliveries, couriers)
        self.progress('tours', self.summary.tours_created)
        task_ids = self.write_tasks(
            parsed.deliveries, delivery_ids, existing_tasks, tours)
        self.progress('tasks', len(task_ids))
        return self.summary

    def couriers(self, usernames):
        """{username: employee id} of the company; an unknown username is
        an error at each line naming it"""
        pool = Pool()
        Employee = pool.get('company.employee')
        known = {}
        names = {u for u, _ in usernames}
        for sub in grouped_slice(list(names), backend.MAX_QUERY_PARAMS):
            for employee in Employee.search([
                        ('company', '=', self.company.id),
                        ('coopcycle_username', 'in', list(sub)),
                        ]):
                known[employee.coopcycle_username] = employee.id
        for username, line in sorted(usernames, key=lambda u: u[1]):
            if username not in known:
                self.error(line, 'msg_import_unknown_courier',
                    courier=username)
        return known

    def stores(self, deliveries, stores):
        """{organization: party id} and the organizations new to the
        database: a store is the party whose CoopCycle organization, else
        whose name, it is"""
        pool = Pool()
        Party = pool.get('party.party')
        names = {d.organization for d in deliveries} - set(stores)
        found = dict(stores)
        # A party named for its organization comes before a namesake
        for field_ in ['coopcycle_organization', 'name']:
            missing = list(names - set(found))
            for sub in grouped_slice(missing, backend.MAX_QUERY_PARAMS):
                for party in Party.search([
                            (field_, 'in', list(sub)),
                            ], order=[('id', 'ASC')]):
                    found.setdefault(getattr(party, field_), party.id)
        return found, names - set(found)

    def create_stores(self, names):
        pool = Pool()
        Party = pool.get('party.party')
        # An address (unknown yet) to invoice the store at
        parties = Party.create([
                {'name': n, 'coopcycle_organization': n,
                    'addresses': [('create', [{}])]}
                for n in sorted(names)])
        return {p.name: p.id for p in parties}

    def existing(self, deliveries):
        """The tasks ({key: (id, delivery id, values)}) and the
        deliveries ({key or id: (id, values)}) already imported"""
        pool = Pool()
        Task = pool.get('coop.delivery.task')
        Delivery = pool.get('coop.delivery')
        task, delivery = Task.__table__(), Delivery.__table__()
        cursor = Transaction().connection.cursor()
        keys = [t.key for d in deliveries for t in d.tasks]
        tasks = {}
        task_columns = [getattr(task, n) for n in TASK_FIELDS]
        for sub in grouped_slice(keys, backend.MAX_QUERY_PARAMS):
            cursor.execute(*task.select(
                    task.coopcycle_key, task.id, task.delivery,
                    *task_columns,
                    where=_in(task.coopcycle_key, list(sub))))
            for key, id_, delivery_id, *values in cursor:
                tasks[key] = (id_, delivery_id, dict(zip(
                            TASK_FIELDS, self.read_values(Task, TASK_FIELDS,
                                values))))
        delivery_keys = [d.key for d in deliveries if d.key]
        delivery_ids = list({v[1] for v in tasks.values()})
        names = DELIVERY_FIELDS + PRICE_FIELDS + ['sale_line', 'coopcycle_key']
        columns = [getattr(delivery, n) for n in names]
        found = {}
        for sub in grouped_slice(delivery_keys, backend.MAX_QUERY_PARAMS):
            cursor.execute(*delivery.select(
                    delivery.coopcycle_key, delivery.id, *columns,
                    where=_in(delivery.coopcycle_key, list(sub))
                    & (delivery.company == self.company.id)))
            for key, id_, *values in cursor:
                found[key] = (id_, dict(zip(
                            names, self.read_values(Delivery, names, values))))
        for sub in grouped_slice(delivery_ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*delivery.select(
                    delivery.id, *columns,
                    where=_in(delivery.id, list(sub))))
            for id_, *values in cursor:
                found[id_] = (id_, dict(zip(
                            names, self.read_values(Delivery, names, values))))
        return tasks, found

    @staticmethod
    def read_values(Model, names, values):
        "Values read in SQL as the ORM gives them (SQLite has no types)"
        result = []
        for name, value in zip(names, values):
            field_ = Model._fields[name]
            if value is not None:
                if field_._type == 'datetime' and isinstance(value, str):
                    value = dt.datetime.fromisoformat(value)
                elif field_._type == 'date' and isinstance(value, str):
                    value = dt.date.fromisoformat(value)
                elif field_._type == 'numeric' and not isinstance(
                        value, Decimal):
                    value = Decimal(str(value))
            result.append(value)
        return result

    def prices(self, deliveries):
        """{delivery index: untaxed price}: the source's untaxed amount, or
        its tax-included total less the taxes of the delivery product on
        the delivery's day"""
        currency = self.company.currency
        result = {}
        untaxed = {}
        for index, delivery in enumerate(deliveries):
            if delivery.untaxed is not None:
                amount = delivery.untaxed
            elif delivery.total is not None:
                amount = self.reverse_taxes(
                    delivery.total, self.delivery_day(delivery))
                if amount is None:
                    self.error(delivery.line, 'msg_import_no_product',
                        company=self.company.rec_name)
                    return result
            else:
                continue
            if amount not in untaxed:
                untaxed[amount] = currency.round(amount)
            result[index] = untaxed[amount]
        return result

    def reverse_taxes(self, total, date):
        """The amount whose price with the delivery product's taxes at date
        is total, or None without a delivery product. The taxes in force
        are told apart by what they make of 100 (rates only: the same on
        every amount), so that a month's totals are computed once each."""
        pool = Pool()
        Tax = pool.get('account.tax')
        taxes = self.delivery_taxes
        if taxes is None:
            return None
        if date not in self.tax_regimes:
            self.tax_regimes[date] = (
                Tax.reverse_compute(Decimal(100), taxes, date)
                if proportional(taxes) else date)
        key = total, self.tax_regimes[date]
        if key not in self.reversed_totals:
            self.reversed_totals[key] = Tax.reverse_compute(
                total, taxes, date)
        return self.reversed_totals[key]

    @functools.cached_property
    def delivery_taxes(self):
        "The customer taxes of the delivery product, None without one"
        pool = Pool()
        Configuration = pool.get('coop.delivery.configuration')
        product = Configuration.of_company(self.company).invoice_product
        return list(product.customer_taxes_used) if product else None

    @staticmethod
    def first_task(delivery):
        return next((t for t in delivery.tasks if t.type == 'pickup'),
            delivery.tasks[0])

    def delivery_moment(self, delivery):
        first = self.first_task(delivery)
        return first.after or first.before or first.done_at

    def delivery_day(self, delivery):
        return self.local_day(self.delivery_moment(delivery)) \
            or dt.date.today()

    def match(self, delivery, existing_tasks, existing_deliveries):
        "The delivery already imported, as (id, values), or None"
        if delivery.key and delivery.key in existing_deliveries:
            return existing_deliveries[delivery.key]
        for task in delivery.tasks:
            if task.key in existing_tasks:
                return existing_deliveries.get(existing_tasks[task.key][1])
        return None

    def plan(self, deliveries, existing_tasks, existing_deliveries):
        "Count what an import would do, for a dry run"
        for delivery in deliveries:
            if self.match(delivery, existing_tasks, existing_deliveries):
                self.summary.deliveries_updated += 1
            else:
                self.summary.deliveries_created += 1
            for task in delivery.tasks:
                if task.key in existing_tasks:
                    self.summary.tasks_updated += 1
                else:
                    self.summary.tasks_created += 1

    def delivery_values(self, delivery, customer):
        statuses = [t.status for t in delivery.tasks]
        moment = self.delivery_moment(delivery)
        return {
            'customer': customer,
            'date': self.delivery_day(delivery),
            'ordered_at': self.utc(moment) or dt.datetime.now(),
            'vehicle': delivery.vehicle,
            'distance': delivery.distance,
            'weight': delivery.weight,
            'state': state_from_statuses(statuses),
            'coopcycle_order': delivery.order,
            }

    def write_deliveries(self, deliveries, stores, prices, existing_tasks,
            existing_deliveries):
        """Insert the new deliveries, update the changed ones; return their
        ids in the order of deliveries"""
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        ids = [None] * len(deliveries)
        new, new_indexes, changed = [], [], {}
        for index, delivery in enumerate(deliveries):
            values = self.delivery_values(
                delivery, stores[delivery.organization])
            if index in prices:
                values['price'] = prices[index]
                values['price_rules'] = SOURCE
            found = self.match(delivery, existing_tasks, existing_deliveries)
            if found is None:
                values['coopcycle_key'] = delivery.key
                # Every row inserted has the same columns
                values.setdefault('price', None)
                values.setdefault('price_rules', None)
                new.append(values)
                new_indexes.append(index)
                continue
            id_, old = found
            ids[index] = id_
            if old.get('sale_line') and 'price' in values:
                # Invoiced: the invoice stands; a change is credited
                if values['price'] != old['price']:
                    self.summary.prices_kept.append(delivery.line)
                del values['price'], values['price_rules']
            diff = {k: v for k, v in values.items() if old.get(k) != v}
            if delivery.key and old.get('coopcycle_key') != delivery.key:
                diff['coopcycle_key'] = delivery.key
            if diff:
                changed[id_] = diff
        new_ids = insert(Delivery, new, {'company': self.company.id})
        for index, id_ in zip(new_indexes, new_ids):
            ids[index] = id_
        update(Delivery, changed)
        self.summary.deliveries_created += len(new_ids)
        self.summary.deliveries_updated += len(changed)
        self.write_packages(deliveries, ids, set(new_ids))
        return ids

    def write_packages(self, deliveries, ids, new_ids):
        "The packages of the new deliveries (types created on first use)"
        pool = Pool()
        Package = pool.get('coop.delivery.package')
        PackageType = pool.get('coop.delivery.package.type')
        wanted = {name for d, id_ in zip(deliveries, ids)
            if id_ in new_ids for name in d.packages}
        if not wanted:
            return
        types = {t.name: t.id for t in PackageType.search([
                    ('name', 'in', list(wanted))])}
        missing = sorted(wanted - set(types))
        if missing:
            types.update({t.name: t.id for t in PackageType.create([
                            {'name': n} for n in missing])})
        insert(Package, [
                {'delivery': id_, 'type': types[name], 'quantity': quantity}
                for d, id_ in zip(deliveries, ids) if id_ in new_ids
                for name, quantity in d.packages.items()])

    def task_values(self, task):
        return {
            'type': task.type,
            'status': task.status,
            'after': self.utc(task.after),
            'before': self.utc(task.before),
            'done_at': self.utc(task.done_at),
            'street': task.street,
            'latitude': task.latitude,
            'longitude': task.longitude,
            'proof_notes': task.done_notes,
            'incident': task.failed_notes,
            'coopcycle_comments': '\n'.join(filter(None, [
                        task.comments, task.description])) or None,
            'coopcycle_contact': ', '.join(filter(None, [
                        task.name, task.contact])) or None,
            }

    def write_tasks(self, deliveries, delivery_ids, existing_tasks, tours):
        "Insert or update the tasks, in their tours; return {task key: id}"
        pool = Pool()
        Task = pool.get('coop.delivery.task')
        new, changed, ids = [], {}, {}
        unchanged = 0
        for delivery, delivery_id in zip(deliveries, delivery_ids):
            for sequence, task in enumerate(delivery.tasks, 1):
                values = self.task_values(task)
                values['tour'], values['tour_sequence'] = tours.get(
                    task.key, (None, None))
                if task.key in existing_tasks:
                    id_, _, old = existing_tasks[task.key]
                    ids[task.key] = id_
                    diff = {k: v for k, v in values.items() if old[k] != v}
                    if diff:
                        changed[id_] = diff
                    else:
                        unchanged += 1
                    continue
                values.update({
                        'delivery': delivery_id,
                        'sequence': sequence,
                        'coopcycle_key': task.key,
                        })
                new.append(values)
        new_ids = insert(Task, new)
        ids.update(zip((v['coopcycle_key'] for v in new), new_ids))
        update(Task, changed)
        self.summary.tasks_created += len(new_ids)
        self.summary.tasks_updated += len(changed)
        self.summary.unchanged += unchanged
        return ids

    def tours(self, deliveries, couriers):
        """{task key: (tour id, order in the tour)} of the tasks CoopCycle
        assigns: the courier's tour of the task's day, in the order of the
        windows; tours are made as needed. A task CoopCycle no longer
        assigns is in no tour."""
        pool = Pool()
        Tour = pool.get('coop.delivery.tour')
        tour = Tour.__table__()
        cursor = Transaction().connection.cursor()
        by_tour = defaultdict(list)
        for delivery in deliveries:
            for task in delivery.tasks:
                day = self.local_day(task.done_at or task.after or task.before)
                if task.courier and day:
                    by_tour[couriers[task.courier], day].append(task)
        if not by_tour:
            return {}
        riders = list({r for r, _ in by_tour})
        days = [d for _, d in by_tour]
        found = {}
        for sub in grouped_slice(riders, backend.MAX_QUERY_PARAMS):
            cursor.execute(*tour.select(
                    tour.rider, tour.date, tour.id,
                    where=_in(tour.rider, list(sub))
                    & (tour.company == self.company.id)
                    & (tour.date >= min(days)) & (tour.date <= max(days))))
            for rider, date, id_ in cursor:
                if isinstance(date, str):
                    date = dt.date.fromisoformat(date)
                found[rider, date] = id_
        missing = [k for k in by_tour if k not in found]
        created = insert(Tour, [{'rider': r, 'date': d} for r, d in missing],
            {'company': self.company.id, 'breaks': dt.timedelta(0)})
        found.update(zip(missing, created))
        self.summary.tours_created += len(created)
        result = {}
        for key, tasks in by_tour.items():
            tasks.sort(key=lambda t: (
                    self.utc(t.after or t.before or t.done_at), t.key))
            for sequence, task in enumerate(tasks, 1):
                result[task.key] = (found[key], sequence)
        forget(Tour, list(found.values()))
        return result

    # Hours

    def load_hours(self, parsed):
        """The payroll export's month as Monthly Hours, one per courier;
        a month whose payslip is already confirmed is refused"""
        pool = Pool()
        MonthlyHours = pool.get('coop.payroll.monthly_hours')
        Payslip = pool.get('coop.payroll.payslip')
        month = parsed.month
        if month is None:
            self.error(1, 'msg_import_month_required')
            raise ImportRefused(self.errors)
        couriers = self.couriers({(h.username, h.line) for h in parsed.hours})
        confirmed = {p.employee.id: p for p in Payslip.search([
                    ('company', '=', self.company.id),
                    ('start_date', '=', month),
                    ('state', 'in', ['confirmed', 'posted']),
                    ('employee', 'in', list(couriers.values())),
                    ])}
        for hours in parsed.hours:
            employee = couriers.get(hours.username)
            if employee in confirmed:
                self.error(hours.line, 'msg_import_payslip_confirmed',
                    courier=hours.username,
                    payslip=confirmed[employee].rec_name)
        if self.errors:
            raise ImportRefused(self.errors)
        existing = {h.employee.id: h for h in MonthlyHours.search([
                    ('company', '=', self.company.id),
                    ('month', '=', month),
                    ('employee', 'in', list(couriers.values())),
                    ])}
        to_create, to_save = [], []
        for hours in parsed.hours:
            employee = couriers[hours.username]
            values = {
                'worked_hours': hours.worked,
                'overtime_hours': hours.overtime,
                'source': SOURCE,
                }
            record = existing.get(employee)
            if record is None:
                to_create.append(dict(values, company=self.company.id,
                        employee=employee, month=month))
            elif any(getattr(record, k) != v for k, v in values.items()):
                for name, value in values.items():
                    setattr(record, name, value)
                to_save.append(record)
            else:
                self.summary.unchanged += 1
        self.summary.hours_created = len(to_create)
        self.summary.hours_updated = len(to_save)
        if not self.dry_run:
            MonthlyHours.create(to_create)
            MonthlyHours.save(to_save)
        self.progress('hours', len(parsed.hours))
        return self.summary
