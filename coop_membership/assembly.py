# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""General assemblies: convocation, attendance register, quorum, votes,
minutes, and the board the members elect

An assembly is drafted with its agenda (the resolutions), convened (the
register of the members entitled to vote is made and every member is sent
the convocation), held (attendance and votes are recorded) and closed: the
tally, the quorum and each resolution's result are then stored with the
minutes, and the assembly can no longer change. A first convocation whose
quorum failed leads to a second one, linked to it.

The thresholds (quorum per kind and convocation, proxies, how abstentions
count) are settings of the membership configuration with the law's
defaults; see docs/assembly.md.
"""
import datetime as dt
import mimetypes
from collections import defaultdict
from decimal import Decimal
from email.message import EmailMessage
from fractions import Fraction

from sql.aggregate import Count

from trytond import backend
import trytond.config as tryton_config
from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.sendmail import send_message_transactional
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from coop_tools import sql as bulk
from coop_tools.model import rec_name_domain

from .exceptions import (
    AssemblyError, AssemblyClosedError, ProxyError, VoteError)

KINDS = [
    ('ordinary', "Ordinary"),
    ('extraordinary', "Extraordinary"),
    ('mixed', "Mixed"),
    ]
RESOLUTION_KINDS = [
    ('ordinary', "Ordinary"),
    ('extraordinary', "Extraordinary"),
    ]
RESOLUTION_KINDS_SET = {k for k, _ in RESOLUTION_KINDS}
CONVOCATIONS = [
    ('first', "First"),
    ('second', "Second"),
    ]
STATES = [
    ('draft', "Draft"),
    ('convened', "Convened"),
    ('in_session', "In Session"),
    ('closed', "Closed"),
    ]
ATTENDANCE_STATUSES = [
    ('present', "Present"),
    ('remote', "Remote"),
    ('represented', "Represented"),
    ('postal', "Postal Vote"),
    ('absent', "Absent"),
    ]
# The statuses that count for the quorum
ATTENDING = ('present', 'remote', 'represented', 'postal')
# Who may hold a proxy: a member at the meeting
HOLDING = ('present', 'remote')
CHOICES = [
    ('for', "For"),
    ('against', "Against"),
    ('abstain', "Abstain"),
    ('blank', "Blank"),
    ]
CHOICE_NAMES = [c for c, _ in CHOICES]
MAJORITIES = [
    ('simple', "Simple Majority"),
    ('two_thirds', "Two-Thirds Majority"),
    ('other', "Other Fraction"),
    ]
VOTE_MODES = [
    ('individual', "Individual Votes"),
    ('show_of_hands', "Show of Hands"),
    ]
RESULTS = [
    (None, ""),
    ('adopted', "Adopted"),
    ('rejected', "Rejected"),
    ('tie', "Tie (Rejected)"),
    ('no_quorum', "Not Voted (No Quorum)"),
    ]
# Written on a resolution by the closing of its assembly
RESULT_FIELDS = {
    'result', 'quorum_reached', 'share_for', 'head_share_for',
    'votes_for', 'votes_against', 'votes_abstain', 'votes_blank'}
# What may change on the agenda once the members are convened
SESSION_FIELDS = RESULT_FIELDS | {'vote_mode', 'tallies', 'votes'}
HALF = Fraction(1, 2)


def _fraction(value):
    return Fraction(Decimal(value or 0))


def decide(counts, weights, required, strict, abstention):
    """The result of a vote from counts {college id: {choice: number}}

    weights {college id: weight} weigh each college's share of the votes
    for (SCIC), normalised over the colleges that expressed votes; None
    counts heads. required is the share of the expressed votes for that
    adopts (a Fraction), strict when it must be exceeded (a simple
    majority). abstention 'excluded' leaves abstentions and blank votes out
    of the expressed votes, 'against' counts them as votes against.
    Return (result, share for, head-count share for); a share of exactly
    one half is a tie, and a tie is never adopted."""
    def expressed(c):
        total = c.get('for', 0) + c.get('against', 0)
        if abstention == 'against':
            total += c.get('abstain', 0) + c.get('blank', 0)
        return total

    heads_for = sum(c.get('for', 0) for c in counts.values())
    heads = sum(expressed(c) for c in counts.values())
    head_share = Fraction(heads_for, heads) if heads else None
    if weights is None:
        share = head_share
    else:
        total_weight = Fraction(0)
        weighted = Fraction(0)
        for college, c in counts.items():
            if expressed(c):
                weight = _fraction(weights[college])
                total_weight += weight
                weighted += weight * Fraction(c.get('for', 0), expressed(c))
        share = weighted / total_weight if total_weight else None
    if share is None:
        return 'rejected', None, head_share
    if share == HALF:
        return 'tie', share, head_share
    adopted = share > HALF and (share > required if strict
        else share >= required)
    return ('adopted' if adopted else 'rejected'), share, head_share


class AssemblyPartMixin:
    """A part of an assembly's record: created, changed or deleted only
    while its assembly is open"""
    __slots__ = ()

    @classmethod
    def _assembly_of(cls, record):
        return record.assembly

    @classmethod
    def _assembly_ids_of_values(cls, vlist):
        return {v['assembly'] for v in vlist if v.get('assembly')}

    @classmethod
    def _check_open(cls, assemblies):
        pool = Pool()
        Assembly = pool.get('coop.assembly')
        Assembly.check_not_closed(Assembly.browse(list(assemblies)))

    @classmethod
    def create(cls, vlist):
        cls._check_open(cls._assembly_ids_of_values(vlist))
        return super().create(vlist)

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        for records, values in zip(actions, actions):
            cls._check_open({cls._assembly_of(r).id for r in records}
                | cls._assembly_ids_of_values([values]))
        super().write(*args)

    @classmethod
    def delete(cls, records):
        cls._check_open({cls._assembly_of(r).id for r in records})
        super().delete(records)


class ResolutionPartMixin(AssemblyPartMixin):
    "A part of a resolution's record"
    __slots__ = ()

    @classmethod
    def _assembly_of(cls, record):
        return record.resolution.assembly

    @classmethod
    def _assembly_ids_of_values(cls, vlist):
        pool = Pool()
        Resolution = pool.get('coop.assembly.resolution')
        ids = {v['resolution'] for v in vlist if v.get('resolution')}
        return {r.assembly.id for r in Resolution.browse(list(ids))}


class Assembly(Workflow, ModelSQL, ModelView):
    "A general assembly of the members"
    __name__ = 'coop.assembly'
    __string__ = "General Assembly"

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    name = fields.Char("Name", required=True, states=_states)
    kind = fields.Selection(
        KINDS, "Kind", required=True, states=_states, sort=False,
        help="An ordinary assembly approves the accounts and elects the "
        "board; an extraordinary one changes the statutes; a mixed one "
        "holds both.")
    kind_string = kind.translated('kind')
    convocation = fields.Selection(
        CONVOCATIONS, "Convocation", required=True, readonly=True,
        sort=False,
        help="A second convocation follows a first one whose quorum "
        "failed; its quorum is lower.")
    first_convocation = fields.Many2One(
        'coop.assembly', "First Convocation", readonly=True,
        states={'invisible': Eval('convocation') != 'second'},
        help="The assembly whose quorum failed.")
    second_convocations = fields.One2Many(
        'coop.assembly', 'first_convocation', "Second Convocation",
        readonly=True,
        states={'invisible': Eval('convocation') != 'first'})
    date = fields.Date(
        "Date",
        states={
            'readonly': _states['readonly'],
            'required': Eval('state') != 'draft',
            })
    time = fields.Time("Time", states=_states)
    place = fields.Char("Place", states=_states)
    remote = fields.Boolean(
        "Remote Attendance", states=_states,
        help="Members may attend and vote from afar.")
    remote_link = fields.Char(
        "Remote Link", states={
            'readonly': _states['readonly'],
            'invisible': ~Eval('remote'),
            })
    convocation_date = fields.Date(
        "Convocation Date", states=_states,
        help="The date the convocations are sent: the day the members are "
        "convened unless set, or an earlier day when letters were posted "
        "then. The statutes' notice runs from it.")
    notice_date = fields.Function(fields.Date(
            "Convene By",
            help="The last day the convocations may be sent for the notice "
            "the statutes ask before the meeting."), 'get_notice_date')
    postal_deadline = fields.Function(fields.Date(
            "Postal Votes By",
            help="The day by which a postal vote form must reach the coop, "
            "when the statutes allow postal votes."), 'get_postal_deadline')
    chair = fields.Many2One(
        'coop.member', "Chair", ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        states={'readonly': Eval('state') == 'closed'},
        help="The member who chairs the meeting (président de séance).")
    secretary = fields.Many2One(
        'coop.member', "Secretary", ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        states={'readonly': Eval('state') == 'closed'},
        help="The member who keeps the minutes of the meeting.")
    tellers = fields.Many2Many(
        'coop.assembly.teller', 'assembly', 'member', "Tellers",
        domain=[('company', '=', Eval('company', -1))],
        states={'readonly': Eval('state') == 'closed'},
        help="The members who count the votes (scrutateurs), usually two.")
    vote_opening = fields.DateTime(
        "Vote Opening",
        states={'readonly': Eval('state') == 'closed'},
        help="From when members may vote online, when the statutes allow "
        "remote voting (set by the secretary).")
    vote_closing = fields.DateTime(
        "Vote Closing",
        domain=[If(Eval('vote_opening') & Eval('vote_closing'),
                ('vote_closing', '>', Eval('vote_opening')), ())],
        states={
            'readonly': Eval('state') == 'closed',
            'required': Bool(Eval('vote_opening')),
            },
        help="Until when members may vote online and change their "
        "ballots.")
    resolutions = fields.One2Many(
        'coop.assembly.resolution', 'assembly', "Agenda",
        states={'readonly': Eval('state') == 'closed'})
    convocations = fields.One2Many(
        'coop.assembly.convocation', 'assembly', "Convocations",
        readonly=True)
    attendances = fields.One2Many(
        'coop.assembly.attendance', 'assembly', "Attendance Register",
        states={'readonly': ~Eval('state').in_(['convened', 'in_session'])})
    voters = fields.Function(fields.Integer(
            "Voters", help="The members entitled to vote."), 'get_counts')
    attending = fields.Function(fields.Integer(
            "Attending",
            help="The members present, remote, represented or voting by "
            "post."), 'get_counts')
    quorum_reached = fields.Function(fields.Boolean(
            "Quorum Reached",
            help="Each kind of resolution on the agenda has its quorum."),
        'get_quorum_reached')
    closed_quorum = fields.Boolean("Quorum Reached at Closing", readonly=True)
    closing_date = fields.Date("Closing Date", readonly=True)
    minutes = fields.Binary(
        "Minutes", readonly=True, filename='minutes_name',
        help="The minutes as the closing made them.")
    minutes_name = fields.Char("Minutes Name", readonly=True)
    state = fields.Selection(
        STATES, "State", readonly=True, required=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(
                t, (t.state, Index.Equality(cardinality='low')),
                where=t.state.in_(['draft', 'convened', 'in_session'])))
        cls._order = [('date', 'DESC NULLS FIRST'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'convened'),
            ('convened', 'in_session'),
            ('in_session', 'closed'),
            }
        cls._buttons.update({
                'convene': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'open_session': {
                    'invisible': Eval('state') != 'convened',
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') != 'in_session',
                    'depends': ['state'],
                    },
                'convene_second': {
                    'invisible': ((Eval('state') != 'closed')
                        | (Eval('convocation') != 'first')
                        | Bool(Eval('closed_quorum'))
                        | Bool(Eval('second_convocations'))),
                    'depends': [
                        'state', 'convocation', 'closed_quorum',
                        'second_convocations'],
                    },
                })

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def default_kind(cls):
        return 'ordinary'

    @classmethod
    def default_convocation(cls):
        return 'first'

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_remote(cls):
        return False

    def get_rec_name(self, name):
        if self.date:
            return f'{self.name} ({self.date})'
        return self.name

    @classmethod
    def search_rec_name(cls, name, clause):
        return rec_name_domain(clause, 'name')

    # The record is kept: a closed assembly never changes

    @classmethod
    def check_not_closed(cls, assemblies):
        for assembly in assemblies:
            if assembly.state == 'closed':
                raise AssemblyClosedError(gettext(
                        'coop_membership.msg_assembly_closed',
                        assembly=assembly.rec_name))

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        for assemblies, values in zip(actions, actions):
            cls.check_not_closed(assemblies)
        super().write(*args)

    @classmethod
    def delete(cls, assemblies):
        cls.check_not_closed(assemblies)
        for assembly in assemblies:
            if assembly.state != 'draft':
                raise AssemblyError(gettext(
                        'coop_membership.msg_assembly_delete',
                        assembly=assembly.rec_name))
        super().delete(assemblies)

    @classmethod
    def copy(cls, assemblies, default=None):
        default = default.copy() if default else {}
        for name in ['convocations', 'attendances', 'second_convocations',
                'minutes', 'minutes_name', 'closing_date', 'closed_quorum',
                'first_convocation', 'convocation_date', 'chair',
                'secretary', 'tellers']:
            default.setdefault(name, None)
        default.setdefault('convocation', 'first')
        return super().copy(assemblies, default=default)

    # The statutes' delays

    def statutes(self):
        "The membership configuration of the assembly's coop"
        pool = Pool()
        Configuration = pool.get('coop.membership.configuration')
        return Configuration.of_company(self.company)

    def notice_days(self):
        "The days of notice the statutes ask on the assembly's convocation"
        return getattr(
            self.statutes(), f'assembly_notice_{self.convocation}') or 0

    def get_notice_date(self, name):
        if self.date:
            return self.date - dt.timedelta(days=self.notice_days())

    def get_postal_deadline(self, name):
        config = self.statutes()
        if self.date and config.assembly_postal_voting:
            return self.date - dt.timedelta(
                days=config.assembly_postal_days or 0)

    @classmethod
    def check_notice(cls, assemblies, today):
        """The convocations of each assembly are dated (its convocation
        date, else today) no later than today and early enough for the
        statutes' notice: the day they are sent does not count, the
        meeting's does, so a meeting on 30 June with 15 days of notice is
        convened by 15 June"""
        pool = Pool()
        Lang = pool.get('ir.lang')
        lang = Lang.get()
        for assembly in assemblies:
            if not assembly.date:
                raise AssemblyError(gettext(
                        'coop_membership.msg_assembly_no_date',
                        assembly=assembly.rec_name))
            date = assembly.convocation_date or today
            if date > today:
                raise AssemblyError(gettext(
                        'coop_membership.msg_assembly_convocation_future',
                        assembly=assembly.rec_name,
                        date=lang.strftime(date),
                        today=lang.strftime(today)))
            days = assembly.notice_days()
            if (assembly.date - date).days < days:
                raise AssemblyError(gettext(
                        'coop_membership.msg_assembly_notice',
                        assembly=assembly.rec_name,
                        date=lang.strftime(date),
                        days=days,
                        meeting=lang.strftime(assembly.date),
                        last=lang.strftime(assembly.notice_date)))

    @classmethod
    def check_officers(cls, assemblies):
        """The officers of each assembly (chair, secretary, tellers) are
        members of its register at the meeting (present or remote)"""
        pool = Pool()
        Attendance = pool.get('coop.assembly.attendance')
        names = cls.fields_get(['chair', 'secretary', 'tellers'])
        for assembly in assemblies:
            officers = [('chair', assembly.chair),
                ('secretary', assembly.secretary)]
            officers += [('tellers', t) for t in assembly.tellers]
            officers = [(r, m) for r, m in officers if m]
            if not officers:
                continue
            attending = {a.member.id for a in Attendance.search([
                        ('assembly', '=', assembly.id),
                        ('member', 'in', [m.id for _, m in officers]),
                        ('status', 'in', HOLDING),
                        ])}
            for role, member in officers:
                if member.id not in attending:
                    raise AssemblyError(gettext(
                            'coop_membership.msg_assembly_officer_absent',
                            assembly=assembly.rec_name,
                            role=names[role]['string'],
                            member=member.rec_name))

    # Counts and quorum

    @classmethod
    def attendance_counts(cls, assemblies):
        """{assembly id: {(college id, status): members}} from the
        register, in one query"""
        pool = Pool()
        Attendance = pool.get('coop.assembly.attendance')
        table = Attendance.__table__()
        cursor = Transaction().connection.cursor()
        result = {a.id: defaultdict(int) for a in assemblies}
        for sub_ids in grouped_slice(list(result), backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.select(
                    table.assembly, table.college, table.status,
                    Count(table.id),
                    where=table.assembly.in_(list(sub_ids)),
                    group_by=[table.assembly, table.college, table.status]))
            for assembly, college, status, count in cursor:
                result[assembly][college, status] = count
        return result

    @classmethod
    def get_counts(cls, assemblies, names):
        counts = cls.attendance_counts(assemblies)
        result = {n: {} for n in names}
        for assembly in assemblies:
            by_status = counts[assembly.id]
            if 'voters' in names:
                result['voters'][assembly.id] = sum(by_status.values())
            if 'attending' in names:
                result['attending'][assembly.id] = sum(
                    n for (_, s), n in by_status.items() if s in ATTENDING)
        return result

    def quorum_required(self, kind):
        "The share of the voters that must attend for a resolution of kind"
        pool = Pool()
        Configuration = pool.get('coop.membership.configuration')
        config = Configuration.of_company(self.company)
        return _fraction(getattr(
                config, f'assembly_quorum_{kind}_{self.convocation}'))

    @classmethod
    def quorum(cls, assemblies, counts=None):
        """{assembly id: {kind: Quorum}} for the kinds of resolution each
        assembly may hold (per college when the configuration says so)"""
        pool = Pool()
        Configuration = pool.get('coop.membership.configuration')
        if counts is None:
            counts = cls.attendance_counts(assemblies)
        result = {}
        for assembly in assemblies:
            config = Configuration.of_company(assembly.company)
            kinds = (['ordinary', 'extraordinary'] if assembly.kind == 'mixed'
                else [assembly.kind])
            result[assembly.id] = {
                kind: Quorum(
                    counts[assembly.id], assembly.quorum_required(kind),
                    config.assembly_quorum_per_college)
                for kind in kinds}
        return result

    @classmethod
    def get_quorum_reached(cls, assemblies, name):
        quorum = cls.quorum(assemblies)
        return {a.id: all(q.reached for q in quorum[a.id].values())
            for a in assemblies}

    # The workflow

    @classmethod
    @ModelView.button
    @Workflow.transition('convened')
    def convene(cls, assemblies):
        """Make the register of the members entitled to vote and convene
        them, the statutes' notice respected (else nothing is sent)"""
        pool = Pool()
        Date = pool.get('ir.date')
        for assembly in assemblies:
            if not assembly.resolutions:
                raise AssemblyError(gettext(
                        'coop_membership.msg_assembly_no_agenda',
                        assembly=assembly.rec_name))
        today = Date.today()
        cls.check_notice(assemblies, today)
        undated = [a for a in assemblies if not a.convocation_date]
        if undated:
            cls.write(undated, {'convocation_date': today})
        assemblies = cls.browse(assemblies)
        cls.make_register(assemblies)
        cls.send_convocations(assemblies)

    @classmethod
    def entitled_members(cls, assembly):
        """(member id, category id) of the members of the company at the
        assembly's date: entered by then, not left before it"""
        pool = Pool()
        Member = pool.get('coop.member')
        member = Member.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*member.select(
                member.id, member.category,
                where=(member.company == assembly.company.id)
                & (member.status != 'candidate')
                & (member.entry_date <= assembly.date)
                & ((member.exit_date == None)  # noqa: E711
                    | (member.exit_date >= assembly.date)),
                order_by=[member.number.asc, member.id.asc]))
        return cursor.fetchall()

    @classmethod
    def make_register(cls, assemblies):
        """The attendance register of each assembly: every member entitled
        to vote, in their college, absent until recorded otherwise. Written
        in bulk: a coop may have thousands of members."""
        pool = Pool()
        Attendance = pool.get('coop.assembly.attendance')
        for assembly in assemblies:
            rows = [{'member': m, 'college': c, 'status': 'absent'}
                for m, c in cls.entitled_members(assembly)]
            bulk.insert(Attendance, rows, common={'assembly': assembly.id})

    @classmethod
    def send_convocations(cls, assemblies):
        """Send each member of the register the convocation by e-mail when
        the party has one (by post otherwise), with their postal vote form
        when the statutes allow postal votes, and record it with the
        assembly's convocation date, in bulk. The mails leave when the
        transaction commits."""
        pool = Pool()
        Date = pool.get('ir.date')
        Attendance = pool.get('coop.assembly.attendance')
        Convocation = pool.get('coop.assembly.convocation')
        PostalForm = pool.get('coop.assembly.postal_form', type='report')
        today = Date.today()
        from_ = tryton_config.get('email', 'from')
        for assembly in assemblies:
            attendances = Attendance.search([
                    ('assembly', '=', assembly.id),
                    ])
            documents = assembly.documents()
            postal = assembly.statutes().assembly_postal_voting
            rows = []
            for attendance in attendances:
                email = attendance.member.party.email
                if email:
                    member_documents = documents
                    if postal:
                        member_documents = documents + [
                            PostalForm.render_form(attendance)]
                    msg = assembly.convocation_message(
                        email, member_documents)
                    if from_:
                        msg['From'] = from_
                    send_message_transactional(msg, strict=True)
                rows.append({
                        'member': attendance.member.id,
                        'email': email or None,
                        'method': 'email' if email else 'post',
                        'date': assembly.convocation_date or today,
                        })
            bulk.insert(Convocation, rows, common={'assembly': assembly.id})

    def documents(self):
        "(name, data) of the assembly's attachments, sent with convocations"
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        attachments = Attachment.search([
                ('resource', '=', str(self)),
                ('type', '=', 'data'),
                ])
        return [(a.name, a.data) for a in attachments if a.data]

    def convocation_message(self, email, documents):
        "The convocation e-mail to email"
        msg = EmailMessage()
        msg['To'] = email
        msg['Subject'] = gettext(
            'coop_membership.msg_assembly_convocation_subject',
            assembly=self.rec_name)
        agenda = '\n'.join(
            f'{i}. {r.title}' for i, r in enumerate(self.resolutions, 1))
        where = self.place or ''
        if self.remote and self.remote_link:
            where = f'{where} {self.remote_link}'.strip()
        msg.set_content(gettext(
                'coop_membership.msg_assembly_convocation_body',
                company=self.company.rec_name,
                assembly=self.name,
                kind=self.kind_string,
                date=self.date.strftime('%d/%m/%Y'),
                time=self.time.strftime('%H:%M') if self.time else '',
                place=where,
                agenda=agenda))
        for name, data in documents:
            ctype, _ = mimetypes.guess_type(name)
            maintype, subtype = (ctype or 'application/octet-stream').split(
                '/', 1)
            msg.add_attachment(
                bytes(data), maintype=maintype, subtype=subtype,
                filename=name)
        return msg

    @classmethod
    @ModelView.button
    @Workflow.transition('in_session')
    def open_session(cls, assemblies):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, assemblies):
        """Tally the votes, store the quorum and the results, elect the
        board, and write the minutes; the assembly is then locked"""
        pool = Pool()
        Date = pool.get('ir.date')
        Resolution = pool.get('coop.assembly.resolution')
        Report = pool.get('coop.assembly.minutes', type='report')
        Attendance = pool.get('coop.assembly.attendance')
        Attendance.check_proxies(assemblies)
        cls.check_officers(assemblies)
        Resolution.store_results(cls.tally(assemblies))
        Resolution.elect_board([r for a in assemblies for r in a.resolutions])
        quorum = cls.quorum(assemblies)
        today = Date.today()
        for assembly in assemblies:
            cls.write([assembly], {
                    'closed_quorum': all(
                        q.reached for q in quorum[assembly.id].values()),
                    'closing_date': today,
                    })
        for assembly in cls.browse(assemblies):
            cls.write([assembly], {
                    'minutes': Report.render_minutes(assembly),
                    'minutes_name': f'{assembly.name}.pdf',
                    })

    @classmethod
    def tally(cls, assemblies):
        """{resolution id: Tally} of every resolution of assemblies: the
        counts per college (votes summed by the database, or the hands
        counted), the quorum of its kind and the result"""
        pool = Pool()
        Category = pool.get('coop.member.category')
        Configuration = pool.get('coop.membership.configuration')
        counts = cls.attendance_counts(assemblies)
        quorum = cls.quorum(assemblies, counts)
        resolutions = [r for a in assemblies for r in a.resolutions]
        votes = cls.count_votes([r for r in resolutions
                if r.vote_mode == 'individual'])
        for resolution in resolutions:
            if resolution.vote_mode == 'show_of_hands':
                for tally in resolution.tallies:
                    for choice in CHOICE_NAMES:
                        votes[resolution.id][tally.college.id][choice] = (
                            getattr(tally, f'votes_{choice}') or 0)
        colleges = {c for a in assemblies for c, _ in counts[a.id]}
        colleges |= {c for r in votes.values() for c in r}
        categories = Category.browse(list(colleges))
        weights = {c.id: c.vote_weight for c in categories}
        result = {}
        for resolution in resolutions:
            assembly = resolution.assembly
            college_votes = {c: dict(votes[resolution.id][c])
                for c in colleges if c in votes[resolution.id]
                or any(k == c for k, _ in counts[assembly.id])}
            kind_quorum = quorum[assembly.id][resolution.kind]
            use_weights = None
            if assembly.company.coop_form == 'scic':
                missing = [c for c in categories
                    if c.id in college_votes and not c.vote_weight]
                if missing:
                    raise AssemblyError(gettext(
                            'coop_membership.msg_assembly_college_weight',
                            assembly=assembly.rec_name,
                            college=missing[0].rec_name))
                use_weights = weights
            required, strict = resolution.required_share()
            if kind_quorum.reached:
                # The abstentions as the coop's statutes count them
                config = Configuration.of_company(assembly.company)
                outcome, share, head_share = decide(
                    college_votes, use_weights, required, strict,
                    config.assembly_abstention)
            else:
                outcome, share, head_share = 'no_quorum', None, None
            result[resolution.id] = Tally(
                resolution, college_votes, use_weights, kind_quorum,
                outcome, share, head_share)
        return result

    @classmethod
    def count_votes(cls, resolutions):
        """{resolution id: {college id: {choice: count}}} of the individual
        votes on resolutions, summed by the database (defaultdicts). The
        one count the tally reads: a module that records votes elsewhere
        (the portal's ballots) adds its own to super()'s."""
        pool = Pool()
        Vote = pool.get('coop.assembly.vote')
        Attendance = pool.get('coop.assembly.attendance')
        votes = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
        vote = Vote.__table__()
        attendance = Attendance.__table__()
        cursor = Transaction().connection.cursor()
        for sub_ids in grouped_slice(
                [r.id for r in resolutions], backend.MAX_QUERY_PARAMS):
            cursor.execute(*vote.join(attendance,
                    condition=vote.attendance == attendance.id
                    ).select(
                    vote.resolution, attendance.college, vote.choice,
                    Count(vote.id),
                    where=vote.resolution.in_(list(sub_ids)),
                    group_by=[
                        vote.resolution, attendance.college, vote.choice]))
            for resolution, college, choice, count in cursor:
                votes[resolution][college][choice] += count
        return votes

    @classmethod
    @ModelView.button
    def convene_second(cls, assemblies):
        """A second convocation for each first one whose quorum failed,
        with the resolutions that could not be voted"""
        pool = Pool()
        Resolution = pool.get('coop.assembly.resolution')
        seconds = []
        for assembly in assemblies:
            if (assembly.state != 'closed' or assembly.convocation != 'first'
                    or assembly.closed_quorum
                    or assembly.second_convocations):
                raise AssemblyError(gettext(
                        'coop_membership.msg_assembly_second_convocation',
                        assembly=assembly.rec_name))
            second, = cls.create([{
                        'company': assembly.company.id,
                        'name': assembly.name,
                        'kind': assembly.kind,
                        'convocation': 'second',
                        'first_convocation': assembly.id,
                        'place': assembly.place,
                        'remote': assembly.remote,
                        'remote_link': assembly.remote_link,
                        }])
            Resolution.copy(
                [r for r in assembly.resolutions if r.result == 'no_quorum'],
                default={'assembly': second.id})
            seconds.append(second)
        return seconds


