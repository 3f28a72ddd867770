# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The monthly DSN of an establishment: built from the month's confirmed
payslips in the NEODeS text format, checked, filed

A declaration is a draft until it is checked: checking builds the file
from the payslips, stops at the first missing data (listing all of it, by
employee) or at the local checks of the norm (listing every failure with
the employee, the block and the field), and only then stores the file as
the declaration's attachment. A filed declaration is never changed: it is
corrected by a new declaration that cancels and replaces it.

Each block is written by a classmethod ``dsn_<block>`` returning
[(rubrique, value)], that a module extends with super().
"""
import datetime as dt
from collections import defaultdict, namedtuple
from decimal import ROUND_HALF_UP, Decimal

from stdnum.fr import nir as stdnum_nir
from stdnum.fr import siret as stdnum_siret

from sql import Column

from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import Transaction
from trytond.wizard import (
    Button, StateAction, StateTransition, StateView, Wizard)

from coop_tools.model import check_user_company, user_company_domain
from coop_tools.report import SIREN_TYPES, SIRET_TYPES, identifier

from .exceptions import CheckError, DeclarationError, MissingDataError
from .norm import Checker

CENT = Decimal('0.01')
KINDS = [
    ('01', "Normal"),
    ('03', "Cancels and Replaces"),
    ]
STATES = [
    ('draft', "Draft"),
    ('checked', "Checked"),
    ('filed', "Filed"),
    ]
COUNTED_STATES = ['confirmed', 'posted']
# Records read, ids searched at a time
CHUNK = 1000
# The payslip lines' fields the blocks read (DsnLine)
LINE_FIELDS = ['payslip', 'kind', 'code', 'payee', 'quantity', 'amount',
    'base', 'employee_amount', 'employer_amount']
DsnLine = namedtuple('DsnLine', ['id'] + LINE_FIELDS)
DsnLine.__doc__ = ("A payslip line's values the blocks read (payslip: "
    "its id)")
# The contribution codes' fields the bases read (DsnData.code_values)
DsnCode = namedtuple(
    'DsnCode', ['base_code', 'individual_code', 'ctp', 'qualifier'])


def dsn_date(date):
    return date.strftime('%d%m%Y') if date else None


def dsn_amount(value):
    return str(Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP))


def dsn_text(value):
    "A value as the text format allows it: one line, no quote"
    if value is None:
        return None
    return ' '.join(str(value).replace("'", ' ').split())


def compact(code):
    "An identifier's code without the spaces it is shown with"
    return ''.join((code or '').split())


def month_end(date):
    following = (date.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


class Declaration(Workflow, ModelSQL, ModelView):
    "Monthly social declaration (DSN) of an establishment"
    __name__ = 'coop.dsn.declaration'
    __string__ = "Monthly Declaration"

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    siret = fields.Char(
        "SIRET", size=14, required=True, states=_states,
        help="The establishment declared.")
    month = fields.Date(
        "Month", required=True, states=_states,
        help="The first day of the month declared.")
    nature = fields.Selection([
            ('01', "Monthly DSN"),
            ], "Nature", required=True, states=_states)
    kind = fields.Selection(
        KINDS, "Type", required=True, states=_states)
    replaces = fields.Many2One(
        'coop.dsn.declaration', "Replaces", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ('siret', '=', Eval('siret', '')),
            ('month', '=', Eval('month', None)),
            ('nature', '=', Eval('nature', '')),
            ('state', '=', 'filed'),
            ('id', '!=', Eval('id', -1)),
            ],
        states={
            'readonly': Eval('state') != 'draft',
            'required': Eval('kind') == '03',
            'invisible': Eval('kind') != '03',
            },
        help="The filed declaration this one cancels and replaces.")
    test = fields.Boolean(
        "Test File", states=_states,
        help="Sent as a test file, not declared for real.")
    state = fields.Selection(STATES, "State", readonly=True, required=True)
    filed_reference = fields.Char(
        "Filed Reference", size=23,
        states={
            'readonly': Eval('state') == 'filed',
            },
        help="The declaration's identifier in the receipt of net-entreprises"
        ", which a declaration cancelling and replacing it names.")
    filed_date = fields.Date("Filed On", readonly=True)
    employee_count = fields.Integer("Employees", readonly=True)
    urssaf_total = fields.Numeric(
        "URSSAF Total", digits=(16, 2), readonly=True)
    income_tax_total = fields.Numeric(
        "Income Tax Withheld", digits=(16, 2), readonly=True)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'checked'),
            ('checked', 'draft'),
            ('checked', 'filed'),
            }
        cls._buttons.update({
                'check': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': Eval('state') != 'checked',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'file': {
                    'invisible': Eval('state') != 'checked',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                })

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_state():
        return 'draft'

    @classmethod
    def default_nature(cls):
        return '01'

    @classmethod
    def default_kind(cls):
        return '01'

    @classmethod
    def default_test(cls):
        return False

    @fields.depends('company', 'siret')
    def on_change_company(self):
        if self.company and not self.siret:
            party = self.company.party
            self.siret = compact(identifier(
                    party, SIRET_TYPES, party.address_get())) or None

    def get_rec_name(self, name):
        return f'{self.siret} {self.month:%Y-%m}' if self.month else (
            self.siret or '')

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('month'):
            values['month'] = values['month'].replace(day=1)
        if values.get('siret'):
            values['siret'] = compact(values['siret'])
        return values

    @classmethod
    def check_modification(cls, mode, declarations, values=None,
            external=False):
        super().check_modification(
            mode, declarations, values=values, external=external)
        for declaration in declarations:
            if declaration.state != 'filed':
                continue
            if mode == 'delete':
                raise AccessError(gettext(
                        'coop_dsn.msg_declaration_delete_filed',
                        declaration=declaration.rec_name))
            if mode == 'write':
                raise AccessError(gettext(
                        'coop_dsn.msg_declaration_modify_filed',
                        declaration=declaration.rec_name))
        if mode == 'delete':
            for declaration in declarations:
                if declaration.state != 'draft':
                    raise AccessError(gettext(
                            'coop_dsn.msg_declaration_delete_draft',
                            declaration=declaration.rec_name))

    @classmethod
    def copy(cls, declarations, default=None):
        default = default.copy() if default is not None else {}
        for name in ['filed_reference', 'filed_date', 'employee_count',
                'urssaf_total', 'income_tax_total']:
            default.setdefault(name, None)
        default.setdefault('state', 'draft')
        return super().copy(declarations, default=default)

    @classmethod
    def validate_fields(cls, declarations, field_names):
        super().validate_fields(declarations, field_names)
        for declaration in declarations:
            if declaration.kind == '03' and not declaration.replaces:
                raise DeclarationError(gettext(
                        'coop_dsn.msg_declaration_replaces_required',
                        declaration=declaration.rec_name))

    # Workflow

    @classmethod
    @ModelView.button
    @Workflow.transition('checked')
    def check(cls, declarations):
        """Build and check each declaration's file, and store it: nothing
        is stored unless every declaration passes"""
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        results = [(d, d.build()) for d in declarations]
        failures = []
        for declaration, (text, summary) in results:
            failures.extend(
                (declaration, f) for f in Checker(text).check())
        if failures:
            raise CheckError(gettext(
                    'coop_dsn.msg_declaration_check_failed',
                    failures='\n'.join(
                        cls.failure_text(d, f) for d, f in failures)))
        Attachment.delete(Attachment.search([
                    ('resource', 'in', [str(d) for d in declarations]),
                    ]))
        Attachment.create([{
                    'resource': str(d),
                    'name': d.file_name,
                    'type': 'data',
                    'data': text.encode('latin-1'),
                    } for d, (text, _) in results])
        to_write = []
        for declaration, (_, summary) in results:
            to_write.extend(([declaration], summary))
        if to_write:
            cls.write(*to_write)

    @classmethod
    def failure_text(cls, declaration, failure):
        place = gettext('coop_dsn.msg_check_place',
            employee=failure.employee or declaration.siret,
            block=failure.block,
            field=failure.field or '-')
        detail = gettext(f'coop_dsn.{failure.message}', **failure.values)
        return f'{place}: {detail}'

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, declarations):
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        Attachment.delete(Attachment.search([
                    ('resource', 'in', [str(d) for d in declarations]),
                    ]))

    @classmethod
    @ModelView.button
    @Workflow.transition('filed')
    def file(cls, declarations):
        pool = Pool()
        Date = pool.get('ir.date')
        cls.write(declarations, {'filed_date': Date.today()})

    @classmethod
    def month_declaration(cls, company, month, siret=None, test=False,
            save=True):
        """The month's declaration of the establishment (the company's SIRET
        by default) that is not filed yet, else a new one, cancelling and
        replacing the last one filed; saved if save"""
        party = company.party
        siret = compact(siret) or compact(
            identifier(party, SIRET_TYPES, party.address_get()))
        if not siret:
            raise DeclarationError(gettext(
                    'coop_dsn.msg_declaration_no_siret',
                    company=company.rec_name))
        month = month.replace(day=1)
        declarations = cls.search([
                ('company', '=', company.id),
                ('siret', '=', siret),
                ('month', '=', month),
                ('nature', '=', '01'),
                ], order=[('id', 'DESC')])
        for declaration in declarations:
            if declaration.state != 'filed':
                if (save and declaration.test != test
                        and declaration.state == 'draft'):
                    declaration.test = test
                    declaration.save()
                return declaration
        filed = [d for d in declarations if d.state == 'filed']
        declaration = cls(
            company=company, siret=siret, month=month, nature='01',
            test=test, kind='03' if filed else '01', state='draft',
            replaces=filed[0] if filed else None)
        if save:
            declaration.save()
        return declaration

    @property
    def file_name(self):
        return f'DSN-{self.siret}-{self.month:%Y%m}-{self.id}.dsn'

    @property
    def attachment(self):
        Attachment = Pool().get('ir.attachment')
        attachments = Attachment.search([('resource', '=', str(self))])
        return attachments[0] if attachments else None

    @property
    def text(self):
        "The stored file's text"
        attachment = self.attachment
        return attachment.data.decode('latin-1') if attachment else None

    # Building

    def build(self):
        """The file's text and the declaration's summary values; raise
        MissingDataError listing every missing item"""
        data = self.dsn_data()
        lines = self.dsn_lines(data)
        text = ''.join(f"{code},'{value}'\n" for code, value in lines)
        return text, {
            'employee_count': len(data.employees),
            'urssaf_total': data.totals.get(data.urssaf, Decimal(0)),
            'income_tax_total': sum(
                (e.payslip.income_tax or 0 for e in data.employees),
                Decimal(0)),
            }

    def dsn_payslips(self):
        "The month's payslips of the establishment, not corrected"
        Payslip = Pool().get('coop.payroll.payslip')
        return Payslip.search([
                ('company', '=', self.company.id),
                ('start_date', '=', self.month),
                ('state', 'in', COUNTED_STATES),
                ('reversal_of', '=', None),
                ('corrected', '=', False),
                ], order=[('employee', 'ASC'), ('id', 'ASC')])

    def dsn_data(self):
        pool = Pool()
        Configuration = pool.get('coop.payroll.configuration')
        Code = pool.get('coop.dsn.code')
        Parameter = pool.get('coop.payroll.parameter')
        Payslip = pool.get('coop.payroll.payslip')
        data = DsnData(self)
        data.config = Configuration.of_company(self.company)
        data.codes = Code.contributions()
        data.settings = Code.settings()
        data.parameters = Parameter.values_at(data.end)
        self.dsn_check_establishment(data)
        data.covers = self.dsn_covers(data)
        payslips = self.dsn_payslips()
        lines = self.dsn_payslip_lines(payslips)
        # Re-read in small groups: a record checks itself against the whole
        # list it was read with (see Payslip._chunks)
        for sub_payslips in Payslip._chunks(payslips):
            for payslip in sub_payslips:
                data.employees.append(
                    self.dsn_employee(data, payslip, lines[payslip.id]))
        if data.missing:
            raise MissingDataError(gettext(
                    'coop_dsn.msg_declaration_missing_data',
                    declaration=self.rec_name,
                    items='\n'.join(
                        f'{who}: {what}' for who, what in data.missing)))
        return data

    def dsn_check_establishment(self, data):
        "The establishment's identifiers and settings, or missing items"
        config = data.config
        party = self.company.party
        who = gettext('coop_dsn.msg_item_establishment', siret=self.siret)
        data.siren = compact(identifier(party, SIREN_TYPES)) or (
            self.siret or '')[:9]
        if not stdnum_siret.is_valid(self.siret or ''):
            data.missing.append((who, gettext('coop_dsn.msg_item_siret')))
        data.address = party.address_get()
        if not data.address or not data.address.postal_code:
            data.missing.append((who, gettext('coop_dsn.msg_item_address')))
        for name in ['dsn_naf', 'dsn_urssaf', 'dsn_atmp_code',
                'dsn_contact_name', 'dsn_contact_email']:
            if not getattr(config, name):
                data.missing.append((who, gettext(
                            'coop_dsn.msg_item_setting',
                            setting=config.__class__._fields[name].string)))
        data.urssaf = config.dsn_urssaf or ''

    def dsn_covers(self, data):
        "The company's covers in force at the month's end"
        Cover = Pool().get('coop.payroll.health_cover')
        covers = Cover.search([
                ('company', '=', self.company.id),
                ('start_date', '<=', data.end),
                ['OR',
                    ('end_date', '=', None),
                    ('end_date', '>=', data.end),
                    ],
                ], order=[('id', 'ASC')])
        who = gettext('coop_dsn.msg_item_establishment', siret=self.siret)
        for cover in covers:
            if not cover.reference:
                data.missing.append((who, gettext(
                            'coop_dsn.msg_item_cover_reference',
                            cover=cover.rec_name)))
            if not cover.insurer_code:
                data.missing.append((who, gettext(
                            'coop_dsn.msg_item_insurer_code',
                            cover=cover.rec_name)))
        return covers

    def dsn_payslip_lines(self, payslips):
        """{payslip id: its lines in order}, read at once: DsnLine values
        of the fields the blocks read (LINE_FIELDS), not records, for a
        month of lines (some 60 a payslip) read through the ORM took most
        of the build (2026-12-04, 500 riders)"""
        Line = Pool().get('coop.payroll.payslip.line')
        table = Line.__table__()
        cursor = Transaction().connection.cursor()
        sqlite = backend.name == 'sqlite'
        columns = []
        for name in LINE_FIELDS:
            column = Column(table, name).as_(name)
            if sqlite:
                # As ModelSQL.read: the column's type converts its value
                column.output_name += (
                    ' [%s]' % Line._fields[name].sql_type().base)
            columns.append(column)
        lines = defaultdict(list)
        # grouped_slice without a size takes one id at a time (trytond 8)
        for sub_ids in grouped_slice([p.id for p in payslips], CHUNK):
            # The search orders them and applies the record rules: only its
            # query, run here, as records instantiated by the thousand each
            # check the whole list (the square of its length)
            cursor.execute(*Line.search(
                    [('payslip', 'in', list(sub_ids))],
                    order=[('payslip', 'ASC'), ('sequence', 'ASC'),
                        ('id', 'ASC')], query=True))
            ids = [id_ for id_, in cursor]
            rows = {}
            for sub_line_ids in grouped_slice(ids, CHUNK):
                cursor.execute(*table.select(Column(table, 'id'), *columns,
                        where=reduce_ids(table.id, sub_line_ids)))
                for row in cursor:
                    rows[row[0]] = DsnLine(*row)
            for id_ in ids:
                line = rows[id_]
                lines[line.payslip].append(line)
        return lines

    def dsn_employee(self, data, payslip, lines):
        """The employee's data of a payslip and its lines, its missing
        items in data"""
        employee = payslip.employee
        contract = payslip.contract
        nir, address, missing = self.dsn_person(employee, contract)
        # The employee's name (a Function field) only when missing items
        unknown_codes = []
        for line in lines:
            if (line.kind in {'contribution', 'reduction'}
                    and line.payee != 'tax'
                    and line.code not in data.codes):
                unknown_codes.append(line.code)
            if (line.payee == 'retirement'
                    and not data.config.dsn_retirement_body
                    and 'msg_item_retirement' not in missing):
                missing.append('msg_item_retirement')
        if unknown_codes or missing:
            who = employee.rec_name
            data.missing.extend((who, gettext(
                        'coop_dsn.msg_item_code', code=code))
                for code in unknown_codes)
            data.missing.extend(
                (who, gettext(f'coop_dsn.{m}')) for m in missing)
        return DsnEmployee(payslip, employee, contract, nir[:13], address,
            lines)

    def dsn_person(self, employee, contract):
        """The employee's NIR and address, and the messages of the items
        missing of the employee and the contract"""
        missing = []
        nir = compact(identifier(employee.party, ('fr_nir',)))
        if not nir:
            missing.append('msg_item_nir')
        elif not stdnum_nir.is_valid(nir):
            missing.append('msg_item_nir_key')
        elif nir[5:7] == '99':
            missing.append('msg_item_birth_abroad')
        for name in ['last_name', 'first_names', 'birth_date', 'birth_place']:
            if not getattr(employee, name):
                missing.append(f'msg_item_{name}')
        address = employee.party.address_get()
        if not address or not address.postal_code:
            missing.append('msg_item_address')
        if not contract or not contract.dsn_number:
            missing.append('msg_item_contract_number')
        elif contract.kind == 'fixed_term' and not contract.dsn_reason:
            missing.append('msg_item_contract_reason')
        return nir, address, missing

    def dsn_lines(self, data):
        "Every rubrique of the file, in the norm's order"
        # The individuals first: their contributions make the aggregates
        individuals = []
        for index, employee in enumerate(data.employees, 1):
            employee.index = index
            individuals += self.dsn_individual(data, employee)
            individuals += self.dsn_contract(data, employee)
            individuals += self.dsn_affiliations(data, employee)
            individuals += self.dsn_payment(data, employee)
            individuals += self.dsn_pay_items(data, employee)
            individuals += self.dsn_other_income(data, employee)
            individuals += self.dsn_net_items(data, employee)
            individuals += self.dsn_bases(data, employee)
        lines = (self.dsn_sender(data)
            + self.dsn_declaration(data)
            + self.dsn_company(data)
            + self.dsn_establishment(data)
            + self.dsn_adhesions(data)
            + self.dsn_body_payments(data)
            + self.dsn_aggregates(data)
            + individuals)
        lines = [(c, dsn_text(v)) for c, v in lines if v not in {None, ''}]
        return lines + self.dsn_totals(data, lines)

    def dsn_setting(self, data, key):
        return data.settings.get(key, '')

    def dsn_sender(self, data):
        "S10.G00.00 envoi, S10.G00.01 émetteur, S10.G00.02 contact"
        config = data.config
        address = data.address
        return [
            ('S10.G00.00.001', self.dsn_setting(data, 'software_name')),
            ('S10.G00.00.002', self.dsn_setting(data, 'software_publisher')),
            ('S10.G00.00.003', self.dsn_setting(data, 'software_version')),
            ('S10.G00.00.005', '01' if self.test else '02'),
            ('S10.G00.00.006', self.dsn_setting(data, 'norm_version')),
            ('S10.G00.00.007', '01'),
            ('S10.G00.00.008', '01'),
            ('S10.G00.01.001', data.siren),
            ('S10.G00.01.002', self.siret[9:]),
            ('S10.G00.01.003', self.company.party.name[:60]),
            ('S10.G00.01.004', _street(address)),
            ('S10.G00.01.005', address.postal_code),
            ('S10.G00.01.006', address.city),
            ('S10.G00.02.002', config.dsn_contact_name),
            ('S10.G00.02.004', config.dsn_contact_email),
            ('S10.G00.02.005', config.dsn_contact_phone),
            ]

    def dsn_declaration(self, data):
        "S20.G00.05 déclaration"
        replaced = None
        if self.kind == '03':
            replaced = self.replaces.filed_reference
            if not replaced:
                raise DeclarationError(gettext(
                        'coop_dsn.msg_declaration_replaced_reference',
                        declaration=self.rec_name,
                        replaced=self.replaces.rec_name))
        kind = self.kind
        if not data.employees:
            # Normal or cancels and replaces "sans individu"
            kind = {'01': '02', '03': '05'}[kind]
        return [
            ('S20.G00.05.001', self.nature),
            ('S20.G00.05.002', kind),
            ('S20.G00.05.003', '11'),
            ('S20.G00.05.004', str(self.id or 0)),
            ('S20.G00.05.005', dsn_date(self.month)),
            ('S20.G00.05.006', replaced),
            ('S20.G00.05.007', dsn_date(data.today)),
            ('S20.G00.05.008', '01'),
            ('S20.G00.05.010', '01'),
            ]

    def dsn_company(self, data):
        "S21.G00.06 entreprise"
        address = data.address
        return [
            ('S21.G00.06.001', data.siren),
            ('S21.G00.06.002', self.siret[9:]),
            ('S21.G00.06.003', data.config.dsn_naf),
            ('S21.G00.06.004', _street(address)),
            ('S21.G00.06.005', address.postal_code),
            ('S21.G00.06.006', address.city),
            ]

    def dsn_establishment(self, data):
        "S21.G00.11 établissement"
        address = data.address
        return [
            ('S21.G00.11.001', self.siret[9:]),
            ('S21.G00.11.002', data.config.dsn_naf),
            ('S21.G00.11.003', _street(address)),
            ('S21.G00.11.004', address.postal_code),
            ('S21.G00.11.005', address.city),
            ('S21.G00.11.017', '01'),
            ('S21.G00.11.022', data.config.dsn_idcc or '9999'),
            ]

    def dsn_adhesions(self, data):
        "S21.G00.15 adhésion prévoyance, a block per cover"
        lines = []
        for index, cover in enumerate(data.covers, 1):
            lines += [
                ('S21.G00.15.001', cover.reference),
                ('S21.G00.15.002', cover.insurer_code),
                ('S21.G00.15.004', '01'),
                ('S21.G00.15.005', f'{index:03}'),
                ]
        return lines

    def dsn_body_payments(self, data):
        """S21.G00.20 versement, a block per body paid through the DSN:
        URSSAF and the complementary pension institution"""
        lines = []
        for body in [data.urssaf, data.config.dsn_retirement_body]:
            if not body or body not in data.totals:
                continue
            lines += [
                ('S21.G00.20.001', body),
                ('S21.G00.20.005', dsn_amount(data.totals[body])),
                ('S21.G00.20.006', dsn_date(self.month)),
                ('S21.G00.20.007', dsn_date(data.end)),
                ('S21.G00.20.010', self.dsn_setting(data, 'payment_mode')),
                ]
        return lines

    def dsn_aggregates(self, data):
        """S21.G00.22 bordereau and S21.G00.23 aggregated contributions of
        URSSAF, per contribution code (CTP) and base qualifier"""
        if data.urssaf not in data.totals:
            return []
        lines = [
            ('S21.G00.22.001', data.urssaf),
            ('S21.G00.22.003', dsn_date(self.month)),
            ('S21.G00.22.004', dsn_date(data.end)),
            ('S21.G00.22.005', dsn_amount(data.totals[data.urssaf])),
            ]
        for (ctp, qualifier), (base, amount) in sorted(
                data.aggregates.items()):
            lines += [
                ('S21.G00.23.001', ctp),
                ('S21.G00.23.002', qualifier),
                ('S21.G00.23.004', dsn_amount(base)),
                ('S21.G00.23.005', dsn_amount(amount)),
                ]
        return lines

    def dsn_individual(self, data, e):
        "S21.G00.30 individu"
        nir = e.nir
        return [
            ('S21.G00.30.001', nir),
            ('S21.G00.30.002', e.employee.last_name),
            ('S21.G00.30.004', e.employee.first_names),
            ('S21.G00.30.005', '02' if nir[:1] in {'2', '4', '8'} else '01'),
            ('S21.G00.30.006', dsn_date(e.employee.birth_date)),
            ('S21.G00.30.007', e.employee.birth_place),
            ('S21.G00.30.008', _street(e.address)),
            ('S21.G00.30.009', e.address.postal_code),
            ('S21.G00.30.010', e.address.city),
            ('S21.G00.30.014', nir[5:7]),
            ('S21.G00.30.019', e.employee.party.code),
            ]

    def dsn_contract(self, data, e):
        "S21.G00.40 contrat"
        contract = e.contract
        p = data.parameters
        legal = p['LEGAL_WEEKLY_HOURS']
        rate = data.config.atmp_rate
        if rate is None:
            rate = p.get('ATMP_PAT')
        return [
            ('S21.G00.40.001', dsn_date(contract.start_date)),
            ('S21.G00.40.002', self.dsn_setting(data, 'contract_status')),
            ('S21.G00.40.003', self.dsn_setting(data, 'retirement_status')),
            ('S21.G00.40.004', self.dsn_setting(data, 'pcs_ese')),
            ('S21.G00.40.006', contract.job),
            ('S21.G00.40.007',
                '02' if contract.kind == 'fixed_term' else '01'),
            ('S21.G00.40.008', '99'),
            ('S21.G00.40.009', contract.dsn_number),
            ('S21.G00.40.010', dsn_date(contract.end_date)
                if contract.kind == 'fixed_term' else None),
            ('S21.G00.40.011', '10'),
            ('S21.G00.40.012', dsn_amount(legal * 52 / 12)),
            ('S21.G00.40.013', dsn_amount(contract.weekly_hours * 52 / 12)),
            ('S21.G00.40.014',
                '10' if contract.weekly_hours >= legal else '20'),
            ('S21.G00.40.016', '99'),
            ('S21.G00.40.017', data.config.dsn_idcc or '9999'),
            ('S21.G00.40.018', '200'),
            ('S21.G00.40.019', self.siret),
            ('S21.G00.40.020', '200'),
            ('S21.G00.40.021', contract.dsn_reason
                if contract.kind == 'fixed_term' else None),
            ('S21.G00.40.024', '99'),
            ('S21.G00.40.036', '03'),
            ('S21.G00.40.037', '03'),
            ('S21.G00.40.039', '200'),
            ('S21.G00.40.040', data.config.dsn_atmp_code),
            ('S21.G00.40.043', dsn_amount(rate) if rate is not None
                else None),
            ]

    def dsn_affiliations(self, data, e):
        """S21.G00.70 affiliation to each cover the employee contributes to,
        S21.G00.71 the complementary pension scheme"""
        lines = []
        for index, cover in enumerate(data.covers, 1):
            if cover.kind.upper() not in {l.code for l in e.lines}:
                continue
            lines += [
                ('S21.G00.70.012', f'{index:03}'),
                ('S21.G00.70.013', f'{index:03}'),
                ('S21.G00.70.014', dsn_date(
                        max(cover.start_date, e.contract.start_date))),
                ]
        if any(l.payee == 'retirement' for l in e.lines):
            lines.append((
                    'S21.G00.71.002',
                    self.dsn_setting(data, 'retirement_scheme')))
        return lines

    def dsn_payment(self, data, e):
        "S21.G00.50 versement individu, with the income tax at source"
        payslip = e.payslip
        personalised = payslip.income_tax_origin == 'personalised'
        return [
            ('S21.G00.50.001', dsn_date(payslip.payment_date)),
            ('S21.G00.50.002', dsn_amount(payslip.taxable_net)),
            ('S21.G00.50.004', dsn_amount(payslip.net_pay)),
            ('S21.G00.50.006', dsn_amount(payslip.income_tax_rate)),
            ('S21.G00.50.007', self.dsn_setting(data,
                    'pas_rate_personalised' if personalised
                    else 'pas_rate_neutral')),
            ('S21.G00.50.009', dsn_amount(payslip.income_tax)),
            ('S21.G00.50.013', dsn_amount(payslip.taxable_net)),
            ]

    def dsn_pay_items(self, data, e):
        """S21.G00.51 rémunération: the base salary, the overtime and extra
        hours, the gross pay and the unemployment insurance's gross"""
        payslip = e.payslip
        start = payslip.start_date
        end = month_end(start)
        number = e.contract.dsn_number
        base = [l for l in e.lines if l.kind == 'earning' and l.code == 'BASE']
        extra = [l for l in e.lines
            if l.kind == 'earning' and (l.code or '').startswith('EXTRA')]
        items = []
        if base:
            items.append(('pay_item_base',
                    sum((l.quantity or 0 for l in base), Decimal(0)),
                    sum((l.amount or 0 for l in base), Decimal(0))))
        if extra:
            items.append(('pay_item_overtime',
                    sum((l.quantity or 0 for l in extra), Decimal(0)),
                    sum((l.amount or 0 for l in extra), Decimal(0))))
        items.append(('pay_item_gross', None, payslip.gross))
        items.append(('pay_item_unemployment', None, payslip.gross))
        lines = []
        for key, hours, amount in items:
            lines += [
                ('S21.G00.51.001', dsn_date(start)),
                ('S21.G00.51.002', dsn_date(end)),
                ('S21.G00.51.010', number),
                ('S21.G00.51.011', self.dsn_setting(data, key)),
                ('S21.G00.51.012',
                    dsn_amount(hours) if hours is not None else None),
                ('S21.G00.51.013', dsn_amount(amount)),
                ]
        return lines

    def dsn_other_income(self, data, e):
        "S21.G00.54 autre élément de revenu brut: the mobility allowance"
        amount = sum((l.amount or 0 for l in e.lines
                if l.kind == 'allowance' and l.code == 'FMD'), Decimal(0))
        if not amount:
            return []
        return [
            ('S21.G00.54.001', self.dsn_setting(data, 'mobility_item')),
            ('S21.G00.54.002', dsn_amount(amount)),
            ('S21.G00.54.003', dsn_date(data.month)),
            ('S21.G00.54.004', dsn_date(data.end)),
            ('S21.G00.54.005', e.contract.dsn_number),
            ]

    def dsn_net_items(self, data, e):
        """S21.G00.58 élément de revenu calculé en net: the montant net
        social and the overtime exempt from income tax"""
        payslip = e.payslip
        lines = []
        for key, amount in [
                ('overtime_exempt_item', payslip.overtime_exempt),
                ('net_social_item', payslip.net_social)]:
            if not amount:
                continue
            lines += [
                ('S21.G00.58.001', dsn_date(data.month)),
                ('S21.G00.58.002', dsn_date(data.end)),
                ('S21.G00.58.003', self.dsn_setting(data, key)),
                ('S21.G00.58.004', dsn_amount(amount)),
                ]
        return lines

    def dsn_bases(self, data, e):
        """S21.G00.78 bases, each with its S21.G00.79 components and its
        S21.G00.81 individual contributions; adds them to data's totals"""
        payslip = e.payslip
        groups = defaultdict(lambda: defaultdict(
                lambda: [Decimal(0), Decimal(0)]))
        covers = {c.kind.upper(): (i, c)
            for i, c in enumerate(data.covers, 1)}
        bases = defaultdict(Decimal)
        for line in e.lines:
            if (line.kind not in {'contribution', 'reduction'}
                    or line.payee == 'tax'):
                continue
            code = data.code_values(line.code)
            body = self.dsn_body(data, line, covers)
            affiliation = None
            if code.base_code == '31' and line.code in covers:
                affiliation = f'{covers[line.code][0]:03}'
            key = (code.base_code, affiliation)
            amount = line.employee_amount + line.employer_amount
            base = line.base if line.base is not None else payslip.gross
            item = groups[key][code.individual_code, body]
            item[0] = max(item[0], base)
            item[1] += amount
            bases[key] = max(bases[key], base)
            data.totals[body or data.urssaf] += amount
            if code.ctp and not body:
                aggregate = data.aggregates.setdefault(
                    (code.ctp, code.qualifier), [Decimal(0), Decimal(0)])
                aggregate[1] += amount
                e.ctp_bases[code.ctp, code.qualifier] = max(
                    e.ctp_bases.get((code.ctp, code.qualifier), 0), base)
        for key, base in e.ctp_bases.items():
            data.aggregates[key][0] += base
        lines = []
        for (base_code, affiliation), items in sorted(
                groups.items(), key=lambda i: (i[0][0], i[0][1] or '')):
            amount = payslip.gross if base_code == '03' else bases[
                base_code, affiliation]
            lines += [
                ('S21.G00.78.001', base_code),
                ('S21.G00.78.002', dsn_date(data.month)),
                ('S21.G00.78.003', dsn_date(data.end)),
                ('S21.G00.78.004', dsn_amount(amount)),
                ('S21.G00.78.005', affiliation),
                ('S21.G00.78.006', e.contract.dsn_number
                    if affiliation else None),
                ]
            if base_code == '03' and payslip.rgdu:
                lines += [
                    ('S21.G00.79.001',
                        self.dsn_setting(data, 'rgdu_smic_component')),
                    ('S21.G00.79.004', dsn_amount(payslip.rgdu_smic)),
                    ]
            for (individual, body), (base, amount) in sorted(
                    items.items()):
                lines += [
                    ('S21.G00.81.001', individual),
                    ('S21.G00.81.002', body),
                    ('S21.G00.81.003', dsn_amount(base)),
                    ('S21.G00.81.004', dsn_amount(amount)),
                    ]
        return lines

    def dsn_body(self, data, line, covers):
        """The identifier of the body a line is declared to in S21.G00.81.002
        (None for URSSAF, which the bordereau names)"""
        if line.payee == 'retirement':
            return data.config.dsn_retirement_body
        if line.code in covers:
            return covers[line.code][1].insurer_code
        return None

    def dsn_totals(self, data, lines):
        "S90.G00.90 total de l'envoi: its count includes its own two"
        return [
            ('S90.G00.90.001', str(len(lines) + 2)),
            ('S90.G00.90.002', '1'),
            ]


