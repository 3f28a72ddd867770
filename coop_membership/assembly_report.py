# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The assembly's documents: PDFs from the HTML templates of report/

- the minutes: convocation, attendance per college, proxies, quorum, and
  each resolution with its tally per college and its result; written once
  when the assembly closes and kept on it;
- the attendance sheet: the register with a box for each signature;
- the postal vote form: a member's ballot, sent with the convocation when
  the statutes allow postal votes.

Their labels are translated through locale/*.po (see docs/templates.md).
"""
import datetime as dt
from collections import defaultdict
from fractions import Fraction

from sql.aggregate import Count

from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.transaction import Transaction

from .assembly import ATTENDANCE_STATUSES
from .exceptions import AssemblyError
from .report import MembershipReport


class MinutesReport(MembershipReport):
    "Minutes of the General Assembly"
    __name__ = 'coop.assembly.minutes'

    @classmethod
    def _execute(cls, records, header, data, action):
        pool = Pool()
        Assembly = pool.get('coop.assembly')
        if len(records) == 1 and not data.get('render'):
            assembly = Assembly(records[0].id)
            if assembly.minutes:
                # The record made at the closing, not drawn again
                return 'pdf', bytes(assembly.minutes)
        return super()._execute(records, header, data, action)

    @classmethod
    def render_minutes(cls, assembly):
        "The PDF of assembly's minutes, from the report's template"
        pool = Pool()
        ActionReport = pool.get('ir.action.report')
        action, = ActionReport.search([('report_name', '=', cls.__name__)])
        _, content = cls._execute([assembly], {}, {'render': True}, action)
        return content

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Assembly = pool.get('coop.assembly')
        Configuration = pool.get('coop.membership.configuration')
        context = super().get_context(records, header, data)
        assemblies = Assembly.browse([r.id for r in records])
        context['minutes'] = [cls.minutes(a) for a in assemblies]
        # The assemblies of one report are one coop's: its statutes' rule
        context['abstention'] = Configuration.of_company(
            assemblies[0].company if assemblies else None
            ).assembly_abstention
        context['statuses'] = [s for s, _ in ATTENDANCE_STATUSES]
        return context

    @classmethod
    def minutes(cls, assembly):
        """What the minutes of assembly say, as a dict: the assembly,
        convocations (count, email, post, dates), attendance (rows per
        college and total), proxies, quorum (per kind, with the colleges
        when per college) and weighted (a SCIC weighs its colleges)"""
        pool = Pool()
        Assembly = pool.get('coop.assembly')
        Attendance = pool.get('coop.assembly.attendance')
        statuses = [s for s, _ in ATTENDANCE_STATUSES]
        sent = cls.convocations_sent(assembly)
        counts = Assembly.attendance_counts([assembly])[assembly.id]
        colleges = cls.colleges(counts)
        rows, totals = [], defaultdict(int)
        for college in colleges:
            by_status = {s: counts.get((college.id, s), 0) for s in statuses}
            rows.append({'college': college, 'counts': by_status,
                    'members': sum(by_status.values())})
            for status, n in by_status.items():
                totals[status] += n
        quorum = []
        for kind, kind_quorum in Assembly.quorum(
                [assembly], {assembly.id: counts})[assembly.id].items():
            quorum.append({
                    'kind': kind,
                    'quorum': kind_quorum,
                    'rate': _rate(kind_quorum.total_attending,
                        kind_quorum.total_voters),
                    'colleges': [{
                            'college': c,
                            'voters': kind_quorum.voters[c.id],
                            'attending': kind_quorum.attending[c.id],
                            'rate': _rate(kind_quorum.attending[c.id],
                                kind_quorum.voters[c.id]),
                            } for c in colleges]
                    if kind_quorum.per_college else [],
                    })
        return {
            'assembly': assembly,
            'convocations': {
                'count': sum(sent.values()),
                'email': sum(n for (m, _), n in sent.items() if m == 'email'),
                'post': sum(n for (m, _), n in sent.items() if m == 'post'),
                'dates': sorted({d for _, d in sent}),
                },
            'attendance': rows,
            'totals': {'counts': totals, 'members': sum(totals.values())},
            'proxies': Attendance.search([
                    ('assembly', '=', assembly.id),
                    ('status', '=', 'represented'),
                    ]),
            'quorum': quorum,
            'weighted': assembly.company.coop_form == 'scic',
            'tallies': {r.id: sorted(r.tallies, key=lambda t: t.college.code)
                for r in assembly.resolutions},
            }

    @classmethod
    def convocations_sent(cls, assembly):
        "{(method, date): convocations} of assembly, counted in SQL"
        pool = Pool()
        Convocation = pool.get('coop.assembly.convocation')
        table = Convocation.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(
                table.method, table.date, Count(table.id),
                where=table.assembly == assembly.id,
                group_by=[table.method, table.date]))
        return {(m, dt.date.fromisoformat(d) if isinstance(d, str) else d): n
            for m, d, n in cursor}

    @classmethod
    def colleges(cls, counts):
        pool = Pool()
        Category = pool.get('coop.member.category')
        return sorted(Category.browse(list({c for c, _ in counts})),
            key=lambda c: c.code)


def _rate(part, whole):
    return Fraction(part, whole) if whole else None


class AttendanceSheetReport(MembershipReport):
    "Attendance Sheet: the register with a box for each signature"
    __name__ = 'coop.assembly.attendance_sheet'

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Assembly = pool.get('coop.assembly')
        context = super().get_context(records, header, data)
        context['assemblies'] = Assembly.browse([r.id for r in records])
        context['proxies_held'] = cls.proxies_held
        return context

    @classmethod
    def proxies_held(cls, assembly):
        "{member id: proxies held} at assembly"
        held = defaultdict(int)
        for attendance in assembly.attendances:
            if attendance.status == 'represented':
                held[attendance.proxy_holder.id] += 1
        return held


class PostalFormReport(MembershipReport):
    """Postal Vote Form: a page per member of the register (or per register
    line of data['attendances']): each resolution with its boxes for,
    against and abstain, the member's name and the day the form must reach
    the coop by"""
    __name__ = 'coop.assembly.postal_form'

    @classmethod
    def render_form(cls, attendance):
        "(file name, PDF) of the postal vote form of a register line"
        pool = Pool()
        ActionReport = pool.get('ir.action.report')
        action, = ActionReport.search([('report_name', '=', cls.__name__)])
        _, content = cls._execute(
            [attendance.assembly], {}, {'attendances': [attendance.id]},
            action)
        name = gettext('coop_membership.msg_postal_form_name',
            number=attendance.member.number or attendance.member.id)
        return name, content

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Assembly = pool.get('coop.assembly')
        Attendance = pool.get('coop.assembly.attendance')
        context = super().get_context(records, header, data)
        assemblies = Assembly.browse([r.id for r in records])
        wanted = set(data.get('attendances') or [])
        forms = []
        for assembly in assemblies:
            config = assembly.statutes()
            if not config.assembly_postal_voting:
                raise AssemblyError(gettext(
                        'coop_membership.msg_postal_not_allowed',
                        company=assembly.company.rec_name,
                        assembly=assembly.rec_name))
            lines = Attendance.search([('assembly', '=', assembly.id)])
            if not lines:
                raise AssemblyError(gettext(
                        'coop_membership.msg_postal_no_register',
                        assembly=assembly.rec_name))
            if wanted:
                lines = [l for l in lines if l.id in wanted]
            forms.extend({
                    'assembly': assembly,
                    'attendance': line,
                    'deadline': assembly.postal_deadline,
                    'days': config.assembly_postal_days,
                    'abstention': config.assembly_abstention,
                    } for line in lines)
        context['forms'] = forms
        return context
