# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The event notices of the DSN (signalements): a work stoppage (nature
04), the return after it (05), and the end of a contract (FCTU, 07)

A notice is a declaration record like the monthly one (draft, checked,
filed, never changed once filed, corrected by a new one that cancels and
replaces it), built from its source: an approved sick-leave or
work-accident absence for 04 and 05, an ended contract and its last
payslips for 07. It is due within 5 days of the event (R133-14 Code de la
sécurité sociale; docs/dsn.md): the record says by when.

The blocks are those of the monthly DSN (S10, S20, S21.G00.06, .11, .30,
.40) with the event's own: S21.G00.60 arrêt de travail, S21.G00.62 fin du
contrat with the payments of the last two months (S21.G00.50 tagged
S21.G00.50.020 01 and 02, their S21.G00.51 and the leave indemnity as
S21.G00.52 type 020): the FCTU must carry months M and M-1 itself, the
earlier months being read from the monthly DSNs.
"""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If

from coop_tools.report import SIRET_TYPES, identifier

from .dsn import (
    COUNTED_STATES, DsnData, DsnEmployee, compact, dsn_amount, dsn_date,
    dsn_text, month_end)
from .exceptions import DeclarationError, MissingDataError
from .norm import (
    END_REASONS, NOTICE_REASONS, NOTICE_TYPES, NOTICE_WITHOUT_DATES,
    NOTIFIED_REASONS, PROCEDURE_REASONS, SIGNED_REASONS)

EVENT_NATURES = [
    ('04', "Work Stoppage Notice"),
    ('05', "Return to Work Notice"),
    ('07', "End of Contract Notice (FCTU)"),
    ]
ABSENCE_NATURES = {'04', '05'}
# The kinds of absence a work stoppage is declared for
SICKNESS_KINDS = ['sick_leave', 'work_accident']
# Days after the event within which the notice is due
DUE_DAYS = 5


def previous_month(month):
    return (month - dt.timedelta(days=1)).replace(day=1)


class Declaration(metaclass=PoolMeta):
    __name__ = 'coop.dsn.declaration'

    absence = fields.Many2One(
        'coop.payroll.absence', "Absence", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ('kind', 'in', SICKNESS_KINDS),
            ('state', '=', 'approved'),
            ],
        states={
            'readonly': Eval('state') != 'draft',
            'required': Eval('nature').in_(list(ABSENCE_NATURES)),
            'invisible': ~Eval('nature').in_(list(ABSENCE_NATURES)),
            },
        help="The work stoppage the notice declares.")
    contract = fields.Many2One(
        'coop.payroll.contract', "Contract", ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ('end_date', '!=', None),
            ],
        states={
            'readonly': Eval('state') != 'draft',
            'required': Eval('nature') == '07',
            'invisible': Eval('nature') != '07',
            },
        help="The ended contract the notice declares.")
    due_date = fields.Function(fields.Date(
            "Due By",
            states={
                'invisible': Eval('nature') == '01',
                },
            help="An event notice is due within 5 days of the event."),
        'get_due_date')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        selection = list(cls.nature.selection)
        for value in EVENT_NATURES:
            if value not in selection:
                selection.append(value)
        cls.nature.selection = selection

    @fields.depends('nature', 'absence', 'contract', 'month')
    def on_change_absence(self):
        self.month = self.event_month() or self.month

    @fields.depends('nature', 'absence', 'contract', 'month')
    def on_change_contract(self):
        self.month = self.event_month() or self.month

    def event_date(self):
        "The day of the event: the first day off, of return, or the last"
        if self.nature == '04' and self.absence:
            return self.absence.start_date
        if self.nature == '05' and self.absence:
            return self.absence.resumption_date
        if self.nature == '07' and self.contract:
            return self.contract.end_date

    def event_month(self):
        date = self.event_date() if getattr(self, 'nature', None) else None
        return date.replace(day=1) if date else None

    def get_due_date(self, name):
        if self.nature == '01':
            return None
        date = self.event_date()
        if date:
            return date + dt.timedelta(days=DUE_DAYS)

    def get_rec_name(self, name):
        name = super().get_rec_name(name)
        source = self.absence or self.contract
        if self.nature != '01' and source:
            return f'{self.nature} {source.employee.rec_name} {name}'
        return name

    @classmethod
    def validate_fields(cls, declarations, field_names):
        super().validate_fields(declarations, field_names)
        for declaration in declarations:
            if declaration.nature in ABSENCE_NATURES:
                if not declaration.absence:
                    raise DeclarationError(gettext(
                            'coop_dsn.msg_event_absence_required',
                            declaration=declaration.rec_name))
            elif declaration.nature == '07' and not declaration.contract:
                raise DeclarationError(gettext(
                        'coop_dsn.msg_event_contract_required',
                        declaration=declaration.rec_name))

    @property
    def file_name(self):
        if self.nature == '01':
            return super().file_name
        return (f'DSN{self.nature}-{self.siret}-{self.month:%Y%m}'
            f'-{self.id}.dsn')

    @classmethod
    def event_declaration(cls, nature, source, test=False, save=True):
        """The notice of nature for source (an absence for 04 and 05, an
        ended contract for 07) that is not filed yet, else a new one that
        cancels and replaces the last filed one; saved if save"""
        field = 'contract' if nature == '07' else 'absence'
        company = source.company
        party = company.party
        siret = compact(identifier(party, SIRET_TYPES, party.address_get()))
        if not siret:
            raise DeclarationError(gettext(
                    'coop_dsn.msg_declaration_no_siret',
                    company=company.rec_name))
        declarations = cls.search([
                ('nature', '=', nature),
                (field, '=', source.id),
                ], order=[('id', 'DESC')])
        for declaration in declarations:
            if declaration.state != 'filed':
                return declaration
        filed = [d for d in declarations if d.state == 'filed']
        declaration = cls(
            company=company, siret=siret, nature=nature, test=test,
            kind='03' if filed else '01', state='draft',
            replaces=filed[0] if filed else None, **{field: source})
        declaration.month = declaration.event_month()
        if not declaration.month:
            raise DeclarationError(gettext(
                    'coop_dsn.msg_event_no_date',
                    declaration=declaration.rec_name))
        if save:
            declaration.save()
        return declaration

    # Building

    def build(self):
        if self.nature == '01':
            return super().build()
        data = self.event_data()
        lines = (self.dsn_sender(data)
            + self.dsn_declaration(data)
            + self.dsn_company(data)
            + self.dsn_establishment(data))
        for employee in data.employees[:1]:
            lines += self.dsn_individual(data, employee)
            lines += self.dsn_contract(data, employee)
            lines += self.event_blocks(data, employee)
        lines = [(c, dsn_text(v)) for c, v in lines if v not in {None, ''}]
        lines += self.dsn_totals(data, lines)
        text = ''.join(f"{code},'{value}'\n" for code, value in lines)
        return text, {
            'employee_count': len(data.employees[:1]),
            'urssaf_total': None,
            'income_tax_total': None,
            }

    def event_data(self):
        """What a notice's blocks read: the establishment's, the employee's,
        the contract's and, for the FCTU, the last two months' payslips
        (data.employees: one DsnEmployee per payslip, the first one the
        notice's person); raise MissingDataError listing every missing
        item"""
        pool = Pool()
        Configuration = pool.get('coop.payroll.configuration')
        Code = pool.get('coop.dsn.code')
        Parameter = pool.get('coop.payroll.parameter')
        data = DsnData(self)
        data.config = Configuration.of_company(self.company)
        data.codes = {}
        data.settings = Code.settings()
        data.parameters = Parameter.values_at(data.end)
        self.dsn_check_establishment(data)
        employee, contract = self.event_employee_contract()
        who = employee.rec_name
        missing = []
        if contract:
            nir, address, missing = self.dsn_person(employee, contract)
        else:
            nir, address = '', None
            missing.append('msg_item_event_contract')
        if self.nature == '07':
            data.payslips = self.event_payslips(contract)
            if not any(p.start_date == self.month for p in data.payslips):
                missing.append('msg_item_last_payslip')
            reason = contract.dsn_end_reason
            if not reason:
                missing.append('msg_item_end_reason')
            else:
                missing.extend(self.event_end_missing(contract))
        else:
            data.payslips = []
            if not self.absence.dsn_reason:
                missing.append('msg_item_event_reason')
            if self.absence.subrogation:
                data.subrogation_account, missing_account = (
                    self.subrogation_account())
                if missing_account:
                    data.missing.append(
                        (self.company.rec_name, gettext(
                                f'coop_dsn.{missing_account}')))
        data.missing.extend((who, gettext(f'coop_dsn.{m}')) for m in missing)
        if data.missing:
            raise MissingDataError(gettext(
                    'coop_dsn.msg_declaration_missing_data',
                    declaration=self.rec_name,
                    items='\n'.join(
                        f'{w}: {what}' for w, what in data.missing)))
        data.employees.append(DsnEmployee(
                None, employee, contract, nir[:13], address, []))
        lines = self.dsn_payslip_lines(data.payslips)
        for payslip in data.payslips:
            data.employees.append(DsnEmployee(
                    payslip, employee, contract, nir[:13], address,
                    lines[payslip.id]))
        return data

    @staticmethod
    def event_end_missing(contract):
        """The ids of the messages naming what the contract's end reason
        needs and the contract lacks: the notification or signature date,
        the day the dismissal procedure started, the notice and its days"""
        reason = contract.dsn_end_reason
        missing = []
        if (reason in NOTIFIED_REASONS | SIGNED_REASONS
                and not contract.dsn_end_notified):
            missing.append('msg_item_end_notified')
        if reason in PROCEDURE_REASONS and not contract.dsn_procedure_started:
            missing.append('msg_item_procedure_started')
        notice = contract.dsn_notice_type
        if reason in NOTICE_REASONS and not notice:
            missing.append('msg_item_notice')
        if notice and notice not in NOTICE_WITHOUT_DATES and not (
                contract.dsn_notice_start and contract.dsn_notice_end):
            missing.append('msg_item_notice_dates')
        return missing

    def subrogation_account(self):
        """The employer's IBAN and BIC the health insurer pays under
        subrogation (S21.G00.60.007/.008): the company's first active bank
        account with an IBAN; (iban, bic), and the id of the message naming
        what is missing"""
        party = self.company.party
        for account in party.bank_accounts_used:
            iban = next((n.number_compact for n in account.numbers
                    if n.type == 'iban' and n.active), None)
            if iban:
                bic = account.bank.bic if account.bank else None
                if not bic:
                    return (iban, None), 'msg_item_subrogation_bic'
                return (iban, bic.replace(' ', '').upper()), None
        return (None, None), 'msg_item_subrogation_iban'

    def event_employee_contract(self):
        "The notice's employee and contract (in force on the first day off)"
        Contract = Pool().get('coop.payroll.contract')
        if self.nature == '07':
            return self.contract.employee, self.contract
        absence = self.absence
        contracts = Contract.search([
                ('employee', '=', absence.employee.id),
                ('start_date', '<=', absence.start_date),
                ['OR',
                    ('end_date', '=', None),
                    ('end_date', '>=', absence.start_date),
                    ],
                ], order=[('start_date', 'DESC')], limit=1)
        return absence.employee, contracts[0] if contracts else None

    def event_payslips(self, contract):
        """The contract's payslips of the month it ends in and of the month
        before, in order (confirmed or posted, not corrected)"""
        Payslip = Pool().get('coop.payroll.payslip')
        return Payslip.search([
                ('company', '=', self.company.id),
                ('employee', '=', contract.employee.id),
                ('contract', '=', contract.id),
                ('start_date', 'in', [previous_month(self.month), self.month]),
                ('state', 'in', COUNTED_STATES),
                ('reversal_of', '=', None),
                ('corrected', '=', False),
                ], order=[('start_date', 'ASC'), ('id', 'ASC')])

    def event_blocks(self, data, e):
        "The event's blocks under the contract and the individual"
        if self.nature == '07':
            lines = self.dsn_contract_end(data, e)
            for payslip_e in data.employees[1:]:
                lines += self.dsn_last_payment(data, payslip_e)
            return lines
        return self.dsn_stoppage(data, e)

    def dsn_stoppage(self, data, e):
        """S21.G00.60 arrêt de travail: the reason, the last day worked,
        the expected end, the subrogation and, for a work accident, its
        day; the return notice adds the day work resumes"""
        absence = self.absence
        subrogation = bool(absence.subrogation)
        lines = [
            ('S21.G00.60.001', absence.dsn_reason),
            ('S21.G00.60.002', dsn_date(absence.last_day_worked)),
            ('S21.G00.60.003', dsn_date(absence.end_date)),
            ('S21.G00.60.004', '01' if subrogation else '02'),
            ('S21.G00.60.005',
                dsn_date(absence.start_date) if subrogation else None),
            ('S21.G00.60.006',
                dsn_date(absence.end_date) if subrogation else None),
            ]
        if subrogation:
            # The account the health insurer pays the allowances to
            iban, bic = data.subrogation_account
            lines += [
                ('S21.G00.60.007', iban),
                ('S21.G00.60.008', bic),
                ]
        if self.nature == '05':
            lines += [
                ('S21.G00.60.010', dsn_date(absence.resumption_date)),
                ('S21.G00.60.011', '01'),
                ]
        if absence.kind == 'work_accident':
            # The accident's day: the last day worked (unconfirmed reading)
            lines.append(
                ('S21.G00.60.012', dsn_date(absence.last_day_worked)))
        return lines

    def dsn_contract_end(self, data, e):
        """S21.G00.62 fin du contrat: the last day, the reason, the date
        it was notified or agreed and the day the dismissal procedure
        started where the reason needs them, the last day worked and paid;
        then S21.G00.63 the notice, when the contract has one"""
        contract = e.contract
        reason = contract.dsn_end_reason
        notified = dsn_date(contract.dsn_end_notified)
        lines = [
            ('S21.G00.62.001', dsn_date(contract.end_date)),
            ('S21.G00.62.002', reason),
            ('S21.G00.62.003',
                notified if reason in NOTIFIED_REASONS else None),
            ('S21.G00.62.004',
                notified if reason in SIGNED_REASONS else None),
            ('S21.G00.62.005',
                dsn_date(contract.dsn_procedure_started)
                if reason in PROCEDURE_REASONS else None),
            ('S21.G00.62.006', self.last_day_worked_paid(contract)),
            ]
        notice = contract.dsn_notice_type
        if notice:
            dated = notice not in NOTICE_WITHOUT_DATES
            lines += [
                ('S21.G00.63.001', notice),
                ('S21.G00.63.002',
                    dsn_date(contract.dsn_notice_start) if dated else None),
                ('S21.G00.63.003',
                    dsn_date(contract.dsn_notice_end) if dated else None),
                ]
        return lines

    @staticmethod
    def last_day_worked_paid(contract):
        """S21.G00.62.006: the contract's last day; the day before a
        notice that is not worked (02, 03: « le dernier jour travaillé
        précède son début », CCH-12 as quoted) when it starts in the
        contract"""
        last = contract.end_date
        start = contract.dsn_notice_start
        if (contract.dsn_notice_type in {'02', '03'} and start
                and contract.start_date < start <= last):
            last = start - dt.timedelta(days=1)
        return dsn_date(last)

    def dsn_last_payment(self, data, e):
        """A payment of the last two months: S21.G00.50 tagged with its
        month (.020: 01 the last month, 02 the one before), its pay items
        and the leave indemnity paid at departure"""
        payslip = e.payslip
        lines = self.dsn_payment(data, e)
        lines.append(('S21.G00.50.020',
                '01' if payslip.start_date == self.month else '02'))
        lines += self.dsn_pay_items(data, e)
        indemnity = getattr(payslip, 'leave_indemnity', None)
        if indemnity:
            lines += [
                ('S21.G00.52.001',
                    self.dsn_setting(data, 'leave_indemnity_item')),
                ('S21.G00.52.002', dsn_amount(indemnity)),
                ('S21.G00.52.003', dsn_date(payslip.start_date)),
                ('S21.G00.52.004', dsn_date(month_end(payslip.start_date))),
                ('S21.G00.52.006', e.contract.dsn_number),
                ]
        return lines


class Contract(metaclass=PoolMeta):
    __name__ = 'coop.payroll.contract'

    dsn_end_reason = fields.Selection(
        END_REASONS, "End Reason", sort=False,
        help="Why the contract ended, as the end-of-contract notice "
        "(S21.G00.62.002) declares it.")
    dsn_end_notified = fields.Date(
        "End Notified On",
        help="The day the end was notified (resignation, dismissal, trial "
        "period, early end of a fixed term) or the negotiated termination "
        "signed.")
    dsn_procedure_started = fields.Date(
        "Dismissal Procedure Started On",
        states={
            'invisible': ~Eval('dsn_end_reason').in_(
                sorted(PROCEDURE_REASONS)),
            },
        help="The day the dismissal procedure started: the convocation to "
        "the preliminary interview (S21.G00.62.005).")
    dsn_notice_type = fields.Selection(
        NOTICE_TYPES, "Notice", sort=False,
        help="Whether the notice was worked and paid, as the end-of-contract "
        "notice declares it (S21.G00.63.001); required for a dismissal.")
    dsn_notice_start = fields.Date(
        "Notice From",
        states={
            'invisible': ~Eval('dsn_notice_type').in_(['01', '02', '03']),
            },
        help="The notice's first day (S21.G00.63.002).")
    dsn_notice_end = fields.Date(
        "Notice To",
        domain=[If(Eval('dsn_notice_end') & Eval('dsn_notice_start'),
                ('dsn_notice_end', '>=', Eval('dsn_notice_start')), ())],
        states={
            'invisible': ~Eval('dsn_notice_type').in_(['01', '02', '03']),
            },
        help="The notice's last day (S21.G00.63.003).")
