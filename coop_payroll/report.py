# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The payslip as a PDF, drawn with reportlab (no template, no LibreOffice)

One page per payslip, several payslips in one file. The payslip is a French
legal document: it shows every mention article R3243-1 of the Code du travail
requires, with French labels (kept together in LABELS below) whatever the
user's language.
"""
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle)

from trytond.report import Report

NBSP = '\xa0'

LABELS = {
    'title': "Bulletin de paie",
    'reversal': "Annulation du bulletin {number}",
    'draft': "Brouillon : ce bulletin n'a pas encore été validé.",
    'number': "Bulletin n°",
    'employer': "Employeur",
    'siret': "SIRET",
    'siren': "SIREN",
    'naf': "Code NAF/APE",
    'agreement': "Convention collective",
    'no_agreement': (
        "Code du travail, articles L3141-1 et suivants (congés) "
        "et L1234-1 et suivants (préavis)"),
    'employee': "Salarié",
    'job': "Emploi",
    'classification': "Classification",
    'coefficient': "Coefficient",
    'period': "Période",
    'period_value': "du {start} au {end}",
    'normal_hours': "Heures normales",
    'extra_hours': "Heures supplémentaires ou complémentaires",
    'earnings': "Rémunération",
    'designation': "Désignation",
    'quantity': "Heures",
    'rate': "Taux horaire",
    'amount': "Montant",
    'gross': "Salaire brut",
    'contributions': "Cotisations et contributions sociales",
    'base': "Base",
    'employee_rate': "Taux salarial",
    'employee_amount': "Part salariale",
    'employer_rate': "Taux patronal",
    'employer_amount': "Part patronale",
    'total_contributions': "Total des cotisations et contributions",
    'allowances': "Autres éléments non soumis à cotisations",
    'net_social': "Montant net social",
    'taxable_net': "Net imposable",
    'net_pay': "Net à payer",
    'payment_date': "Date de paiement",
    'employer_cost': "Coût total employeur",
    'keep': (
        "Dans votre intérêt et pour vous aider à faire valoir vos droits, "
        "conservez ce bulletin de paie sans limitation de durée."),
    }
# Party identifier types read for the employer's numbers. Neither a NAF nor
# an APE type exists in the party module: a module that adds one is read.
SIRET_TYPES = ('fr_siret',)
SIREN_TYPES = ('fr_siren',)
NAF_TYPES = ('fr_naf', 'fr_ape')


def format_fr(value, digits=2, unit='', max_digits=None):
    """The value French style: '1 823,03 €' (non-breaking spaces)

    With max_digits, shows up to that many decimals when they are not zeros
    (rates: 6,90 %, 0,0125 %). None gives ''."""
    if value is None:
        return ''
    value = Decimal(value)
    if max_digits is not None:
        exponent = value.normalize().as_tuple().exponent
        digits = min(max(-exponent, digits), max_digits)
    value = value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    text = format(abs(value), f',.{digits}f')
    text = text.replace(',', NBSP).replace('.', ',')
    if value < 0:
        text = '-' + text
    if unit:
        text += NBSP + unit
    return text


def format_date(date):
    return date.strftime('%d/%m/%Y') if date else ''


class PayslipReport(Report):
    "Payslip"
    __name__ = 'coop.payroll.payslip'

    @classmethod
    def _execute(cls, records, header, data, action):
        buffer = BytesIO()
        doc = SimpleDocTemplate(
            buffer, pagesize=A4,
            leftMargin=15 * mm, rightMargin=15 * mm,
            topMargin=15 * mm, bottomMargin=20 * mm,
            title=LABELS['title'], author='')
        story = []
        for i, payslip in enumerate(records):
            if i:
                story.append(PageBreak())
            story.extend(cls.payslip_flowables(payslip))
        doc.build(story, onFirstPage=cls.draw_footer,
            onLaterPages=cls.draw_footer)
        return 'pdf', buffer.getvalue()

    @staticmethod
    def draw_footer(canvas, doc):
        "The keep-forever notice, at the bottom of every page"
        canvas.saveState()
        canvas.setFont('Helvetica-Oblique', 8)
        canvas.drawCentredString(A4[0] / 2, 12 * mm, LABELS['keep'])
        canvas.restoreState()

    @classmethod
    def styles(cls):
        sheet = getSampleStyleSheet()
        return {
            'title': ParagraphStyle(
                'PayslipTitle', parent=sheet['Title'], fontSize=16,
                spaceAfter=2 * mm),
            'subtitle': ParagraphStyle(
                'PayslipSubtitle', parent=sheet['Normal'], fontSize=11,
                alignment=TA_CENTER, fontName='Helvetica-Bold',
                spaceAfter=2 * mm),
            'heading': ParagraphStyle(
                'PayslipHeading', parent=sheet['Normal'], fontSize=10,
                fontName='Helvetica-Bold', spaceBefore=3 * mm,
                spaceAfter=1 * mm),
            'normal': ParagraphStyle(
                'PayslipNormal', parent=sheet['Normal'], fontSize=9,
                leading=11),
            'cell': ParagraphStyle(
                'PayslipCell', parent=sheet['Normal'], fontSize=8,
                leading=10),
            }

    @classmethod
    def payslip_flowables(cls, payslip):
        styles = cls.styles()
        symbol = (payslip.currency.symbol if payslip.currency else None) or '€'

        def amount(value):
            return format_fr(value, unit=symbol)

        def para(text, style='normal'):
            return Paragraph(text, styles[style])

        def field(label, value):
            return f'<b>{escape(label)} :</b> {escape(str(value or ""))}'

        flowables = [para(escape(LABELS['title']), 'title')]
        if payslip.reversal_of:
            flowables.append(para(escape(LABELS['reversal'].format(
                            number=payslip.reversal_of.number
                            or payslip.reversal_of.rec_name)), 'subtitle'))
        if payslip.state == 'draft':
            flowables.append(para(escape(LABELS['draft']), 'subtitle'))

        # Employer and employee
        company = payslip.company
        party = company.party
        address = party.address_get()
        employer = [f'<b>{escape(LABELS["employer"])}</b>',
            f'<b>{escape(party.rec_name)}</b>']
        if address:
            employer.extend(escape(l) for l in
                address.full_address.splitlines() if l.strip())
        siret = cls.identifier(party, SIRET_TYPES, address)
        siren = cls.identifier(party, SIREN_TYPES)
        if siret or not siren:
            employer.append(field(LABELS['siret'], siret))
        else:
            employer.append(field(LABELS['siren'], siren))
        employer.append(field(LABELS['naf'], cls.identifier(
                    party, NAF_TYPES)))

        contract = payslip.contract
        employee = [f'<b>{escape(LABELS["employee"])}</b>',
            f'<b>{escape(payslip.employee.party.rec_name)}</b>',
            field(LABELS['job'], contract.job if contract else ''),
            field(LABELS['classification'],
                contract.classification if contract else ''),
            field(LABELS['coefficient'],
                contract.coefficient if contract else ''),
            ]
        agreement = (contract.collective_agreement if contract else None) \
            or LABELS['no_agreement']
        general = [
            field(LABELS['number'], payslip.number or ''),
            field(LABELS['period'], LABELS['period_value'].format(
                    start=format_date(payslip.start_date),
                    end=format_date(payslip.end_date))),
            field(LABELS['agreement'], agreement),
            field(LABELS['normal_hours'], format_fr(
                    payslip.contract_hours, unit='h')),
            field(LABELS['extra_hours'], format_fr(
                    payslip.extra_hours or 0, unit='h')),
            ]
        width = A4[0] - 30 * mm
        parties = Table([[
                    para('<br/>'.join(employer)),
                    para('<br/>'.join(employee)),
                    ], [para('<br/>'.join(general)), '']],
            colWidths=[width / 2, width / 2])
        parties.setStyle(TableStyle([
                    ('BOX', (0, 0), (0, 0), 0.5, colors.grey),
                    ('BOX', (1, 0), (1, 0), 0.5, colors.grey),
                    ('SPAN', (0, 1), (1, 1)),
                    ('VALIGN', (0, 0), (-1, -1), 'TOP'),
                    ('TOPPADDING', (0, 1), (-1, 1), 3 * mm),
                    ]))
        flowables.append(parties)

        lines = list(payslip.lines)
        # Earnings: normal and extra hours apart, each at its own rate
        rows = [[LABELS['designation'], LABELS['quantity'], LABELS['rate'],
                LABELS['amount']]]
        for line in lines:
            if line.kind == 'earning':
                rows.append([para(escape(line.name), 'cell'),
                        format_fr(line.quantity),
                        format_fr(line.rate, unit=symbol, max_digits=4),
                        amount(line.amount)])
        rows.append([LABELS['gross'], '', '', amount(payslip.gross)])
        flowables.append(para(escape(LABELS['earnings']), 'heading'))
        flowables.append(cls.table(rows, width, [0.55, 0.13, 0.16, 0.16]))

        # Contributions
        rows = [[LABELS['designation'], LABELS['base'],
                LABELS['employee_rate'], LABELS['employee_amount'],
                LABELS['employer_rate'], LABELS['employer_amount']]]
        for line in lines:
            if line.kind == 'contribution':
                rows.append([para(escape(line.name), 'cell'),
                        amount(line.base),
                        format_fr(line.employee_rate, unit='%', max_digits=4),
                        amount(line.employee_amount),
                        format_fr(line.employer_rate, unit='%', max_digits=4),
                        amount(line.employer_amount)])
        rows.append([para(escape(LABELS['total_contributions']), 'cell'),
                '', '', amount(payslip.employee_contributions),
                '', amount(payslip.employer_contributions)])
        flowables.append(para(escape(LABELS['contributions']), 'heading'))
        flowables.append(cls.table(
                rows, width, [0.32, 0.14, 0.12, 0.14, 0.12, 0.16]))

        # Allowances: added to the net, free of contributions
        rows = [[LABELS['designation'], LABELS['amount']]]
        rows.extend([para(escape(l.name), 'cell'), amount(l.amount)]
            for l in lines if l.kind == 'allowance')
        if len(rows) > 1:
            rows.append([LABELS['allowances'], amount(payslip.allowances)])
            flowables.append(para(escape(LABELS['allowances']), 'heading'))
            flowables.append(cls.table(rows, width, [0.84, 0.16]))

        # Totals
        # What the month costs the employer: the gross pay, its employer
        # contributions and the allowances it pays on top
        cost = sum(v or 0 for v in [payslip.gross,
                payslip.employer_contributions, payslip.allowances])
        rows = [
            [LABELS['net_social'], amount(payslip.net_social)],
            [LABELS['taxable_net'], amount(payslip.taxable_net)],
            [LABELS['net_pay'], amount(payslip.net_pay)],
            [LABELS['payment_date'], format_date(payslip.payment_date)],
            [LABELS['employer_cost'], amount(cost)],
            ]
        totals = Table(rows, colWidths=[width * 0.84, width * 0.16])
        totals.setStyle(TableStyle([
                    ('FONTSIZE', (0, 0), (-1, -1), 9),
                    ('ALIGN', (1, 0), (1, -1), 'RIGHT'),
                    ('LINEABOVE', (0, 0), (-1, 0), 0.5, colors.grey),
                    ('FONTNAME', (0, 2), (-1, 2), 'Helvetica-Bold'),
                    ('FONTSIZE', (0, 2), (-1, 2), 11),
                    ('BACKGROUND', (0, 2), (-1, 2), colors.whitesmoke),
                    ('BOX', (0, 2), (-1, 2), 0.5, colors.black),
                    ]))
        flowables.append(Spacer(0, 4 * mm))
        flowables.append(totals)
        return flowables

    @staticmethod
    def table(rows, width, shares):
        "A table with a header row and a total row, amounts right aligned"
        table = Table(rows, colWidths=[width * s for s in shares],
            repeatRows=1)
        table.setStyle(TableStyle([
                    ('FONTSIZE', (0, 0), (-1, -1), 8),
                    ('FONTNAME', (0, 0), (-1, 0), 'Helvetica-Bold'),
                    ('FONTNAME', (0, -1), (-1, -1), 'Helvetica-Bold'),
                    ('BACKGROUND', (0, 0), (-1, 0), colors.lightgrey),
                    ('ALIGN', (1, 0), (-1, -1), 'RIGHT'),
                    ('VALIGN', (0, 0), (-1, -1), 'MIDDLE'),
                    ('LINEBELOW', (0, 0), (-1, 0), 0.5, colors.grey),
                    ('LINEABOVE', (0, -1), (-1, -1), 0.5, colors.grey),
                    ('BOX', (0, 0), (-1, -1), 0.5, colors.grey),
                    ]))
        return table

    @staticmethod
    def identifier(party, types, address=None):
        """The code of the party's first identifier of types

        The one of the address first, if given (a SIRET is per
        establishment)."""
        found = [i for i in party.identifiers if i.type in types]
        if address:
            found.sort(key=lambda i: getattr(i, 'address', None) != address)
        return found[0].code if found else ''
