# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.


class CoopError(Exception):
    "An error the operator can fix; printed as one line, never a traceback"
