# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""A fictional bike-delivery coop, built through the modules' own models.

Everything here goes through Tryton's ORM, so that the demo exercises the
same validation and access rules as a real coop's back office.
"""
import datetime as dt
import unicodedata
from decimal import Decimal

DEMO_DATABASE = 'demo'
DEMO_PASSWORD = 'coopdemo'
COMPANY_NAME = "Roue Libre SCIC"
DEMO_SIRET = '90012345600015'
# Its intra-EU VAT number: FR, the key (12 + 3 × (SIREN mod 97)) mod 97,
# then the SIREN (python-stdnum's fr.tva checks it)
DEMO_VAT = 'FR87900123456'

# name, street, postal code, (latitude, longitude)
STORES = [
    ("Le Vélo Gourmand", "14 rue Mercière", "69002", (45.7620, 4.8330)),
    ("Épicerie du Plateau", "3 place de la Croix-Rousse", "69004",
        (45.7745, 4.8320)),
    ("Boulangerie Saint-Jean", "27 rue Saint-Jean", "69005",
        (45.7625, 4.8270)),
    ("Pharmacie des Brotteaux", "80 boulevard des Belges", "69006",
        (45.7690, 4.8520)),
    ("Sushi Guillotière", "5 grande rue de la Guillotière", "69007",
        (45.7550, 4.8430)),
    ]
# Twenty more stores, whose deliveries come from CoopCycle's export
STORES += [
    (name, f"{10 + 3 * i} {street}", postal_code,
        (45.745 + 0.0015 * i, 4.815 + 0.002 * (i % 9)))
    for i, (name, street, postal_code) in enumerate([
            ("Fromagerie Gerland", "rue de Gerland", "69007"),
            ("Café Lumière", "rue du Premier Film", "69008"),
            ("Biocoop Part-Dieu", "rue Garibaldi", "69003"),
            ("Librairie Passages", "rue de Brest", "69002"),
            ("Traiteur Monplaisir", "avenue des Frères Lumière", "69008"),
            ("Primeur des Pentes", "montée de la Grande Côte", "69001"),
            ("Pizzeria Vaise", "rue de Bourgogne", "69009"),
            ("Caviste Ainay", "rue d'Auvergne", "69002"),
            ("Pâtisserie Jean Macé", "avenue Berthelot", "69007"),
            ("Fleuriste Terreaux", "rue d'Algérie", "69001"),
            ("Ramen Saxe", "avenue de Saxe", "69003"),
            ("Boucherie Tête d'Or", "boulevard des Belges", "69006"),
            ("Épicerie Vrac Perrache", "cours Charlemagne", "69002"),
            ("Pharmacie Montchat", "cours Docteur Long", "69003"),
            ("Torréfacteur Croix-Paquet", "rue Romarin", "69001"),
            ("Crêperie Saint-Paul", "rue Juiverie", "69005"),
            ("Couscous Guillotière", "rue Paul Bert", "69003"),
            ("Laverie Jaurès", "avenue Jean Jaurès", "69007"),
            ("Imprimerie Confluence", "cours Bayard", "69002"),
            ("Maraîcher Villeurbanne", "cours Émile Zola", "69100"),
            ])]
# Where the customers live: (street, latitude, longitude)
DROPOFFS = [
    ("8 rue de Brest", 45.7610, 4.8345),
    ("40 rue Garibaldi", 45.7600, 4.8510),
    ("2 quai Saint-Vincent", 45.7680, 4.8250),
    ("115 avenue Jean Jaurès", 45.7440, 4.8420),
    ("9 place Bellecour", 45.7578, 4.8320),
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
# Twenty-four more riders (their first names are their CoopCycle usernames)
RIDERS += [
    (f"{first} {last}", (35, 28, 24, 35)[i % 4],
        ('12.02', '12.30', '12.02', '12.75')[i % 4])
    for i, (first, last) in enumerate(zip(
            ["Nina", "Sami", "Lou", "Malik", "Jeanne", "Oscar", "Fatou",
                "Théo", "Clara", "Karim", "Manon", "Bilal", "Zoé", "Lucas",
                "Aïcha", "Enzo", "Rose", "Nabil", "Lina", "Jules", "Sofia",
                "Adam", "Maëlle", "Victor"],
            ["Moreau", "Haddad", "Girard", "Traoré", "Bernard", "Petit",
                "Ndiaye", "Roux", "Fontaine", "Mansouri", "Chevalier",
                "Amrani", "Garnier", "Faure", "Keita", "Blanc", "Perrin",
                "Cherif", "Robin", "Mercier", "Costa", "Lambert", "Guérin",
                "Colin"]))]
SUPPORTERS = ["Association Vélo Cité", "Marie Dupont"]
# The other members: the stores' customers (users' college) and
# supporters, named from these
FIRST_NAMES = [
    "Alice", "Bruno", "Chloé", "David", "Emma", "Farid", "Gaëlle", "Henri",
    "Isabelle", "Jamel", "Katia", "Louis", "Mina", "Nicolas", "Océane"]
LAST_NAMES = [
    "Arnaud", "Baron", "Carpentier", "Dubois", "Esnault", "Ferrand",
    "Gauthier"]
CUSTOMERS = 45
MORE_SUPPORTERS = 49
# Colleges of the SCIC: code, name, kind, weight of its votes
COLLEGES = [
    ('SAL', "Salariés", 'employee', '0.40'),
    ('USA', "Usagers", 'beneficiary', '0.35'),
    ('SOU', "Soutiens", 'supporter', '0.25'),
    ]
# The assembly held last month: its agenda
RESOLUTIONS = [
    "Approbation des comptes de l'exercice précédent",
    "Affectation du résultat",
    "Tarifs de livraison de l'an prochain",
    ]
# The assembly convened today, three weeks ahead, voted online too: its
# agenda (title, secret ballot, board candidate)
NEXT_RESOLUTIONS = [
    ("Livraisons le dimanche midi", False, None),
    ("Élection d'Inès Benali au conseil d'administration", True,
        "Inès Benali"),
    ]
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
# What each opens at login, its first screen: the dispatcher today's
# deliveries, payroll the payroll batches, the secretary the pending
# subscriptions and the open assemblies (module, act_window xml id)
HOME_ACTIONS = {
    'dispatch': [('coop_delivery', 'act_delivery_form')],
    'payroll': [('coop_payroll', 'act_batch_form')],
    'members': [('coop_membership', 'act_subscription_form'),
        ('coop_membership', 'act_assembly_form')],
    }
# The portal's web users: e-mail, party name, what they see there
PORTAL_USERS = [
    ('awa@example.org', "Awa Diallo",
        "a rider: her payslips, contract, hours and shares"),
    ('velocite@example.org', "Association Vélo Cité",
        "a member: its shares and certificate"),
    ]


def logins():
    "The demo's logins with what each sees, for the operator"
    return [('admin', "every menu")] + [
        (login, sees) for login, _, sees, _, _ in USERS]


def portal_logins():
    "The portal's logins (e-mail, what each sees), same password"
    return [(email, sees) for email, _, sees in PORTAL_USERS]


def portal_url(url):
    "The portal's address, from the server's"
    return f"{url.rstrip('/')}/{DEMO_DATABASE}/portal/"


def build(database_name, today=None):
    """Fill the database with the demo coop; return False if already there

    The database must have the suite's modules activated."""
    from .database import in_transaction
    return in_transaction(
        database_name, lambda: _build(today or dt.date.today()))


