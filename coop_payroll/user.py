# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""A user's preferences choose only among their own employees and companies

The payslips, contracts and timesheet lines a user reads are those of their
current employee (company's get_employees): choosing someone else's in the
preferences would open that person's pay."""
from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access


class PreferenceError(AccessError):
    pass


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def set_preferences(cls, values):
        cls.check_own_preferences(Transaction().user, values)
        super().set_preferences(values)

    @classmethod
    def check_own_preferences(cls, user_id, values):
        "Refuse an employee or company that is not the user's"
        pool = Pool()
        UserEmployee = pool.get('res.user-company.employee')
        UserCompany = pool.get('res.user-company.company')
        with without_check_access():
            for field, Relation, target in [
                    ('employee', UserEmployee, 'employee'),
                    ('company', UserCompany, 'company'),
                    ]:
                value = values.get(field)
                if value is None:
                    continue
                own = {getattr(r, target).id for r in Relation.search([
                            ('user', '=', user_id)])}
                if value not in own:
                    raise PreferenceError(gettext(
                            'coop_payroll.msg_preference_not_own',
                            field=cls.__names__(field)['field']))
