# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Income tax withheld at source (prélèvement à la source, CGI art. 204 H)

The tax office sends each employee's personalised rate in its return to the
DSN (the « compte rendu métier »); until one is known, the neutral grid of
the employee's territory applies to the month's taxable net. Both are dated
data. Rates are imported from a CSV file of the columns ``employee`` (the
code of the employee's party), ``rate`` (in %, a dot or a comma for the
decimals) and ``start_date`` (YYYY-MM-DD); coop_dsn reads the tax office's
own return (the CRM, an XML report of net-entreprises). Both store the
rates through ``Rate.store_rates``: a file with an unknown employee or a
bad line is refused whole, each line with its reason (coop_tools.imports.
LineError), and a rate already recorded is not recorded again.
"""
import datetime as dt
from collections import namedtuple
from decimal import Decimal, InvalidOperation

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from coop_tools import csvfile
from coop_tools.imports import LineError
from coop_tools.model import check_user_company, user_company_domain

from .exceptions import IncomeTaxError, IncomeTaxImportError

GRIDS = [
    ('metropole', "Metropolitan France"),
    ('drom_1', "Guadeloupe, Martinique, La Réunion"),
    ('drom_2', "Guyane, Mayotte"),
    ]
COLUMNS = ['employee', 'rate', 'start_date']
# A rate an import read: where in its file, for whom, how much (%), from when
RateRow = namedtuple('RateRow', ['line', 'employee', 'rate', 'start_date'])


class Bracket(ModelSQL, ModelView):
    "A bracket of a neutral withholding grid, valid over dates"
    __name__ = 'coop.payroll.income_tax.bracket'
    __string__ = "Neutral Withholding Bracket"

    grid = fields.Selection(GRIDS, "Grid", required=True)
    lower = fields.Numeric(
        "From", digits=(16, 2), required=True,
        help="The monthly taxable net from which the rate applies.")
    rate = fields.Numeric("Rate (%)", digits=(16, 2), required=True)
    start_date = fields.Date(
        "Valid From", required=True,
        domain=[If(Eval('end_date'),
                ('start_date', '<=', Eval('end_date')), ())])
    end_date = fields.Date("Valid To")
    source = fields.Char("Source")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('grid', 'ASC'), ('start_date', 'DESC'), ('lower', 'ASC'),
            ('id', 'ASC')]

    @classmethod
    def default_grid(cls):
        return 'metropole'

    @classmethod
    def neutral_rate(cls, base, date, grid='metropole'):
        "The rate of the grid in force at date for a monthly taxable net"
        brackets = cls.search([
                ('grid', '=', grid),
                ('start_date', '<=', date),
                ['OR', ('end_date', '=', None), ('end_date', '>=', date)],
                ('lower', '<=', max(base, Decimal(0))),
                ], order=[('lower', 'DESC')], limit=1)
        if not brackets:
            raise IncomeTaxError(gettext(
                    'coop_payroll_fr.msg_income_tax_no_grid',
                    grid=dict(GRIDS)[grid], date=date))
        bracket, = brackets
        return bracket.rate


class Rate(ModelSQL, ModelView):
    "The personalised withholding rate the tax office gave for an employee"
    __name__ = 'coop.payroll.income_tax.rate'
    __string__ = "Withholding Rate"

    company = fields.Many2One('company.company', "Company", required=True)
    employee = fields.Many2One(
        'company.employee', "Employee", required=True,
        domain=[('company', '=', Eval('company', -1))])
    rate = fields.Numeric(
        "Rate (%)", digits=(16, 2), required=True,
        domain=[('rate', '>=', 0), ('rate', '<=', 100)])
    start_date = fields.Date(
        "Valid From", required=True,
        help="The first payment the rate applies to.")
    origin = fields.Selection([
            ('entered', "Entered"),
            ('imported', "Imported from the tax office's return"),
            ], "Origin", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('start_date', 'DESC'), ('id', 'DESC')]

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def default_origin(cls):
        return 'entered'

    @classmethod
    def rates_at(cls, employees, date):
        "{employee id: the rate in force at date} of those that have one"
        rates = {}
        for rate in cls.search([
                    ('employee', 'in', [e.id for e in employees]),
                    ('start_date', '<=', date),
                    ], order=[('start_date', 'ASC'), ('id', 'ASC')]):
            rates[rate.employee.id] = rate.rate
        return rates

    @classmethod
    def store_rates(cls, company, rows, errors=(),
            error=IncomeTaxImportError,
            refused='coop_payroll_fr.msg_income_tax_import_refused'):
        """Store the imported rates of company: rows are RateRows read
        from a file, errors the LineErrors found reading it. Refuse the
        whole file, each bad line named (a rate outside 0-100, no date, an
        employee of another company), raising error with the message
        refused; else create the rates (origin imported) but those already
        recorded (employee, date, rate) or given twice, and return them"""
        errors = list(errors)

        def fail(line, message, **values):
            errors.append(LineError(line, gettext(
                        f'coop_payroll_fr.{message}', **values)))
        for row in rows:
            if row.employee.company != company:
                fail(row.line, 'msg_income_tax_import_employee',
                    code=row.employee.party.code or row.employee.rec_name)
            if row.rate is None or not 0 <= row.rate <= 100:
                fail(row.line, 'msg_income_tax_import_rate', rate=row.rate)
            if not isinstance(row.start_date, dt.date):
                fail(row.line, 'msg_income_tax_import_date',
                    date=row.start_date)
        if errors:
            raise error(gettext(refused, errors='\n'.join(
                        gettext('coop_payroll_fr.msg_income_tax_import_line',
                            line=e.line, reason=e.message)
                        for e in sorted(errors, key=lambda e: e.line))))
        existing = {(r.employee.id, r.start_date, r.rate) for r in cls.search([
                    ('company', '=', company.id),
                    ('employee', 'in', list({r.employee.id for r in rows})),
                    ])}
        to_create = []
        for row in rows:
            key = (row.employee.id, row.start_date, row.rate)
            if key in existing:
                continue
            existing.add(key)
            to_create.append({
                    'company': company.id, 'employee': row.employee.id,
                    'rate': row.rate, 'start_date': row.start_date,
                    'origin': 'imported',
                    })
        return cls.create(to_create)

    @classmethod
    def import_file(cls, company, data):
        """Create the rates of a CSV file (COLUMNS); refuse it whole,
        naming each bad line and its reason"""
        pool = Pool()
        Employee = pool.get('company.employee')
        errors, rows = [], []

        def error(line, message, **values):
            errors.append(LineError(line, gettext(
                        'coop_payroll_fr.' + message, **values)))
        try:
            header, lines = csvfile.read(data)
            header = [h.strip().lower() for h in header]
            if header[:len(COLUMNS)] != COLUMNS:
                raise IncomeTaxImportError(gettext(
                        'coop_payroll_fr.msg_income_tax_import_header',
                        columns=','.join(COLUMNS)))
            parsed = list(lines)
        except csvfile.CSVError as exception:
            raise IncomeTaxImportError(gettext(
                    'coop_payroll_fr.msg_income_tax_import_unreadable',
                    line=exception.line, reason=exception.reason))
        codes = {c[0].strip() for _, c in parsed if c}
        employees = {e.party.code: e for e in Employee.search([
                    ('company', '=', company.id),
                    ('party.code', 'in', list(codes)),
                    ])}
        for line, cells in parsed:
            if len(cells) < len(COLUMNS):
                error(line, 'msg_income_tax_import_columns',
                    count=len(COLUMNS))
                continue
            code, rate, start = (c.strip() for c in cells[:len(COLUMNS)])
            employee = employees.get(code)
            if not employee:
                error(line, 'msg_income_tax_import_employee', code=code)
            try:
                rate = Decimal(rate.replace(',', '.'))
                if not rate.is_finite() or not 0 <= rate <= 100:
                    raise InvalidOperation
            except InvalidOperation:
                error(line, 'msg_income_tax_import_rate', rate=rate)
                rate = None
            try:
                start = dt.date.fromisoformat(start)
            except ValueError:
                error(line, 'msg_income_tax_import_date', date=start)
                start = None
            if employee and rate is not None and start:
                rows.append(RateRow(line, employee, rate, start))
        return cls.store_rates(company, rows, errors)


class ImportStart(ModelView):
    "Import withholding rates"
    __name__ = 'coop.payroll.income_tax.import.start'
    __string__ = "Import Withholding Rates"

    company = fields.Many2One('company.company', "Company", required=True,
        domain=user_company_domain())
    data = fields.Binary(
        "File", required=True,
        help="CSV columns: employee (party code), rate (%), start_date "
        "(YYYY-MM-DD).")

    @staticmethod
    def default_company():
        return Transaction().context.get('company')


class Import(Wizard):
    "Import withholding rates"
    __name__ = 'coop.payroll.income_tax.import'
    start = StateView(
        'coop.payroll.income_tax.import.start',
        'coop_payroll_fr.income_tax_import_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Import", 'import_', 'tryton-ok', default=True),
            ])
    import_ = StateTransition()

    def transition_import_(self):
        pool = Pool()
        Rate = pool.get('coop.payroll.income_tax.rate')
        check_user_company(
            self.start.company, 'coop_payroll_fr.msg_company_not_allowed')
        Rate.import_file(self.start.company, self.start.data)
        return 'end'
