# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""`coop dsn`: the month's DSN of an establishment, built from the confirmed
payslips, checked and stored as the declaration's file (docs/dsn.md)"""
from .errors import CoopError
from .session import as_admin


def declare(database_name, start, company=None, siret=None, check=False,
        test=False):
    """Build and check the month's declaration of the establishment
    (the company's SIRET by default) and store it, unless check says to
    store nothing. A month already filed gets a declaration that cancels
    and replaces the last one filed. Return a summary."""
    from . import database
    if not database.exists(database_name):
        raise CoopError(f"no database {database_name!r}")

    def run():
        with as_admin(company) as company_record:
            return declare_month(company_record, start, siret, check, test)
    return database.in_transaction(database_name, run)


def declare_month(company, start, siret=None, check=False, test=False):
    "declare's work in the current transaction, for the company's record"
    from trytond.pool import Pool
    Declaration = Pool().get('coop.dsn.declaration')
    declaration = Declaration.month_declaration(
        company, start, siret, test, save=not check)
    if check:
        from coop_dsn.norm import Checker
        text, values = declaration.build()
        failures = Checker(text).check()
        if failures:
            raise CoopError('\n'.join(
                    Declaration.failure_text(declaration, f)
                    for f in failures))
        return summary(declaration, text, values, stored=False)
    if declaration.state == 'checked':
        Declaration.draft([declaration])
    Declaration.check([declaration])
    declaration = Declaration(declaration.id)
    return summary(declaration, declaration.text, {}, stored=True)


def summary(declaration, text, values, stored):
    """Amounts as strings: JSON has no decimals; values are the built
    file's figures when the declaration is not stored"""
    if stored:
        values = {name: getattr(declaration, name) for name in [
                'employee_count', 'urssaf_total', 'income_tax_total']}
    return {
        'declaration': declaration.id,
        'company': declaration.company.rec_name,
        'siret': declaration.siret,
        'month': declaration.month.strftime('%Y-%m'),
        'kind': declaration.kind,
        'test': bool(declaration.test),
        'state': declaration.state,
        'stored': stored,
        'file': declaration.file_name if stored else None,
        'rubriques': len(text.splitlines()),
        'employees': values['employee_count'],
        'urssaf_total': str(values['urssaf_total']),
        'income_tax_total': str(values['income_tax_total']),
        }