class Quorum:
    "The quorum of a kind of resolution at an assembly"

    def __init__(self, counts, required, per_college):
        self.required = required
        self.per_college = per_college
        self.voters = defaultdict(int)
        self.attending = defaultdict(int)
        for (college, status), count in counts.items():
            self.voters[college] += count
            if status in ATTENDING:
                self.attending[college] += count

    @staticmethod
    def _reached(attending, voters, required):
        if not required:
            return True
        return bool(voters) and Fraction(attending, voters) >= required

    @property
    def total_voters(self):
        return sum(self.voters.values())

    @property
    def total_attending(self):
        return sum(self.attending.values())

    def college_reached(self, college):
        return self._reached(
            self.attending[college], self.voters[college], self.required)

    @property
    def reached(self):
        if not self._reached(
                self.total_attending, self.total_voters, self.required):
            return False
        if self.per_college:
            return all(self.college_reached(c) for c in self.voters)
        return True


class Tally:
    "The counted votes of a resolution and its result"

    def __init__(self, resolution, counts, weights, quorum, result, share,
            head_share):
        self.resolution = resolution
        self.counts = counts
        self.weights = weights
        self.quorum = quorum
        self.result = result
        self.share = share
        self.head_share = head_share

    def total(self, choice):
        return sum(c.get(choice, 0) for c in self.counts.values())


