# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
import datetime as dt

from trytond.exceptions import UserError
from trytond.model.exceptions import (
    AccessError, DomainValidationError, RequiredValidationError)
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from coop_membership.member import MemberValidationError
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


class CoopMembershipTestCase(CompanyTestMixin, ModuleTestCase):
    "Test the coop_membership module"
    module = 'coop_membership'

    def _member(self, name, number, **values):
        pool = Pool()
        Party = pool.get('party.party')
        Member = pool.get('coop.member')
        party, = Party.create([{'name': name}])
        values.update(party=party.id, number=number)
        member, = Member.create([values])
        return member

    @with_transaction()
    def test_member_lifecycle(self):
        "A candidate becomes a member, then a former member"
        pool = Pool()
        Member = pool.get('coop.member')
        company = create_company()
        with set_company(company):
            member = self._member("Awa Diallo", 'M-001')
            self.assertEqual(member.status, 'candidate')
            self.assertEqual(member.rec_name, 'M-001 Awa Diallo')
            Member.write([member], {
                    'status': 'member',
                    'entry_date': dt.date(2025, 6, 1),
                    })
            Member.write([member], {
                    'status': 'former',
                    'exit_date': dt.date(2026, 6, 30),
                    })
            self.assertEqual(
                Member.search([('rec_name', 'ilike', '%diallo%')]), [member])

    @with_transaction()
    def test_status_needs_dates(self):
        "A member needs an entry date and a former member an exit date"
        company = create_company()
        with set_company(company):
            with self.assertRaises(RequiredValidationError):
                self._member("A", 'M-1', status='member')
            with self.assertRaises(RequiredValidationError):
                self._member(
                    "B", 'M-2', status='former',
                    entry_date=dt.date(2025, 1, 1))
            with self.assertRaises(MemberValidationError):
                self._member(
                    "C", 'M-3', status='member',
                    entry_date=dt.date(2025, 1, 1),
                    exit_date=dt.date(2025, 12, 31))
            with self.assertRaises(DomainValidationError):
                self._member(
                    "D", 'M-4', status='former',
                    entry_date=dt.date(2025, 1, 1),
                    exit_date=dt.date(2024, 12, 31))

    @with_transaction()
    def test_number_unique(self):
        "Two members of one company cannot share a number"
        company = create_company()
        with set_company(company):
            self._member("A", 'M-1')
            with self.assertRaises(UserError):
                self._member("B", 'M-1')

    @with_transaction()
    def test_register_reserved_to_membership_admin(self):
        "A user outside the membership administrators cannot read members"
        pool = Pool()
        User = pool.get('res.user')
        Member = pool.get('coop.member')
        company = create_company()
        with set_company(company):
            self._member("A", 'M-1')
            user, = User.create([{
                        'name': "Clerk", 'login': 'clerk',
                        'companies': [('add', [company.id])],
                        'company': company.id,
                        }])
        with Transaction().set_user(user.id), \
                Transaction().set_context(_check_access=True):
            with self.assertRaises(AccessError):
                Member.search([])


del ModuleTestCase
