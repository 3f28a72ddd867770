# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""French payroll legislation for the coop_payroll engine: the dated
parameters and rules of 2026, the general degressive reduction (RGDU), the
overtime relief, income tax at source (PAS) and complementary health cover"""
