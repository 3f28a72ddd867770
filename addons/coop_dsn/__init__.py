# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The monthly social declaration (DSN) of an establishment, built from the
confirmed payslips in the NEODeS text format, checked locally before it is
filed (docs/dsn.md)"""
