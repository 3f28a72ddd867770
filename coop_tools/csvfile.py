# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Reading the CSV files that coops bring (spreadsheets, exports)

What makes a file unreadable as a whole is the same for every import: it
is not UTF-8, it is empty, its columns are not separated by commas, the
CSV itself is broken. Each import says it in its own words.
"""
import csv
import io

BOM = b'\xef\xbb\xbf'  # what spreadsheets write first in UTF-8
# Another delimiter than commas, as the import messages name it
DELIMITERS = {';': 'semicolons', '\t': 'tabs'}


class CSVError(Exception):
    """The file cannot be read: reason is 'encoding' (values: byte, its
    hex), 'empty', 'delimiter' (values: delimiter, one of DELIMITERS) or
    'csv' (values: error)"""

    def __init__(self, line, reason, **values):
        super().__init__(line, reason, values)
        self.line = line
        self.reason = reason
        self.values = values


def read(data):
    """Decode and open comma-separated UTF-8 bytes; return the header's
    cells and the rows as an iterator of (line, cells) without the blank
    lines (the header is line 1). Raise CSVError, also while iterating."""
    if data.startswith(BOM):
        data = data[len(BOM):]
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as error:
        raise CSVError(data.count(b'\n', 0, error.start) + 1, 'encoding',
            byte=data[error.start:error.start + 1].hex())
    if not text.strip():
        raise CSVError(1, 'empty')
    header_line = text.splitlines()[0]
    for delimiter in DELIMITERS:
        if header_line.count(delimiter) > header_line.count(','):
            raise CSVError(1, 'delimiter', delimiter=delimiter)
    reader = csv.reader(io.StringIO(text, newline=''))
    try:
        header = next(reader)
    except csv.Error as error:
        raise CSVError(1, 'csv', error=str(error))
    return header, _rows(reader)


def _rows(reader):
    last = reader.line_num
    try:
        for cells in reader:
            line, last = last + 1, reader.line_num
            if any(c.strip() for c in cells):
                yield line, cells
    except csv.Error as error:
        raise CSVError(reader.line_num, 'csv', error=str(error))
