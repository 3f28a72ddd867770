# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The payslip as a PDF, drawn with reportlab (no template, no LibreOffice)

One page per payslip, several payslips in one file. The payslip is a French
legal document: it shows every mention article R3243-1 of the Code du travail
requires, with French labels (kept together in LABELS below) whatever the
user's language.
"""
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether, Paragraph, Spacer, Table, TableStyle)

from trytond.report import Report

from coop_tools import pdf
from coop_tools.pdf import format_date, format_fr

__all__ = ['PayslipReport', 'format_fr']

LABELS = {
    'title': "Bulletin de paie",
    'reversal': "Annulation du bulletin {number}",
    'draft': "Brouillon : ce bulletin n'a pas encore été validé.",
    'number': "Bulletin n°",
    'employer': "Employeur",
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
    'net_before_tax': "Net à payer avant impôt sur le revenu",
    'income_tax': "Impôt sur le revenu prélevé à la source",
    'income_tax_value': "base {base}, taux {rate}",
    'net_paid': "Net payé",
    'payment_date': "Date de paiement",
    'employer_cost': "Coût total employeur",
    'keep': (
        "Dans votre intérêt et pour vous aider à faire valoir vos droits, "
        "conservez ce bulletin de paie sans limitation de durée."),
    }


class PayslipReport(Report):
    "Payslip"
    __name__ = 'coop.payroll.payslip'

    @classmethod
    def _execute(cls, records, header, data, action):
        return 'pdf', pdf.build(
            [cls.payslip_flowables(p) for p in records],
            title=LABELS['title'], footer=LABELS['keep'])

    @classmethod
    def payslip_flowables(cls, payslip):
        styles = pdf.styles()
        symbol = (payslip.currency.symbol if payslip.currency else None) or '€'

        def amount(value):
            return format_fr(value, unit=symbol)

        def para(text, style='normal'):
            return Paragraph(text, styles[style])

        flowables = [para(escape(LABELS['title']), 'title')]
        if payslip.reversal_of:
            flowables.append(para(escape(LABELS['reversal'].format(
                            number=payslip.reversal_of.number
                            or payslip.reversal_of.rec_name)), 'subtitle'))
        if payslip.state == 'draft':
            flowables.append(para(escape(LABELS['draft']), 'subtitle'))

        # Employer and employee
        employer = pdf.company_lines(payslip.company, LABELS['employer'])
        contract = payslip.contract
        employee = [f'<b>{escape(LABELS["employee"])}</b>',
            f'<b>{escape(payslip.employee.party.rec_name)}</b>',
            pdf.field(LABELS['job'], contract.job if contract else ''),
            pdf.field(LABELS['classification'],
                contract.classification if contract else ''),
            pdf.field(LABELS['coefficient'],
                contract.coefficient if contract else ''),
            ]
        agreement = (contract.collective_agreement if contract else None) \
            or LABELS['no_agreement']
        general = [
            pdf.field(LABELS['number'], payslip.number or ''),
            pdf.field(LABELS['period'], LABELS['period_value'].format(
                    start=format_date(payslip.start_date),
                    end=format_date(payslip.end_date))),
            pdf.field(LABELS['agreement'], agreement),
            pdf.field(LABELS['normal_hours'], format_fr(
                    payslip.contract_hours, unit='h')),
            pdf.field(LABELS['extra_hours'], format_fr(
                    payslip.extra_hours or 0, unit='h')),
            ]
        width = pdf.content_width(A4)
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
        flowables.append(pdf.table(rows, width, [0.55, 0.13, 0.16, 0.16]))

        # Contributions
        rows = [[LABELS['designation'], LABELS['base'],
                LABELS['employee_rate'], LABELS['employee_amount'],
                LABELS['employer_rate'], LABELS['employer_amount']]]
        for line in lines:
            if line.kind in {'contribution', 'reduction'}:
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
        contributions = pdf.table(
            rows, width, [0.38, 0.13, 0.10, 0.14, 0.10, 0.15])
        # Some twenty lines: tight rows keep the payslip on one page
        contributions.setStyle(TableStyle([
                    ('TOPPADDING', (0, 0), (-1, -1), 1),
                    ('BOTTOMPADDING', (0, 0), (-1, -1), 1),
                    ]))
        flowables.append(contributions)

        # Allowances: added to the net, free of contributions
        rows = [[LABELS['designation'], LABELS['amount']]]
        rows.extend([para(escape(l.name), 'cell'), amount(l.amount)]
            for l in lines if l.kind == 'allowance')
        if len(rows) > 1:
            rows.append([LABELS['allowances'], amount(payslip.allowances)])
            flowables.append(para(escape(LABELS['allowances']), 'heading'))
            flowables.append(pdf.table(rows, width, [0.84, 0.16]))

        flowables.extend(cls.after_net_flowables(payslip))

        # Totals
        # What the month costs the employer: the gross pay, its employer
        # contributions and the allowances it pays on top
        cost = sum(v or 0 for v in [payslip.gross,
                payslip.employer_contributions, payslip.allowances])
        rows = [
            [LABELS['net_social'], amount(payslip.net_social)],
            [LABELS['taxable_net'], amount(payslip.taxable_net)],
            ]
        taxes = [l for l in lines if l.kind == 'tax']
        if taxes:
            rows.append([LABELS['net_before_tax'],
                    amount(payslip.net_before_tax)])
            for line in taxes:
                rows.append([para(escape(LABELS['income_tax'] + ' ('
                                + LABELS['income_tax_value'].format(
                                    base=amount(line.base),
                                    rate=format_fr(line.employee_rate,
                                        unit='%', max_digits=4)) + ')'),
                            'cell'),
                        amount(-line.employee_amount)])
        net_row = len(rows)
        rows.append([LABELS['net_paid'] if taxes else LABELS['net_pay'],
                amount(payslip.net_pay)])
        rows += [
            [LABELS['payment_date'], format_date(payslip.payment_date)],
            [LABELS['employer_cost'], amount(cost)],
            ]
        totals = Table(rows, colWidths=[width * 0.84, width * 0.16])
        totals.setStyle(TableStyle([
                    ('FONTSIZE', (0, 0), (-1, -1), 9),
                    ('ALIGN', (1, 0), (1, -1), 'RIGHT'),
                    ('LINEABOVE', (0, 0), (-1, 0), 0.5, colors.grey),
                    ('FONTNAME', (0, net_row), (-1, net_row),
                        'Helvetica-Bold'),
                    ('FONTSIZE', (0, net_row), (-1, net_row), 11),
                    ('BACKGROUND', (0, net_row), (-1, net_row),
                        colors.whitesmoke),
                    ('BOX', (0, net_row), (-1, net_row), 0.5, colors.black),
                    ]))
        # The totals never start a page alone, nor the net paid
        flowables.append(KeepTogether([Spacer(0, 4 * mm), totals]))
        return flowables

    @classmethod
    def after_net_flowables(cls, payslip):
        "What a module shows between the allowances and the totals"
        return []
