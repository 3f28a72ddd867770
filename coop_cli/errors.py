# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.


class CoopError(Exception):
    "An error the operator can fix; printed as one line, never a traceback"
    exit_code = 2


class DatabaseUnreachable(CoopError):
    "The database server does not answer: it may be starting, try again"
    exit_code = 3
