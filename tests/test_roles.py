# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The role matrix (coop_tools/roles.py), walked over JSON-RPC as each role

One database of the whole suite, populated once: a company with its chart,
two riders (Awa, Léo) with contracts, absences, payslips, timesheet lines,
bank accounts, portal accounts and pay owed in the payroll journal; a
back-office user per role. Each role then reads, writes, creates and
deletes every model of the matrix through trytond's WSGI application, as
sao would, and every answer must be the matrix's."""
import base64
import datetime as dt
import json
import unittest
from decimal import Decimal

from werkzeug.test import Client

from trytond.modules.company.tests import set_company
from trytond.pool import Pool
from trytond.protocols.jsonrpc import JSONEncoder
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction, TransactionError
from trytond.wsgi import app

from coop_tools.roles import EVERYONE, FIELDS, MENUS, MODELS, ROLES
from coop_tools.testing import activate_suite

PASSWORD = 'Matrix-of-roles-2026!'
BALANCES = {'payable', 'payable_today', 'receivable', 'receivable_today'}
# What the rider's own records of a model are, as root would search them
OWN = {
    'timesheet.line': lambda d: [('employee', '=', d['awa']['employee'])],
    'timesheet.hours_employee': lambda d: [
        ('employee', '=', d['awa']['employee'])],
    'coop.payroll.contract': lambda d: [
        ('employee', '=', d['awa']['employee'])],
    'coop.payroll.absence': lambda d: [
        ('employee', '=', d['awa']['employee'])],
    'coop.dispatch.availability': lambda d: [
        ('rider', '=', d['awa']['employee'])],
    'coop.dispatch.application': lambda d: [
        ('rider', '=', d['awa']['employee'])],
    'coop.payroll.payslip': lambda d: [
        ('employee', '=', d['awa']['employee']),
        ('state', 'in', ['confirmed', 'posted'])],
    'coop.payroll.payslip.line': lambda d: [
        ('payslip.employee', '=', d['awa']['employee'])],
    # A rider's own party's details, and her company's
    'party.address': lambda d: [
        ('party', 'in', [d['awa']['party'], d['company_party']])],
    'party.contact_mechanism': lambda d: [
        ('party', 'in', [d['awa']['party'], d['company_party']])],
    'party.identifier': lambda d: [
        ('party', 'in', [d['awa']['party'], d['company_party']])],
    # Those of her payslips, her party and her employee
    'ir.attachment': lambda d: [('resource', 'in', [
                f"coop.payroll.payslip,{d['awa']['payslip']}",
                f"party.party,{d['awa']['party']}"])],
    'ir.note': lambda d: [('resource', 'in', [
                f"coop.payroll.payslip,{d['awa']['payslip']}",
                f"company.employee,{d['awa']['employee']}"])],
    }
# What a back-office role reads of a model when not every record: the
# payroll, its entries; the dispatcher, her company's identifiers only
OWN_BY_ROLE = {
    ('account.move', 'payroll'): lambda d: [
        ('origin', 'like', 'coop.payroll.payslip,%')],
    ('account.move.line', 'payroll'): lambda d: [
        ('move.origin', 'like', 'coop.payroll.payslip,%')],
    ('party.identifier', 'dispatcher'): lambda d: [
        ('party', '=', d['company_party'])],
    # Those who register people: the parties' attachments and notes
    ('ir.attachment', 'membership'): lambda d: [
        ('resource', 'like', 'party.party,%')],
    ('ir.attachment', 'accountant'): lambda d: [
        ('resource', 'like', 'party.party,%')],
    }
# Each user's own: their application keys
OWN_BY_LOGIN = {
    'res.user.application': lambda login: [('user.login', '=', login)],
    }


class RPCError(Exception):
    def __init__(self, error):
        super().__init__(error)
        self.error = error

    @property
    def access(self):
        "Whether Tryton refused for access"
        if self.error == 403:
            return True  # a method not exposed to RPC at all
        name = self.error[0] if isinstance(self.error, list) else ''
        return name in {'UserError', 'AccessError'} and (
            'access' in json.dumps(self.error).lower()
            or 'not allowed' in json.dumps(self.error).lower()) or (
            name == 'AccessError')


