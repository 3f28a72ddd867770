# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""`coop import coopcycle`: CoopCycle's exports, from the command line

The work is the coop_coopcycle module's (the same as its upload wizard's):
the file is checked whole, then written in one transaction; here it runs as
the admin user and its messages come out in the admin's language.
"""
import datetime as dt
import os

from .errors import CoopError

KINDS = ['tasks', 'deliveries', 'payroll']
STEPS = ['check', 'stores', 'deliveries', 'tours', 'tasks', 'hours']

FORMAT = """\
The file is one of CoopCycle's exports, recognised from its header:

  tasks       the task export (a row per task: #, # order, orderCode,
              orderTotal, type, address.*, afterDay/afterTime,
              beforeDay/beforeTime, status, traveled_distance_meter,
              comments, event.DONE.notes, event.FAILED.notes,
              finishedAtDay/finishedAtTime, courier, organization); tasks of
              one order are one delivery
  deliveries  the delivery spreadsheet (a row per delivery: organization,
              pickup.address, pickup.after, dropoff.address, dropoff.before,
              weight in kg, distance in m, order.number, order.total,
              packages as type=quantity, courier)
  payroll     the payroll export (a row per courier: username, name,
              planned_hours, worked_hours, overtime_hours, holiday_days);
              give its month with --month

Days are d/m/Y. Couriers are matched to employees by their CoopCycle
username, organizations to parties by their CoopCycle organization or name
(a new one becomes a party). Prices are CoopCycle's order totals, taxes
included: the delivery product's taxes are taken off. Importing the same
file again, or a newer export that overlaps, updates and never duplicates.
Every bad row is reported as FILE:LINE: reason, and nothing is written.
"""


class CoopCycleImportError(CoopError):
    "The file was refused: every error, with its line"
    exit_code = 1

    def __init__(self, errors, summary):
        self.errors = errors
        self.summary = summary
        count = len(errors)
        super().__init__(
            f"{count} error{'s' if count > 1 else ''}: nothing was imported")


def parse_month(text):
    try:
        return dt.datetime.strptime(text, '%Y-%m').date()
    except ValueError:
        raise CoopError(f"--month {text!r} is not a month written YYYY-MM")


def import_file(database_name, path, company=None, kind=None, month=None,
        dry_run=False, progress=None):
    """Import the CoopCycle export at path into the company as the admin
    user, in one transaction; return the summary (a dict). A refused file
    raises CoopCycleImportError, with every error."""
    from . import database
    from .session import as_admin
    try:
        with open(path, 'rb') as file:
            data = file.read()
    except OSError as exception:
        raise CoopError(f"cannot read {path}: {exception.strerror}")
    if not database.exists(database_name):
        raise CoopError(f"no database {database_name!r}")
    base = {'file': path, 'database': database_name, 'dry_run': dry_run}

    def run():
        from coop_coopcycle.coopcycle import import_data
        from coop_coopcycle.loader import ImportRefused, message
        with as_admin(company) as company_record:
            try:
                summary = import_data(company_record, data, kind, month,
                    dry_run=dry_run, progress=progress)
            except ImportRefused as refused:
                errors = [{'line': e.line, 'error': message(e)}
                    for e in refused.errors]
                raise CoopCycleImportError(errors, dict(base,
                        company=company_record.rec_name, errors=errors))
            return dict(summary.as_dict(), company=company_record.rec_name,
                source=os.path.basename(path), **base)
    return database.in_transaction(database_name, run)
