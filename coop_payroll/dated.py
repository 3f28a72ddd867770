# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"Records valid from a start date to an optional end date"
import datetime as dt

from sql.conditionals import Coalesce

from trytond import backend
from trytond.model import fields
from trytond.tools import grouped_slice
from trytond.transaction import Transaction


def find_overlap(Model, records, key):
    """A (record, other) pair of Model sharing the column key whose
    start_date–end_date spans overlap, one of them in records; or None"""
    cursor = Transaction().connection.cursor()
    table = Model.__table__()
    other = Model.__table__()
    far_future = dt.date.max
    for sub_ids in grouped_slice(
            [r.id for r in records], backend.MAX_QUERY_PARAMS):
        cursor.execute(*table.join(other, condition=(
                    (getattr(table, key) == getattr(other, key))
                    & (table.id != other.id)
                    & (other.start_date <= Coalesce(
                            table.end_date, far_future))
                    & (table.start_date <= Coalesce(
                            other.end_date, far_future))
                    )).select(
                table.id, other.id,
                where=fields.SQL_OPERATORS['in'](table.id, sub_ids),
                limit=1))
        overlap = cursor.fetchone()
        if overlap:
            return Model.browse(overlap)
