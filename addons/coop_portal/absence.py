# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Paid leave requested by a rider in the portal: an absence of
coop_payroll in the requested state, which the payroll manager approves
or refuses in the back office (Payroll > Absences, Requested)"""
from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta

from .exceptions import LeaveRequestError

# A rider's requests waiting for an answer at once: more is abuse
MAX_PENDING = 5


class Absence(metaclass=PoolMeta):
    __name__ = 'coop.payroll.absence'

    @classmethod
    def portal_request(cls, employees, start, end, start_afternoon=False,
            end_morning=False, description=None):
        """Request paid leave from start to end for the rider whose
        employee records are employees (the one whose contract covers
        start); checked as any absence is, and refused in the past or
        beyond MAX_PENDING requests waiting"""
        pool = Pool()
        Date = pool.get('ir.date')
        Contract = pool.get('coop.payroll.contract')
        if start is None or end is None:
            raise LeaveRequestError(gettext('coop_portal.msg_leave_dates'))
        if end < start:
            raise LeaveRequestError(gettext(
                    'coop_portal.msg_leave_end_before_start'))
        if start < Date.today():
            raise LeaveRequestError(gettext('coop_portal.msg_leave_past'))
        employee_ids = [e.id for e in employees]
        if cls.search_count([
                    ('employee', 'in', employee_ids),
                    ('state', '=', 'requested'),
                    ]) >= MAX_PENDING:
            raise LeaveRequestError(gettext(
                    'coop_portal.msg_leave_too_many', count=MAX_PENDING))
        contracts = Contract.search([
                ('employee', 'in', employee_ids),
                ('start_date', '<=', start),
                ['OR', ('end_date', '=', None), ('end_date', '>=', start)],
                ], limit=1)
        employee = contracts[0].employee if contracts else employees[0]
        absence, = cls.create([{
                    'company': employee.company.id,
                    'employee': employee.id,
                    'kind': 'paid_leave',
                    'start_date': start,
                    'end_date': end,
                    'start_afternoon': bool(start_afternoon),
                    'end_morning': bool(end_morning),
                    'description': (description or '').strip()[:200] or None,
                    }])
        return absence
