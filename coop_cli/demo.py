# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""A fictional bike-delivery coop, built through the modules' own models.

Everything here goes through Tryton's ORM, so that the demo exercises the
same validation and access rules as a real coop's back office.
"""
import datetime as dt
from decimal import Decimal

DEMO_DATABASE = 'demo'
DEMO_PASSWORD = 'coopdemo'
COMPANY_NAME = "Roue Libre SCOP"

STORES = [
    ("Le Vélo Gourmand", "14 rue Mercière", "69002"),
    ("Épicerie du Plateau", "3 place de la Croix-Rousse", "69004"),
    ("Boulangerie Saint-Jean", "27 rue Saint-Jean", "69005"),
    ("Pharmacie des Brotteaux", "80 boulevard des Belges", "69006"),
    ("Sushi Guillotière", "5 grande rue de la Guillotière", "69007"),
    ]
# name, weekly hours, hourly wage
RIDERS = [
    ("Awa Diallo", 35, '12.02'),
    ("Léo Martin", 35, '12.50'),
    ("Inès Benali", 24, '12.02'),
    ("Tom Rousseau", 35, '13.10'),
    ("Yuki Tanaka", 28, '12.02'),
    ("Hugo Lefèvre", 35, '12.02'),
    ]
SUPPORTERS = ["Association Vélo Cité", "Marie Dupont"]
# login, name, what they see, groups (module, xml id), rider they are
USERS = [
    ('dispatch', "Camille Dispatch", "deliveries",
        [('coop_delivery', 'group_delivery')], None),
    ('payroll', "Sacha Payroll", "every employment contract",
        [('coop_payroll', 'group_payroll_admin')], None),
    ('members', "Noé Register", "the register of members",
        [('coop_membership', 'group_membership_admin')], None),
    ('awa', "Awa Diallo", "a rider: her own contract only", [],
        "Awa Diallo"),
    ]


def logins():
    "The demo's logins with what each sees, for the operator"
    return [('admin', "every menu")] + [
        (login, sees) for login, _, sees, _, _ in USERS]


def build(database_name, today=None):
    """Fill the database with the demo coop; return False if already there

    The database must have the suite's modules activated."""
    from .database import in_transaction
    return in_transaction(
        database_name, lambda: _build(today or dt.date.today()))


def _build(today):
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Company = Pool().get('company.company')
    if Company.search([]):
        return False
    company = _create_company()
    _attach_admin(company)
    with Transaction().set_context(company=company.id):
        _create_chart(company)
        _create_fiscal_year(company, today.year)
        stores = _create_stores(company)
        riders = _create_riders(company, today)
        _create_members(company, riders, today)
        _create_deliveries(company, stores, today)
        _create_users(company, riders)
    _close_configuration_wizard()
    return True


def _close_configuration_wizard():
    "The demo is configured: sao need not open the first-login wizard"
    from trytond.pool import Pool
    Item = Pool().get('ir.module.config_wizard.item')
    Item.write(Item.search([]), {'state': 'done'})


def _address(street, postal_code, city="Lyon"):
    from trytond.pool import Pool
    Country = Pool().get('country.country')
    france, = Country.search([('code', '=', 'FR')]) or Country.create([{
                'name': "France", 'code': 'FR'}])
    return {
        'street': street, 'postal_code': postal_code, 'city': city,
        'country': france.id,
        }


def _create_company():
    from trytond.pool import Pool
    pool = Pool()
    Currency = pool.get('currency.currency')
    Party = pool.get('party.party')
    Company = pool.get('company.company')
    euro, = Currency.search([('code', '=', 'EUR')]) or Currency.create([{
                'name': "Euro", 'code': 'EUR', 'numeric_code': '978',
                'symbol': '€', 'rounding': Decimal('0.01'), 'digits': 2,
                }])
    party, = Party.create([{
                'name': COMPANY_NAME,
                'addresses': [('create', [
                            _address("12 rue des Capucins", '69001')])],
                }])
    company, = Company.create([{
                'party': party.id, 'currency': euro.id,
                'timezone': 'Europe/Paris',
                }])
    return company


def _attach_admin(company):
    from trytond.pool import Pool
    User = Pool().get('res.user')
    admin, = User.search([('login', '=', 'admin')])
    User.write([admin], {
            'companies': [('add', [company.id])],
            'company': company.id,
            })


