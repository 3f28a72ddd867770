# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""A French coop invoicing stores: its legal identity, a chart with the
VAT of services sold and of purchases, 2026's fiscal year, two stores (one
without SIREN), a supplier"""
import datetime as dt
from decimal import Decimal

from trytond.modules.account.tests import create_chart, get_fiscalyear
from trytond.modules.account_invoice.tests import set_invoice_sequences
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool

from coop_tools.testing import lock_tables

# Real numbers that pass their check digits (SIRENE's examples)
COOP_SIREN, COOP_SIRET = '732829320', '73282932000074'
COOP_VAT = 'FR44732829320'
STORE_SIREN, STORE_VAT = '552100554', 'FR96552100554'
SUPPLIER_SIREN, SUPPLIER_VAT = '542065479', 'FR82542065479'
MARCH = dt.date(2026, 3, 31)


def address(street, postal_code, city):
    Country = Pool().get('country.country')
    france, = Country.search([('code', '=', 'FR')]) or Country.create([{
                'name': "France", 'code': 'FR', 'code3': 'FRA',
                'code_numeric': '250'}])
    return {'street': street, 'postal_code': postal_code, 'city': city,
        'country': france.id}


def setup_coop(cash_basis=True, lock=True):
    """The coop (required to issue e-invoices from 2026) and its books; a
    dict of what the tests use. cash_basis: services' VAT on receipts
    (account_tax_cash), else the coop opted for debits"""
    if lock:
        lock_tables()
    pool = Pool()
    Currency = pool.get('currency.currency')
    Party = pool.get('party.party')
    Address = pool.get('party.address')
    Account = pool.get('account.account')
    Tax = pool.get('account.tax')
    TaxGroup = pool.get('account.tax.group')
    FiscalYear = pool.get('account.fiscalyear')
    PaymentTerm = pool.get('account.invoice.payment_term')
    Lang = pool.get('ir.lang')
    Company = pool.get('company.company')
    Configuration = pool.get('account.configuration')
    euro, = Currency.search([('code', '=', 'EUR')]) or Currency.create([{
                'name': "Euro", 'symbol': '€', 'code': 'EUR'}])
    company = create_company("Coop Vélo", currency=euro)
    french, = Lang.search([('code', '=', 'fr')])
    Address.write(list(company.party.addresses), address(
            "12 rue des Rayons", '69001', "Lyon"))
    Party.write([company.party], {
            'identifiers': [('create', [
                        {'type': 'fr_siren', 'code': COOP_SIREN},
                        {'type': 'fr_siret', 'code': COOP_SIRET,
                            'address': company.party.addresses[0].id},
                        {'type': 'eu_vat', 'code': COOP_VAT},
                        ])],
            })
    Company.write([company], {
            'legal_form': "SCOP SARL à capital variable",
            'share_capital': Decimal('15000'),
            'ape_code': '53.20Z',
            'einvoice_issuing_date': dt.date(2026, 1, 1),
            })
    with set_company(company):
        create_chart(company, tax=True)
        sale_group, purchase_group = TaxGroup.create([{
                    'name': "TVA vente de services", 'code': 'TVA-S',
                    'kind': 'sale'}, {
                    'name': "TVA achats", 'code': 'TVA-A',
                    'kind': 'purchase'}])
        sale_tax, = Tax.search([('company', '=', company.id)])
        Tax.write([sale_tax], {'group': sale_group.id,
                'description': "TVA 20 %"})
        purchase_tax, = Tax.copy([sale_tax], {
                'name': "TVA déductible 20 %", 'description': "TVA déd. 20 %",
                'group': purchase_group.id})
        fiscal_year = set_invoice_sequences(get_fiscalyear(
                company, today=MARCH))
        if cash_basis:
            fiscal_year.tax_group_on_cash_basis = [sale_group]
        fiscal_year.save()
        FiscalYear.create_period([fiscal_year])
        revenue, = Account.search([
                ('type.revenue', '=', True), ('closed', '!=', True),
                ('company', '=', company.id)],
            limit=1)
        expense, = Account.search([
                ('type.expense', '=', True), ('closed', '!=', True),
                ('company', '=', company.id)],
            limit=1)
        config = Configuration(1)
        config.default_category_account_expense = expense
        config.save()
        term, = PaymentTerm.create([{
                    'name': "30 jours",
                    'lines': [('create', [{
                                    'type': 'remainder',
                                    'relativedeltas': [('create', [
                                                {'days': 30}])],
                                    }])],
                    }])
        store, no_siren, supplier = Party.create([{
                    'name': "Le Vélo Gourmand", 'lang': french.id,
                    'addresses': [('create', [address(
                                    "3 place des Terreaux", '69001', "Lyon")])],
                    'identifiers': [('create', [
                                {'type': 'fr_siren', 'code': STORE_SIREN},
                                {'type': 'eu_vat', 'code': STORE_VAT}])],
                    }, {
                    'name': "Épicerie Sans Numéro", 'lang': french.id,
                    'addresses': [('create', [address(
                                    "8 rue Mercière", '69002', "Lyon")])],
                    }, {
                    'name': "Cycles Fournitures",
                    'addresses': [('create', [address(
                                    "40 avenue Jean Jaurès", '69007', "Lyon")])],
                    'identifiers': [('create', [
                                {'type': 'fr_siren', 'code': SUPPLIER_SIREN},
                                {'type': 'eu_vat', 'code': SUPPLIER_VAT}])],
                    }])
    return {
        'company': company, 'fiscal_year': fiscal_year, 'revenue': revenue,
        'expense': expense, 'sale_tax': sale_tax,
        'purchase_tax': purchase_tax, 'term': term, 'store': store,
        'no_siren': no_siren, 'supplier': supplier,
        }


def create_invoice(data, party=None, lines=None, date=MARCH, type='out'):
    """A draft invoice of the coop; lines (description, quantity, unit
    price) at 20 % VAT"""
    pool = Pool()
    Invoice = pool.get('account.invoice')
    Journal = pool.get('account.journal')
    party = party or data['store']
    journal, = Journal.search([
            ('type', '=', 'revenue' if type == 'out' else 'expense')],
        limit=1)
    lines = lines or [("Livraisons du mois", 10, Decimal('6.00')),
        ("Livraisons cargo", 3, Decimal('12.50'))]
    account = data['revenue'] if type == 'out' else data['expense']
    tax = data['sale_tax'] if type == 'out' else data['purchase_tax']
    invoice, = Invoice.create([{
                'type': type,
                'company': data['company'].id,
                'party': party.id,
                'invoice_address': party.addresses[0].id,
                'account': (party.account_receivable_used if type == 'out'
                    else party.account_payable_used).id,
                'currency': data['company'].currency.id,
                'journal': journal.id,
                'invoice_date': date,
                'payment_term': data['term'].id,
                'lines': [('create', [{
                                'type': 'line',
                                'description': description,
                                'quantity': quantity,
                                'unit_price': price,
                                'account': account.id,
                                'taxes': [('add', [tax.id])],
                                } for description, quantity, price in lines])],
                }])
    Invoice.update_taxes([invoice])
    return Invoice(invoice.id)
