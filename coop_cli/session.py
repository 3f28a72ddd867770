# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"What month-end commands share: the company to work for, as the admin user"
import contextlib

from .errors import CoopError


def find_company(name_or_id):
    "The company named (or of that id); the only one when None"
    from trytond.pool import Pool
    Company = Pool().get('company.company')
    if name_or_id is None:
        companies = Company.search([])
        if len(companies) != 1:
            raise CoopError(
                f"the database has {len(companies)} companies: "
                "choose one with --company")
        return companies[0]
    domain = [('party.name', '=', name_or_id)]
    if str(name_or_id).isdigit():
        domain = ['OR', domain, ('id', '=', int(name_or_id))]
    companies = Company.search(domain)
    if len(companies) != 1:
        raise CoopError(f"no company {name_or_id!r}")
    return companies[0]


@contextlib.contextmanager
def as_admin(company=None):
    """Work as the admin user for the company (see find_company), in the
    admin's language; Tryton's user errors come out as CoopError"""
    from trytond.exceptions import UserError, UserWarning
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    User = Pool().get('res.user')
    admin, = User.search([('login', '=', 'admin')])
    company_record = find_company(company)
    with Transaction().set_user(admin.id), \
            Transaction().set_context(
                company=company_record.id,
                language=admin.language.code if admin.language else None):
        try:
            yield company_record
        except (UserError, UserWarning) as error:
            raise CoopError(error.message)