def _build(today):
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    from coop_tools.locks import lock_tables
    Company = Pool().get('company.company')
    if Company.search([]):
        return False
    # Tryton restarts a transaction for each lock asked for midway
    lock_tables()
    company = _create_company()
    _attach_admin(company)
    with Transaction().set_context(company=company.id):
        _create_chart(company)
        _create_fiscal_year(company, today.year)
        _create_delivery_product(company)
        _set_einvoicing(company)
        stores = _create_stores(company)
        riders = _create_riders(company, today)
        _create_members(company, riders, stores, today)
        _import_coopcycle(company, stores, riders, today)
        _create_deliveries(company, stores, riders, today)
        _plan_dispatch(company, stores, riders, today)
        _invoice_months(company, today)
        _create_users(company, riders)
        _run_payroll(company, today)
        _hold_assembly(company, today)
        _convene_next_assembly(company, today)
        _create_portal_users()
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
    from trytond.transaction import Transaction
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
    # Payslips and share certificates show the establishment's SIRET: a
    # fictional number that passes the check
    Party.write([party], {'identifiers': [('create', [{
                        'type': 'fr_siret', 'code': DEMO_SIRET,
                        'address': party.addresses[0].id,
                        }, {
                        # Required on its invoices (EN 16931 BR-S-02)
                        'type': 'eu_vat', 'code': DEMO_VAT,
                        }, {
                        # Its DSN names the company by its SIREN
                        'type': 'fr_siren', 'code': DEMO_SIRET[:9],
                        }])]})
    company, = Company.create([{
                'party': party.id, 'currency': euro.id,
                'timezone': 'Europe/Paris',
                }])
    # A French coop: its documents (register, minutes) are in French; a
    # party's language is a value per company
    french, = pool.get('ir.lang').search([('code', '=', 'fr')])
    with Transaction().set_context(company=company.id):
        Party.write([Party(party.id)], {'lang': french.id})
    return company


def _set_einvoicing(company):
    """The coop's legal form on its invoices, and French VAT on services
    due when paid (account_tax_cash: the services' tax group on cash basis
    for the fiscal years; docs/einvoicing.md)"""
    from trytond.pool import Pool
    pool = Pool()
    Company = pool.get('company.company')
    FiscalYear = pool.get('account.fiscalyear')
    TaxGroup = pool.get('account.tax.group')
    Company.write([company], {'legal_form': "SCIC SAS à capital variable"})
    services = TaxGroup.search([('code', '=', "T.V.A. Vente de services")])
    FiscalYear.write(FiscalYear.search([('company', '=', company.id)]), {
            'tax_group_on_cash_basis': [('add', [g.id for g in services])],
            })


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
    sequence, invoice_sequence = Sequence.create([{
                'name': str(year),
                'sequence_type': ModelData.get_id(
                    'account', 'sequence_type_account_move'),
                'company': company.id,
                }, {
                'name': f"Invoices {year}",
                'prefix': f"F{year}-", 'padding': 5,
                'sequence_type': ModelData.get_id(
                    'account_invoice', 'sequence_type_account_invoice'),
                'company': company.id,
                }])
    # French law: one unbroken series for invoices and credit notes
    fiscal_year, = FiscalYear.create([{
                'name': str(year),
                'start_date': dt.date(year, 1, 1),
                'end_date': dt.date(year, 12, 31),
                'company': company.id,
                'move_sequence': sequence.id,
                'invoice_sequences': [('create', [{
                                'company': company.id,
                                'out_invoice_sequence': invoice_sequence.id,
                                'out_credit_note_sequence':
                                invoice_sequence.id,
                                'in_invoice_sequence': invoice_sequence.id,
                                'in_credit_note_sequence':
                                invoice_sequence.id,
                                }])],
                }])
    FiscalYear.create_period([fiscal_year])
    # The closing entries' period (its last day): the FEC wizard leaves it
    # out and the year is balanced into it before it is closed
    Period = pool.get('account.period')
    Period.create([{
                'name': f"Clôture {year}",
                'fiscalyear': fiscal_year.id,
                'type': 'adjustment',
                'start_date': dt.date(year, 12, 31),
                'end_date': dt.date(year, 12, 31),
                }])
    return fiscal_year


