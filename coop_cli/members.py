# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""`coop import members`: an existing register of members, from CSV

The file is read and checked whole before anything is written (parse, then
check against the register), then its rows are replayed in effective-date
order as imported operations of the register, each recorded as the register
records any operation: numbered, its lines written, the members' status
updated. Everything happens in one transaction, rolled back on any error.
"""
import collections
import datetime as dt
import os
import re
from dataclasses import dataclass, field

from coop_tools import csvfile

from .errors import CoopError

KINDS = ['subscription', 'increase', 'transfer', 'sell_back', 'conversion']
PERSON_KINDS = ['person', 'organisation']
REQUIRED_COLUMNS = ['date', 'kind', 'member', 'share_class', 'shares']
OPTIONAL_COLUMNS = [
    'effective_date', 'name', 'category', 'person',
    'to_member', 'to_name', 'to_category', 'to_person',
    'to_class', 'to_shares']
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
# The columns only a kind of operation may fill
KIND_COLUMNS = {
    'transfer': ['to_member', 'to_name', 'to_category', 'to_person'],
    'conversion': ['to_class', 'to_shares'],
    }
# Replays that take longer than a glance deserve a progress bar
LONG_FILE = 200

FORMAT = """\
The file: UTF-8, comma-delimited, a header row (line 1), then one row per
operation of the register, in any order: rows are replayed by effective date
(then line), so the register numbers them in date order.

  date            YYYY-MM-DD or DD/MM/YYYY: when the operation was decided
  effective_date  optional, same formats: when the shares changed hands
                  (default: date)
  kind            subscription, increase, transfer, sell_back or conversion
  member          the member's number in the register
  name            the member's name; creates the party and the member the
                  first time a number not in the register appears
  category        member category code; required for a new member
  person          person or organisation (default: person)
  share_class     share class code
  shares          number of shares, a positive integer
  to_member       transfer: the receiver's number; a new one is created
                  from to_name, to_category (and to_person)
  to_class        conversion: the class code converted to
  to_shares       conversion: the shares of to_class received