class RPC:
    "A JSON-RPC session on the test database, through the WSGI application"

    def __init__(self, login, password):
        self.client = Client(app)
        self.session = None
        user_id, key, _ = self.call('common.db.login',
            login, {'password': password}, 'en')
        self.session = base64.b64encode(
            f'{login}:{user_id}:{key}'.encode()).decode()
        self.user_id = user_id
        self.context = self.call('model.res.user.get_preferences', True, {})

    def call(self, method, *params):
        headers = {'Content-Type': 'application/json'}
        if self.session:
            headers['Authorization'] = f'Session {self.session}'
        response = self.client.post(f'/{DB_NAME}/rpc/', headers=headers,
            data=json.dumps({'id': 1, 'method': method,
                    'params': list(params)}, cls=JSONEncoder))
        answer = response.json
        if answer is None:
            raise RPCError(response.status_code)
        if answer.get('error'):
            raise RPCError(answer['error'])
        return answer['result']

    def model(self, name, method, *params):
        return self.call(f'model.{name}.{method}', *params, self.context)


# What each role tries to write and delete: someone else's record (the
# first one root finds, else the following)
TARGET = {
    # Léo's party, not the company's (only the administrator writes that
    # one: test_company_party_is_the_administrators)
    'party.party': lambda d, role: [('id', '=', d['leo']['party'])],
    'party.address': lambda d, role: [('party', '=', d['leo']['party'])],
    'party.contact_mechanism': lambda d, role: [
        ('party', '=', d['leo']['party'])],
    'party.identifier': lambda d, role: [('party', '=', d['leo']['party'])],
    'res.user.application': lambda d, role: [
        ('user.login', '=', login_of(role))],
    'ir.attachment': lambda d, role: [
        ('resource', '=', f"coop.payroll.payslip,{d['leo']['payslip']}")],
    'ir.note': lambda d, role: [
        ('resource', '=', f"coop.payroll.payslip,{d['leo']['payslip']}")],
    }
# The models whose TARGET each role tries to delete (elsewhere, deleting
# nothing checks the model's access)
DELETE_TARGET = {'res.user.application', 'ir.attachment', 'ir.note'}
# What each role tries to create (nothing: the access is checked first),
# but where the access depends on the record's resource
CREATE = {
    'ir.attachment': lambda d: [{
            'resource': f"coop.payroll.payslip,{d['leo']['payslip']}",
            'name': 'probe.txt', 'type': 'data', 'data': b'probe'}],
    'ir.note': lambda d: [{
            'resource': f"coop.payroll.payslip,{d['leo']['payslip']}",
            'message': "probe"}],
    }