def _create_delivery_product(company):
    """The service sold to the stores: revenue on 706, French VAT on
    services, whose rate the chart holds by date"""
    from trytond.pool import Pool
    pool = Pool()
    Account = pool.get('account.account')
    Tax = pool.get('account.tax')
    Category = pool.get('product.category')
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    Configuration = pool.get('coop.delivery.configuration')
    revenue, = Account.search([
            ('company', '=', company.id), ('code', '=', '706')])
    vat, = Tax.search([
            ('company', '=', company.id),
            ('name', '=', "T.V.A. Vente de services Taux Normal")])
    category, = Category.create([{
                'name': "Livraisons", 'accounting': True,
                'account_revenue': revenue.id,
                'customer_taxes': [('add', [vat.id])],
                }])
    unit, = Uom.search([('symbol', '=', 'u')])
    template, = Template.create([{
                'name': "Livraison à vélo", 'type': 'service',
                'salable': True, 'list_price': Decimal(0),
                'default_uom': unit.id, 'sale_uom': unit.id,
                'account_category': category.id,
                'products': [('create', [{}])],
                }])
    Configuration.write([Configuration(1)], {
            'invoice_product': template.products[0].id,
            # A line per rule and price on the stores' monthly invoices,
            # every delivery in the annex: a few lines to post and print
            # instead of a hundred per store (a line per day and price)
            'invoice_grouping': 'rule',
            })
    return template.products[0]


# Lyon's Presqu'île, where the coop rides most
CENTRE = {'type': 'Polygon', 'coordinates': [[
            [4.815, 45.748], [4.845, 45.748], [4.845, 45.772],
            [4.815, 45.772], [4.815, 45.748]]]}
# CoopCycle-style rules, in cents
PRICE_RULES = [
    ("Cargo bike", 'vehicle == "cargo_bike"',
        '900 + price_range(distance, 150, 1000, 3000)'),
    ("Outside the centre", 'out_zone(dropoff.address, "presquile")',
        '700 + price_range(distance, 200, 1000, 3000)'),
    ("Centre", '', '550'),
    ]


def _create_stores(company):
    "Stores priced by one rule set, with the Presqu'île as a zone"
    import json

    from trytond.pool import Pool
    pool = Pool()
    Party = pool.get('party.party')
    Zone = pool.get('coop.delivery.zone')
    RuleSet = pool.get('coop.delivery.price.rule_set')
    PackageType = pool.get('coop.delivery.package.type')
    Zone.create([{'name': 'presquile', 'geometry': json.dumps(CENTRE)}])
    PackageType.create([
            {'name': 'box', 'description': "Box up to 10 kg"},
            {'name': 'coolbag', 'description': "Insulated bag"}])
    rule_set, = RuleSet.create([{
                'name': "Tarif Lyon 2026",
                'strategy': 'find',
                'rules': [('create', [{
                                'sequence': i, 'name': name,
                                'condition': condition, 'price': price}
                            for i, (name, condition, price)
                            in enumerate(PRICE_RULES)])],
                }])
    term = _create_payment_term()
    return Party.create([{
                'name': name,
                'addresses': [('create', [_address(street, postal_code)])],
                'delivery_price_rule_set': rule_set.id,
                'customer_payment_term': term.id,
                'identifiers': [('create', [{
                                'type': 'fr_siren', 'code': store_siren(i),
                                }])],
                } for i, (name, street, postal_code, _)
            in enumerate(STORES)])


def store_siren(index):
    "A fictional SIREN for the index-th store, that passes the Luhn check"
    from stdnum import luhn
    base = f'80{index:06d}'
    return base + luhn.calc_check_digit(base)


def _create_payment_term():
    "The stores pay 30 days after the invoice (a usual term for services)"
    from trytond.pool import Pool
    PaymentTerm = Pool().get('account.invoice.payment_term')
    term, = PaymentTerm.create([{
                'name': "30 jours",
                'lines': [('create', [{
                                'type': 'remainder',
                                'relativedeltas': [('create', [{
                                                'days': 30}])],
                                }])],
                }])
    return term


def _username(name):
    "awa for Awa Diallo, ines for Inès Benali"
    first = unicodedata.normalize('NFKD', name.split()[0].lower())
    return ''.join(c for c in first if c.isascii())


def _create_riders(company, today):
    """Riders are employees with an open-ended contract, since September
    last year; the last of them a newcomer, since the 10th of last month"""
    from trytond.pool import Pool
    pool = Pool()
    Party = pool.get('party.party')
    Employee = pool.get('company.employee')
    Contract = pool.get('coop.payroll.contract')
    starts = [dt.date(today.year - 1, 9, 1)] * (len(RIDERS) - 1) + [
        _last_month(today).replace(day=10)]
    parties = Party.create([{'name': name} for name, _, _ in RIDERS])
    riders = Employee.create([{
                'party': party.id, 'company': company.id,
                'start_date': start,
                # Their CoopCycle usernames, for `coop import coopcycle`
                'coopcycle_username': _username(party.name),
                } for party, start in zip(parties, starts)])
    _set_identities(riders, starts)
    Contract.create([{
                'company': company.id,
                'employee': rider.id,
                'dsn_number': f'CDI{index + 1:03}',
                'kind': 'open_ended',
                'start_date': start,
                'weekly_hours': Decimal(hours),
                'hourly_wage': Decimal(wage),
                'job': "Coursier à vélo",
                'trial_end_date': start + dt.timedelta(days=60),
                'mobility_allowance': Decimal(20),
                } for index, (rider, start, (_, hours, wage)) in enumerate(
                zip(riders, starts, RIDERS))])
    return riders


