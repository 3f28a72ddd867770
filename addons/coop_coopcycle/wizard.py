# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"Import a CoopCycle export from the web client"
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from coop_tools.model import check_user_company, user_company_domain

from .coopcycle import import_data, refused_text
from .loader import ImportRefused

KINDS = [
    (None, "Recognised from its columns"),
    ('tasks', "Task Export"),
    ('deliveries', "Delivery Spreadsheet"),
    ('payroll', "Payroll Export"),
    ]


def summary_text(summary):
    return gettext('coop_coopcycle.msg_import_summary',
        rows=summary.rows,
        deliveries_created=summary.deliveries_created,
        deliveries_updated=summary.deliveries_updated,
        tasks_created=summary.tasks_created,
        tasks_updated=summary.tasks_updated,
        unchanged=summary.unchanged,
        stores=', '.join(summary.stores_created) or '-',
        tours=summary.tours_created,
        hours_created=summary.hours_created,
        hours_updated=summary.hours_updated,
        prices_kept=len(summary.prices_kept))


class ImportStart(ModelView):
    "Import a CoopCycle Export"
    __name__ = 'coop.coopcycle.import.start'
    __string__ = "Import a CoopCycle Export"

    company = fields.Many2One('company.company', "Company", required=True,
        domain=user_company_domain())
    file = fields.Binary("File", filename='filename', required=True)
    filename = fields.Char("File Name")
    kind = fields.Selection(KINDS, "Kind")
    month = fields.Date(
        "Month",
        states={
            'required': Eval('kind') == 'payroll',
            },
        help="The month of a payroll export (the file does not say it).")
    dry_run = fields.Boolean(
        "Dry Run", help="Check the file and count what it would change, "
        "without writing anything.")

    @staticmethod
    def default_company():
        return Transaction().context.get('company')


class ImportResult(ModelView):
    "CoopCycle Import Result"
    __name__ = 'coop.coopcycle.import.result'
    __string__ = "CoopCycle Import Result"

    refused = fields.Boolean("Refused", readonly=True)
    report = fields.Text("Report", readonly=True)


class Import(Wizard):
    "Import a CoopCycle Export"
    __name__ = 'coop.coopcycle.import'

    start = StateView('coop.coopcycle.import.start',
        'coop_coopcycle.import_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Import", 'import_', 'tryton-ok', default=True),
            ])
    import_ = StateTransition()
    result = StateView('coop.coopcycle.import.result',
        'coop_coopcycle.import_result_view_form', [
            Button("Back", 'start', 'tryton-back'),
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def transition_import_(self):
        pool = Pool()
        Company = pool.get('company.company')
        company = Company(self.start.company.id)
        # The wizard runs without the user's record rules: another coop's
        # import is refused before anything is read or written
        check_user_company(
            company, 'coop_coopcycle.msg_company_not_allowed')
        try:
            summary = import_data(
                company, self.start.file, self.start.kind, self.start.month,
                dry_run=self.start.dry_run)
        except ImportRefused as refused:
            self.result.refused = True
            self.result.report = gettext(
                'coop_coopcycle.msg_import_refused',
                count=len(refused.errors)) + '\n' + refused_text(
                refused.errors)
            return 'result'
        self.result.refused = False
        self.result.report = summary_text(summary)
        if self.start.dry_run:
            self.result.report += '\n' + gettext(
                'coop_coopcycle.msg_import_dry_run')
        return 'result'

    def default_result(self, fields):
        return {
            'refused': self.result.refused,
            'report': self.result.report,
            }