def populate():
    "The records every role tries; their ids"
    from trytond.modules.account.tests import create_chart, get_fiscalyear
    from trytond.modules.currency.tests import create_currency
    from coop_payroll.tests.tools import create_rider, set_payroll_accounts
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    Company = pool.get('company.company')
    Party = pool.get('party.party')
    Payslip = pool.get('coop.payroll.payslip')
    Contract = pool.get('coop.payroll.contract')
    WebUser = pool.get('web.user')
    Bank = pool.get('bank')
    BankAccount = pool.get('bank.account')
    Move = pool.get('account.move')
    Period = pool.get('account.period')
    FiscalYear = pool.get('account.fiscalyear')
    Attachment = pool.get('ir.attachment')
    Note = pool.get('ir.note')
    from coop_payroll.tests.tools import record_hours

    euro = create_currency('EUR')
    party, = Party.create([{'name': "Coop Vélo",
                # Untyped: a SIRET would want an address
                'identifiers': [('create', [{'code': '73282932000074'}])],
                }])
    company = Company(party=party, currency=euro)
    company.save()
    data = {'company': company.id, 'company_party': party.id}
    with set_company(company):
        create_chart(company)
        fiscal_year = get_fiscalyear(company, today=dt.date(2026, 1, 1))
        fiscal_year.save()
        FiscalYear.create_period([fiscal_year])
        config = set_payroll_accounts(company)
        receivable, = pool.get('account.account').search([
                ('type.receivable', '=', True), ('party_required', '=', True),
                ], limit=1)
        bank_party, = Party.create([{'name': "Banque"}])
        bank, = Bank.create([{'party': bank_party.id}])
        for login, name, iban in [
                ('awa', "Awa Diallo", 'FR76 3000 6000 0112 3456 7890 189'),
                ('leo', "Léo Martin", 'FR14 2004 1010 0505 0001 3M02 606')]:
            rider = create_rider(company, name, dt.date(2026, 1, 1), '12.02')
            # Declared in the DSN (coop_dsn): the payroll's only
            rider.birth_date = dt.date(1995, 5, 17)
            rider.birth_place = "Lyon"
            rider.save()
            contract, = Contract.search([('employee', '=', rider.id)])
            Party.write([rider.party], {
                    'contact_mechanisms': [('create', [{
                                    'type': 'email',
                                    'value': f'{login}@example.com'}, {
                                    'type': 'other',
                                    'value': f'other-{login}'}])],
                    'identifiers': [('create', [{
                                    'code': f'NIR-{login}'}])],
                    'addresses': [('create', [{
                                    'street': f'7 street-{login}'}])],
                    })
            payslip, = Payslip.create([{
                        'employee': rider.id, 'contract': contract.id,
                        'start_date': dt.date(2026, 1, 1),
                        'payment_date': dt.date(2026, 1, 31),
                        'number': f'PAY-{login}',
                        'gross': Decimal('1823.07'),
                        'net_pay': Decimal('1430.00'),
                        'lines': [('create', [{
                                        'kind': 'earning', 'name': "Base",
                                        'amount': Decimal('1823.07'),
                                        'employee_amount': 0,
                                        'employer_amount': 0}])],
                        }])
            record_hours(company, rider, {dt.date(2026, 1, 5): 7})
            pool.get('coop.payroll.absence').create([{
                        'employee': rider.id, 'kind': 'unpaid_leave',
                        'start_date': dt.date(2026, 2, 2),
                        'end_date': dt.date(2026, 2, 2)}])
            account, = BankAccount.create([{
                        'bank': bank.id, 'owners': [('add', [rider.party.id])],
                        'numbers': [('create', [{
                                        'type': 'iban',
                                        'number': iban}])],
                        }])
            web_user, = WebUser.create([{
                        'email': f'{login}@example.com', 'password': PASSWORD,
                        'party': rider.party.id}])
            web_user.set_reset_password_token()
            web_user.set_email_token()
            web_user.save()
            period = Period.find(company, date=dt.date(2026, 1, 31))
            # Awa's from her payslip, Léo's entered by hand
            move, = Move.create([{
                        'journal': config.journal.id, 'period': period,
                        'description': f'MOVE-{login}',
                        'origin': str(payslip) if login == 'awa' else None,
                        'date': dt.date(2026, 1, 31),
                        'lines': [('create', [{
                                        'account': (
                                            config.wage_expense_account.id),
                                        'debit': Decimal('1430.00')}, {
                                        'account': (
                                            config.net_payable_account.id),
                                        'party': rider.party.id,
                                        'credit': Decimal('1430.00')}, {
                                        'account': receivable.id,
                                        'party': rider.party.id,
                                        'debit': Decimal('10.00')}, {
                                        'account': (
                                            config.wage_expense_account.id),
                                        'credit': Decimal('10.00')}])],
                        }])
            Move.post([move])
            Attachment.create([{'resource': str(payslip),
                        'name': f'note-{login}.txt',
                        'type': 'data', 'data': b'private'}])
            Invoice = pool.get('account.invoice')
            Invoice.create([{
                        'type': 'out', 'party': rider.party.id,
                        'company': company.id, 'currency': euro.id,
                        'account': receivable.id,
                        'description': f'INV-{login}',
                        'invoice_address': rider.party.addresses[0].id}])
            Note.create([{'resource': str(payslip),
                        'message': f"private-{login}"}, {
                        'resource': str(rider),
                        'message': f"employee-note-{login}"}])
            # A document of the person: on her party, which everyone reads
            Attachment.create([{'resource': str(rider.party),
                        'name': f'id-scan-{login}.pdf',
                        'type': 'data', 'data': b'identity card'}])
            data[login] = {
                'employee': rider.id, 'party': rider.party.id,
                'payslip': payslip.id, 'web_user': web_user.id}
        # A week's slot each rider said she can ride and applied for
        schedule, = pool.get('coop.dispatch.schedule').create([{
                    'company': company.id, 'week': dt.date(2026, 1, 5),
                    'slots': [('create', [{'date': dt.date(2026, 1, 5),
                                    'start': dt.time(11),
                                    'end': dt.time(14)}])]}])
        slot, = schedule.slots
        for model in ['coop.dispatch.availability',
                'coop.dispatch.application']:
            pool.get(model).create([{'company': company.id,
                        'rider': data[login]['employee'], 'slot': slot.id}
                    for login in ['awa', 'leo']])
        table = Payslip.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update([table.state], ['confirmed']))

        admin, = User.search([('login', '=', 'admin')])
        User.write([admin], {'password': PASSWORD,
                'email': 'administrator.user@example.org',
                'companies': [('add', [company.id])], 'company': company.id})
        values = []
        for role, groups in ROLES.items():
            if groups is None:
                continue
            value = {
                'login': role, 'name': role.title(), 'password': PASSWORD,
                'email': f'{role}.user@example.org',
                'companies': [('add', [company.id])], 'company': company.id,
                'groups': [('add', [ModelData.get_id(m, x)
                            for m, x in groups])],
                }
            if role == 'rider':
                value['employees'] = [('add', [data['awa']['employee']])]
                value['employee'] = data['awa']['employee']
            values.append(value)
        users = User.create(values) + [admin]
        data['admin'] = admin.id
        # A reset password waiting (setting a password clears it)
        table = User.__table__()
        cursor.execute(*table.update([table.password_reset], ['x' * 12],
                where=table.id == admin.id))
        pool.get('res.user.application').create([{
                    'user': u.id, 'application': 'timesheet'}
                for u in users])
    return data