def demo_nir(index, birth_date):
    """A fictional NIR that passes its key: women and men in turn, born in
    Lyon (department 69, commune 123), an order number per rider"""
    digits = (f"{2 - index % 2}{birth_date:%y%m}69123"
        f"{index + 1:03}")
    return digits + '%02d' % (97 - int(digits) % 97)


def _set_identities(riders, starts):
    """What the DSN declares of each rider: family and first names, birth
    date and place, NIR (coop_dsn)"""
    from trytond.pool import Pool
    pool = Pool()
    Party = pool.get('party.party')
    Employee = pool.get('company.employee')
    for index, rider in enumerate(riders):
        first, last = rider.party.name.split(' ', 1)
        born = dt.date(1990 + index % 12, 1 + index % 12, 1 + index % 28)
        Party.write([rider.party], {
                'identifiers': [('create', [{
                                'type': 'fr_nir',
                                'code': demo_nir(index, born)}])],
                'addresses': [('create', [_address(
                                f"{index + 1} rue de la Thibaudière",
                                '69007')])],
                })
        Employee.write([rider], {
                'last_name': last, 'first_names': first,
                'birth_date': born, 'birth_place': "Lyon"})


def _run_payroll(company, today):
    """The French payroll settings, and the last two months' payroll
    posted (hours from CoopCycle's payroll export)"""
    from trytond.pool import Pool
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    Sequence = pool.get('ir.sequence.strict')
    Journal = pool.get('account.journal')
    Configuration = pool.get('coop.payroll.configuration')
    Batch = pool.get('coop.payroll.batch')
    sequence, = Sequence.create([{
                'name': "Payslips", 'prefix': "BP-", 'padding': 5,
                'sequence_type': ModelData.get_id(
                    'coop_payroll', 'sequence_type_payslip'),
                'company': company.id,
                }])
    journal, = Journal.create([{
                'name': "Paie", 'code': 'PAIE', 'type': 'general'}])
    Configuration.write([Configuration(1)], {
            'payslip_sequence': sequence.id,
            'structure': ModelData.get_id('coop_payroll_fr', 'structure_fr'),
            'headcount': len(RIDERS),
            'journal': journal.id,
            })
    Configuration.set_french_accounts(company)
    # The DSN's settings (coop_dsn): fictional bodies' codes that pass
    # their checks
    Configuration.write([Configuration(1)], {
            'dsn_naf': '5320Z',
            'dsn_urssaf': '78861779300013',
            'dsn_retirement_body': 'A700',
            'dsn_atmp_code': '602MB',
            'dsn_contact_name': "Camille Martin",
            'dsn_contact_email': 'paie@coursiers-lyon.example',
            })
    last_month = _last_month(today)
    for month in [_last_month(last_month), last_month]:
        _ensure_fiscal_year(company, month)
        if month == last_month:
            _record_absences(month)
        batch = Batch.run(company, month)
        Batch.confirm([batch])
        Batch.post([batch])
    # Last month's DSN built from its payslips, checked and kept to file
    from .dsn import declare_month
    declare_month(company, last_month)


def _record_absences(month):
    """Absences of month, approved: Awa on paid leave the Monday and
    Tuesday of its second week, Léo off sick from the Tuesday to the
    Friday of its third with subrogation (the coop advances his IJSS;
    the demo's payslips before give his daily allowance one month of
    gross, not three)"""
    from trytond.pool import Pool
    pool = Pool()
    Absence = pool.get('coop.payroll.absence')
    Employee = pool.get('company.employee')
    employees = {e.party.name: e for e in Employee.search([
                ('party.name', 'in', ["Awa Diallo", "Léo Martin"])])}
    eighth = month.replace(day=8)
    monday = eighth + dt.timedelta(days=-eighth.weekday() % 7)
    absences = Absence.create([{
                'employee': employees["Awa Diallo"].id,
                'kind': 'paid_leave',
                'start_date': monday,
                'end_date': monday + dt.timedelta(days=1),
                }, {
                'employee': employees["Léo Martin"].id,
                'kind': 'sick_leave',
                'start_date': monday + dt.timedelta(days=8),
                'end_date': monday + dt.timedelta(days=11),
                'subrogation': True,
                'description': "Chute à vélo",
                }])
    Absence.approve(absences)


