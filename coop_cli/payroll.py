# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"`coop payroll run`: the month's payslips of every employee under contract"
from decimal import Decimal

from .errors import CoopError
from .session import as_admin

STEPS = ['computed', 'confirmed', 'posted']


def run_month(database_name, start, company=None, payment_date=None,
        until='computed', progress=None):
    """Make the month's batch and compute its payslips; confirm and post
    them too when until says so. Return a summary."""
    from . import database
    if not database.exists(database_name):
        raise CoopError(f"no database {database_name!r}")
    steps = STEPS[:STEPS.index(until) + 1]

    def run():
        from trytond.pool import Pool
        Batch = Pool().get('coop.payroll.batch')
        with as_admin(company) as company_record:
            batch = Batch.run(company_record, start, payment_date)
            if progress:
                progress('computed', len(batch.payslips))
            for step, method in [
                    ('confirmed', Batch.confirm), ('posted', Batch.post)]:
                if step in steps:
                    method([batch])
                    if progress:
                        progress(step, len(batch.payslips))
            return summary(Batch(batch.id))
    return database.in_transaction(database_name, run)


def summary(batch):
    "Amounts as strings: JSON has no decimals"
    payslips = [p for p in batch.payslips if not p.reversal_of]

    def total(name):
        return str(sum((getattr(p, name) for p in payslips), Decimal(0)))
    return {
        'company': batch.company.rec_name,
        'month': batch.start_date.strftime('%Y-%m'),
        'payment_date': batch.payment_date.isoformat(),
        'state': batch.state,
        'payslips': [{
                'number': p.number,
                'employee': p.employee.rec_name,
                'state': p.state,
                'gross': str(p.gross),
                'net_pay': str(p.net_pay),
                'employer_contributions': str(p.employer_contributions),
                } for p in payslips],
        'gross': total('gross'),
        'net_pay': total('net_pay'),
        'employer_contributions': total('employer_contributions'),
        }
