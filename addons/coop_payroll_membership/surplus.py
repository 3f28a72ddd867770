# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The allocation of a year's surplus, voted by the ordinary assembly

Drafted with the figures the law weighs it against (the surplus, the highest
capital the register ever reached, the legal reserve, the capital and the
dated cap on interest on shares), checked against the limits of the
company's cooperative form (SCOP: loi 78-763 art. 33; SCIC: 57.5 % to
reserves), then posted: one entry from the result (120) to the reserves
(1061, 1068), the workers' share (424), the interest on shares (457) and
what is carried forward (110). The workers' share is shared out over the
employees paid in the fiscal year, by hours or by salary, as one-off
elements the payslips of a chosen month pay.
"""
from collections import defaultdict
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

from sql.aggregate import Sum

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from coop_tools.model import account_field
from coop_tools.settings import CompanySettingsValue, default_func

from coop_membership.company import COOP_FORMS

CENT = Decimal('0.01')
SPLITS = [
    ('hours', "Hours Worked"),
    ('salary', "Gross Salary"),
    ]
# French chart (account_fr) accounts of each setting: the postable child of
# 1061, 1068 and 424, which are closed
FRENCH_ACCOUNTS = {
    'surplus_account_result': '120',
    'surplus_account_legal_reserve': '10611',
    'surplus_account_reserves': '10688',
    'surplus_account_workers': '4248',
    'surplus_account_interest': '457',
    'surplus_account_carry_forward': '110',
    }
# The dated parameter (coop.payroll.parameter) capping interest on shares
INTEREST_CAP = 'SHARE_INTEREST_CAP'
PARTS = [
    'legal_reserve', 'development_fund', 'workers_share', 'share_interest',
    'carry_forward']


class AllocationError(ValidationError):
    pass


def _figure(value):
    "10,000.00: the figures of the messages"
    return f'{(value or Decimal(0)):,.2f}'


def _percent(value):
    return f'{(value or Decimal(0)) * 100:.2f}'


def _rate_field(string, help):
    return fields.Numeric(string, digits=(4, 4), required=True, help=help)


surplus_account_result = account_field(
    "Result", "The year's surplus, allocated from "
    "(120 Résultat de l'exercice (bénéfice)).", party_required=False)
surplus_account_legal_reserve = account_field(
    "Legal Reserve", "1061 Réserve légale.", party_required=False)
surplus_account_reserves = account_field(
    "Development Fund and Reserves",
    "The development fund and other reserves (1068 Autres réserves).",
    party_required=False)
surplus_account_workers = account_field(
    "Workers' Share", "What the employees are owed until the payroll "
    "pays it (424 Participation des salariés aux résultats).",
    party_required=False)
surplus_account_interest = account_field(
    "Interest on Shares",
    "Interest voted on shares, to pay (457 Associés - dividendes à "
    "payer).", party_required=False)
surplus_account_carry_forward = account_field(
    "Carried Forward", "What is left unallocated (110 Report à nouveau).",
    party_required=False)
surplus_legal_reserve_rate = _rate_field(
    "SCOP: Legal Reserve",
    "Share of the surplus a SCOP puts to the legal reserve until it "
    "equals the highest capital ever reached (15 % by law).")
surplus_workers_rate = _rate_field(
    "SCOP: Workers' Share",
    "Share of the surplus a SCOP gives all its employees at least "
    "(25 % by law).")
surplus_scic_reserves_rate = _rate_field(
    "SCIC: Reserves",
    "Share of the surplus a SCIC puts to reserves that are never "
    "distributed (57.5 % by law).")
surplus_workers_split = fields.Selection(
    SPLITS, "Workers' Share Split", required=True,
    help="What the workers' share is shared out by between the "
    "employees paid in the year, as the statutes say.")
# Each coop's own: a row per company of
# coop.membership.configuration.surplus
SURPLUS_SETTINGS = [
    'surplus_account_result',
    'surplus_account_legal_reserve',
    'surplus_account_reserves',
    'surplus_account_workers',
    'surplus_account_interest',
    'surplus_account_carry_forward',
    'surplus_legal_reserve_rate',
    'surplus_workers_rate',
    'surplus_scic_reserves_rate',
    'surplus_workers_split',
    ]


class Configuration(metaclass=PoolMeta):
    __name__ = 'coop.membership.configuration'

    surplus_account_result = fields.MultiValue(surplus_account_result)
    surplus_account_legal_reserve = fields.MultiValue(
        surplus_account_legal_reserve)
    surplus_account_reserves = fields.MultiValue(surplus_account_reserves)
    surplus_account_workers = fields.MultiValue(surplus_account_workers)
    surplus_account_interest = fields.MultiValue(surplus_account_interest)
    surplus_account_carry_forward = fields.MultiValue(
        surplus_account_carry_forward)
    surplus_legal_reserve_rate = fields.MultiValue(surplus_legal_reserve_rate)
    surplus_workers_rate = fields.MultiValue(surplus_workers_rate)
    surplus_scic_reserves_rate = fields.MultiValue(surplus_scic_reserves_rate)
    surplus_workers_split = fields.MultiValue(surplus_workers_split)

    @classmethod
    def set_french_accounts(cls, company):
        "Also the surplus accounts, the French chart's postable ones"
        pool = Pool()
        Account = pool.get('account.account')
        super().set_french_accounts(company)
        config = cls.of_company(company)
        for name, code in FRENCH_ACCOUNTS.items():
            if getattr(config, name):
                continue
            accounts = Account.search([
                    ('company', '=', company.id),
                    ('code', '=', code),
                    ('closed', '!=', True),
                    ('type', '!=', None),
                    ], limit=1)
            if accounts:
                setattr(config, name, accounts[0])
        config.save()

    @classmethod
    def multivalue_model(cls, field):
        if field in SURPLUS_SETTINGS:
            return Pool().get('coop.membership.configuration.surplus')
        return super().multivalue_model(field)

    default_surplus_legal_reserve_rate = default_func(
        'surplus_legal_reserve_rate')
    default_surplus_workers_rate = default_func('surplus_workers_rate')
    default_surplus_scic_reserves_rate = default_func(
        'surplus_scic_reserves_rate')
    default_surplus_workers_split = default_func('surplus_workers_split')


class ConfigurationSurplus(CompanySettingsValue, ModelSQL):
    "A coop's settings of the allocation of its surplus"
    __name__ = 'coop.membership.configuration.surplus'
    __string__ = "Membership Configuration Surplus"
    _configuration = 'coop.membership.configuration'
    _other_company_message = (
        'coop_membership.msg_configuration_other_company')
    _other_company_error = AllocationError

    surplus_account_result = surplus_account_result
    surplus_account_legal_reserve = surplus_account_legal_reserve
    surplus_account_reserves = surplus_account_reserves
    surplus_account_workers = surplus_account_workers
    surplus_account_interest = surplus_account_interest
    surplus_account_carry_forward = surplus_account_carry_forward
    surplus_legal_reserve_rate = surplus_legal_reserve_rate
    surplus_workers_rate = surplus_workers_rate
    surplus_scic_reserves_rate = surplus_scic_reserves_rate
    surplus_workers_split = surplus_workers_split

    @classmethod
    def default_surplus_legal_reserve_rate(cls):
        return Decimal('0.15')

    @classmethod
    def default_surplus_workers_rate(cls):
        return Decimal('0.25')

    @classmethod
    def default_surplus_scic_reserves_rate(cls):
        return Decimal('0.575')

    @classmethod
    def default_surplus_workers_split(cls):
        return 'hours'


def _amount(string, help='', readonly=False):
    states = {} if readonly else {'readonly': Eval('state') != 'draft'}
    return fields.Numeric(
        string, digits=(16, 2), required=not readonly, readonly=readonly,
        states=states, help=help)


class Allocation(Workflow, ModelSQL, ModelView):
    "The allocation of a fiscal year's surplus, as the assembly voted it"
    __name__ = 'coop.surplus.allocation'
    __string__ = "Surplus Allocation"

    _states = {'readonly': Eval('state') != 'draft'}

    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    fiscal_year = fields.Many2One(
        'account.fiscalyear', "Fiscal Year", required=True, states=_states,
        domain=[('company', '=', Eval('company', -1))])
    date = fields.Date(
        "Date", required=True, states=_states,
        help="The assembly's vote: the date of the entry.")
    coop_form = fields.Function(fields.Selection(
            COOP_FORMS, "Cooperative Form"), 'get_coop_form')
    surplus = _amount(
        "Surplus", "The year's result, as the result account (120) holds "
        "it; fetched, or entered.")
    highest_capital = _amount(
        "Highest Capital", "The highest capital the register reached by "
        "the fiscal year's end.", readonly=True)
    capital = _amount(
        "Capital", "The register's capital at the fiscal year's end, "
        "which interest on shares is paid on.", readonly=True)
    legal_reserve_balance = _amount(
        "Legal Reserve Before", "The legal reserve account's balance on "
        "the date, before the allocation.", readonly=True)
    interest_cap_rate = fields.Numeric(
        "Interest Cap (%)", digits=(16, 4), readonly=True,
        help="The highest rate of interest on shares at the fiscal year's "
        "end: the average TMO over 3 years plus 2 points (dated parameter "
        f"{INTEREST_CAP}).")
    legal_reserve = _amount("Legal Reserve")
    development_fund = _amount(
        "Development Fund and Reserves",
        "The development fund the statutes set and other reserves.")
    workers_share = _amount(
        "Workers' Share", "The \"part travail\", shared by the employees.")
    share_interest = _amount("Interest on Shares")
    carry_forward = _amount("Carried Forward")
    workers_split = fields.Selection(
        SPLITS, "Split By", required=True, states=_states)
    payroll_month = fields.Date(
        "Payroll Month", required=True, states=_states,
        help="The month whose payslips pay the workers' share.")
    workers = fields.One2Many(
        'coop.payroll.extra', 'allocation', "Workers", readonly=True)
    move = fields.Many2One('account.move', "Entry", readonly=True)
    state = fields.Selection([
            ('draft', "Draft"),
            ('checked', "Checked"),
            ('posted', "Posted"),
            ], "State", readonly=True, required=True, sort=False)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'checked'),
            ('checked', 'draft'),
            ('checked', 'posted'),
            }
        cls._buttons.update({
                'fetch': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-refresh',
                    'depends': ['state'],
                    },
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
                'post': {
                    'invisible': Eval('state') != 'checked',
                    'icon': 'tryton-ok',
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
    def default_workers_split(cls):
        config = Pool().get('coop.membership.configuration')(1)
        return config.surplus_workers_split or 'hours'

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_payroll_month(cls):
        return Pool().get('ir.date').today().replace(day=1)

    @classmethod
    def default_surplus(cls):
        return Decimal(0)

    default_legal_reserve = default_development_fund = default_surplus
    default_workers_share = default_share_interest = default_surplus
    default_carry_forward = default_surplus

    def get_coop_form(self, name):
        return self.company.coop_form

    def get_rec_name(self, name):
        return self.fiscal_year.rec_name

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('payroll_month'):
            values['payroll_month'] = values['payroll_month'].replace(day=1)
        return values

    @classmethod
    def check_modification(cls, mode, allocations, values=None,
            external=False):
        super().check_modification(
            mode, allocations, values=values, external=external)
        if mode == 'delete':
            for allocation in allocations:
                if allocation.state == 'posted':
                    raise AllocationError(gettext(
                            'coop_payroll_membership'
                            '.msg_allocation_delete_posted',
                            allocation=allocation.rec_name))

    @classmethod
    @ModelView.button
    def fetch(cls, allocations):
        "The surplus from the result account, and the law's figures"
        for allocation in allocations:
            allocation.surplus = allocation.account_balance(
                allocation._config().get_required('surplus_account_result'))
            allocation.update_figures()
        cls.save(allocations)

    def _config(self):
        "The settings of the allocation's coop"
        return Pool().get('coop.membership.configuration').of_company(
            self.company)

    def update_figures(self):
        pool = Pool()
        Line = pool.get('coop.share.operation.line')
        Parameter = pool.get('coop.payroll.parameter')
        end = self.fiscal_year.end_date
        self.highest_capital = self.highest_capital_at(self.company, end)
        self.capital = Line.capital(self.company, end)
        self.legal_reserve_balance = self.account_balance(
            self._config().get_required('surplus_account_legal_reserve'))
        self.interest_cap_rate = Parameter.value_at(INTEREST_CAP, end)

    def account_balance(self, account):
        "Credit less debit of account's posted lines up to the date"
        pool = Pool()
        MoveLine = pool.get('account.move.line')
        Move = pool.get('account.move')
        line = MoveLine.__table__()
        move = Move.__table__()
        cursor = Transaction().connection.cursor()
        where = ((line.account == account.id)
            & (move.date <= self.date) & (move.state == 'posted'))
        if self.move:
            where &= move.id != self.move.id
        cursor.execute(*line.join(move, condition=line.move == move.id
                ).select(Sum(line.credit - line.debit), where=where))
        value, = cursor.fetchone()
        return Decimal(str(value or 0)).quantize(CENT)

    @staticmethod
    def highest_capital_at(company, date):
        "The highest nominal capital the register held on any day to date"
        pool = Pool()
        Line = pool.get('coop.share.operation.line')
        ShareClass = pool.get('coop.share.class')
        line = Line.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*line.select(
                line.effective_date, line.share_class, Sum(line.quantity),
                where=(line.company == company.id)
                & (line.effective_date <= date),
                group_by=[line.effective_date, line.share_class]))
        rows = list(cursor)
        nominal = {c.id: c.nominal for c in ShareClass.browse(
                list({r[1] for r in rows}))}
        changes = defaultdict(Decimal)
        for day, share_class, quantity in rows:
            changes[str(day)] += nominal[share_class] * int(quantity)
        capital = highest = Decimal(0)
        for day in sorted(changes):
            capital += changes[day]
            highest = max(highest, capital)
        return highest.quantize(CENT)

    @classmethod
    @ModelView.button
    @Workflow.transition('checked')
    def check(cls, allocations):
        "Refuse what breaks the law, then share out the workers' share"
        pool = Pool()
        Extra = pool.get('coop.payroll.extra')
        for allocation in allocations:
            allocation.update_figures()
        cls.save(allocations)
        for allocation in allocations:
            allocation.check_law()
        # The payroll's records, made for the membership administrator
        with without_check_access():
            Extra.delete(Extra.search([('allocation', 'in', allocations)]))
            Extra.create([v for a in allocations for v in a.workers_values()])

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, allocations):
        pool = Pool()
        Extra = pool.get('coop.payroll.extra')
        with without_check_access():
            Extra.delete(Extra.search([('allocation', 'in', allocations)]))

    def _error(self, message, **values):
        return AllocationError(gettext(
                f'coop_payroll_membership.{message}',
                allocation=self.rec_name, surplus=_figure(self.surplus),
                **values))

    def check_law(self):
        config = self._config()
        surplus = self.surplus
        amounts = {n: getattr(self, n) for n in PARTS}
        if surplus <= 0:
            raise self._error('msg_allocation_no_surplus')
        for name, amount in amounts.items():
            if amount < 0:
                raise self._error(
                    'msg_allocation_negative', amount=_figure(amount),
                    part=self.__class__.fields_get([name])[name]['string'])
        total = sum(amounts.values())
        if total != surplus:
            raise self._error(
                'msg_allocation_total', total=_figure(total))

        def share(amount):
            "The percentage, rounded down: 14.999 % is not 15 %"
            return _percent((amount / surplus).quantize(
                    Decimal('0.0001'), rounding=ROUND_DOWN))

        def minimum(rate):
            return (surplus * rate).quantize(CENT, rounding=ROUND_UP)
        form = self.company.coop_form
        if form == 'scop':
            rate = config.surplus_legal_reserve_rate
            room = max(self.highest_capital - self.legal_reserve_balance,
                Decimal(0))
            required = min(minimum(rate), room)
            if self.legal_reserve < required:
                raise self._error(
                    'msg_allocation_scop_legal_reserve',
                    amount=_figure(self.legal_reserve),
                    share=share(self.legal_reserve), rate=_percent(rate),
                    reserve=_figure(self.legal_reserve_balance),
                    capital=_figure(self.highest_capital),
                    required=_figure(required))
            rate = config.surplus_workers_rate
            required = minimum(rate)
            if self.workers_share < required:
                raise self._error(
                    'msg_allocation_scop_workers',
                    amount=_figure(self.workers_share),
                    share=share(self.workers_share), rate=_percent(rate),
                    required=_figure(required))
            if self.share_interest > self.workers_share:
                raise self._error(
                    'msg_allocation_scop_interest_workers',
                    interest=_figure(self.share_interest),
                    workers=_figure(self.workers_share))
        elif form == 'scic':
            rate = config.surplus_scic_reserves_rate
            reserves = self.legal_reserve + self.development_fund
            required = minimum(rate)
            if reserves < required:
                raise self._error(
                    'msg_allocation_scic_reserves',
                    amount=_figure(reserves), share=share(reserves),
                    rate=_percent(rate), required=_figure(required))
        else:
            raise self._error('msg_allocation_no_form')
        cap = (self.capital * self.interest_cap_rate / 100).quantize(
            CENT, rounding=ROUND_DOWN)
        if self.share_interest > cap:
            raise self._error(
                'msg_allocation_interest_cap',
                interest=_figure(self.share_interest),
                capital=_figure(self.capital),
                rate=f'{self.interest_cap_rate:.2f}', cap=_figure(cap))

    def workers_bases(self):
        """{employee: hours or gross pay} of the payslips posted for the
        fiscal year's months, corrected ones and reversals left out"""
        pool = Pool()
        Payslip = pool.get('coop.payroll.payslip')
        bases = defaultdict(Decimal)
        for payslip in Payslip.search([
                    ('company', '=', self.company.id),
                    ('state', '=', 'posted'),
                    ('reversal_of', '=', None),
                    ('reversals', '=', None),
                    ('start_date', '>=', self.fiscal_year.start_date),
                    ('start_date', '<=', self.fiscal_year.end_date),
                    ]):
            if self.workers_split == 'hours':
                bases[payslip.employee] += (
                    (payslip.contract_hours or 0)
                    + (payslip.extra_hours or 0))
            else:
                bases[payslip.employee] += payslip.gross or 0
        return {e: b for e, b in bases.items() if b > 0}

    def workers_values(self):
        "The one-off elements that pay the workers' share, to the cent"
        if not self.workers_share:
            return []
        bases = dict(sorted(
                self.workers_bases().items(), key=lambda i: i[0].id))
        if not bases:
            raise self._error(
                'msg_allocation_no_payslips',
                workers=_figure(self.workers_share))
        account = self._config().get_required('surplus_account_workers')
        amounts = split(self.workers_share, bases)
        name = gettext(
            'coop_payroll_membership.msg_extra_workers_share',
            fiscal_year=self.fiscal_year.rec_name)
        return [{
                'company': self.company.id,
                'employee': employee.id,
                'month': self.payroll_month,
                'name': name,
                'amount': amounts[employee],
                'account': account.id,
                'basis': bases[employee].quantize(CENT),
                'allocation': self.id,
                } for employee in bases]

    @classmethod
    @ModelView.button
    @Workflow.transition('posted')
    def post(cls, allocations):
        pool = Pool()
        Move = pool.get('account.move')
        moves = []
        for allocation in allocations:
            allocation.move = allocation.get_move()
            moves.append(allocation.move)
        Move.save(moves)
        Move.post(moves)
        cls.save(allocations)

    def get_move(self):
        pool = Pool()
        Move = pool.get('account.move')
        MoveLine = pool.get('account.move.line')
        Period = pool.get('account.period')
        config = self._config()
        accounts = {
            'legal_reserve': 'surplus_account_legal_reserve',
            'development_fund': 'surplus_account_reserves',
            'workers_share': 'surplus_account_workers',
            'share_interest': 'surplus_account_interest',
            'carry_forward': 'surplus_account_carry_forward',
            }
        description = gettext(
            'coop_payroll_membership.msg_allocation_move',
            fiscal_year=self.fiscal_year.rec_name)
        # The FEC labels each line: its own description or none
        lines = [MoveLine(
                account=config.get_required('surplus_account_result'),
                debit=self.surplus, credit=Decimal(0),
                description=description)]
        for name, setting in accounts.items():
            amount = getattr(self, name)
            if amount:
                lines.append(MoveLine(
                        account=config.get_required(setting),
                        debit=Decimal(0), credit=amount,
                        description=description))
        return Move(
            company=self.company, journal=config.get_required('journal'),
            date=self.date, period=Period.find(self.company, date=self.date),
            origin=self, description=description,
            lines=lines)


def split(total, bases):
    """total shared out in proportion to bases ({key: base}) to the cent:
    each share rounded down, the cents left over to the largest remainders
    (the first key on a tie)"""
    whole = sum(bases.values())
    shares, remainders = {}, []
    for index, (key, base) in enumerate(bases.items()):
        exact = total * base / whole
        shares[key] = exact.quantize(CENT, rounding=ROUND_DOWN)
        remainders.append((exact - shares[key], -index, key))
    left = int(((total - sum(shares.values())) / CENT).quantize(
            Decimal(1), rounding=ROUND_HALF_UP))
    for _, _, key in sorted(remainders, reverse=True)[:left]:
        shares[key] += CENT
    return shares
