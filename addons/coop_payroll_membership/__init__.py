# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Where payroll meets membership: shares paid by payroll deduction, and
the yearly surplus allocation whose workers' share the payroll pays"""