def _create_members(company, riders, stores, today):
    """The register of a SCIC of three colleges: the riders (employees),
    the stores and their customers (users), supporters; 150 members. Two
    months ago the riders subscribed four 25 € shares (Yuki pays hers from
    her payslips), the stores ten, customers and supporters one or two;
    last month more joined; this month a rider sold a share back and
    another handed one over; a newcomer's request awaits the board"""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    Sequence = pool.get('ir.sequence.strict')
    Journal = pool.get('account.journal')
    Configuration = pool.get('coop.membership.configuration')
    Category = pool.get('coop.member.category')
    ShareClass = pool.get('coop.share.class')
    Party = pool.get('party.party')
    Member = pool.get('coop.member')
    Subscription = pool.get('coop.share.subscription')
    Payment = pool.get('coop.share.payment')
    Operation = pool.get('coop.share.operation')
    Company = pool.get('company.company')
    Company.write([company], {'coop_form': 'scic'})
    last_month = _last_month(today)
    first_month = _last_month(last_month)
    _ensure_fiscal_year(company, first_month)
    sequence, = Sequence.create([{
                'name': "Registre", 'prefix': "R-", 'padding': 4,
                'sequence_type': ModelData.get_id(
                    'coop_membership', 'sequence_type_operation'),
                'company': company.id,
                }])
    journal, = Journal.create([{
                'name': "Capital", 'code': 'CAP', 'type': 'general'}])
    Configuration.write([Configuration(1)], {
            'operation_sequence': sequence.id,
            'journal': journal.id,
            'sell_back_waiting_months': 1,
            })
    Configuration.set_french_accounts(company)
    employees, users, supporters = Category.create([
            {'code': code, 'name': name, 'kind': kind,
                'vote_weight': Decimal(weight)}
            for code, name, kind, weight in COLLEGES])
    share_class, = ShareClass.create([{
                'code': 'A', 'name': "Parts sociales",
                'nominal': Decimal(25), 'minimum': 1, 'maximum': 400,
                }])
    names = [f"{FIRST_NAMES[i % len(FIRST_NAMES)]} "
        f"{LAST_NAMES[i // len(FIRST_NAMES)]}"
        for i in range(CUSTOMERS + MORE_SUPPORTERS)]
    association, newcomer, *people = Party.create(
        [{'name': name} for name in SUPPORTERS + names])
    customers, others = people[:CUSTOMERS], people[CUSTOMERS:]
    members = Member.create([{
                'company': company.id, 'party': party.id,
                'number': f'S-{number:04d}', 'category': category.id,
                'person_kind': kind,
                } for number, (party, category, kind) in enumerate(
                [(r.party, employees, 'person') for r in riders]
                + [(s, users, 'organisation') for s in stores]
                + [(c, users, 'person') for c in customers]
                + [(association, supporters, 'organisation')]
                + [(o, supporters, 'person') for o in others]
                + [(newcomer, supporters, 'person')], 1)])
    *holders, candidate = members
    by_name = {m.party.name: m for m in holders}
    # Yuki pays her shares 25 € a month from her payslips
    Member.write([by_name["Yuki Tanaka"]], {
            'payroll_deduction': Decimal(25)})
    # Who joined last month: the last customers and supporters
    late = set(holders[len(riders) + len(stores) + 30:len(riders)
            + len(stores) + CUSTOMERS] + holders[-19:])

    def quantity(member):
        if member.category == employees:
            return 4
        elif member.party in stores:
            return 10
        elif member.category == users:
            return 1 + member.id % 2
        return 2
    values = [{
            'member': member.id, 'share_class': share_class.id,
            'quantity': quantity(member),
            'request_date': date, 'call_date': date,
            'consent_statutes': True, 'consent_data': True,
            } for member in holders + [candidate]
        for date in [last_month + dt.timedelta(days=4) if member in late
            else first_month]]
    # The three colleges are there once all have subscribed: the legal
    # limits' warnings, which a clerk would confirm, are skipped
    with Transaction().set_context(_skip_warnings=True):
        *called, waiting = Subscription.create(values)
        Subscription.approve(called)
        for date in [first_month, last_month + dt.timedelta(days=4)]:
            subscriptions = [s for s in called if s.call_date == date]
            Subscription.call(subscriptions)
            # Yuki pays from her payslips: nothing by hand
            Subscription.record_payments([
                    Payment(subscription=s, date=date, amount=s.amount)
                    for s in subscriptions
                    if s.member.party.name != "Yuki Tanaka"])
        sell_back, transfer = Operation.create([{
                    'kind': 'sell_back',
                    'member': by_name["Tom Rousseau"].id,
                    'share_class': share_class.id, 'quantity': 1,
                    'date': today, 'effective_date': today,
                    'request_date': last_month,
                    }, {
                    'kind': 'transfer', 'member': by_name["Awa Diallo"].id,
                    'to_member': by_name["Inès Benali"].id,
                    'share_class': share_class.id, 'quantity': 1,
                    'date': today, 'effective_date': today,
                    }])
        Operation.approve([sell_back])
        Operation.record([sell_back, transfer])
        sell_back.pay_refund(today)


def _last_month(today):
    "The first day of the month before today's"
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _ensure_fiscal_year(company, date):
    "A fiscal year over date, created if the demo has none"
    from trytond.pool import Pool
    FiscalYear = Pool().get('account.fiscalyear')
    if not FiscalYear.search([
                ('company', '=', company.id),
                ('start_date', '<=', date),
                ('end_date', '>=', date),
                ]):
        _create_fiscal_year(company, date.year)