def _create_chart(company):
    "The French chart (account_fr), through account's own wizard"
    from trytond.pool import Pool
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    Account = pool.get('account.account')
    AccountTemplate = pool.get('account.account.template')
    CreateChart = pool.get('account.create_chart', type='wizard')

    session_id, _, _ = CreateChart.create()
    try:
        wizard = CreateChart(session_id)
        wizard.account.company = company
        wizard.account.account_template = AccountTemplate(
            ModelData.get_id('account_fr', 'root'))
        wizard.transition_create_account()
        receivable, = Account.search([
                ('company', '=', company.id), ('code', '=', '4111')])
        payable, = Account.search([
                ('company', '=', company.id), ('code', '=', '4011')])
        wizard.properties.company = company
        wizard.properties.account_receivable = receivable
        wizard.properties.account_payable = payable
        wizard.transition_create_properties()
    finally:
        CreateChart.delete(session_id)


def _create_fiscal_year(company, year):
    from trytond.pool import Pool
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    Sequence = pool.get('ir.sequence.strict')
    FiscalYear = pool.get('account.fiscalyear')
    sequence, = Sequence.create([{
                'name': str(year),
                'sequence_type': ModelData.get_id(
                    'account', 'sequence_type_account_move'),
                'company': company.id,
                }])
    fiscal_year, = FiscalYear.create([{
                'name': str(year),
                'start_date': dt.date(year, 1, 1),
                'end_date': dt.date(year, 12, 31),
                'company': company.id,
                'move_sequence': sequence.id,
                }])
    FiscalYear.create_period([fiscal_year])
    return fiscal_year


def _create_stores(company):
    from trytond.pool import Pool
    Party = Pool().get('party.party')
    return Party.create([{
                'name': name,
                'addresses': [('create', [_address(street, postal_code)])],
                } for name, street, postal_code in STORES])


def _create_riders(company, today):
    "Riders are employees with an open-ended contract"
    from trytond.pool import Pool
    pool = Pool()
    Party = pool.get('party.party')
    Employee = pool.get('company.employee')
    Contract = pool.get('coop.payroll.contract')
    start = dt.date(today.year - 1, 9, 1)
    parties = Party.create([{'name': name} for name, _, _ in RIDERS])
    riders = Employee.create([{
                'party': party.id, 'company': company.id,
                'start_date': start,
                } for party in parties])
    Contract.create([{
                'company': company.id,
                'employee': rider.id,
                'kind': 'open_ended',
                'start_date': start,
                'weekly_hours': Decimal(hours),
                'hourly_wage': Decimal(wage),
                } for rider, (_, hours, wage) in zip(riders, RIDERS)])
    return riders


def _create_members(company, riders, today):
    "Every rider is a member; supporters joined or are candidates"
    from trytond.pool import Pool
    pool = Pool()
    Party = pool.get('party.party')
    Member = pool.get('coop.member')
    supporters = Party.create([{'name': name} for name in SUPPORTERS])
    entry = dt.date(today.year - 1, 12, 1)
    values = [{
            'company': company.id, 'party': rider.party.id,
            'status': 'member', 'entry_date': entry,
            } for rider in riders]
    values.append({
            'company': company.id, 'party': supporters[0].id,
            'status': 'member', 'entry_date': entry,
            })
    values.append({
            'company': company.id, 'party': supporters[1].id,
            'status': 'candidate',
            })
    for number, value in enumerate(values, 1):
        value['number'] = f'S-{number:04d}'
    Member.create(values)


def _create_deliveries(company, stores, today):
    from trytond.pool import Pool
    Delivery = Pool().get('coop.delivery')
    values = []
    for i, store in enumerate(stores):
        for j in range(3):
            values.append({
                    'company': company.id,
                    'customer': store.id,
                    'reference': f'CMD-{i + 1}{j + 1:02d}',
                    'date': today - dt.timedelta(days=j),
                    'vehicle': 'cargo_bike' if (i + j) % 4 == 0 else 'bike',
                    'distance': 1200 + 850 * ((i * 3 + j) % 5),
                    'weight': 500 + 2500 * ((i + j) % 3),
                    'duration': dt.timedelta(minutes=12 + 4 * j),
                    })
    deliveries = Delivery.create(values)
    Delivery.confirm([d for d in deliveries if d.date < today])


def _create_users(company, riders):
    from trytond.pool import Pool
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    employees = {r.party.name: r for r in riders}
    values = []
    for login, name, _, groups, rider in USERS:
        value = {
            'login': login, 'name': name, 'password': DEMO_PASSWORD,
            'companies': [('add', [company.id])],
            'company': company.id,
            'groups': [('add', [
                        ModelData.get_id(module, xml_id)
                        for module, xml_id in groups])],
            }
        if rider:
            value['employees'] = [('add', [employees[rider].id])]
            value['employee'] = employees[rider].id
        values.append(value)
    User.create(values)
