# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
from trytond.pool import PoolMeta


class Rule(metaclass=PoolMeta):
    __name__ = 'coop.payroll.rule'

    @classmethod
    def base_names(cls):
        return {
            **super().base_names(),
            'headcount': "the company's headcount",
            'health_employer': "the employer's share of the complementary "
            "health and provident cover (in the CSG/CRDS base)",
            }