# Each person's data the test plants, by kind, and the roles that may read
# it when it is someone else's (a rider is Awa: Léo's are someone else's)
CANARIES = {
    'street': ('7 street-{}', (
            'dispatcher', 'payroll', 'membership', 'accountant',
            'administrator')),
    'email': ('{}@example.com', (
            'dispatcher', 'payroll', 'membership', 'accountant',
            'administrator')),
    'other contact': ('other-{}', (
            'dispatcher', 'payroll', 'membership', 'accountant',
            'administrator')),
    'identifier': ('NIR-{}', (
            'payroll', 'membership', 'accountant', 'administrator')),
    'payslip': ('PAY-{}', ('payroll', 'administrator')),
    'attachment': ('note-{}.txt', ('payroll', 'administrator')),
    'note': ('private-{}', ('payroll', 'administrator')),
    'party attachment': ('id-scan-{}.pdf', (
            'payroll', 'membership', 'accountant', 'administrator')),
    'employee note': ('employee-note-{}', ('payroll', 'administrator')),
    'invoice': ('INV-{}', ('accountant', 'administrator')),
    }
IBANS = {
    'awa': ('FR76 3000 6000 0112 3456 7890 189', 'FR7630006000011234567890189'),
    'leo': ('FR14 2004 1010 0505 0001 3M02 606', 'FR1420041010050500013M02606'),
    }
PAY_ROLES = ('payroll', 'accountant', 'administrator')


def canaries_hidden_from(role):
    "The planted strings of other people that role must not read: {s: why}"
    people = ['leo'] if role == 'rider' else ['awa', 'leo']
    hidden = {}
    for person in people:
        for kind, (pattern, roles) in CANARIES.items():
            if role not in roles:
                hidden[pattern.format(person)] = f"{person}'s {kind}"
        if role not in PAY_ROLES:
            for number in IBANS[person]:
                hidden[number] = f"{person}'s IBAN"
        # The payroll reads the entries of payslips (Awa's), not Léo's
        # entered by hand
        if role not in ('accountant', 'administrator') and not (
                role == 'payroll' and person == 'awa'):
            hidden[f'MOVE-{person}'] = f"{person}'s journal entry"
    for other in ROLES:
        if other != role and role != 'administrator':
            hidden[f'{other}.user@example.org'] = f"{other}'s user e-mail"
    return hidden