class DeclareStart(ModelView):
    "Monthly Declaration"
    __name__ = 'coop.dsn.declare.start'
    __string__ = "Monthly Declaration"

    company = fields.Many2One('company.company', "Company", required=True,
        domain=user_company_domain())
    siret = fields.Char(
        "SIRET", size=14, required=True,
        help="The establishment declared.")
    month = fields.Date(
        "Month", required=True, help="A day of the month declared.")
    test = fields.Boolean(
        "Test File", help="Sent as a test file, not declared for real.")

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def default_siret(cls):
        pool = Pool()
        Company = pool.get('company.company')
        company = cls.default_company()
        if company is not None and company >= 0:
            party = Company(company).party
            return compact(identifier(
                    party, SIRET_TYPES, party.address_get())) or None

    @classmethod
    def default_month(cls):
        "The month before today's"
        Date = Pool().get('ir.date')
        return (Date.today().replace(day=1) - dt.timedelta(days=1)
            ).replace(day=1)

    @classmethod
    def default_test(cls):
        return False


class Declare(Wizard):
    """Build and check the month's declaration of an establishment and
    store its file (the month's draft or checked one, else a new one that
    cancels and replaces the last filed)"""
    __name__ = 'coop.dsn.declare'

    start = StateView('coop.dsn.declare.start',
        'coop_dsn.declare_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Build and Check", 'declare', 'tryton-ok', default=True),
            ])
    declare = StateTransition()
    open_ = StateAction('coop_dsn.act_declaration_form')

    def transition_declare(self):
        pool = Pool()
        Declaration = pool.get('coop.dsn.declaration')
        # The wizard runs without the user's record rules: another coop's
        # declaration is refused before anything is read or written
        check_user_company(
            self.start.company, 'coop_dsn.msg_company_not_allowed')
        declaration = Declaration.month_declaration(
            self.start.company, self.start.month, self.start.siret,
            self.start.test)
        if declaration.state == 'checked':
            Declaration.draft([declaration])
        Declaration.check([declaration])
        self.start.siret = declaration.siret
        return 'open_'

    def do_open_(self, action):
        pool = Pool()
        Declaration = pool.get('coop.dsn.declaration')
        declaration, = Declaration.search([
                ('company', '=', self.start.company.id),
                ('siret', '=', compact(self.start.siret)),
                ('month', '=', self.start.month.replace(day=1)),
                ('nature', '=', '01'),
                ('state', '=', 'checked'),
                ], order=[('id', 'DESC')], limit=1)
        action['res_id'] = [declaration.id]
        action['views'].reverse()
        return action, {}