Required columns: date, kind, member, share_class, shares; the others may
be left out when no row needs them. Every error of the file is reported
with its line number and nothing is written; the register's own refusals
while replaying (more shares sold than held, a class limit, a row
older than the register's last operation) are reported the same way, and
nothing stays written. Legal warnings do not stop an import: they are
counted in the summary. Example:

  date,kind,member,name,category,share_class,shares,to_member,to_name,to_category
  2019-03-01,subscription,1,Awa Diallo,EMP,A,4,,,
  15/06/2020,transfer,1,,,A,1,7,Noé Martin,EMP
"""


@dataclass(frozen=True)
class Error:
    "What is wrong with a line of the file (the header is line 1)"
    line: int
    message: str

    def as_dict(self):
        return {'line': self.line, 'error': self.message}


@dataclass
class Row:
    "A valid row of the file: an operation to replay"
    line: int
    kind: str
    date: dt.date
    effective_date: dt.date
    member: str
    share_class: str
    quantity: int
    to_member: str = None
    to_class: str = None
    to_quantity: int = None

    @property
    def numbers(self):
        return [n for n in [self.member, self.to_member] if n]


@dataclass
class MemberInfo:
    """A member number as the file describes it: where it first appears,
    and its name, category and person kind with the line giving each"""
    number: str
    line: int
    details: dict = field(default_factory=dict)

    def get(self, name):
        value = self.details.get(name)
        return value[0] if value else None

    def line_of(self, name):
        value = self.details.get(name)
        return value[1] if value else self.line


@dataclass
class Parsed:
    "What the file holds: valid rows in replay order, and its errors"
    rows: list = field(default_factory=list)
    members: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    # Share class codes as (code, line), checked against the register
    class_codes: list = field(default_factory=list)
    # Rows read (blank lines left out)
    count: int = 0
    # The file could not be read as rows at all
    fatal: bool = False


class MemberImportError(CoopError):
    "The file was refused: its errors say why, with line numbers"
    exit_code = 1

    def __init__(self, errors, summary=None):
        self.errors = sorted(errors, key=lambda e: (e.line, e.message))
        self.summary = summary
        count = len(self.errors)
        super().__init__(
            f"{count} error{'s' if count > 1 else ''}: nothing was imported")


def read(path):
    "Parse the file at path; an unreadable file is a CoopError"
    try:
        with open(path, 'rb') as file:
            data = file.read()
    except OSError as exception:
        raise CoopError(f"cannot read {path}: {exception.strerror}")
    return parse(data)


# Why a file cannot be read at all (coop_tools.csvfile's reasons)
CSV_ERRORS = {
    'encoding': "the file is not UTF-8 (byte 0x{byte} cannot be decoded; "
    "Latin-1 or Windows-1252 perhaps): save it as CSV UTF-8",
    'empty': "the file is empty: it needs a header row and rows",
    'delimiter': "the columns are separated by {delimiter}, not commas: "
    "save the file as comma-delimited CSV",
    'csv': "unreadable CSV: {error}",
    }


def parse(data):
    "Parse the bytes of a CSV file into a Parsed, without any database"
    parsed = Parsed()

    def fatal(line, message):
        parsed.errors.append(Error(line, message))
        parsed.fatal = True
        return parsed

    try:
        header, rows = csvfile.read(data)
        columns = [c.strip().lower() for c in header]
        errors = check_header(columns)
        if errors:
            return fatal(1, '; '.join(errors))
        for line, values in rows:
            parsed.count += 1
            if len(values) != len(columns):
                parsed.errors.append(Error(line, f"{len(values)} fields, "
                        f"the header has {len(columns)}: a missing or an "
                        "extra comma?"))
                continue
            if any(v.strip() for c, v in zip(columns, values) if not c):
                parsed.errors.append(Error(line,
                        "a value under a column with no name"))
                continue
            _parse_row(parsed, line, dict(zip(columns, (
                            v.strip() for v in values))))
    except csvfile.CSVError as error:
        values = dict(error.values)
        if 'delimiter' in values:
            values['delimiter'] = csvfile.DELIMITERS[values['delimiter']]
        return fatal(error.line, CSV_ERRORS[error.reason].format(**values))
    if not parsed.count:
        parsed.errors.append(Error(1, "no rows after the header"))
    parsed.rows.sort(key=lambda r: (r.effective_date, r.line))
    parsed.errors.sort(key=lambda e: e.line)
    return parsed


def check_header(columns):
    "What is wrong with the header's columns"
    errors = []
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        errors.append(f"missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}")
    # A column with no name (a trailing comma) is left out
    unknown = list(dict.fromkeys(
            c for c in columns if c and c not in COLUMNS))
    if unknown:
        errors.append(
            f"unknown column{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(repr(c) for c in unknown)} (the columns are "
            f"{', '.join(COLUMNS)})")
    twice = sorted({c for c in columns if columns.count(c) > 1 and c})
    if twice:
        errors.append(f"column{'s' if len(twice) > 1 else ''} "
            f"{', '.join(twice)} given twice")
    return errors


DATE_FORMATS = [
    (re.compile(r'\d{4}-\d{1,2}-\d{1,2}'), '%Y-%m-%d'),
    (re.compile(r'\d{1,2}/\d{1,2}/\d{4}'), '%d/%m/%Y'),
    ]


def parse_date(text):
    "A date written YYYY-MM-DD or DD/MM/YYYY; ValueError otherwise"
    for pattern, format_ in DATE_FORMATS:
        if pattern.fullmatch(text):
            return dt.datetime.strptime(text, format_).date()
    raise ValueError(text)


def _parse_row(parsed, line, values):
    "Add the row at line to parsed, or its errors"
    errors = []

    def error(message):
        errors.append(Error(line, message))

    def get(name):
        return values.get(name) or None

    def required(name, what=None):
        value = get(name)
        if value is None:
            error(f"{name} is empty" + (f" ({what})" if what else ""))
        return value

    def date(name, value):
        try:
            return parse_date(value)
        except ValueError:
            error(f"{name} {value!r} is not a date (YYYY-MM-DD or "
                "DD/MM/YYYY)")

    def quantity(name, what=None):
        value = required(name, what)
        if value is None:
            return
        if not re.fullmatch(r'[+-]?\d+', value):
            error(f"{name} {value!r} is not a whole number of shares")
        elif int(value) <= 0:
            error(f"{name} must be positive, not {value}")
        else:
            return int(value)

    def person_kind(name):
        value = get(name)
        if value is None:
            return
        value = value.lower().replace('organization', 'organisation')
        if value not in PERSON_KINDS:
            error(f"{name} {values[name]!r} is neither person nor "
                "organisation")
            return
        return value

    kind = required('kind', ', '.join(KINDS))
    if kind is not None:
        kind = kind.lower().replace('-', '_').replace(' ', '_')
        if kind not in KINDS:
            error(f"unknown kind {values['kind']!r}: expected "
                f"{', '.join(KINDS)}")
            kind = None
    date_ = required('date')
    if date_ is not None:
        date_ = date('date', date_)
    effective_date = get('effective_date')
    if effective_date is not None:
        effective_date = date('effective_date', effective_date)
        if date_ and effective_date and effective_date < date_:
            error(f"effective_date {effective_date} is before date {date_}")
    else:
        effective_date = date_
    number = required('member', "the member's number")
    share_class = required('share_class', "a share class code")
    if share_class is not None:
        parsed.class_codes.append((share_class, line))
    shares = quantity('shares')

    to_member = to_class = to_shares = None
    if kind:
        for other, names in KIND_COLUMNS.items():
            if other != kind:
                for name in names:
                    if get(name) is not None:
                        error(f"{name} is only for a {other}, not a "
                            f"{kind}")
    if kind == 'transfer':
        to_member = required('to_member', "the receiver's number")
        if to_member is not None and to_member == number:
            error(f"member {number} cannot transfer shares to itself")
    elif kind == 'conversion':
        to_class = required('to_class', "the share class converted to")
        if to_class is not None:
            parsed.class_codes.append((to_class, line))
            if to_class == share_class:
                error(f"to_class {to_class} is the class converted from")
        to_shares = quantity('to_shares', "the shares received")

    for num, prefix in [(number, ''), (to_member, 'to_')]:
        if num is None:
            continue
        info = parsed.members.setdefault(num, MemberInfo(num, line))
        for name, value in [
                ('name', get(prefix + 'name')),
                ('category', get(prefix + 'category')),
                ('person', person_kind(prefix + 'person')),
                ]:
            if value is None:
                continue
            if name not in info.details:
                info.details[name] = (value, line)
            elif info.get(name) != value:
                error(f"{prefix}{name} {value!r} of member {num} is not "
                    f"the {info.get(name)!r} of line {info.line_of(name)}")

    parsed.errors.extend(errors)
    if not errors:
        parsed.rows.append(Row(
                line=line, kind=kind, date=date_,
                effective_date=effective_date, member=number,
                share_class=share_class, quantity=shares,
                to_member=to_member, to_class=to_class,
                to_quantity=to_shares))


# With the register: checks that only read, then the replay that writes


def check_register(parsed, company):
    """The file's errors that the register shows (unknown codes, new
    members the file does not describe enough, members it describes
    otherwise than the register); nothing is written"""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool()
    Category = pool.get('coop.member.category')
    ShareClass = pool.get('coop.share.class')
    Configuration = pool.get('coop.membership.configuration')
    # Without its sequence the register records nothing: one clear error
    Configuration.of_company(company).get_required('operation_sequence')
    errors = []
    with Transaction().set_context(active_test=False):
        classes = {c.code: c for c in ShareClass.search([
                    ('company', '=', company.id)])}
    categories = {c.code: c for c in Category.search([
                ('company', '=', company.id)])}
    members = _existing_members(company, parsed.members)

    def known(codes):
        return ', '.join(sorted(codes)) or 'none'
    for code, line in parsed.class_codes:
        if code not in classes:
            errors.append(Error(line, f"unknown share class {code!r} (the "
                    f"company's classes: {known(classes)})"))
    for number, info in parsed.members.items():
        category = info.get('category')
        if category is not None and category not in categories:
            errors.append(Error(info.line_of('category'),
                    f"unknown category {category!r} of member {number} (the "
                    f"company's categories: {known(categories)})"))
        member = members.get(number)
        if member is None:
            missing = [n for n in ['name', 'category'] if not info.get(n)]
            if missing:
                errors.append(Error(info.line, f"member {number} is not in "
                        f"the register: its rows must give its "
                        f"{' and '.join(missing)} (to_{missing[0]} for the "
                        "receiver of a transfer)"))
            continue
        if category is not None and category != member.category.code:
            errors.append(Error(info.line_of('category'),
                    f"member {number} is in category "
                    f"{member.category.code} in the register, not "
                    f"{category}"))
        person = info.get('person')
        if person is not None and person != member.person_kind:
            errors.append(Error(info.line_of('person'),
                    f"member {number} is recorded as {member.person_kind} "
                    f"in the register, not {person}"))
    return errors


def _existing_members(company, numbers):
    from trytond import backend
    from trytond.pool import Pool
    from trytond.tools import grouped_slice
    Member = Pool().get('coop.member')
    members = {}
    for sub_numbers in grouped_slice(
            list(numbers), backend.MAX_QUERY_PARAMS):
        members.update((m.number, m) for m in Member.search([
                    ('company', '=', company.id),
                    ('number', 'in', list(sub_numbers)),
                    ]))
    return members


def load(parsed, company, source='', progress=None):
    """Check the parsed file against the register, then replay it (see
    replay); MemberImportError with every error found before writing"""
    errors = parsed.errors + check_register(parsed, company)
    if errors:
        raise MemberImportError(errors)
    return replay(parsed, company, source, progress=progress)


# A legal warning is raised before an operation writes anything; more than
# this many on one operation means something else warns again and again
MAX_WARNINGS = 20


def replay(parsed, company, source='', progress=None):
    """Record the rows as imported operations of the register, in order;
    the first row the register refuses raises MemberImportError (its
    transaction must then be rolled back). Return the summary.

    The new members, then the operations as drafts, are created in one
    go each (the file was checked: they pass Tryton's validation); the
    register then records the operations one by one, as it must."""
    from trytond import backend
    from trytond.exceptions import UserError
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool()
    Operation = pool.get('coop.share.operation')
    OperationLine = pool.get('coop.share.operation.line')
    ShareClass = pool.get('coop.share.class')
    with Transaction().set_context(active_test=False):
        classes = {c.code: c for c in ShareClass.search([
                    ('company', '=', company.id)])}
    members, created = _create_members(parsed, company)
    warnings, numbers = [], []

    def values(row):
        result = {
            'company': company.id,
            'kind': row.kind,
            'date': row.date,
            'effective_date': row.effective_date,
            'member': members[row.member].id,
            'share_class': classes[row.share_class].id,
            'quantity': row.quantity,
            'imported': True,
            'description': f"Imported from {source}, line {row.line}"
            if source else f"Imported, line {row.line}",
            }
        if row.kind == 'transfer':
            result['to_member'] = members[row.to_member].id
        elif row.kind == 'conversion':
            result['to_class'] = classes[row.to_class].id
            result['to_quantity'] = row.to_quantity
        elif row.kind == 'sell_back':
            result['request_date'] = row.date
        return result
    try:
        operations = _create_chunks(
            Operation, [values(r) for r in parsed.rows])
    except UserError as error:
        raise MemberImportError([Error(parsed.rows[0].line,
                    f"drafting the operations: {error.message}")])

    total = len(parsed.rows)
    for done, (row, operation) in enumerate(
            zip(parsed.rows, operations), 1):
        try:
            _record(operation, row, warnings, Operation, OperationLine)
        except UserError as error:
            raise MemberImportError([Error(row.line,
                        f"{_describe(row)}: {error.message}")])
        except backend.DatabaseIntegrityError as error:
            raise MemberImportError([Error(row.line,
                        f"{_describe(row)}: {error}")])
        if progress:
            progress(done, total)

    counts = collections.Counter(r.kind for r in parsed.rows)
    if operations:
        numbers = [o.number for o in Operation.browse(
                [operations[0].id, operations[-1].id])]
    end = max((r.effective_date for r in parsed.rows), default=None)
    return summary(parsed, company, created, counts, warnings, numbers, end)


# Tryton validates a chunk's relation domains in one query, whose clauses
# SQLite limits
CHUNK = 200


def _create_chunks(Model, values):
    "Model.create of the values, a chunk at a time"
    records = []
    for i in range(0, len(values), CHUNK):
        records += Model.create(values[i:i + CHUNK])
    return records


def _create_members(parsed, company):
    """The members of the file by number: those of the register, and those
    new to it, created (with their parties) in the order they come in"""
    from trytond.exceptions import UserError
    from trytond.pool import Pool
    pool = Pool()
    Party = pool.get('party.party')
    Member = pool.get('coop.member')
    Category = pool.get('coop.member.category')
    categories = {c.code: c for c in Category.search([
                ('company', '=', company.id)])}
    members = _existing_members(company, parsed.members)
    new = [n for n in dict.fromkeys(
            n for r in parsed.rows for n in r.numbers) if n not in members]
    if not new:
        return members, []
    infos = [parsed.members[n] for n in new]
    try:
        parties = _create_chunks(
            Party, [{'name': i.get('name')} for i in infos])
        created = _create_chunks(Member, [{
                    'company': company.id,
                    'party': party.id,
                    'number': info.number,
                    'category': categories[info.get('category')].id,
                    'person_kind': info.get('person') or 'person',
                    } for info, party in zip(infos, parties)])
    except UserError as error:
        raise MemberImportError([Error(infos[0].line,
                    f"creating the {len(infos)} new members: "
                    f"{error.message}")])
    members.update((m.number, m) for m in created)
    return members, created


def _record(operation, row, warnings, Operation, OperationLine):
    "Record the operation, its legal warnings counted and skipped"
    from trytond.exceptions import UserWarning
    from trytond.pool import Pool
    Warning_ = Pool().get('res.user.warning')
    # Alone: an instance created with others reads for all of them
    operation = Operation(operation.id)
    for _ in range(MAX_WARNINGS):
        try:
            Operation.record([operation])
            return
        except UserWarning as warning:
            # Legal.check warns before the operation writes anything:
            # record it again with this warning skipped
            if OperationLine.search([
                        ('operation', '=', operation.id)], limit=1):
                raise
            warnings.append(Error(row.line, warning.message))
            Warning_.skip(warning.name)
            operation = Operation(operation.id)
    raise CoopError(f"line {row.line}: more than {MAX_WARNINGS} warnings "
        "on one operation")


def _describe(row):
    text = f"{row.kind} of {row.quantity} {row.share_class} by member " \
        f"{row.member}"
    if row.kind == 'transfer':
        text += f" to member {row.to_member}"
    elif row.kind == 'conversion':
        text += f" into {row.to_quantity} {row.to_class}"
    return f"{text} on {row.effective_date}"


def summary(parsed, company=None, created=(), counts=None, warnings=(),
        numbers=(), end=None, errors=()):
    "What the import did, or would do; amounts as strings (JSON)"
    capital = members = None
    if company is not None and end is not None and not errors:
        from trytond.pool import Pool
        pool = Pool()
        Line = pool.get('coop.share.operation.line')
        Member = pool.get('coop.member')
        capital = str(Line.capital(company, end))
        members = Member.search_count([
                ('company', '=', company.id),
                ('status', '=', 'member'),
                ])
    counts = counts or {}
    return {
        'company': company.rec_name if company is not None else None,
        'rows': parsed.count,
        'members_created': len(created),
        'operations': {k: counts.get(k, 0) for k in KINDS},
        'numbers': [numbers[0], numbers[-1]] if numbers else None,
        'capital': capital,
        'date': end.isoformat() if end and capital is not None else None,
        'members': members,
        'warnings': len(warnings),
        'warning_details': [
            {'line': w.line, 'warning': w.message} for w in warnings],
        'errors': [e.as_dict() for e in errors],
        }


class _DryRun(Exception):
    "Leaves the transaction with the summary, rolling everything back"

    def __init__(self, summary):
        super().__init__()
        self.summary = summary


def import_file(database_name, path, company=None, dry_run=False,
        progress=None):
    """Import the register of members in the CSV file at path into the
    company (its name or id; the only one by default) as the admin user,
    in one transaction; return the summary. A refused file raises
    MemberImportError, with its errors and summary."""
    from . import database
    from .session import as_admin
    parsed = read(path)
    base = {'file': path, 'database': database_name, 'dry_run': dry_run}
    if parsed.fatal:
        raise MemberImportError(parsed.errors,
            dict(summary(parsed, errors=parsed.errors), **base))
    if not database.exists(database_name):
        raise CoopError(f"no database {database_name!r}")
    source = os.path.basename(path)

    def run():
        with as_admin(company) as company_record:
            try:
                result = load(
                    parsed, company_record, source, progress=progress)
            except MemberImportError as error:
                error.summary = dict(summary(parsed, company_record,
                        errors=error.errors), **base)
                raise
            if dry_run:
                raise _DryRun(result)
            return result
    try:
        result = database.in_transaction(database_name, run)
    except _DryRun as rolled_back:
        result = rolled_back.summary
    return dict(result, **base)
