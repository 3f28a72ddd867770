# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
from trytond.model import fields
from trytond.pool import PoolMeta

from coop_tools.model import account_field


class Configuration(metaclass=PoolMeta):
    __name__ = 'coop.payroll.configuration'

    headcount = fields.Integer(
        "Headcount",
        domain=['OR', ('headcount', '=', None), ('headcount', '>=', 0)],
        help="The company's headcount (effectif) for the thresholds of 11 "
        "and 50 employees: FNAL, vocational training, mobility levy, RGDU.")
    atmp_rate = fields.Numeric(
        "AT/MP Rate (%)", digits=(16, 4),
        help="The work-accident rate URSSAF notified to the company; empty "
        "for the parameter ATMP_PAT.")
    mobility_rate = fields.Numeric(
        "Mobility Levy Rate (%)", digits=(16, 4),
        help="The local rate of the mobility levy (versement mobilité), due "
        "from 11 employees; empty for the parameter MOBILITE_PAT.")
    income_tax_account = account_field(
        "Income Tax Withheld",
        "The tax at source withheld, owed to the tax office (4421 "
        "Prélèvements à la source).")

    @classmethod
    def french_accounts(cls):
        return {
            **super().french_accounts(),
            'income_tax_account': ('4421', None),
            }