class DsnData:
    "What the blocks of a declaration read, gathered once"

    def __init__(self, declaration):
        pool = Pool()
        Date = pool.get('ir.date')
        self.declaration = declaration
        self.month = declaration.month
        self.end = month_end(declaration.month)
        self.today = Date.today()
        self.missing = []
        self.employees = []
        self.covers = []
        # {body: amount} of the individual contributions
        self.totals = defaultdict(Decimal)
        # {(ctp, qualifier): [base, amount]} of URSSAF
        self.aggregates = {}
        self._code_values = {}

    def code_values(self, key):
        """The DsnCode values of codes[key], read once: a record's field
        read costs some 20 µs, and a month has some 20,000 contributions"""
        values = self._code_values.get(key)
        if values is None:
            code = self.codes[key]
            values = self._code_values[key] = DsnCode(*(
                    getattr(code, name) for name in DsnCode._fields))
        return values


class DsnEmployee:
    "A payslip's employee, contract and lines"

    def __init__(self, payslip, employee, contract, nir, address, lines):
        self.payslip = payslip
        self.employee = employee
        self.contract = contract
        self.nir = nir
        self.address = address
        self.lines = lines
        self.index = None
        self.ctp_bases = {}


def _street(address):
    if not address:
        return None
    street = getattr(address, 'street', None) or ''
    return street.splitlines()[0] if street else None


class Attachment(metaclass=PoolMeta):
    __name__ = 'ir.attachment'

    @classmethod
    def check_modification(cls, mode, attachments, values=None,
            external=False):
        super().check_modification(
            mode, attachments, values=values, external=external)
        pool = Pool()
        Declaration = pool.get('coop.dsn.declaration')
        ids = [a.resource.id for a in attachments
            if getattr(a.resource, '__name__', None) == Declaration.__name__]
        if mode == 'create' or not ids:
            return
        for declaration in Declaration.browse(ids):
            if declaration.state == 'filed':
                raise AccessError(gettext(
                        'coop_dsn.msg_declaration_modify_filed',
                        declaration=declaration.rec_name))
