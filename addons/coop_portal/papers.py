# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""A rider's papers in the portal: the work certificate and the final
settlement receipt of each ended contract, and the yearly summary of each
year paid, as PDFs from coop_payroll_fr's reports (the same the payroll
prints); only the person's own, any other id answering 404; the
page from templates/papers.html"""
from trytond.exceptions import UserError
from trytond.pool import Pool

from .portal import (
    _, base_url, lang_record, not_found, page, papers_available,
    pdf_response)
from .routes import ID, VISIBLE_PAYSLIP_STATES, period, route


def ended_contracts(visitor):
    "The person's contracts that have ended, the latest first"
    pool = Pool()
    Contract = pool.get('coop.payroll.contract')
    Date = pool.get('ir.date')
    return Contract.search([
            ('employee', 'in', [e.id for e in visitor.employees()]),
            ('end_date', '!=', None),
            ('end_date', '<=', Date.today()),
            ], order=[('end_date', 'DESC'), ('id', 'DESC')])


def own_ended_contract(visitor, contract_id):
    "The person's ended contract of that id, else 404"
    contracts = [c for c in ended_contracts(visitor) if c.id == contract_id]
    if not papers_available() or not contracts:
        not_found()
    return contracts[0]


def paid_years(visitor):
    "[(employee, year)] of the person's confirmed payslips, latest first"
    Payslip = Pool().get('coop.payroll.payslip')
    years = set()
    for payslip in Payslip.search([
                ('employee', 'in', [e.id for e in visitor.employees()]),
                ('state', 'in', VISIBLE_PAYSLIP_STATES),
                ]):
        years.add((payslip.employee, payslip.start_date.year))
    return sorted(years, key=lambda y: (-y[1], y[0].id))


def has_receipt(contract):
    "Whether the contract's last payslip is confirmed: the receipt lists it"
    Receipt = Pool().get('coop.payroll.settlement_receipt', type='report')
    try:
        Receipt.last_payslips(contract)
    except UserError:
        return False
    return True


def contract_card(visitor, lang, contract):
    "An ended contract and the links to its papers, for papers.html"
    base = base_url(visitor.request)
    links = [{'href': f'{base}/papers/contracts/{contract.id}/certificate',
            'label': _('msg_work_certificate')}]
    if has_receipt(contract):
        links.append({
                'href': f'{base}/papers/contracts/{contract.id}/receipt',
                'label': _('msg_settlement_receipt')})
    return {'job': contract.job or '', 'links': links,
        'period': period(lang, contract.start_date, contract.end_date)}


def summary_card(visitor, employee, year):
    "A year paid and the link to its summary, for papers.html"
    base = base_url(visitor.request)
    return {'label': _('msg_year_summary', year=year),
        'href': f'{base}/papers/employees/{employee.id}/summary/{year}'}


@route('/papers')
def papers(visitor):
    "The person's papers: per ended contract, then per year paid"
    if not papers_available() or not visitor.employees():
        not_found()
    lang = lang_record(visitor)
    return page(visitor, _('msg_papers_title'), ('papers.html', {
                'contracts': [contract_card(visitor, lang, c)
                    for c in ended_contracts(visitor)],
                'summaries': [summary_card(visitor, employee, year)
                    for employee, year in paid_years(visitor)],
                }), current='papers')


@route(f'/papers/contracts/<{ID}:contract_id>/certificate')
def work_certificate(visitor, contract_id):
    contract = own_ended_contract(visitor, contract_id)
    Report = Pool().get('coop.payroll.work_certificate', type='report')
    data = Report.execute([contract.id], {})[1]
    return pdf_response(visitor, data,
        f'work-certificate-{contract.end_date:%Y-%m-%d}.pdf')


@route(f'/papers/contracts/<{ID}:contract_id>/receipt')
def settlement_receipt(visitor, contract_id):
    contract = own_ended_contract(visitor, contract_id)
    if not has_receipt(contract):
        not_found()
    Report = Pool().get('coop.payroll.settlement_receipt', type='report')
    data = Report.execute([contract.id], {})[1]
    return pdf_response(visitor, data,
        f'settlement-receipt-{contract.end_date:%Y-%m-%d}.pdf')


@route(f'/papers/employees/<{ID}:employee_id>/summary/<int:year>')
def year_summary(visitor, employee_id, year):
    if not papers_available():
        not_found()
    years = [(emp, y) for emp, y in paid_years(visitor)
        if emp.id == employee_id and y == year]
    if not years:
        not_found()
    Report = Pool().get('coop.payroll.year_summary', type='report')
    data = Report.execute([employee_id], {'year': year})[1]
    return pdf_response(visitor, data, f'year-summary-{year}.pdf')
