# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
from trytond.model import fields
from trytond.pool import PoolMeta

COOP_FORMS = [
    (None, ""),
    ('scop', "SCOP (Workers' Cooperative)"),
    ('scic', "SCIC (Multi-Stakeholder Cooperative)"),
    ]


class Company(metaclass=PoolMeta):
    __name__ = 'company.company'
    coop_form = fields.Selection(
        COOP_FORMS, "Cooperative Form",
        help="The law whose limits the register of members checks.")
