# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""What the DSN needs beside the payslips: the establishment's settings in
the payroll configuration, the contract's number, the employee's civil
status and the insurer's code of a health or provident cover"""
from trytond.model import ModelSQL, fields
from trytond.pool import Pool, PoolMeta

from coop_payroll.configuration import ConfigurationError
from coop_tools.settings import CompanySettingsValue

dsn_naf = fields.Char(
    "NAF Code", size=5,
    help="The establishment's activity code (APE/NAF, e.g. 5320Z).")
dsn_urssaf = fields.Char(
    "URSSAF Identifier", size=14,
    help="The SIRET of the URSSAF that collects the establishment's "
    "contributions, as the DSN names it.")
dsn_retirement_body = fields.Char(
    "Agirc-Arrco Institution", size=14,
    help="The code of the complementary pension institution.")
dsn_idcc = fields.Char(
    "Collective Agreement (IDCC)", size=4,
    help="9999 when no agreement applies.")
dsn_atmp_code = fields.Char(
    "Work Accident Risk Code", size=6,
    help="The risk code URSSAF notified with the AT/MP rate.")
dsn_contact_name = fields.Char("DSN Contact")
dsn_contact_email = fields.Char("DSN Contact E-mail")
dsn_contact_phone = fields.Char("DSN Contact Phone")
# Each coop's own: a row per company of coop.payroll.configuration.dsn
DSN_SETTINGS = [
    'dsn_naf',
    'dsn_urssaf',
    'dsn_retirement_body',
    'dsn_idcc',
    'dsn_atmp_code',
    'dsn_contact_name',
    'dsn_contact_email',
    'dsn_contact_phone',
    ]


class Configuration(metaclass=PoolMeta):
    __name__ = 'coop.payroll.configuration'

    dsn_naf = fields.MultiValue(dsn_naf)
    dsn_urssaf = fields.MultiValue(dsn_urssaf)
    dsn_retirement_body = fields.MultiValue(dsn_retirement_body)
    dsn_idcc = fields.MultiValue(dsn_idcc)
    dsn_atmp_code = fields.MultiValue(dsn_atmp_code)
    dsn_contact_name = fields.MultiValue(dsn_contact_name)
    dsn_contact_email = fields.MultiValue(dsn_contact_email)
    dsn_contact_phone = fields.MultiValue(dsn_contact_phone)

    @classmethod
    def multivalue_model(cls, field):
        if field in DSN_SETTINGS:
            return Pool().get('coop.payroll.configuration.dsn')
        return super().multivalue_model(field)


class Contract(metaclass=PoolMeta):
    __name__ = 'coop.payroll.contract'

    dsn_number = fields.Char(
        "Contract Number", size=20,
        help="The contract's number in the DSN: it never changes.")
    dsn_reason = fields.Char(
        "Reason for a Fixed Term", size=2,
        help="The code of the reason for a fixed-term contract (motif de "
        "recours) in the DSN.")


class Employee(metaclass=PoolMeta):
    __name__ = 'company.employee'

    last_name = fields.Char("Family Name")
    first_names = fields.Char("First Names")
    # Read by the payroll only (dsn.xml): lazy, so that whoever reads an
    # employee whole (proteus reads every eager field) does not ask for them
    birth_date = fields.Date("Birth Date", loading='lazy')
    birth_place = fields.Char("Birth Place", loading='lazy')


class HealthCover(metaclass=PoolMeta):
    __name__ = 'coop.payroll.health_cover'

    insurer_code = fields.Char(
        "Insurer Code", size=9,
        help="The insurer's code (code organisme) in the DSN.")


class ConfigurationDsn(CompanySettingsValue, ModelSQL):
    "A coop establishment's DSN settings"
    __name__ = 'coop.payroll.configuration.dsn'
    __string__ = "Payroll Configuration DSN"
    _configuration = 'coop.payroll.configuration'
    _other_company_message = 'coop_payroll.msg_configuration_other_company'
    _other_company_error = ConfigurationError

    dsn_naf = dsn_naf
    dsn_urssaf = dsn_urssaf
    dsn_retirement_body = dsn_retirement_body
    dsn_idcc = dsn_idcc
    dsn_atmp_code = dsn_atmp_code
    dsn_contact_name = dsn_contact_name
    dsn_contact_email = dsn_contact_email
    dsn_contact_phone = dsn_contact_phone
