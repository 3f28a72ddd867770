# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
import datetime as dt

from trytond.model.exceptions import AccessError, DomainValidationError
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction


class CoopDeliveryTestCase(CompanyTestMixin, ModuleTestCase):
    "Test the coop_delivery module"
    module = 'coop_delivery'

    def _create_delivery(self, **values):
        pool = Pool()
        Party = pool.get('party.party')
        Delivery = pool.get('coop.delivery')
        store, = Party.create([{'name': "Le Vélo Gourmand"}])
        values.setdefault('customer', store.id)
        values.setdefault('date', dt.date(2026, 3, 2))
        delivery, = Delivery.create([values])
        return delivery

    @with_transaction()
    def test_delivery_defaults_and_name(self):
        "A new delivery is a draft bike delivery of the user's company"
        company = create_company()
        with set_company(company):
            delivery = self._create_delivery(reference='R-17')
            self.assertEqual(delivery.state, 'draft')
            self.assertEqual(delivery.vehicle, 'bike')
            self.assertEqual(delivery.company, company)
            self.assertEqual(delivery.rec_name, 'R-17 (Le Vélo Gourmand)')
            Delivery = Pool().get('coop.delivery')
            self.assertEqual(
                Delivery.search([('rec_name', 'ilike', '%gourmand%')]),
                [delivery])

    @with_transaction()
    def test_negative_distance_refused(self):
        "A negative distance or weight is refused"
        company = create_company()
        with set_company(company):
            with self.assertRaises(DomainValidationError):
                self._create_delivery(distance=-1)
            with self.assertRaises(DomainValidationError):
                self._create_delivery(weight=-500)

    @with_transaction()
    def test_workflow(self):
        "Confirm, cancel and reset to draft follow the transitions"
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        company = create_company()
        with set_company(company):
            delivery = self._create_delivery(distance=2500, weight=1200)
            Delivery.confirm([delivery])
            self.assertEqual(delivery.state, 'confirmed')
            # Reset to draft is only allowed from cancelled
            Delivery.draft([delivery])
            self.assertEqual(delivery.state, 'confirmed')
            Delivery.cancel([delivery])
            Delivery.draft([delivery])
            self.assertEqual(delivery.state, 'draft')

    @with_transaction()
    def test_delete_confirmed_refused(self):
        "A confirmed delivery cannot be deleted, a cancelled one can"
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        company = create_company()
        with set_company(company):
            delivery = self._create_delivery()
            Delivery.confirm([delivery])
            with self.assertRaises(AccessError):
                Delivery.delete([delivery])
            Delivery.cancel([delivery])
            Delivery.delete([delivery])
            self.assertEqual(Delivery.search([]), [])


del ModuleTestCase