def _create_deliveries(company, stores, riders, today):
    """Three deliveries for each of the first five stores, made by hand:
    today's to ride, yesterday's under way, the day before's done; each
    store's rider takes them"""
    from trytond.pool import Pool
    pool = Pool()
    Party = pool.get('party.party')
    Delivery = pool.get('coop.delivery')
    Task = pool.get('coop.delivery.task')
    Tour = pool.get('coop.delivery.tour')
    # The bakery always has Awa; the others are dispatched by hand
    Party.write([stores[2]], {'delivery_default_rider': riders[0].id})
    PackageType = pool.get('coop.delivery.package.type')
    box, = PackageType.search([('name', '=', 'box')])
    values = []
    for i, (store, (_, _, _, (latitude, longitude))) in enumerate(
            zip(stores[:5], STORES[:5])):
        for age in range(3):
            street, drop_latitude, drop_longitude = DROPOFFS[
                (i + age) % len(DROPOFFS)]
            ordered = dt.datetime.combine(
                today - dt.timedelta(days=age), dt.time(9 + i, 0))
            values.append({
                    'company': company.id,
                    'customer': store.id,
                    'reference': f'CMD-{i + 1}{age + 1:02d}',
                    'date': ordered.date(),
                    'ordered_at': ordered,
                    'vehicle': 'cargo_bike' if (i + age) % 4 == 0 else 'bike',
                    'distance': 1200 + 850 * ((i * 3 + age) % 5),
                    'weight': 500 + 2500 * ((i + age) % 3),
                    'duration': dt.timedelta(minutes=12 + 4 * age),
                    'packages': [('create', [{
                                    'type': box.id, 'quantity': 1 + age}])],
                    'tasks': [('create', [{
                                    'sequence': 1, 'type': 'pickup',
                                    'address': store.addresses[0].id,
                                    'street': store.addresses[0].street,
                                    'latitude': latitude,
                                    'longitude': longitude,
                                    'after': ordered,
                                    'before': ordered + dt.timedelta(
                                        minutes=30),
                                    }, {
                                    'sequence': 2, 'type': 'dropoff',
                                    'street': street,
                                    'latitude': drop_latitude,
                                    'longitude': drop_longitude,
                                    'after': ordered,
                                    'before': ordered + dt.timedelta(hours=1),
                                    }])],
                    })
    deliveries = Delivery.create(values)
    Delivery.confirm([d for d in deliveries if d.date < today])
    for i, delivery in enumerate(deliveries):
        if delivery.date < today and not delivery.tasks[0].tour:
            Tour.assign(riders[i // 3 % len(riders)], delivery.date,
                list(delivery.tasks))
    yesterday = today - dt.timedelta(days=1)
    started = [d.tasks[0] for d in deliveries if d.date == yesterday]
    Task.start(started)
    done = [d for d in deliveries if d.date < yesterday]
    Task.complete([t for d in done for t in d.tasks])
    # As the riders rode it, not as the demo was built
    for pickup in started:
        Task.write([pickup], {
                'started_at': pickup.after + dt.timedelta(minutes=5)})
    for delivery in done:
        pickup, dropoff = delivery.tasks
        Task.write([pickup], {
                'started_at': pickup.after,
                'done_at': pickup.after + dt.timedelta(minutes=12)})
        Task.write([dropoff], {
                'done_at': pickup.after + dt.timedelta(minutes=35)})
    Tour.record_time(list({t.tour for d in done for t in d.tasks}))


# The week's shifts, every day: (start, end, riders wanted, in the zone)
SHIFTS = [
    (dt.time(8), dt.time(12), 4, False),
    (dt.time(11, 30), dt.time(14, 30), 4, True),
    (dt.time(18), dt.time(22), 3, False),
    ]


def _plan_dispatch(company, stores, riders, today):
    """This week's schedule from the shift templates, published and filled
    (today's morning riders first: Awa, Léo, Inès, Tom; at lunch Yuki,
    Hugo and the next two), the Vélo Gourmand's lunch round with Yuki, and
    today's board: twelve more deliveries of the first five stores, all of
    today's confirmed, the round's and the bakery's in their tours, two in
    Léo's, ten left to dispatch"""
    from trytond.pool import Pool
    pool = Pool()
    Template = pool.get('coop.dispatch.shift.template')
    Schedule = pool.get('coop.dispatch.schedule')
    Slot = pool.get('coop.dispatch.schedule.slot')
    Zone = pool.get('coop.delivery.zone')
    Round = pool.get('coop.dispatch.round')
    Delivery = pool.get('coop.delivery')
    Tour = pool.get('coop.delivery.tour')
    zone, = Zone.search([('name', '=', 'presquile')])
    Template.create([{
                'company': company.id, 'weekday': str(weekday),
                'start': start, 'end': end, 'wanted': wanted,
                'zone': zone.id if in_zone else None,
                } for weekday in range(7)
            for start, end, wanted, in_zone in SHIFTS])
    schedule, = Schedule.create([{'company': company.id, 'week': today}])
    Schedule.fill_from_templates([schedule])
    Schedule.publish([schedule])
    # Eleven riders a day, none in two slots that overlap; the days
    # after today take the next ones
    per_day = sum(wanted for _, _, wanted, _ in SHIFTS)
    for slot in Slot.search([('schedule', '=', schedule.id)]):
        day = (slot.date - today).days
        first = sum(wanted for start, _, wanted, _ in SHIFTS
            if start < slot.start)
        Slot.fill(slot, [riders[(day * per_day + first + k) % len(riders)]
                for k in range(slot.wanted)])

    lunch, = Round.create([{
                'company': company.id, 'name': "Midi Vélo Gourmand",
                'store': stores[0].id, 'weekdays': [str(d) for d in range(7)],
                'start': dt.time(10), 'end': dt.time(14),
                'rider': riders[4].id}])
    # The round's tour is made in the morning (the cron's), before the
    # day's deliveries are confirmed
    Round.create_tours([lunch], today)

    values = []
    for j in range(12):
        i = j % 5
        store = stores[i]
        latitude, longitude = STORES[i][3]
        street, drop_latitude, drop_longitude = DROPOFFS[(i + j) % len(
                DROPOFFS)]
        ordered = dt.datetime.combine(today, dt.time(8, 30)) + (
            dt.timedelta(minutes=25 * j))
        values.append({
                'company': company.id,
                'customer': store.id,
                'reference': f'CMD-{i + 1}{j + 4:02d}',
                'date': today,
                'ordered_at': ordered,
                'vehicle': 'cargo_bike' if j % 4 == 0 else 'bike',
                'distance': 900 + 400 * (j % 6),
                'weight': 400 + 900 * (j % 4),
                'duration': dt.timedelta(minutes=10 + 2 * (j % 5)),
                'tasks': [('create', [{
                                'sequence': 1, 'type': 'pickup',
                                'address': store.addresses[0].id,
                                'street': store.addresses[0].street,
                                'latitude': latitude,
                                'longitude': longitude,
                                'after': ordered,
                                'before': ordered + dt.timedelta(minutes=30),
                                }, {
                                'sequence': 2, 'type': 'dropoff',
                                'street': street,
                                'latitude': drop_latitude,
                                'longitude': drop_longitude,
                                'after': ordered,
                                'before': ordered + dt.timedelta(hours=1),
                                }])],
                })
    extra = Delivery.create(values)
    # Confirmed: the round's go to Yuki's tour, the bakery's to Awa's
    Delivery.confirm(Delivery.search([
                ('date', '=', today), ('state', '=', 'draft')],
            order=[('ordered_at', 'ASC'), ('id', 'ASC')]))
    # Two of the pharmacy's for Léo, by hand
    pharmacy = [d for d in extra if d.customer == stores[3]]
    Tour.assign(riders[1], today, Tour.riding_order(
            [t for d in pharmacy for t in d.tasks]))


def _month_end(month):
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(
        day=1) - dt.timedelta(days=1)


def _import_coopcycle(company, stores, riders, today):
    """The last two months as CoopCycle exported them: every store's
    orders of each day but Sunday (about 10,000) with their riders, up to
    three days ago, then each month's payroll export; imported by the
    suite's CoopCycle import (deliveries, tasks and the riders' tours)"""
    from coop_coopcycle.coopcycle import import_data
    last_month = _last_month(today)
    for month in [_last_month(last_month), last_month]:
        _ensure_fiscal_year(company, month)
        end = min(_month_end(month), today - dt.timedelta(days=3))
        import_data(company, _task_export(stores, riders, month, end))
        import_data(
            company, _payroll_export(riders, month), month=month)


# Prices without tax of the imported orders; CoopCycle gives them with VAT
IMPORTED_PRICES = [Decimal(p) for p in ['5.50', '7.00', '9.00', '12.00']]


def _task_export(stores, riders, start, end):
    "CoopCycle's task export (CSV bytes) of the days from start to end"
    import csv
    import io

    from coop_coopcycle.formats import TASK_COLUMNS
    output = io.StringIO()
    writer = csv.writer(output, lineterminator='\n')
    writer.writerow(TASK_COLUMNS)
    column = {c: i for i, c in enumerate(TASK_COLUMNS)}
    usernames = [r.coopcycle_username for r in riders]
    order = task = start.toordinal() * 1000
    day = start
    while day <= end:
        if day.weekday() == 6:
            day += dt.timedelta(days=1)
            continue
        date = day.strftime('%d/%m/%Y')
        count = 0
        for s, (store, (_, street, _, (latitude, longitude))) in enumerate(
                zip(stores, STORES)):
            for n in range(5 + s % 6):
                order += 1
                count += 1
                price = IMPORTED_PRICES[(order + s) % len(IMPORTED_PRICES)]
                courier = usernames[count % len(usernames)]
                ordered = dt.datetime.combine(day, dt.time(
                        10 + (n * 9 + s) % 10, (s * 7) % 45))
                drop_street, drop_latitude, drop_longitude = DROPOFFS[
                    (order + n) % len(DROPOFFS)]
                failed = order % 97 == 0
                for type_, address, latlng, after, before, done, status in [
                        ('PICKUP', street, (latitude, longitude),
                            0, 15, 10, 'DONE'),
                        ('DROPOFF', drop_street,
                            (drop_latitude, drop_longitude),
                            5, 60, 30, 'FAILED' if failed else 'DONE')]:
                    task += 1
                    row = [''] * len(TASK_COLUMNS)
                    for name, value in [
                            ('#', task), ('# order', order),
                            ('orderCode', f'RL{order}'),
                            ('orderTotal', price * Decimal('1.2')),
                            ('type', type_),
                            ('address.streetAddress', f'{address}, Lyon'),
                            ('address.latlng', '%.4f,%.4f' % latlng),
                            ('afterDay', date), ('beforeDay', date),
                            ('afterTime', _time(ordered, after)),
                            ('beforeTime', _time(ordered, before)),
                            ('status', status),
                            ('traveled_distance_meter',
                                600 + 150 * ((order + n) % 17)),
                            ('event.FAILED.notes',
                                "Client absent" if status == 'FAILED'
                                else ''),
                            ('finishedAtDay', date),
                            ('finishedAtTime', _time(ordered, done)),
                            ('courier', courier),
                            ('organization', store.name)]:
                        row[column[name]] = str(value)
                    writer.writerow(row)
        day += dt.timedelta(days=1)
    return output.getvalue().encode('utf-8')


def _time(start, minutes):
    return (start + dt.timedelta(minutes=minutes)).strftime('%H:%M')


def _payroll_export(riders, month):
    """CoopCycle's payroll export of month: the contract's hours, a few
    more for some"""
    lines = [','.join([
                'username', 'name', 'planned_hours', 'worked_hours',
                'overtime_hours', 'holiday_days'])]
    for i, (rider, (name, hours, _)) in enumerate(zip(riders, RIDERS)):
        planned = (Decimal(hours) * 52 / 12).quantize(Decimal('0.01'))
        overtime = Decimal((i + month.month) % 4 * 2)
        lines.append(f'{rider.coopcycle_username},"{name}",{planned},'
            f'{planned + overtime},{overtime},0')
    return ('\n'.join(lines) + '\n').encode('utf-8')


def _invoice_months(company, today):
    """Each store's invoice of each of the last two months, posted (up to
    three days ago: this month's deliveries are left to `coop invoice`)"""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Delivery = Pool().get('coop.delivery')
    last_month = _last_month(today)
    # Invoices made in the past may fall due before today: Tryton warns,
    # the demo answers as the accountant would, and posts
    with Transaction().set_context(_skip_warnings=True):
        for month in [_last_month(last_month), last_month]:
            end = min(_month_end(month), today - dt.timedelta(days=3))
            invoices = Delivery.invoice_period(company, month, end, end)
            if invoices.refused:  # the demo's stores are all invoiceable
                raise RuntimeError(f"stores not invoiced: {invoices.refused}")


def _hold_assembly(company, today):
    """Last month's ordinary general assembly on the 25th: convened on the
    8th (by post: the members have no e-mail), 17 days before, within the
    statutes' 15 days of notice and after the members of the 5th joined;
    60 % present and a few represented, its chair, secretary and two
    tellers among those present, its resolutions voted, closed with its
    minutes (dated the day of the meeting)"""
    from trytond.pool import Pool
    pool = Pool()
    Assembly = pool.get('coop.assembly')
    Attendance = pool.get('coop.assembly.attendance')
    Vote = pool.get('coop.assembly.vote')
    date = _last_month(today) + dt.timedelta(days=24)
    assembly, = Assembly.create([{
                'name': f"Assemblée générale ordinaire {date.year}",
                'kind': 'ordinary', 'date': date, 'time': dt.time(18, 30),
                'convocation_date': date - dt.timedelta(days=17),
                'place': "Maison des associations, 28 rue Denfert-Rochereau,"
                " Lyon",
                'resolutions': [('create', [
                            {'sequence': i, 'title': title}
                            for i, title in enumerate(RESOLUTIONS, 1)])],
                }])
    Assembly.convene([assembly])
    Assembly.open_session([assembly])
    attendances = Attendance.search(
        [('assembly', '=', assembly.id)], order=[('id', 'ASC')])
    present = [a for i, a in enumerate(attendances) if i % 5 < 3]
    Attendance.write(present, {'status': 'present'})
    # Three members present hold two proxies each
    for holder, represented in zip(present[:3], [
                [a for i, a in enumerate(attendances) if i % 5 == 3][
                    2 * j:2 * j + 2] for j in range(3)]):
        Attendance.write(represented, {
                'status': 'represented',
                'proxy_holder': holder.member.id})
    # The officers of the meeting, members present
    Assembly.write([assembly], {
            'chair': present[0].member.id,
            'secretary': present[1].member.id,
            'tellers': [('add', [present[3].member.id, present[4].member.id])],
            })
    Vote.create([{
                'resolution': resolution.id, 'attendance': attendance.id,
                'choice': ('for', 'for', 'for', 'for', 'against', 'for',
                    'abstain')[(i + r) % 7],
                } for r, resolution in enumerate(assembly.resolutions)
            for i, attendance in enumerate(present)])
    Assembly.close([assembly])


def _convene_next_assembly(company, today):
    """An ordinary assembly in three weeks, convened today (by post, 21
    days of notice for the statutes' 15), whose statutes allow voting
    online: an open resolution and a board election by secret ballot. The
    secretary sets the online vote's opening and closing in the back
    office; until then nobody votes (docs/portal.md)"""
    from trytond.pool import Pool
    pool = Pool()
    Configuration = pool.get('coop.membership.configuration')
    Assembly = pool.get('coop.assembly')
    Member = pool.get('coop.member')
    Configuration.write([Configuration(1)], {'assembly_remote_voting': True})
    candidates = {m.party.name: m for m in Member.search([
                ('party.name', 'in',
                    [c for _, _, c in NEXT_RESOLUTIONS if c])])}
    date = today + dt.timedelta(days=21)
    assembly, = Assembly.create([{
                'name': "Assemblée générale ordinaire réunie "
                f"extraordinairement {date.year}",
                'kind': 'ordinary', 'date': date, 'time': dt.time(18, 30),
                'place': "Maison des associations, 28 rue Denfert-Rochereau,"
                " Lyon",
                'resolutions': [('create', [{
                                'sequence': i, 'title': title,
                                'secret': secret,
                                'board_candidate': (candidates[candidate].id
                                    if candidate else None),
                                'board_role': (
                                    "Administratrice" if candidate else None),
                                'board_term_end': (
                                    dt.date(date.year + 3, 6, 30)
                                    if candidate else None),
                                } for i, (title, secret, candidate)
                            in enumerate(NEXT_RESOLUTIONS, 1)])],
                }])
    Assembly.convene([assembly])


def _create_users(company, riders):
    from trytond.pool import Pool
    pool = Pool()
    User = pool.get('res.user')
    ActWindow = pool.get('ir.action.act_window')
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
        if login in HOME_ACTIONS:
            value['actions'] = [('add', [
                        ActWindow(ModelData.get_id(*action)).action.id
                        for action in HOME_ACTIONS[login]])]
        if rider:
            value['employees'] = [('add', [employees[rider].id])]
            value['employee'] = employees[rider].id
        values.append(value)
    User.create(values)


def _create_portal_users():
    "Portal accounts (web_user) for a rider and a member, on their parties"
    from trytond.pool import Pool
    pool = Pool()
    Party = pool.get('party.party')
    WebUser = pool.get('web.user')
    values = []
    for email, name, _ in PORTAL_USERS:
        party, = Party.search([('name', '=', name)], limit=1)
        Party.write([party], {'contact_mechanisms': [('create', [{
                            'type': 'email', 'value': email}])]})
        values.append({
                'email': email, 'email_valid': True, 'party': party.id,
                'password': DEMO_PASSWORD,
                })
    WebUser.create(values)
