# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Writing many rows at once

Month-end work (invoice lines, payslip lines) creates tens of thousands of
records whose values Tryton's own code has computed; ModelSQL.create would
check each one again, at a cost that grows faster than their number.
"""
import datetime as dt
from decimal import Decimal
from itertools import groupby

from sql.functions import CurrentTimestamp

from trytond.transaction import Transaction

# Set by insert() itself
LOG_COLUMNS = {'id', 'create_uid', 'create_date', 'write_uid', 'write_date'}


# Values of these Python types are already what the field's sql_format
# would give (None included): passed as they are, a month's rows are sent
# without millions of calls. Strings go through when there is nothing to
# strip, datetimes when they have no microseconds (both as Tryton writes).
_NATIVE = {
    'integer': (int,), 'many2one': (int,), 'float': (float, int),
    'numeric': (Decimal,), 'boolean': (bool,), 'date': (dt.date,),
    'timedelta': (dt.timedelta,), 'char': (str,), 'text': (str,),
    'selection': (str,), 'datetime': (dt.datetime,),
    'timestamp': (dt.datetime,),
    }


def formatter(field):
    "field.sql_format, with values already in their SQL form passed through"
    sql_format = field.sql_format
    types = _NATIVE.get(field._type)
    if types is None:
        return sql_format

    def format_(value):
        if value is None:
            return None
        if type(value) in types:
            if isinstance(value, str):
                if not (value[:1].isspace() or value[-1:].isspace()):
                    return value
            elif isinstance(value, dt.datetime):
                if not value.microsecond:
                    return value
            else:
                return value
        return sql_format(value)
    return format_


def insert(Model, rows, common=None):
    """Insert rows (dicts of the same keys, plus the values common to all)
    into Model's table as ModelSQL.create does, without its per-record
    checks: the caller has computed the values with Tryton's own methods.
    Return the new ids, in the order of rows."""
    if not rows:
        return []
    transaction = Transaction()
    database = transaction.database
    cursor = transaction.connection.cursor()
    table = Model.__table__()
    common = common or {}
    names = list(rows[0])
    formats = [formatter(Model._fields[name]) for name in names]
    head = [Model._fields[n].sql_format(v) for n, v in common.items()]
    columns = [getattr(table, name) for name in [*common, *names]] + [
        table.create_uid, table.create_date]

    def params(row):
        return head + [fmt(row[name]) for name, fmt in zip(names, formats)] + [
            transaction.user]

    def statement(columns, first, *extra):
        "The statement of one row, to send with each row's parameters"
        query, _ = tuple(table.insert(
                columns, [first + [CurrentTimestamp(), *extra]]))
        return query

    new_ids = database.nextid(
        transaction.connection, Model._table, count=len(rows))
    if new_ids is not None:  # PostgreSQL: ids first, rows in a pipeline
        if len(rows) == 1:  # nextid gives the id itself for one
            new_ids = [new_ids]
        query = statement(
            columns + [table.id], params(rows[0]), new_ids[0])
        cursor.executemany(query, [params(row) + [id_]
                for row, id_ in zip(rows, new_ids)])
        return new_ids
    # SQLite: one by one, for the ids; it is local and fast
    query = statement(columns, params(rows[0]))
    ids = []
    for row in rows:
        cursor.execute(query, params(row))
        ids.append(database.lastid(cursor))
    return ids


def stored_values(Model, record):
    "The columns Model.create would write for record, defaults included"
    values = Model.default_get(list(Model._fields), with_rec_name=False)
    values.update(record._save_values())
    return {name: value for name, value in values.items()
        if name not in LOG_COLUMNS
        and not hasattr(Model._fields[name], 'set')}


def update(Model, values_by_id):
    """Write values (a dict per id) in SQL, then forget the cached records;
    the rows that set the same columns are sent as one prepared statement"""
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    table = Model.__table__()

    def columns(item):
        return sorted(item[1])
    for names, items in groupby(
            sorted(values_by_id.items(), key=columns), key=columns):
        formats = [formatter(Model._fields[n]) for n in names]
        query, _ = tuple(table.update(
                [getattr(table, n) for n in names]
                + [table.write_uid, table.write_date],
                [None] * len(names) + [transaction.user, CurrentTimestamp()],
                where=table.id == 0))
        cursor.executemany(query, [
                [fmt(values[n]) for n, fmt in zip(names, formats)]
                + [transaction.user, id_] for id_, values in items])
    forget(Model, list(values_by_id))


def forget(Model, ids):
    "Drop what the transaction cached of records updated in SQL"
    transaction = Transaction()
    transaction.counter += 1
    for cache in transaction.cache.values():
        if Model.__name__ in cache:
            for id_ in ids:
                cache[Model.__name__].pop(id_, None)
