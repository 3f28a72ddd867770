# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""CoopCycle's files and JSON-LD, read into deliveries and hours

Nothing here touches the database: a file is read whole into what it says
(deliveries with their tasks, or monthly hours per courier) and into every
error it holds, each with its line (the header is line 1) and a message
code of this module with its values, translated when shown. The loader
then matches names to the database and writes.
"""
import datetime as dt
import functools
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from coop_tools import csvfile

STATUSES = {
    'TODO': 'todo',
    'DOING': 'doing',
    'DONE': 'done',
    'FAILED': 'failed',
    'CANCELLED': 'cancelled',
    }
TYPES = {'PICKUP': 'pickup', 'DROPOFF': 'dropoff'}
VEHICLES = {'bike': 'bike', 'cargo_bike': 'cargo_bike'}

# The columns read from each export (CoopCycle writes more: they are
# ignored); a file missing one of them is refused
TASK_COLUMNS = [
    '#', '# order', 'orderCode', 'orderTotal', 'type', 'address.name',
    'address.streetAddress', 'address.latlng', 'address.description',
    'afterDay', 'afterTime', 'beforeDay', 'beforeTime', 'status',
    'traveled_distance_meter', 'comments', 'event.DONE.notes',
    'event.FAILED.notes', 'finishedAtDay', 'finishedAtTime', 'courier',
    'address.contactName', 'organization']
DELIVERY_COLUMNS = [
    'organization', 'pickup.address', 'pickup.after', 'dropoff.address',
    'dropoff.before', 'weight', 'distance', 'order.number', 'order.total',
    'packages', 'courier']
PAYROLL_COLUMNS = [
    'username', 'name', 'planned_hours', 'worked_hours', 'overtime_hours',
    'holiday_days']
KINDS = {
    'tasks': TASK_COLUMNS,
    'deliveries': DELIVERY_COLUMNS,
    'payroll': PAYROLL_COLUMNS,
    }
# The columns that tell one export from another
SIGNATURES = [
    ('tasks', {'#', 'type', 'afterDay'}),
    ('deliveries', {'pickup.address', 'dropoff.address'}),
    ('payroll', {'username', 'worked_hours'}),
    ]


@dataclass(frozen=True)
class Error:
    "What is wrong at a line: a message code of the module and its values"
    line: int
    code: str
    values: tuple = ()

    @classmethod
    def of(cls, line, code, **values):
        return cls(line, code, tuple(sorted(values.items())))

    @property
    def kwargs(self):
        return dict(self.values)


@dataclass
class Task:
    line: int
    key: str
    type: str
    status: str
    after: dt.datetime = None
    before: dt.datetime = None
    done_at: dt.datetime = None
    street: str = None
    name: str = None
    contact: str = None
    description: str = None
    latitude: float = None
    longitude: float = None
    comments: str = None
    done_notes: str = None
    failed_notes: str = None
    courier: str = None
    distance: int = None
    weight: int = None

    @property
    def day(self):
        "The day the task is ridden"
        moment = self.done_at or self.after or self.before
        return moment.date() if moment else None


@dataclass
class Delivery:
    line: int
    organization: str
    tasks: list = field(default_factory=list)
    # The delivery's own key when the source has one (its IRI, an order
    # number); otherwise the delivery is known by its tasks' keys
    key: str = None
    order: str = None
    # Tax included, in the currency's units; untaxed when the source says
    total: Decimal = None
    untaxed: Decimal = None
    distance: int = None
    weight: int = None
    vehicle: str = 'bike'
    packages: dict = field(default_factory=dict)


@dataclass
class Hours:
    line: int
    username: str
    name: str
    worked: Decimal
    overtime: Decimal
    planned: Decimal = None
    holidays: Decimal = None


@dataclass
class Parsed:
    kind: str = None
    deliveries: list = field(default_factory=list)
    hours: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    rows: int = 0
    # The month of a payroll export (the file does not say it)
    month: dt.date = None

    @property
    def tasks(self):
        return sum(len(d.tasks) for d in self.deliveries)


def detect(columns):
    "The kind of export a header is, or None"
    present = set(columns)
    for kind, signature in SIGNATURES:
        if signature <= present:
            return kind
    return None


def read_rows(data, parsed, kind=None):
    """Decode the file and read its header, setting parsed.kind; return
    the rows as an iterator of (line, {column: value}), or None when the
    file cannot be read as that kind (the error is added to parsed)"""
    try:
        header, rows = csvfile.read(data)
    except csvfile.CSVError as error:
        parsed.errors.append(csv_error(error))
        return
    columns = [c.strip() for c in header]
    parsed.kind = kind or detect(columns)
    if parsed.kind is None:
        parsed.errors.append(Error.of(1, 'msg_import_unknown_format'))
        return
    missing = [c for c in KINDS[parsed.kind] if c not in columns]
    if missing:
        parsed.errors.append(Error.of(
                1, 'msg_import_missing_columns', columns=', '.join(missing)))
        return
    return _rows(rows, columns, parsed)


def csv_error(error):
    "The Error of an unreadable file"
    values = dict(error.values)
    if error.reason == 'delimiter':
        values['delimiter'] = {'\t': 'tab'}.get(
            values['delimiter'], values['delimiter'])
    return Error.of(error.line, f'msg_import_{error.reason}', **values)


def _rows(rows, columns, parsed):
    try:
        for line, values in rows:
            parsed.rows += 1
            if len(values) != len(columns):
                parsed.errors.append(Error.of(
                        line, 'msg_import_field_count',
                        count=len(values), expected=len(columns)))
                continue
            yield line, dict(zip(columns, map(str.strip, values)))
    except csvfile.CSVError as error:
        parsed.errors.append(csv_error(error))
    if not parsed.rows:
        parsed.errors.append(Error.of(1, 'msg_import_no_rows'))


class RowReader:
    "Reads the values of one row, collecting its errors"

    def __init__(self, line, values, errors):
        self.line = line
        self.values = values
        self.errors = errors
        self.valid = True

    def error(self, code, **values):
        self.errors.append(Error.of(self.line, code, **values))
        self.valid = False

    def text(self, column):
        return self.values.get(column) or None

    def required(self, column):
        value = self.text(column)
        if value is None:
            self.error('msg_import_required', column=column)
        return value

    def choice(self, column, choices, code):
        value = self.required(column)
        if value is None:
            return None
        if value.upper() not in choices:
            self.error(code, column=column, value=value)
            return None
        return choices[value.upper()]

    def decimal(self, column):
        value = self.text(column)
        if value is None:
            return None
        try:
            number = Decimal(value.replace(',', '.').replace(' ', ''))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number < 0:
            self.error('msg_import_number', column=column, value=value)
            return None
        return number

    def integer(self, column, scale=1):
        number = self.decimal(column)
        return None if number is None else int(
            (number * scale).to_integral_value())

    def day_time(self, day_column, time_column):
        "A local datetime from a d/m/Y day and an H:M[:S] time"
        day, time = self.text(day_column), self.text(time_column)
        if day is None:
            return None
        try:
            date = parse_day(day)
        except ValueError:
            self.error('msg_import_date', column=day_column, value=day)
            return None
        try:
            moment = parse_time(time) if time else dt.time()
        except ValueError:
            self.error('msg_import_time', column=time_column, value=time)
            return None
        return dt.datetime.combine(date, moment)

    def moment(self, column):
        "A local datetime written d/m/Y H:M, or Y-m-d H:M"
        value = self.text(column)
        if value is None:
            return None
        day, _, time = value.replace('T', ' ').partition(' ')
        try:
            return dt.datetime.combine(
                parse_day(day), parse_time(time) if time else dt.time())
        except ValueError:
            self.error('msg_import_date', column=column, value=value)
            return None

    def latlng(self, column):
        value = self.text(column)
        if value is None:
            return None, None
        try:
            latitude, longitude = (float(v) for v in value.split(','))
        except ValueError:
            latitude = longitude = None
        if (latitude is None or not -90 <= latitude <= 90
                or not -180 <= longitude <= 180):
            self.error('msg_import_latlng', column=column, value=value)
            return None, None
        return latitude, longitude


DAY = re.compile(r'(\d{1,2})/(\d{1,2})/(\d{4})')
ISO_DAY = re.compile(r'(\d{4})-(\d{1,2})-(\d{1,2})')
TIME = re.compile(r'(\d{1,2}):(\d{2})(?::(\d{2}))?')


@functools.lru_cache(maxsize=4096)
def parse_day(text):
    "A date written d/m/Y (CoopCycle's exports) or Y-m-d; ValueError else"
    match = DAY.fullmatch(text)
    if match:
        day, month, year = match.groups()
    else:
        match = ISO_DAY.fullmatch(text)
        if not match:
            raise ValueError(text)
        year, month, day = match.groups()
    return dt.date(int(year), int(month), int(day))


@functools.lru_cache(maxsize=4096)
def parse_time(text):
    match = TIME.fullmatch(text)
    if not match:
        raise ValueError(text)
    hour, minute, second = match.groups()
    return dt.time(int(hour), int(minute), int(second or 0))


def task_key(task_id):
    "The key of a task: its IRI in CoopCycle's API"
    return f'/api/tasks/{task_id}'


def parse(data, kind=None):
    "Read the bytes of one of CoopCycle's exports into a Parsed"
    parsed = Parsed()
    rows = read_rows(data, parsed, kind)
    if rows is None:
        return parsed
    {
        'tasks': _parse_tasks,
        'deliveries': _parse_deliveries,
        'payroll': _parse_payroll,
        }[parsed.kind](rows, parsed)
    parsed.errors.sort(key=lambda e: e.line)
    return parsed


def _parse_tasks(rows, parsed):
    """The task export: tasks sharing an order are one delivery; without
    an order, a pickup starts a delivery and the dropoffs that follow it
    belong to it"""
    by_order = {}
    current = None
    seen = {}
    for line, values in rows:
        row = RowReader(line, values, parsed.errors)
        task_id = row.required('#')
        if task_id is not None and not task_id.isdigit():
            row.error('msg_import_task_id', value=task_id)
        elif task_id in seen:
            row.error('msg_import_task_twice', task=task_id,
                first=seen[task_id])
        elif task_id:
            seen[task_id] = line
        latitude, longitude = row.latlng('address.latlng')
        task = Task(
            line=line,
            key=task_key(task_id),
            type=row.choice('type', TYPES, 'msg_import_type'),
            status=row.choice('status', STATUSES, 'msg_import_status'),
            after=row.day_time('afterDay', 'afterTime'),
            before=row.day_time('beforeDay', 'beforeTime'),
            done_at=row.day_time('finishedAtDay', 'finishedAtTime'),
            street=row.text('address.streetAddress'),
            name=row.text('address.name'),
            contact=row.text('address.contactName'),
            description=row.text('address.description'),
            latitude=latitude, longitude=longitude,
            comments=row.text('comments'),
            done_notes=row.text('event.DONE.notes'),
            failed_notes=row.text('event.FAILED.notes'),
            courier=row.text('courier'),
            distance=row.integer('traveled_distance_meter'))
        organization = row.required('organization')
        total = row.decimal('orderTotal')
        if task.after and task.before and task.after > task.before:
            row.error('msg_import_window', after=task.after,
                before=task.before)
        order = row.text('# order') or row.text('orderCode')
        delivery = by_order.get(order) if order else None
        if delivery is None and (order or task.type != 'dropoff'):
            delivery = Delivery(
                line=line, organization=organization,
                order=row.text('orderCode') or order, total=total)
            if order:
                by_order[order] = delivery
            parsed.deliveries.append(delivery)
        elif delivery is None:
            delivery = current
            if delivery is None or delivery.order:
                row.error('msg_import_dropoff_alone')
                continue
        if delivery.organization != organization and organization:
            row.error('msg_import_organization_mixed',
                organization=organization, other=delivery.organization)
        delivery.tasks.append(task)
        current = delivery
    for delivery in parsed.deliveries:
        types = [t.type for t in delivery.tasks]
        if 'pickup' not in types:
            parsed.errors.append(Error.of(
                    delivery.line, 'msg_import_no_pickup'))
        distances = [t.distance for t in delivery.tasks if t.distance]
        delivery.distance = sum(distances) if distances else None


def _parse_deliveries(rows, parsed):
    "The delivery spreadsheet: a row per delivery, a pickup and a dropoff"
    for line, values in rows:
        row = RowReader(line, values, parsed.errors)
        organization = row.required('organization')
        pickup_address = row.required('pickup.address')
        dropoff_address = row.required('dropoff.address')
        after = row.moment('pickup.after')
        before = row.moment('dropoff.before')
        order = row.text('order.number')
        courier = row.text('courier')
        packages = {}
        for item in (row.text('packages') or '').split():
            name, _, quantity = item.partition('=')
            if not name or not quantity.isdigit() or not int(quantity):
                row.error('msg_import_packages', value=item)
                continue
            packages[name] = packages.get(name, 0) + int(quantity)
        if order:
            key = f'order:{order}'
        else:
            # No id in the row: the same row imported again is the same
            # delivery; a row edited since is a new one
            key = 'row:' + hashlib.sha1('\x1f'.join(
                    values.get(c, '') for c in DELIVERY_COLUMNS
                    ).encode()).hexdigest()
        delivery = Delivery(
            line=line, organization=organization, key=key, order=order,
            total=row.decimal('order.total'),
            # weight in kg as in CoopCycle's spreadsheets, distance in m
            weight=row.integer('weight', scale=1000),
            distance=row.integer('distance'),
            packages=packages)
        delivery.tasks = [
            Task(line=line, key=f'{key}/pickup', type='pickup',
                status='todo', after=after, street=pickup_address,
                courier=courier),
            Task(line=line, key=f'{key}/dropoff', type='dropoff',
                status='todo', before=before, street=dropoff_address,
                courier=courier),
            ]
        if row.valid:
            parsed.deliveries.append(delivery)


def _parse_payroll(rows, parsed):
    "The payroll export: a row per courier with the month's hours"
    seen = {}
    for line, values in rows:
        row = RowReader(line, values, parsed.errors)
        username = row.required('username')
        if username in seen:
            row.error('msg_import_username_twice', username=username,
                first=seen[username])
        elif username:
            seen[username] = line
        worked = row.decimal('worked_hours')
        if worked is None and row.text('worked_hours') is None:
            row.error('msg_import_required', column='worked_hours')
        overtime = row.decimal('overtime_hours') or Decimal(0)
        if worked is not None and overtime > worked:
            row.error('msg_import_overtime', overtime=overtime,
                worked=worked)
        hours = Hours(
            line=line, username=username, name=row.text('name'),
            worked=worked, overtime=overtime,
            planned=row.decimal('planned_hours'),
            holidays=row.decimal('holiday_days'))
        if row.valid:
            parsed.hours.append(hours)


# CoopCycle's API: JSON-LD shaped as API Platform writes it

def parse_api_moment(value):
    "An ISO 8601 moment of the API, aware when it has an offset"
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace('Z', '+00:00'))


def parse_api_delivery(data, organization, errors=None, line=0):
    """A delivery of the API (GET /api/deliveries/{id}) as a Delivery of
    the store's organization; errors as for files, at the given line (the
    delivery's position in what was fetched)"""
    errors = errors if errors is not None else []
    count = len(errors)

    def error(code, **values):
        errors.append(Error.of(line, code, **values))

    tasks = data.get('tasks') or [
        t for t in [data.get('pickup'), data.get('dropoff')] if t]
    delivery = Delivery(
        line=line, organization=organization,
        key=data.get('@id') or f"/api/deliveries/{data.get('id')}",
        distance=data.get('distance'),
        vehicle=VEHICLES.get(data.get('vehicle'), 'bike'))
    order = data.get('order') or {}
    if order:
        delivery.order = order.get('number')
        if order.get('total') is not None:
            delivery.total = Decimal(order['total']) / 100
            delivery.untaxed = (Decimal(order['total'])
                - Decimal(order.get('taxTotal') or 0)) / 100
    weight = 0
    for task_data in tasks:
        status = str(task_data.get('status', '')).upper()
        if status not in STATUSES:
            error('msg_import_status', column='status', value=status)
        type_ = str(task_data.get('type', '')).upper()
        if type_ not in TYPES:
            error('msg_import_type', column='type', value=type_)
        address = task_data.get('address') or {}
        geo = address.get('geo') or {}
        try:
            after = parse_api_moment(
                task_data.get('after') or task_data.get('doneAfter'))
            before = parse_api_moment(
                task_data.get('before') or task_data.get('doneBefore'))
        except ValueError as exception:
            error('msg_import_date', column='after', value=str(exception))
            after = before = None
        task = Task(
            line=line,
            key=task_data.get('@id') or task_key(task_data.get('id')),
            type=TYPES.get(type_), status=STATUSES.get(status),
            after=after, before=before,
            street=address.get('streetAddress'),
            name=address.get('name'),
            contact=address.get('contactName'),
            description=address.get('description'),
            latitude=geo.get('latitude'), longitude=geo.get('longitude'),
            comments=task_data.get('comments') or None,
            courier=task_data.get('assignedTo') or None,
            distance=task_data.get('traveledDistanceMeter'))
        postal_code = address.get('postalCode')
        locality = address.get('addressLocality')
        if postal_code or locality:
            task.description = ' '.join(filter(None, [
                        task.description, postal_code, locality]))
        weight += task_data.get('weight') or 0
        for package in task_data.get('packages') or []:
            name = package.get('type') or package.get('name')
            if name:
                delivery.packages[name] = delivery.packages.get(
                    name, 0) + int(package.get('quantity') or 0)
        delivery.tasks.append(task)
    delivery.weight = weight or None
    if not any(t.type == 'pickup' for t in delivery.tasks):
        error('msg_import_no_pickup')
    return delivery if len(errors) == count else None
