# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
from trytond.pool import Pool, PoolMeta

# Models whose record rules keep employees to their own records
EMPLOYEE_RULE_MODELS = {
    'coop.payroll.contract',
    'coop.payroll.payslip',
    'coop.payroll.payslip.line',
    }


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def _get_context(cls, model_name):
        pool = Pool()
        User = pool.get('res.user')
        context = super()._get_context(model_name)
        if model_name in EMPLOYEE_RULE_MODELS:
            context['employees'] = User.get_employees()
        return context

    @classmethod
    def _get_cache_key(cls, model_names):
        pool = Pool()
        User = pool.get('res.user')
        key = super()._get_cache_key(model_names)
        if model_names & EMPLOYEE_RULE_MODELS:
            key = (*key, User.get_employees())
        return key