def login_of(role):
    return 'admin' if ROLES[role] is None else role


class RoleMatrixTestCase(unittest.TestCase):
    "Every role reaches, over JSON-RPC, what the role matrix says and no more"
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        activate_suite()
        extras = {}
        while True:
            with Transaction().start(DB_NAME, 0, **extras) as transaction:
                try:
                    cls.data = populate()
                    transaction.commit()
                    break
                except TransactionError as error:
                    transaction.rollback()
                    error.fix(extras)
        cls.sessions = {r: RPC(login_of(r), PASSWORD) for r in EVERYONE}

    def ids(self, model, domain=None):
        "The ids of model's records as root sees them"
        # As the administrator without access checks (party balances are
        # the user's company's)
        with Transaction().start(DB_NAME, self.data['admin'], readonly=True,
                context={'company': self.data['company'],
                    'companies': [self.data['company']]}):
            Model = Pool().get(model)
            return sorted(r.id for r in Model.search(domain or []))

    def is_table_query(self, model):
        "Whether model is an SQL view (table_query) rather than a table"
        with Transaction().start(DB_NAME, 0, readonly=True):
            Model = Pool().get(model)
            return callable(Model.table_query) and (
                Model.table_query() is not None)

    def observe(self, role, model):
        "What role can do with model: its permissions string"
        rpc = self.sessions[role]
        perms = ''
        try:
            seen = sorted(r['id'] for r in
                rpc.model(model, 'search_read', [], 0, None, None, ['id']))
        except RPCError as error:
            self.assertTrue(error.access, error.error)
            seen = None
        if seen is not None and not self.ids(model):
            perms += 'r'  # no record to tell: the model's access decides
        elif seen:
            if seen == self.ids(model):
                perms += 'r'
            elif model in OWN and seen == self.ids(
                    model, OWN[model](self.data)):
                perms += 'o'
            elif (model, role) in OWN_BY_ROLE and seen == self.ids(
                    model, OWN_BY_ROLE[model, role](self.data)):
                perms += 'o'
            elif model in OWN_BY_LOGIN and seen == self.ids(
                    model, OWN_BY_LOGIN[model](login_of(role))):
                perms += 'o'
            else:
                perms += '?'
        targets = self.ids(model, TARGET.get(model, lambda d, r: [])(
                self.data, role))[:1]
        access, = rpc.model(
            'ir.model.access', 'get_access', [model]).values()
        if self.is_table_query(model):
            # A view of other tables: writing it is no operation at all
            # (NotImplementedError, a server error), its access records say
            return perms + ''.join(p for p, name in [
                    ('w', 'write'), ('c', 'create'), ('d', 'delete')]
                if access[name])
        for perm, method, args in [
                ('w', 'write', (targets, {})),
                ('c', 'create', (CREATE.get(model, lambda d: [])(
                            self.data),)),
                ('d', 'delete', (
                        targets if model in DELETE_TARGET else [],)),
                ]:
            try:
                rpc.model(model, method, *args)
            except RPCError as error:
                if error.access:
                    continue
                # Refused for another reason (users are never deleted):
                # the access records decide
                if not access[{'w': 'write', 'c': 'create',
                            'd': 'delete'}[perm]]:
                    continue
            perms += perm
        return perms

    def test_models(self):
        "Each role reads, writes, creates, deletes each model as the matrix"
        expected, observed = {}, {}
        for model, roles in MODELS.items():
            for role in EVERYONE:
                expected[model, role] = roles.get(role, '')
                observed[model, role] = self.observe(role, model)
        differences = [
            f"{model} as {role}: matrix {expected[model, role]!r}, "
            f"reached {observed[model, role]!r}"
            for model, role in expected
            if expected[model, role] != observed[model, role]]
        self.assertEqual(differences, [])

    def test_fields(self):
        "Sensitive fields are read and searched only by the matrix's roles"
        differences = []
        for (model, field), roles in FIELDS.items():
            domain = [(field, '!=', 0) if field in BALANCES
                else (field, '!=', None)]
            ids = self.ids(model, domain)[:1]
            self.assertTrue(ids, f"no {model} with a {field}")
            for role in EVERYONE:
                if not MODELS[model].get(role, '').strip('wcd'):
                    continue
                rpc = self.sessions[role]
                try:
                    value, = rpc.model(model, 'read', ids, [field])
                    read = value[field] not in (None, [])
                except RPCError as error:
                    self.assertTrue(error.access, error.error)
                    read = False
                try:
                    searched = bool(rpc.model(
                            model, 'search', domain, 0, None, None))
                except RPCError as error:
                    self.assertTrue(error.access, error.error)
                    searched = False
                if (read or searched) != (role in roles):
                    differences.append(
                        f"{model}.{field} as {role}: matrix {role in roles}"
                        f", read {read}, searched {searched}")
        self.assertEqual(differences, [])

    def test_records_read_whole(self):
        """A client reading a record whole, as proteus does (every eager
        field), is not refused over a sensitive field: those load lazily"""
        refused = []
        for model in sorted({model for model, _ in FIELDS}):
            ids = self.ids(model, [])[:1]
            for role in EVERYONE:
                if not MODELS[model].get(role, '').strip('wcd'):
                    continue
                rpc = self.sessions[role]
                eager = [f for f, d in rpc.model(
                        model, 'fields_get', None).items()
                    if d['loading'] == 'eager']
                try:
                    rpc.model(model, 'read', ids, eager)
                except RPCError as error:
                    refused.append(f"{model} as {role}: {error.error}")
        self.assertEqual(refused, [])

    def reachable(self, role, models=None):
        """What role reads of models (default: every model) over JSON-RPC:
        each model's latest records, every field it may read and the names
        of their relations, as JSON text per model"""
        rpc = self.sessions[role]
        with Transaction().start(DB_NAME, rpc.user_id, readonly=True):
            pool = Pool()
            names = sorted(name for name, Model in pool.iterobject()
                if 'search_read' in getattr(Model, '__rpc__', {})
                and (models is None or name in models))
            # fields_get lists the fields the role may not read too
            field_access = pool.get('ir.model.field.access').get_access(
                names)
        texts = {}
        for name in names:
            try:
                fields_ = rpc.model(name, 'fields_get', None)
            except RPCError as error:
                self.assertTrue(error.access, (name, error.error))
                continue
            plain = [f for f, d in fields_.items() if d['type'] != 'binary'
                and field_access[name].get(f, {}).get('read', True)]
            related = [f'{f}.rec_name' for f in plain if fields_[f]['type']
                in {'many2one', 'one2many', 'many2many', 'reference'}]
            for names_ in [plain + related, plain]:
                try:
                    rows = rpc.model(name, 'search_read', [], 0, 100,
                        [('id', 'DESC')], names_)
                except RPCError as error:
                    rows = None
                    if error.access:
                        continue
                    raise AssertionError((role, name, error.error))
                texts[name] = json.dumps(rows, cls=JSONEncoder,
                    ensure_ascii=False)
                break
        return texts

    def test_data_of_others_is_out_of_reach(self):
        """No role reads, through any model, field or relation's name, the
        data of another person its role does not need (named to run before
        test_models, whose deletes remove some of it)"""
        # The administrator reads everything: only the models where they
        # find a planted string can show one to another role (reading every
        # model as each role took minutes)
        everything = self.reachable('administrator')
        canaries = set().union(*map(canaries_hidden_from, EVERYONE))
        holding = {model for model, text in everything.items()
            if any(canary in text for canary in canaries)}
        self.assertTrue({'party.party', 'company.employee', 'res.user'}
            <= set(everything))
        self.assertTrue(holding)
        leaks = []
        for role in EVERYONE:
            hidden = canaries_hidden_from(role)
            if not hidden:
                continue  # the administrator's: everything
            texts = self.reachable(role, holding)
            # The probe reads what the role reads
            self.assertTrue(texts, role)
            for model, text in texts.items():
                for canary, what in hidden.items():
                    if canary in text:
                        leaks.append(f"{role} reads {what} in {model}")
        self.assertEqual(leaks, [])

    def test_menus(self):
        "Each role sees the menus of the matrix, and not the others"
        differences = []
        with Transaction().start(DB_NAME, 0, readonly=True):
            ModelData = Pool().get('ir.model.data')
            menus = {ModelData.get_id(m, x): (m, x) for m, x in MENUS}
        for role in EVERYONE:
            seen = set(self.sessions[role].model('ir.ui.menu', 'search',
                    [('id', 'in', list(menus))], 0, None, None))
            for menu_id, key in menus.items():
                if (menu_id in seen) != (role in MENUS[key]):
                    differences.append(f"{key[1]} ({key[0]}) as {role}: "
                        f"matrix {role in MENUS[key]}, shown {menu_id in seen}")
        self.assertEqual(differences, [])

    def test_company_party_is_the_administrators(self):
        """Only the administrator rewrites the company's own party: its
        name, its SIRET, its addresses"""
        company_party = self.data['company_party']
        with Transaction().start(DB_NAME, 0, readonly=True):
            siret, = Pool().get('party.identifier').search([
                    ('party', '=', company_party)])
            siret = siret.id
        for role in ['payroll', 'membership', 'accountant', 'administrator']:
            rpc = self.sessions[role]
            for model, method, args in [
                    ('party.party', 'write',
                        ([company_party], {'name': "Coop Vélo"})),
                    ('party.identifier', 'write',
                        ([siret], {'code': '73282932000074'})),
                    ('party.address', 'create',
                        ([{'party': company_party, 'street': "Ailleurs"}],)),
                    ]:
                with self.subTest(role=role, model=model, method=method):
                    if role == 'administrator':
                        if method == 'write':
                            rpc.model(model, method, *args)
                        continue
                    with self.assertRaises(RPCError) as raised:
                        rpc.model(model, method, *args)
                    self.assertTrue(raised.exception.access,
                        raised.exception.error)
        # Another party they still write (the matrix's w)
        self.sessions['payroll'].model('party.party', 'write',
            [self.data['leo']['party']], {'name': "Léo Martin"})

    def test_logins_are_not_searched_by_name(self):
        "A user's login is found out neither by reading nor by a name search"
        for role in EVERYONE:
            with self.subTest(role=role):
                found = self.sessions[role].model('res.user', 'search',
                    [('rec_name', '=', 'payroll')], 0, None, None)
                # The administrator finds the login; the name is 'Payroll'
                self.assertEqual(bool(found), role == 'administrator')

    def test_details_are_not_searched_through_relations(self):
        """A colleague's party is found neither by her details nor by a
        name search that looks into them (a search through a relation
        would apply no record rule)"""
        leo = self.data['leo']['party']
        for role in ['rider', 'dispatcher']:
            rpc = self.sessions[role]
            for model, domain in [
                    ('party.party', [('identifiers.code', '=', 'NIR-leo')]),
                    ('party.party', [('identifiers', 'where',
                                [('code', '=', 'NIR-leo')])]),
                    ('party.party', [('rec_name', 'ilike', 'NIR-leo%')]),
                    ('party.party', [('rec_name', 'ilike', 'other-leo%')]
                        if role == 'rider' else [('id', '=', -1)]),
                    ('party.party', [('contact_mechanisms.value', '=',
                                'leo@example.com')]
                        if role == 'rider' else [('id', '=', -1)]),
                    ('company.employee', [
                            ('party.identifiers.code', '=', 'NIR-leo')]),
                    ]:
                with self.subTest(role=role, domain=domain):
                    found = rpc.model(model, 'search', domain, 0, None, None)
                    self.assertEqual(found, [])
            # Her own, she finds
            if role == 'rider':
                self.assertEqual(rpc.model('party.party', 'search',
                        [('identifiers.code', '=', 'NIR-awa')], 0, None,
                        None), [self.data['awa']['party']])
        # The payroll finds Léo by his NIR
        self.assertEqual(self.sessions['payroll'].model('party.party',
                'search', [('identifiers.code', '=', 'NIR-leo')], 0, None,
                None), [leo])

    def test_bank_account_owners(self):
        """Who has a bank account is the payroll's and accounting's: the
        other roles neither read nor search a party's bank accounts"""
        leo = self.data['leo']['party']
        for role in EVERYONE:
            rpc = self.sessions[role]
            pay = role in {'payroll', 'accountant', 'administrator'}
            with self.subTest(role=role):
                # (bank.account-party.party itself answers no RPC)
                # By name: party's search_rec_name looks into bank numbers
                self.assertEqual(bool(rpc.model('party.party', 'search',
                            [('rec_name', 'ilike', 'FR14%')], 0, None,
                            None)), pay)
                if pay:
                    party, = rpc.model('party.party', 'read', [leo],
                        ['bank_accounts'])
                    self.assertTrue(party['bank_accounts'])
                    continue
                for call in [
                        ('read', [leo], ['bank_accounts']),
                        ('read', [leo], ['bank_accounts_used']),
                        ('search', [('bank_accounts', '!=', None)],
                            0, None, None),
                        ]:
                    with self.assertRaises(RPCError) as raised:
                        rpc.model('party.party', *call)
                    self.assertTrue(raised.exception.access,
                        raised.exception.error)

    def test_preferences_own_employee(self):
        "A user's preferences choose only among their own employees"
        # A fresh session: set_preferences wants one, and the class's are
        # old by now
        rider = self.sessions['rider'] = RPC(login_of('rider'), PASSWORD)
        with self.assertRaises(RPCError) as raised:
            rider.model('res.user', 'set_preferences',
                {'employee': self.data['leo']['employee']})
        self.assertFalse(raised.exception.access, raised.exception.error)
        # Not a preference: ignored
        rider.model('res.user', 'set_preferences',
            {'employees': [('add', [self.data['leo']['employee']])]})
        preferences = rider.model('res.user', 'get_preferences', False)
        self.assertEqual(preferences['employee'], self.data['awa']['employee'])
        self.assertEqual(preferences['employees'], [
                self.data['awa']['employee']])
        # The context can claim no one else either
        rider.context = dict(rider.context,
            employee=self.data['leo']['employee'])
        payslips = rider.model('coop.payroll.payslip', 'search_read', [],
            0, None, None, ['employee'])
        self.assertNotIn(self.data['leo']['employee'],
            {p['employee'] for p in payslips})
        rider.context = rider.model('res.user', 'get_preferences', True)

    def test_others_pay_through_reports_and_relations(self):
        """Another rider's pay is out of reach through a report, a related
        field or a search on one"""
        rider = self.sessions['rider']
        leo, awa = self.data['leo'], self.data['awa']
        # The payslip report on her own payslip, not on Léo's
        rider.call('report.coop.payroll.payslip.execute',
            [awa['payslip']], {}, rider.context)
        with self.assertRaises(RPCError) as raised:
            rider.call('report.coop.payroll.payslip.execute',
                [leo['payslip']], {}, rider.context)
        self.assertTrue(raised.exception.access, raised.exception.error)
        # Through Léo's employee and party
        for model, record, fields_ in [
                ('company.employee', leo['employee'], ['party.payable']),
                ('party.party', leo['party'], ['payable', 'receivable']),
                ('coop.payroll.payslip.line', None, []),
                ]:
            if record is None:
                continue
            with self.subTest(model=model, fields=fields_):
                with self.assertRaises(RPCError) as raised:
                    rider.model(model, 'read', [record], fields_)
                self.assertTrue(raised.exception.access)
        # Nor his bank accounts' numbers through his party (refused or
        # none)
        try:
            party, = rider.model('party.party', 'read', [leo['party']],
                ['bank_accounts.numbers'])
            self.assertFalse(party.get('bank_accounts.'))
            self.assertFalse(party.get('bank_accounts'))
        except RPCError as error:
            self.assertTrue(error.access, error.error)
        # Searching Léo's payslips by a related field finds nothing
        for domain in [
                [('employee', '=', leo['employee'])],
                [('employee.party', '=', leo['party'])],
                [('net_pay', '>', 0), ('employee', '!=', awa['employee'])],
                ]:
            with self.subTest(domain=domain):
                self.assertEqual(rider.model('coop.payroll.payslip',
                        'search', domain, 0, None, None), [])
        # Nor the lines of the payroll journal, nor bank accounts, through
        # the party
        for domain in [
                [('payable', '!=', 0)],
                [('bank_accounts.numbers.number', 'like', 'FR%')],
                ]:
            with self.subTest(domain=domain), self.assertRaises(RPCError):
                rider.model('party.party', 'search', domain, 0, None, None)
