# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The register's documents: PDFs from the HTML templates of report/

- the share certificate: what a member holds, one page per member;
- the register of members: the members, then the operations on their shares;
- the statement of capital variation over a period, from the register.

Each is an ir.action.report (report.xml) whose template a coop may replace;
its labels are translated through locale/*.po, in the reader's language
(see docs/templates.md). The certificate and the register read the register
at the date of the context ('date', today by default), as the holdings do.
"""
import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal

from genshi.core import Markup
from sql.aggregate import Sum
from sql.conditionals import Case

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction
from trytond.wizard import Button, StateReport, StateView, Wizard

from coop_tools.model import check_user_company, user_company_domain
from coop_tools.report import CompanyReport

from .exceptions import CapitalVariationError

# The rows of the capital variation statement: opening + MOVEMENTS =
# closing; the INFORMATIVE ones move no capital
MOVEMENTS = [
    'subscribed', 'sold_back', 'converted_in', 'converted_out', 'reversed']
INFORMATIVE = ['transferred']


def number_key(number):
    "Sorts operation numbers as numbers: '9' before '10'"
    return [(0, int(p), '') if p.isdigit() else (1, 0, p)
        for p in re.split(r'(\d+)', number or '') if p]


def by_company(records):
    "records grouped by company, in the order of their first one"
    groups = {}
    for record in records:
        groups.setdefault(record.company, []).append(record)
    return groups.items()


class MembershipReport(CompanyReport):
    """The register's documents are the coop's: written in its language (its
    party's), else in the reader's"""

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        # The stylesheet goes into <style> as it is: Genshi escapes a plain
        # string, and '.boxes &gt; div' matched nothing (no box drawn, the
        # signature boxes run together)
        context['stylesheet'] = Markup(context['stylesheet'])
        return context


class ShareCertificateReport(MembershipReport):
    "Share Certificate: what a member holds, a page per member"
    __name__ = 'coop.membership.certificate'

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Line = pool.get('coop.share.operation.line')
        context = super().get_context(records, header, data)
        date = Line.register_date()
        context['date'] = date
        context['member_holdings'] = lambda m: cls.member_holdings(m, date)
        context['member_lines'] = lambda m: cls.member_lines(m, date)
        return context

    @classmethod
    def member_holdings(cls, member, date):
        "The holdings of member at date, by class code"
        pool = Pool()
        Holding = pool.get('coop.share.holding')
        with Transaction().set_context(date=date):
            holdings = Holding.search([('member', '=', member.id)])
        return sorted(holdings, key=lambda h: h.share_class.code)

    @classmethod
    def member_lines(cls, member, date):
        "The register's lines of member effective at date, in its order"
        pool = Pool()
        Line = pool.get('coop.share.operation.line')
        lines = Line.search([
                ('member', '=', member.id),
                ('effective_date', '<=', date),
                ])
        return sorted(lines, key=lambda l: (
                l.effective_date, number_key(l.operation.number), l.id))


class MemberRegisterReport(MembershipReport):
    """Register of Members: the members with their holdings, then the
    operations on their shares, per company"""
    __name__ = 'coop.membership.register'

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Member = pool.get('coop.member')
        Line = pool.get('coop.share.operation.line')
        context = super().get_context(records, header, data)
        date = Line.register_date()
        members = Member.browse([r.id for r in records])
        registers = []
        for company, company_members in by_company(members):
            company_members = sorted(company_members,
                key=lambda m: (number_key(m.number), m.id))
            with Transaction().set_context(date=date):
                totals = Member.get_holding_totals(
                    company_members, ['shares', 'capital'])
            registers.append({
                    'company': company,
                    'members': company_members,
                    'shares': totals['shares'],
                    'capital': totals['capital'],
                    'operations': cls.register_operations(
                        company, company_members, date),
                    })
        context['date'] = date
        context['registers'] = registers
        return context

    @classmethod
    def register_operations(cls, company, members, date):
        """The recorded operations of company effective at date that move
        the shares of members, in the register's order"""
        pool = Pool()
        Operation = pool.get('coop.share.operation')
        operations = Operation.search([
                ('company', '=', company.id),
                ('state', '=', 'recorded'),
                ('effective_date', '<=', date),
                ('lines.member', 'in', [m.id for m in members]),
                ])
        return sorted(operations, key=lambda o: (
                number_key(o.number), o.effective_date, o.id))


class CapitalVariationReport(MembershipReport):
    "Capital Variation Statement"
    __name__ = 'coop.membership.capital_variation.report'

    @classmethod
    def check_period(cls, start_date, end_date):
        "Refuse a period that ends before it starts"
        if end_date < start_date:
            lang = Pool().get('ir.lang').get()
            raise CapitalVariationError(gettext(
                    'coop_membership.msg_capital_variation_period',
                    start_date=lang.strftime(start_date),
                    end_date=lang.strftime(end_date)))

    @classmethod
    def variation(cls, company, start_date, end_date):
        """The capital of company from start_date to end_date, both included,
        from the register, as plain data:

        - classes: the share classes involved, each a dict of code, name
          and nominal, by code;
        - figures: for each row (opening, the MOVEMENTS, closing and the
          INFORMATIVE ones), by class code, a dict of shares and amount;
        - totals: for each row, the amount over all classes.

        opening (the holdings before start_date) plus the MOVEMENTS
        (signed: what leaves the capital is negative) is closing (the
        holdings at end_date). A reversal is counted in its own row,
        whatever it reverses; transferred is the shares that changed hands,
        which leaves the capital as it is."""
        pool = Pool()
        Line = pool.get('coop.share.operation.line')
        Operation = pool.get('coop.share.operation')
        ShareClass = pool.get('coop.share.class')
        cls.check_period(start_date, end_date)

        shares = {row: defaultdict(int)
            for row in ['opening', *MOVEMENTS, 'closing', *INFORMATIVE]}
        day_before = start_date - dt.timedelta(days=1)
        shares['opening'].update(Line.class_totals(company, day_before))
        shares['closing'].update(Line.class_totals(company, end_date))

        line = Line.__table__()
        operation = Operation.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*line.join(operation,
                condition=line.operation == operation.id
                ).select(
                operation.kind, operation.reverses, line.share_class,
                Sum(Case((line.quantity > 0, line.quantity), else_=0)),
                Sum(Case((line.quantity < 0, line.quantity), else_=0)),
                where=(line.company == company.id)
                & (line.effective_date >= start_date)
                & (line.effective_date <= end_date),
                group_by=[operation.kind, operation.reverses,
                    line.share_class]))
        for kind, reverses, class_id, gained, given in cursor:
            gained, given = int(gained or 0), int(given or 0)
            if reverses:
                shares['reversed'][class_id] += gained + given
            elif kind in {'subscription', 'increase'}:
                shares['subscribed'][class_id] += gained + given
            elif kind == 'sell_back':
                shares['sold_back'][class_id] += gained + given
            elif kind == 'conversion':
                shares['converted_in'][class_id] += gained
                shares['converted_out'][class_id] += given
            elif kind == 'transfer':
                shares['transferred'][class_id] += gained

        class_ids = {c for row in shares.values() for c, q in row.items() if q}
        classes = sorted(ShareClass.browse(list(class_ids)),
            key=lambda c: c.code)
        figures, totals = {}, {}
        for row, quantities in shares.items():
            figures[row] = {}
            for share_class in classes:
                quantity = quantities.get(share_class.id, 0)
                figures[row][share_class.code] = {
                    'shares': quantity,
                    'amount': share_class.nominal * quantity,
                    }
            totals[row] = sum(
                (f['amount'] for f in figures[row].values()),
                Decimal('0.00'))
        return {
            'start_date': start_date,
            'end_date': end_date,
            'classes': {c.code: {
                    'code': c.code, 'name': c.name, 'nominal': c.nominal,
                    } for c in classes},
            'figures': figures,
            'totals': totals,
            }

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Company = pool.get('company.company')
        context = super().get_context(records, header, data)
        company = Company(data.get('company')
            or Transaction().context.get('company'))
        # The register is read in SQL, without the user's record rules:
        # the report's data (the wizard's form, or a direct call) may not
        # name another coop
        check_user_company(
            company, 'coop_membership.msg_company_not_allowed')
        start_date, end_date = (
            dt.date.fromisoformat(d) if isinstance(d, str) else d
            for d in [data['start_date'], data['end_date']])
        context['company'] = company
        context['variation'] = cls.variation(company, start_date, end_date)
        context['movements'] = MOVEMENTS
        context['informative'] = INFORMATIVE
        return context


class CapitalVariationStart(ModelView):
    "Print the statement of capital variation"
    __name__ = 'coop.membership.capital_variation.start'
    __string__ = "Capital Variation Statement"

    company = fields.Many2One('company.company', "Company", required=True,
        domain=user_company_domain())
    start_date = fields.Date(
        "Start Date", required=True,
        domain=[If(Eval('start_date') & Eval('end_date'),
                ('start_date', '<=', Eval('end_date')),
                ())])
    end_date = fields.Date(
        "End Date", required=True,
        domain=[If(Eval('start_date') & Eval('end_date'),
                ('end_date', '>=', Eval('start_date')),
                ())])

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_start_date(cls):
        return Pool().get('ir.date').today().replace(month=1, day=1)

    @classmethod
    def default_end_date(cls):
        return Pool().get('ir.date').today()


class CapitalVariation(Wizard):
    "Print the statement of capital variation over a period"
    __name__ = 'coop.membership.capital_variation'
    start = StateView('coop.membership.capital_variation.start',
        'coop_membership.capital_variation_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Print", 'print_', 'tryton-print', default=True),
            ])
    print_ = StateReport('coop.membership.capital_variation.report')

    def do_print_(self, action):
        pool = Pool()
        Report = pool.get(
            'coop.membership.capital_variation.report', type='report')
        Report.check_period(self.start.start_date, self.start.end_date)
        check_user_company(
            self.start.company, 'coop_membership.msg_company_not_allowed')
        return action, {
            'company': self.start.company.id,
            'start_date': self.start.start_date,
            'end_date': self.start.end_date,
            }

    def transition_print_(self):
        return 'end'
