# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

# Models whose record rules keep employees to their own records
EMPLOYEE_RULE_MODELS = {
    'coop.payroll.absence',
    'coop.payroll.contract',
    'coop.payroll.payslip',
    'coop.payroll.payslip.line',
    }
# Models whose record rules name parties: a user's own (her employees'
# and her companies') and the companies' (which only the administrator
# rewrites)
PARTY_RULE_MODELS = {
    'party.party',
    'party.address',
    'party.contact_mechanism',
    'party.identifier',
    }
# Models whose record rules name a user's own parties and employees as
# resources
RESOURCE_RULE_MODELS = {
    'ir.attachment',
    'ir.note',
    }


def party_rule_values():
    """(the parties of the user's employees and companies, the parties of
    every company), sorted tuples: one query"""
    pool = Pool()
    User = pool.get('res.user')
    Employee = pool.get('company.employee')
    Company = pool.get('company.company')
    employee = Employee.__table__()
    company = Company.__table__()
    employees = list(User.get_employees()) or [-1]
    companies = list(User.get_companies()) or [-1]
    cursor = Transaction().connection.cursor()
    cursor.execute(*(
            employee.select(employee.party, where=employee.id.in_(employees))
            | company.select(company.party,
                where=company.id.in_(companies))))
    own = tuple(sorted(p for p, in cursor))
    cursor.execute(*company.select(company.party))
    companies = tuple(sorted(p for p, in cursor))
    return own, companies


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def _get_context(cls, model_name):
        pool = Pool()
        User = pool.get('res.user')
        context = super()._get_context(model_name)
        if model_name in EMPLOYEE_RULE_MODELS:
            context['employees'] = User.get_employees()
        if model_name in PARTY_RULE_MODELS:
            context['own_parties'], context['company_parties'] = (
                party_rule_values())
        if model_name in RESOURCE_RULE_MODELS:
            own_parties, _ = party_rule_values()
            context['own_resources'] = (
                [f'party.party,{p}' for p in own_parties]
                + [f'company.employee,{e}' for e in User.get_employees()])
        return context

    @classmethod
    def _get_cache_key(cls, model_names):
        pool = Pool()
        User = pool.get('res.user')
        key = super()._get_cache_key(model_names)
        if model_names & EMPLOYEE_RULE_MODELS:
            key = (*key, User.get_employees())
        if model_names & PARTY_RULE_MODELS:
            key = (*key, *party_rule_values())
        if model_names & RESOURCE_RULE_MODELS:
            key = (*key, party_rule_values()[0], User.get_employees())
        return key