def _share_value(share):
    if share is None:
        return None
    return (Decimal(share.numerator) / Decimal(share.denominator)).quantize(
        Decimal('0.000001'))


class Resolution(AssemblyPartMixin, ModelSQL, ModelView):
    "A resolution on the agenda of a general assembly"
    __name__ = 'coop.assembly.resolution'
    __string__ = "Assembly Resolution"

    _states = {
        'readonly': Eval('assembly_state') != 'draft',
        }

    assembly = fields.Many2One(
        'coop.assembly', "Assembly", required=True, ondelete='CASCADE',
        states=_states)
    assembly_state = fields.Function(fields.Selection(
            STATES, "Assembly State"), 'on_change_with_assembly_state')
    sequence = fields.Integer("Number", states=_states)
    title = fields.Char("Title", required=True, states=_states)
    text = fields.Text("Text", states=_states)
    kind = fields.Selection(
        RESOLUTION_KINDS, "Kind", required=True, sort=False, states=_states,
        help="The kind of assembly that may decide it: its quorum and its "
        "usual majority.")
    majority = fields.Selection(
        MAJORITIES, "Majority", required=True, sort=False, states=_states,
        help="The share of the expressed votes that adopts it: more than "
        "half, at least two thirds, or at least another fraction.")
    majority_fraction = fields.Numeric(
        "Majority Fraction", digits=(4, 4),
        domain=[If(Eval('majority') == 'other',
                [('majority_fraction', '>', 0.5),
                    ('majority_fraction', '<=', 1)],
                [])],
        states={
            'readonly': _states['readonly'],
            'required': Eval('majority') == 'other',
            'invisible': Eval('majority') != 'other',
            })
    vote_mode = fields.Selection(
        VOTE_MODES, "Vote", required=True, sort=False,
        states={'readonly': Eval('assembly_state') == 'closed'},
        help="Each voter's vote recorded, or the hands counted per "
        "college.")
    secret = fields.Boolean(
        "Secret Ballot", states=_states,
        help="Votes cast online are stored apart from who voted: no one, "
        "not even an administrator, can tell how a member voted (for "
        "elections).")
    board_candidate = fields.Many2One(
        'coop.member', "Board Candidate", states=_states,
        domain=[('company', '=', Eval('company', -1))],
        help="The member the resolution elects to the board, if any.")
    board_role = fields.Char(
        "Board Role", states={
            'readonly': _states['readonly'],
            'invisible': ~Eval('board_candidate'),
            })
    board_term_end = fields.Date(
        "Term End", states={
            'readonly': _states['readonly'],
            'invisible': ~Eval('board_candidate'),
            'required': Bool(Eval('board_candidate')),
            })
    company = fields.Function(fields.Many2One(
            'company.company', "Company"), 'on_change_with_company',
        searcher='search_company')
    votes = fields.One2Many(
        'coop.assembly.vote', 'resolution', "Votes",
        states={
            'readonly': Eval('assembly_state') != 'in_session',
            'invisible': Eval('vote_mode') != 'individual',
            })
    tallies = fields.One2Many(
        'coop.assembly.tally', 'resolution', "Tally per College",
        states={
            'readonly': ((Eval('assembly_state') != 'in_session')
                | (Eval('vote_mode') != 'show_of_hands')),
            })
    quorum_reached = fields.Boolean("Quorum Reached", readonly=True)
    votes_for = fields.Integer("For", readonly=True)
    votes_against = fields.Integer("Against", readonly=True)
    votes_abstain = fields.Integer("Abstentions", readonly=True)
    votes_blank = fields.Integer("Blank", readonly=True)
    share_for = fields.Numeric(
        "Share For", digits=(7, 6), readonly=True,
        help="The share of the expressed votes for the resolution, weighted "
        "by college in a SCIC.")
    head_share_for = fields.Numeric(
        "Share For by Head Count", digits=(7, 6), readonly=True,
        help="The same share counting one member one vote across colleges, "
        "for information.")
    result = fields.Selection(RESULTS, "Result", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('assembly', 'ASC'), ('sequence', 'ASC NULLS LAST'),
            ('id', 'ASC')]

    @fields.depends('assembly', '_parent_assembly.state')
    def on_change_with_assembly_state(self, name=None):
        if self.assembly:
            return self.assembly.state

    @fields.depends('assembly', '_parent_assembly.company')
    def on_change_with_company(self, name=None):
        if self.assembly and self.assembly.company:
            return self.assembly.company.id

    @classmethod
    def search_company(cls, name, clause):
        return [('assembly.company',) + tuple(clause[1:])]

    @classmethod
    def default_kind(cls):
        return 'ordinary'

    @classmethod
    def default_majority(cls):
        return 'simple'

    @classmethod
    def default_vote_mode(cls):
        return 'individual'

    @classmethod
    def default_secret(cls):
        return False

    @fields.depends('assembly', '_parent_assembly.kind', 'kind',
        methods=['on_change_kind'])
    def on_change_assembly(self):
        if self.assembly and self.assembly.kind in RESOLUTION_KINDS_SET:
            self.kind = self.assembly.kind
            self.on_change_kind()

    @fields.depends('kind')
    def on_change_kind(self):
        self.majority = 'two_thirds' if self.kind == 'extraordinary' \
            else 'simple'

    def get_rec_name(self, name):
        return f'{self.sequence or ""} {self.title}'.strip()

    @classmethod
    def search_rec_name(cls, name, clause):
        return rec_name_domain(clause, 'title')

    @classmethod
    def validate(cls, resolutions):
        super().validate(resolutions)
        for resolution in resolutions:
            assembly = resolution.assembly
            if (assembly.kind != 'mixed'
                    and resolution.kind != assembly.kind):
                raise AssemblyError(gettext(
                        'coop_membership.msg_resolution_kind',
                        resolution=resolution.rec_name,
                        assembly=assembly.rec_name))

    @classmethod
    def check_agenda_open(cls, resolutions):
        "The agenda is fixed once the members are convened on it"
        for resolution in resolutions:
            if resolution.assembly.state != 'draft':
                cls._check_open({resolution.assembly.id})
                raise AssemblyError(gettext(
                        'coop_membership.msg_resolution_convened',
                        resolution=resolution.rec_name))

    @classmethod
    def create(cls, vlist):
        pool = Pool()
        Assembly = pool.get('coop.assembly')
        vlist = [v.copy() for v in vlist]
        for values in vlist:
            if values.get('assembly'):
                assembly = Assembly(values['assembly'])
                if assembly.state != 'draft':
                    cls._check_open({assembly.id})
                    raise AssemblyError(gettext(
                            'coop_membership.msg_resolution_convened',
                            resolution=values.get('title')))
                # An extraordinary assembly's resolutions are extraordinary
                if assembly.kind == 'extraordinary':
                    values.setdefault('kind', 'extraordinary')
            if values.get('kind') == 'extraordinary':
                values.setdefault('majority', 'two_thirds')
        return super().create(vlist)

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        for resolutions, values in zip(actions, actions):
            if set(values) - SESSION_FIELDS:
                cls.check_agenda_open(resolutions)
        super().write(*args)

    @classmethod
    def delete(cls, resolutions):
        cls.check_agenda_open(resolutions)
        super().delete(resolutions)

    @classmethod
    def copy(cls, resolutions, default=None):
        default = default.copy() if default else {}
        for name in RESULT_FIELDS | {'votes', 'tallies'}:
            default.setdefault(name, None)
        return super().copy(resolutions, default=default)

    def required_share(self):
        "(share of the expressed votes, strictly more than it or not)"
        if self.majority == 'two_thirds':
            return Fraction(2, 3), False
        if self.majority == 'other':
            return _fraction(self.majority_fraction), False
        return HALF, True

    @classmethod
    def store_results(cls, tallies):
        """Write each Tally's result on its resolution, and the counts per
        college (for the votes counted by the database)"""
        pool = Pool()
        TallyLine = pool.get('coop.assembly.tally')
        to_write = []
        new_lines = []
        for tally in tallies.values():
            resolution = tally.resolution
            to_write.extend([[resolution], {
                        'result': tally.result,
                        'quorum_reached': tally.quorum.reached,
                        'share_for': _share_value(tally.share),
                        'head_share_for': _share_value(tally.head_share),
                        'votes_for': tally.total('for'),
                        'votes_against': tally.total('against'),
                        'votes_abstain': tally.total('abstain'),
                        'votes_blank': tally.total('blank'),
                        }])
            if resolution.vote_mode == 'individual':
                for college, counts in tally.counts.items():
                    new_lines.append({
                            'resolution': resolution.id,
                            'college': college,
                            **{f'votes_{c}': counts.get(c, 0)
                                for c in CHOICE_NAMES}})
        if to_write:
            cls.write(*to_write)
        individual = [t.resolution for t in tallies.values()
            if t.resolution.vote_mode == 'individual']
        TallyLine.delete(TallyLine.search([
                    ('resolution', 'in', [r.id for r in individual]),
                    ]))
        TallyLine.create(new_lines)

    @classmethod
    def elect_board(cls, resolutions):
        "Board members of the adopted resolutions that elect one"
        pool = Pool()
        BoardMember = pool.get('coop.board.member')
        BoardMember.create([{
                    'company': r.assembly.company.id,
                    'member': r.board_candidate.id,
                    'role': r.board_role,
                    'start_date': r.assembly.date,
                    'end_date': r.board_term_end,
                    'resolution': r.id,
                    } for r in cls.browse(resolutions)
                if r.board_candidate and r.result == 'adopted'])


