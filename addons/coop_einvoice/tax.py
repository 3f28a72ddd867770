# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
from trytond import backend
from trytond.pool import PoolMeta
from trytond.tools import grouped_slice

# On SQLite, Tryton checks account_tax_cash's partial exclusion constraint
# with one nested OR per record written, and SQLite's parser gives up past
# about 85 (posting a month-end invoice of a hundred lines on cash basis
# failed with "parser stack overflow")
SQLITE_VALIDATE_SLICE = 50


class TaxLine(metaclass=PoolMeta):
    __name__ = 'account.tax.line'

    @classmethod
    def validate(cls, lines):
        if backend.name != 'sqlite':
            return super().validate(lines)
        for sub_lines in grouped_slice(lines, SQLITE_VALIDATE_SLICE):
            super().validate(list(sub_lines))
