# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The register's documents as PDFs, drawn with reportlab (no template)

- the share certificate: what a member holds, one page per member;
- the register of members: the members, then the operations on their shares;
- the statement of capital variation over a period, from the register.

They are French legal documents: French labels (kept together in LABELS
below) whatever the user's language. The certificate and the register read
the register at the date of the context ('date', today by default), as the
holdings do.
"""
import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal
from xml.sax.saxutils import escape

from sql.aggregate import Sum
from sql.conditionals import Case

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.report import Report
from trytond.transaction import Transaction
from trytond.wizard import Button, StateReport, StateView, Wizard

from coop_tools import pdf
from coop_tools.pdf import format_date, format_fr

LABELS = {
    # The cooperative
    'coop': "Société coopérative",
    'form_scop': (
        "Société coopérative et participative (SCOP) à capital variable"),
    'form_scic': (
        "Société coopérative d'intérêt collectif (SCIC) à capital variable"),
    'form_other': "Société coopérative à capital variable",
    # Members
    'member': "Associé",
    'member_number': "N° d'associé",
    'category': "Catégorie d'associés",
    'status': "Statut",
    'entry_date': "Date d'entrée",
    'exit_date': "Date de sortie",
    'status_candidate': "Candidat",
    'status_member': "Associé",
    'status_former': "Ancien associé",
    # Operations
    'kind_subscription': "Souscription",
    'kind_increase': "Souscription complémentaire",
    'kind_transfer': "Cession",
    'kind_sell_back': "Remboursement",
    'kind_conversion': "Conversion",
    'kind_reversal': "Annulation du n° {number}",
    'conversion': "{source} en {target}",
    # Columns
    'number': "N°",
    'name': "Nom",
    'date': "Date",
    'effective_date': "Date d'effet",
    'kind': "Nature",
    'to_member': "Bénéficiaire",
    'share_class': "Classe de parts",
    'shares': "Parts",
    'nominal': "Valeur nominale",
    'amount': "Montant",
    'capital': "Capital",
    'entry': "Entrée",
    'exit': "Sortie",
    'total': "Total",
    'as_at': "Arrêté au {date}",
    # Share certificate
    'certificate_title': "Certificat de parts sociales",
    'holdings': "Parts sociales détenues",
    'no_holdings': "Aucune part sociale détenue à cette date.",
    'member_operations': "Opérations inscrites au registre",
    'no_operations': "Aucune opération inscrite au registre.",
    'issued': (
        "Certificat délivré le {date}, d'après le registre des associés."),
    'signature': "Pour la coopérative,",
    'certificate_footer': (
        "Les parts sociales ne sont pas négociables : elles ne se cèdent "
        "qu'aux conditions prévues par les statuts."),
    # Register of members
    'register_title': "Registre des associés",
    'members': "Associés",
    'register_operations': "Mouvements de parts sociales",
    'register_footer': "Registre des associés de {company}, édité le {date}",
    # Capital variation
    'variation_title': "État des variations du capital social",
    'period': "Période du {start} au {end}",
    'movement': "Mouvement",
    'class_shares': "Parts {code}",
    'class_amount': "Montant {code}",
    'row_opening': "Capital au début de la période",
    'row_subscribed': "Souscriptions et souscriptions complémentaires",
    'row_sold_back': "Remboursements",
    'row_converted_in': "Conversions : parts reçues",
    'row_converted_out': "Conversions : parts converties",
    'row_reversed': "Annulations d'opérations",
    'row_closing': "Capital à la fin de la période",
    'row_transferred': (
        "Cessions entre associés (pour information, sans effet sur le "
        "capital)"),
    'variation_issued': "État établi le {date}, d'après le registre des "
    "associés.",
    }
# The rows of the capital variation statement: opening + MOVEMENTS =
# closing; the INFORMATIVE ones move no capital
MOVEMENTS = [
    'subscribed', 'sold_back', 'converted_in', 'converted_out', 'reversed']
INFORMATIVE = ['transferred']


class CapitalVariationError(UserError):
    pass


def number_key(number):
    "Sorts operation numbers as numbers: '9' before '10'"
    return [(0, int(p), '') if p.isdigit() else (1, 0, p)
        for p in re.split(r'(\d+)', number or '') if p]


def coop_lines(company):
    "The cooperative's name, address, identifiers and legal form as markup"
    lines = pdf.company_lines(company, LABELS['coop'], naf=False)
    lines.append(escape(LABELS.get(
                f'form_{company.coop_form}', LABELS['form_other'])))
    return lines


def currency_symbol(company):
    return (company.currency.symbol if company.currency else None) or '€'


def class_label(share_class):
    return f'{share_class.code} - {share_class.name}'


def kind_label(operation):
    "The nature of operation, in French"
    if operation.reverses:
        return LABELS['kind_reversal'].format(
            number=operation.reverses.number or '')
    return LABELS[f'kind_{operation.kind}']


class MembershipReport(Report):
    "What the register's documents share"

    @classmethod
    def paragraph(cls, text, style='normal'):
        return Paragraph(text, pdf.styles()[style])

    @classmethod
    def heading(cls, text):
        return cls.paragraph(escape(text), 'heading')

    @classmethod
    def title_boxes(cls, title, subtitle, left, right, width):
        "The title, the subtitle, and two boxes side by side"
        para = cls.paragraph
        boxes = Table([[
                    para('<br/>'.join(left)), para('<br/>'.join(right))]],
            colWidths=[width / 2, width / 2])
        boxes.setStyle(TableStyle([
                    ('BOX', (0, 0), (0, 0), 0.5, colors.grey),
                    ('BOX', (1, 0), (1, 0), 0.5, colors.grey),
                    ('VALIGN', (0, 0), (-1, -1), 'TOP'),
                    ]))
        return [
            para(escape(title), 'title'),
            para(escape(subtitle), 'subtitle'),
            boxes,
            ]

    @classmethod
    def by_company(cls, records):
        "records grouped by company, in the order of their first one"
        groups = {}
        for record in records:
            groups.setdefault(record.company, []).append(record)
        return groups.items()


class ShareCertificateReport(MembershipReport):
    "Share Certificate"
    __name__ = 'coop.membership.certificate'

    @classmethod
    def _execute(cls, records, header, data, action):
        pool = Pool()
        Member = pool.get('coop.member')
        Line = pool.get('coop.share.operation.line')
        date = Line.register_date()
        members = Member.browse([r.id for r in records])
        return 'pdf', pdf.build(
            [cls.certificate_flowables(m, date) for m in members],
            title=LABELS['certificate_title'],
            footer=LABELS['certificate_footer'])

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

    @classmethod
    def certificate_flowables(cls, member, date):
        pool = Pool()
        today = pool.get('ir.date').today()
        company = member.company
        symbol = currency_symbol(company)
        width = pdf.content_width(A4)
        para = cls.paragraph

        def amount(value):
            return format_fr(value, unit=symbol)

        holder = [f'<b>{escape(LABELS["member"])}</b>',
            f'<b>{escape(member.party.rec_name)}</b>']
        address = member.party.address_get()
        if address:
            holder.extend(escape(l) for l in
                address.full_address.splitlines() if l.strip())
        holder += [
            pdf.field(LABELS['member_number'], member.number),
            pdf.field(LABELS['category'], member.category.rec_name),
            pdf.field(LABELS['status'], LABELS[f'status_{member.status}']),
            pdf.field(LABELS['entry_date'], format_date(member.entry_date)),
            ]
        if member.exit_date:
            holder.append(pdf.field(
                    LABELS['exit_date'], format_date(member.exit_date)))
        flowables = cls.title_boxes(
            LABELS['certificate_title'],
            LABELS['as_at'].format(date=format_date(date)),
            coop_lines(company), holder, width)

        flowables.append(cls.heading(LABELS['holdings']))
        holdings = cls.member_holdings(member, date)
        if holdings:
            rows = [[LABELS['share_class'], LABELS['shares'],
                    LABELS['nominal'], LABELS['amount']]]
            for holding in holdings:
                rows.append([
                        para(escape(class_label(holding.share_class)),
                            'cell'),
                        format_fr(holding.quantity, digits=0),
                        amount(holding.share_class.nominal),
                        amount(holding.amount)])
            rows.append([LABELS['total'],
                    format_fr(sum(h.quantity for h in holdings), digits=0),
                    '', amount(sum(h.amount for h in holdings))])
            flowables.append(pdf.table(rows, width, [0.46, 0.14, 0.2, 0.2]))
        else:
            flowables.append(para(escape(LABELS['no_holdings'])))

        lines = cls.member_lines(member, date)
        flowables.append(cls.heading(LABELS['member_operations']))
        if lines:
            rows = [[LABELS['number'], LABELS['effective_date'],
                    LABELS['kind'], LABELS['share_class'], LABELS['shares'],
                    LABELS['amount']]]
            for line in lines:
                operation = line.operation
                rows.append([
                        operation.number or '',
                        format_date(line.effective_date),
                        para(escape(kind_label(operation)), 'cell'),
                        line.share_class.code,
                        format_fr(line.quantity, digits=0),
                        amount(line.share_class.nominal * line.quantity)])
            flowables.append(pdf.table(
                    rows, width, [0.1, 0.15, 0.35, 0.12, 0.1, 0.18],
                    total_row=None, align_from=4))
        else:
            flowables.append(para(escape(LABELS['no_operations'])))

        flowables += [
            Spacer(0, 6 * mm),
            para(escape(LABELS['issued'].format(date=format_date(today)))),
            Spacer(0, 4 * mm),
            para(escape(LABELS['signature'])),
            ]
        return flowables


class MemberRegisterReport(MembershipReport):
    "Register of Members"
    __name__ = 'coop.membership.register'

    @classmethod
    def _execute(cls, records, header, data, action):
        pool = Pool()
        Member = pool.get('coop.member')
        Line = pool.get('coop.share.operation.line')
        today = pool.get('ir.date').today()
        date = Line.register_date()
        members = Member.browse([r.id for r in records])
        pages, names = [], []
        for company, company_members in cls.by_company(members):
            pages.append(cls.register_flowables(
                    company, company_members, date))
            names.append(company.rec_name)
        return 'pdf', pdf.build(
            pages, title=LABELS['register_title'],
            pagesize=landscape(A4),
            footer=LABELS['register_footer'].format(
                company=', '.join(names), date=format_date(today)),
            page_numbers=True)

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

    @classmethod
    def register_flowables(cls, company, members, date):
        pool = Pool()
        Member = pool.get('coop.member')
        symbol = currency_symbol(company)
        pagesize = landscape(A4)
        width = pdf.content_width(pagesize)
        para = cls.paragraph

        def amount(value):
            return format_fr(value, unit=symbol)

        members = sorted(members, key=lambda m: (number_key(m.number), m.id))
        with Transaction().set_context(date=date):
            totals = Member.get_holding_totals(members, ['shares', 'capital'])
        flowables = [
            para(escape(LABELS['register_title']), 'title'),
            para(escape(LABELS['as_at'].format(
                        date=format_date(date))), 'subtitle'),
            para('<br/>'.join(coop_lines(company))),
            cls.heading(LABELS['members']),
            ]
        rows = [[LABELS['number'], LABELS['name'], LABELS['category'],
                LABELS['status'], LABELS['entry'], LABELS['exit'],
                LABELS['shares'], LABELS['capital']]]
        for member in members:
            rows.append([
                    member.number,
                    para(escape(member.party.rec_name), 'cell'),
                    para(escape(member.category.rec_name), 'cell'),
                    LABELS[f'status_{member.status}'],
                    format_date(member.entry_date),
                    format_date(member.exit_date),
                    format_fr(totals['shares'][member.id], digits=0),
                    amount(totals['capital'][member.id])])
        rows.append([LABELS['total'], '', '', '', '', '',
                format_fr(sum(totals['shares'].values()), digits=0),
                amount(sum(totals['capital'].values()))])
        flowables.append(pdf.table(
                rows, width, [0.08, 0.26, 0.18, 0.11, 0.09, 0.09, 0.07, 0.12],
                align_from=6))

        flowables.append(cls.heading(LABELS['register_operations']))
        operations = cls.register_operations(company, members, date)
        if operations:
            rows = [[LABELS['number'], LABELS['date'],
                    LABELS['effective_date'], LABELS['kind'],
                    LABELS['member'], LABELS['to_member'],
                    LABELS['share_class'], LABELS['shares'],
                    LABELS['amount']]]
            for operation in operations:
                share_class = operation.share_class.code
                shares = format_fr(operation.quantity, digits=0)
                if operation.kind == 'conversion':
                    share_class = LABELS['conversion'].format(
                        source=share_class, target=operation.to_class.code)
                    shares = LABELS['conversion'].format(
                        source=shares,
                        target=format_fr(operation.to_quantity, digits=0))
                rows.append([
                        operation.number or '',
                        format_date(operation.date),
                        format_date(operation.effective_date),
                        para(escape(kind_label(operation)), 'cell'),
                        para(escape(operation.member.rec_name), 'cell'),
                        para(escape(operation.to_member.rec_name
                                if operation.to_member else ''), 'cell'),
                        share_class,
                        shares,
                        amount(operation.amount)])
            flowables.append(pdf.table(
                    rows, width,
                    [0.06, 0.08, 0.08, 0.16, 0.19, 0.19, 0.08, 0.07, 0.09],
                    total_row=None, align_from=7))
        else:
            flowables.append(para(escape(LABELS['no_operations'])))
        return flowables


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
    def _execute(cls, records, header, data, action):
        pool = Pool()
        Company = pool.get('company.company')
        company = Company(data.get('company')
            or Transaction().context.get('company'))
        start_date, end_date = (
            dt.date.fromisoformat(d) if isinstance(d, str) else d
            for d in [data['start_date'], data['end_date']])
        variation = cls.variation(company, start_date, end_date)
        classes = list(variation['classes'].values())
        pagesize = landscape(A4) if len(classes) > 2 else A4
        return 'pdf', pdf.build(
            [cls.variation_flowables(company, variation, pagesize)],
            title=LABELS['variation_title'], pagesize=pagesize)

    @classmethod
    def variation_flowables(cls, company, variation, pagesize):
        pool = Pool()
        today = pool.get('ir.date').today()
        symbol = currency_symbol(company)
        width = pdf.content_width(pagesize)
        para = cls.paragraph
        classes = list(variation['classes'].values())

        def amount(value):
            return format_fr(value, unit=symbol)

        flowables = [
            para(escape(LABELS['variation_title']), 'title'),
            para(escape(LABELS['period'].format(
                        start=format_date(variation['start_date']),
                        end=format_date(variation['end_date']))),
                'subtitle'),
            para('<br/>'.join(coop_lines(company))),
            Spacer(0, 4 * mm),
            ]
        header = [LABELS['movement']]
        for share_class in classes:
            header += [
                LABELS['class_shares'].format(code=share_class['code']),
                LABELS['class_amount'].format(code=share_class['code'])]
        header.append(LABELS['total'])
        rows = [header]
        for row in ['opening', *MOVEMENTS, 'closing', *INFORMATIVE]:
            figures = variation['figures'][row]
            label = escape(LABELS[f'row_{row}'])
            if row == 'closing':
                label = f'<b>{label}</b>'
            elif row in INFORMATIVE:
                label = f'<i>{label}</i>'
            cells = [para(label, 'cell')]
            for share_class in classes:
                figure = figures[share_class['code']]
                cells += [
                    format_fr(figure['shares'], digits=0),
                    amount(figure['amount'])]
            cells.append(amount(variation['totals'][row]))
            rows.append(cells)
        columns = 2 * len(classes) + 1
        first = 0.34 if classes else 0.8
        table = pdf.table(
            rows, width, [first] + [(1 - first) / columns] * columns,
            total_row=-1 - len(INFORMATIVE))
        # The opening and the informative rows stand apart from the sum
        table.setStyle(TableStyle([
                    ('LINEBELOW', (0, 1), (-1, 1), 0.5, colors.grey),
                    ('LINEABOVE', (0, -len(INFORMATIVE)),
                        (-1, -len(INFORMATIVE)), 0.5, colors.grey),
                    ('FONTNAME', (0, -len(INFORMATIVE)), (-1, -1),
                        'Helvetica-Oblique'),
                    ]))
        flowables += [
            table,
            Spacer(0, 6 * mm),
            para(escape(LABELS['variation_issued'].format(
                        date=format_date(today)))),
            ]
        return flowables


class CapitalVariationStart(ModelView):
    "Print the statement of capital variation"
    __name__ = 'coop.membership.capital_variation.start'
    __string__ = "Capital Variation Statement"

    company = fields.Many2One('company.company', "Company", required=True)
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
        return action, {
            'company': self.start.company.id,
            'start_date': self.start.start_date,
            'end_date': self.start.end_date,
            }

    def transition_print_(self):
        return 'end'