class Convocation(AssemblyPartMixin, ModelSQL, ModelView):
    "The convocation sent to a member"
    __name__ = 'coop.assembly.convocation'
    __string__ = "Assembly Convocation"

    assembly = fields.Many2One(
        'coop.assembly', "Assembly", required=True, ondelete='CASCADE',
        readonly=True)
    member = fields.Many2One(
        'coop.member', "Member", required=True, readonly=True)
    method = fields.Selection([
            ('email', "E-mail"),
            ('post', "Post"),
            ], "Method", required=True, readonly=True)
    email = fields.Char("E-mail", readonly=True)
    date = fields.Date("Date Sent", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.assembly, Index.Equality())))


class Teller(AssemblyPartMixin, ModelSQL):
    "A teller of an assembly: a member who counts the votes"
    __name__ = 'coop.assembly.teller'
    __string__ = "Assembly Teller"

    assembly = fields.Many2One(
        'coop.assembly', "Assembly", required=True, ondelete='CASCADE')
    member = fields.Many2One(
        'coop.member', "Member", required=True, ondelete='RESTRICT')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('member_unique', Unique(t, t.assembly, t.member),
                'coop_membership.msg_teller_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.assembly, Index.Equality())))


class Attendance(AssemblyPartMixin, ModelSQL, ModelView):
    "A member's line in the attendance register of an assembly"
    __name__ = 'coop.assembly.attendance'
    __string__ = "Assembly Attendance"

    assembly = fields.Many2One(
        'coop.assembly', "Assembly", required=True, ondelete='CASCADE',
        readonly=True)
    member = fields.Many2One(
        'coop.member', "Member", required=True, readonly=True)
    college = fields.Many2One(
        'coop.member.category', "College", required=True, readonly=True,
        help="The member's category on the day the members were convened.")
    status = fields.Selection(
        ATTENDANCE_STATUSES, "Status", required=True, sort=False)
    proxy_holder = fields.Many2One(
        'coop.member', "Represented By",
        domain=[('id', '!=', Eval('member', -1))],
        states={
            'required': Eval('status') == 'represented',
            'invisible': Eval('status') != 'represented',
            },
        help="The member present who holds the proxy.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('member_unique', Unique(t, t.assembly, t.member),
                'coop_membership.msg_attendance_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.assembly, Index.Equality())))
        cls._order = [('assembly', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_status(cls):
        return 'absent'

    def get_rec_name(self, name):
        return self.member.rec_name

    @classmethod
    def search_rec_name(cls, name, clause):
        return rec_name_domain(clause, 'member.rec_name')

    @classmethod
    def validate(cls, attendances):
        super().validate(attendances)
        for attendance in attendances:
            if attendance.status != 'represented' and attendance.proxy_holder:
                raise ProxyError(gettext(
                        'coop_membership.msg_proxy_not_represented',
                        member=attendance.member.rec_name))
        cls.check_proxies({a.assembly for a in attendances})

    @classmethod
    def proxy_limit(cls, company, voters):
        """The proxies a member may hold at an assembly of voters members:
        a fixed number in a small coop, a share of the members otherwise
        (company's statutes)"""
        pool = Pool()
        Configuration = pool.get('coop.membership.configuration')
        config = Configuration.of_company(company)
        if voters < config.assembly_proxy_small_members:
            return config.assembly_proxy_small_limit
        return int(voters * _fraction(config.assembly_proxy_share))

    @classmethod
    def check_proxies(cls, assemblies):
        """Each proxy is held by a member at the meeting, and no one holds
        more than the statutes allow"""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        for assembly in assemblies:
            cursor.execute(*table.select(
                    table.member, table.status, table.proxy_holder,
                    where=table.assembly == assembly.id))
            status = {}
            held = defaultdict(list)
            for member, member_status, holder in cursor:
                status[member] = member_status
                if member_status == 'represented' and holder:
                    held[holder].append(member)
            if not held:
                continue
            limit = cls.proxy_limit(assembly.company, len(status))
            for holder, members in held.items():
                if status.get(holder) not in HOLDING:
                    cls._proxy_error(
                        'msg_proxy_holder', assembly, holder, members[0])
                if len(members) > limit:
                    cls._proxy_error(
                        'msg_proxy_limit', assembly, holder, members[0],
                        count=len(members), limit=limit, voters=len(status))

    @classmethod
    def _proxy_error(cls, message, assembly, holder, member, **kwargs):
        pool = Pool()
        Member = pool.get('coop.member')
        raise ProxyError(gettext(
                f'coop_membership.{message}',
                assembly=assembly.rec_name,
                holder=Member(holder).rec_name,
                member=Member(member).rec_name, **kwargs))


class Vote(ResolutionPartMixin, ModelSQL, ModelView):
    "A voter's vote on a resolution"
    __name__ = 'coop.assembly.vote'
    __string__ = "Assembly Vote"

    resolution = fields.Many2One(
        'coop.assembly.resolution', "Resolution", required=True,
        ondelete='CASCADE')
    attendance = fields.Many2One(
        'coop.assembly.attendance', "Voter", required=True,
        ondelete='CASCADE',
        domain=[
            ('assembly', '=', Eval('assembly', -1)),
            ('status', '!=', 'absent'),
            ],
        help="The member of the register whose vote it is (a represented "
        "member's vote is cast by the proxy holder).")
    assembly = fields.Function(fields.Many2One(
            'coop.assembly', "Assembly"), 'on_change_with_assembly')
    choice = fields.Selection(CHOICES, "Vote", required=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('voter_unique', Unique(t, t.resolution, t.attendance),
                'coop_membership.msg_vote_unique'),
            ]

    @fields.depends('resolution', '_parent_resolution.assembly')
    def on_change_with_assembly(self, name=None):
        if self.resolution and self.resolution.assembly:
            return self.resolution.assembly.id

    @classmethod
    def validate(cls, votes):
        super().validate(votes)
        for vote in votes:
            resolution = vote.resolution
            if (resolution.assembly.state != 'in_session'
                    or resolution.vote_mode != 'individual'
                    or vote.attendance.assembly != resolution.assembly
                    or vote.attendance.status == 'absent'):
                raise VoteError(gettext(
                        'coop_membership.msg_vote_invalid',
                        voter=vote.attendance.rec_name,
                        resolution=resolution.rec_name))


class TallyLine(ResolutionPartMixin, ModelSQL, ModelView):
    """The votes of a college on a resolution: counted by hand, or summed
    from the individual votes at the closing"""
    __name__ = 'coop.assembly.tally'
    __string__ = "Assembly Tally"

    resolution = fields.Many2One(
        'coop.assembly.resolution', "Resolution", required=True,
        ondelete='CASCADE')
    college = fields.Many2One(
        'coop.member.category', "College", required=True)
    votes_for = fields.Integer(
        "For", required=True, domain=[('votes_for', '>=', 0)])
    votes_against = fields.Integer(
        "Against", required=True, domain=[('votes_against', '>=', 0)])
    votes_abstain = fields.Integer(
        "Abstentions", required=True, domain=[('votes_abstain', '>=', 0)])
    votes_blank = fields.Integer(
        "Blank", required=True, domain=[('votes_blank', '>=', 0)])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('college_unique', Unique(t, t.resolution, t.college),
                'coop_membership.msg_tally_unique'),
            ]

    @classmethod
    def default_votes_for(cls):
        return 0

    default_votes_against = default_votes_abstain = default_votes_blank = (
        default_votes_for)

    @classmethod
    def validate(cls, lines):
        "Hands counted cannot outnumber the college's members attending"
        pool = Pool()
        Assembly = pool.get('coop.assembly')
        super().validate(lines)
        hands = [l for l in lines if l.resolution.vote_mode == 'show_of_hands']
        if not hands:
            return
        counts = Assembly.attendance_counts(
            list({l.resolution.assembly for l in hands}))
        for line in hands:
            attending = sum(n for (c, s), n
                in counts[line.resolution.assembly.id].items()
                if c == line.college.id and s in ATTENDING)
            total = sum(getattr(line, f'votes_{c}') for c in CHOICE_NAMES)
            if total > attending:
                raise VoteError(gettext(
                        'coop_membership.msg_tally_too_many',
                        resolution=line.resolution.rec_name,
                        college=line.college.rec_name,
                        total=total, attending=attending))


class BoardMember(ModelSQL, ModelView):
    "A member of the board, for a term"
    __name__ = 'coop.board.member'
    __string__ = "Board Member"

    company = fields.Many2One('company.company', "Company", required=True)
    member = fields.Many2One(
        'coop.member', "Member", required=True, ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))])
    role = fields.Char("Role")
    start_date = fields.Date(
        "Start Date", required=True,
        domain=[If(Eval('start_date') & Eval('end_date'),
                ('start_date', '<=', Eval('end_date')), ())])
    end_date = fields.Date(
        "End Date",
        domain=[If(Eval('start_date') & Eval('end_date'),
                ('end_date', '>=', Eval('start_date')), ())],
        help="The end of the term.")
    resolution = fields.Many2One(
        'coop.assembly.resolution', "Elected By", readonly=True,
        ondelete='RESTRICT')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('start_date', 'DESC'), ('id', 'DESC')]

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    def get_rec_name(self, name):
        return self.member.rec_name
