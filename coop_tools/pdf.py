# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""What the suite's PDF documents draw alike, with reportlab

The documents (payslip, share certificate, register of members, statement
of capital variation) are French legal documents: amounts and dates are
written the French way whatever the user's language, and the company is
shown with the identifiers the law asks for.
"""
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, SimpleDocTemplate, Table, TableStyle

from .report import NAF_TYPES, SIREN_TYPES, SIRET_TYPES, identifier

NBSP = '\xa0'
MARGIN = 15 * mm

LABELS = {
    'siret': "SIRET",
    'siren': "SIREN",
    'naf': "Code NAF/APE",
    'page': "Page {page}",
    }


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
    "The date as 31/01/2026; '' for None"
    return date.strftime('%d/%m/%Y') if date else ''


def content_width(pagesize=A4):
    "The width between the margins build() leaves"
    return pagesize[0] - 2 * MARGIN


@cache
def styles():
    """The paragraph styles, by name: title, subtitle, heading, normal, cell
    (shared: not to be changed)"""
    sheet = getSampleStyleSheet()
    return {
        'title': ParagraphStyle(
            'CoopTitle', parent=sheet['Title'], fontSize=16,
            spaceAfter=2 * mm),
        'subtitle': ParagraphStyle(
            'CoopSubtitle', parent=sheet['Normal'], fontSize=11,
            alignment=TA_CENTER, fontName='Helvetica-Bold',
            spaceAfter=2 * mm),
        'heading': ParagraphStyle(
            'CoopHeading', parent=sheet['Normal'], fontSize=10,
            fontName='Helvetica-Bold', spaceBefore=3 * mm,
            spaceAfter=1 * mm),
        'normal': ParagraphStyle(
            'CoopNormal', parent=sheet['Normal'], fontSize=9,
            leading=11),
        'cell': ParagraphStyle(
            'CoopCell', parent=sheet['Normal'], fontSize=8,
            leading=10),
        }


def field(label, value):
    "'<b>label :</b> value' as paragraph markup, both escaped"
    return f'<b>{escape(label)} :</b> {escape(str(value or ""))}'


def table(rows, width, shares, total_row=-1, align_from=1):
    """A table of rows whose first row is a header and total_row (an index,
    None for none) a total, both bold; columns take shares of width, the
    ones from align_from on (the figures) right aligned"""
    result = Table(rows, colWidths=[width * s for s in shares], repeatRows=1)
    style = [
        ('FONTSIZE', (0, 0), (-1, -1), 8),
        ('FONTNAME', (0, 0), (-1, 0), 'Helvetica-Bold'),
        ('BACKGROUND', (0, 0), (-1, 0), colors.lightgrey),
        ('ALIGN', (align_from, 0), (-1, -1), 'RIGHT'),
        ('VALIGN', (0, 0), (-1, -1), 'MIDDLE'),
        ('LINEBELOW', (0, 0), (-1, 0), 0.5, colors.grey),
        ('BOX', (0, 0), (-1, -1), 0.5, colors.grey),
        ]
    if total_row is not None:
        style += [
            ('FONTNAME', (0, total_row), (-1, total_row), 'Helvetica-Bold'),
            ('LINEABOVE', (0, total_row), (-1, total_row), 0.5, colors.grey),
            ]
    result.setStyle(TableStyle(style))
    return result


def company_lines(company, heading, naf=True):
    """Paragraph markup lines showing company under heading: its name, its
    address, its SIRET (its SIREN when it has no SIRET) and, if naf, its
    NAF code (empty or not)"""
    party = company.party
    address = party.address_get()
    lines = [f'<b>{escape(heading)}</b>', f'<b>{escape(party.rec_name)}</b>']
    if address:
        lines.extend(escape(l) for l in
            address.full_address.splitlines() if l.strip())
    siret = identifier(party, SIRET_TYPES, address)
    siren = identifier(party, SIREN_TYPES)
    if siret or not siren:
        lines.append(field(LABELS['siret'], siret))
    else:
        lines.append(field(LABELS['siren'], siren))
    if naf:
        lines.append(field(LABELS['naf'], identifier(party, NAF_TYPES)))
    return lines


def build(pages, title, pagesize=A4, footer='', page_numbers=False):
    """The PDF (bytes) of pages, each a list of flowables starting on a new
    page, with footer (a line of text) at the bottom of every page and the
    page's number if page_numbers"""
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=pagesize,
        leftMargin=MARGIN, rightMargin=MARGIN,
        topMargin=MARGIN, bottomMargin=20 * mm,
        title=title, author='')

    def draw_footer(canvas, doc):
        canvas.saveState()
        canvas.setFont('Helvetica-Oblique', 8)
        if footer:
            canvas.drawCentredString(pagesize[0] / 2, 12 * mm, footer)
        if page_numbers:
            canvas.drawRightString(pagesize[0] - MARGIN, 7 * mm,
                LABELS['page'].format(page=doc.page))
        canvas.restoreState()

    story = []
    for i, flowables in enumerate(pages):
        if i:
            story.append(PageBreak())
        story.extend(flowables)
    doc.build(story, onFirstPage=draw_footer, onLaterPages=draw_footer)
    return buffer.getvalue()
