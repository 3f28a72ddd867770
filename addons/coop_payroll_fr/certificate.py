# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The work certificate a departing employee receives (certificat de
travail, Code du travail L1234-19 and D1234-6): the dates of entry and
exit, the jobs held and their periods, and the free continuation of the
health and provident covers (portabilité, Code de la sécurité sociale
L911-8: as long as the last contract, in whole months, at most 12)."""
import datetime as dt

from trytond.i18n import gettext
from trytond.pool import Pool

from coop_tools.report import CompanyReport

from .exceptions import CertificateError

# L911-8: the covers continue for the last contract's length, at most
PORTABILITY_MAX_MONTHS = 12


def whole_months(start, end):
    """The months from start to end (both days worked), a month begun
    counting whole: 1 January to 17 April is 3 months and 17 days, so 4"""
    day_after = end + dt.timedelta(days=1)
    months = (day_after.year - start.year) * 12 + (
        day_after.month - start.month)
    if day_after.day > start.day:
        # Days past the last whole month: the month begun
        months += 1
    return months


class WorkCertificateReport(CompanyReport):
    "Work certificate: a departing employee's dates, jobs and covers"
    __name__ = 'coop.payroll.work_certificate'

    @classmethod
    def get_context(cls, records, header, data):
        for contract in records:
            cls.check_ended(contract)
        context = super().get_context(records, header, data)
        context['jobs'] = cls.jobs
        context['portability_months'] = cls.portability_months
        context['covers'] = cls.covers
        return context

    @classmethod
    def check_ended(cls, contract):
        if not contract.end_date:
            raise CertificateError(gettext(
                    'coop_payroll_fr.msg_certificate_contract_open',
                    contract=contract.rec_name))

    @classmethod
    def jobs(cls, contract):
        """The employee's contracts with the company up to this one, in
        order: the jobs successively held and their periods"""
        Contract = Pool().get('coop.payroll.contract')
        return Contract.search([
                ('employee', '=', contract.employee.id),
                ('company', '=', contract.company.id),
                ('start_date', '<=', contract.start_date),
                ], order=[('start_date', 'ASC')])

    @classmethod
    def portability_months(cls, contract):
        return min(whole_months(contract.start_date, contract.end_date),
            PORTABILITY_MAX_MONTHS)

    @classmethod
    def covers(cls, contract):
        "The health and provident covers in force on the last day"
        Cover = Pool().get('coop.payroll.health_cover')
        return Cover.search([
                ('company', '=', contract.company.id),
                ('start_date', '<=', contract.end_date),
                ['OR', ('end_date', '=', None),
                    ('end_date', '>=', contract.end_date)],
                ], order=[('name', 'ASC')])
