# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The assembly's documents as PDFs, drawn with reportlab (no template)

- the minutes: convocation, attendance per college, proxies, quorum, and
  each resolution with its tally per college and its result; written once
  when the assembly closes and kept on it;
- the attendance sheet: the register with a box for each signature.

French legal documents: French labels whatever the user's language.
"""
import datetime as dt
from collections import defaultdict
from fractions import Fraction
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from sql.aggregate import Count

from trytond.pool import Pool
from trytond.transaction import Transaction

from coop_tools import pdf
from coop_tools.pdf import format_date, format_fr

from .assembly import ATTENDANCE_STATUSES
from .report import MembershipReport, coop_lines

LABELS = {
    'minutes_title': "Procès-verbal de l'assemblée générale {kind}",
    'kind_ordinary': "ordinaire",
    'kind_extraordinary': "extraordinaire",
    'kind_mixed': "mixte (ordinaire et extraordinaire)",
    'convocation_first': "Première convocation",
    'convocation_second': "Deuxième convocation",
    'first_convocation': (
        "Sur deuxième convocation, l'assemblée du {date} n'ayant pas "
        "réuni le quorum."),
    'meeting': "Réunion",
    'date': "Date",
    'time': "Heure",
    'place': "Lieu",
    'remote': "Participation à distance",
    'yes': "oui",
    'no': "non",
    'convocations': "Convocations",
    'convocations_sent': (
        "{count} associé(s) convoqué(s) : {email} par courriel, {post} par "
        "courrier, le {dates}."),
    'no_convocations': "Aucune convocation enregistrée.",
    'attendance': "Feuille de présence",
    'college': "Collège",
    'weight': "Poids",
    'members': "Associés",
    'status_present': "Présents",
    'status_remote': "À distance",
    'status_represented': "Représentés",
    'status_postal': "Par correspondance",
    'status_absent': "Absents",
    'total': "Total",
    'proxies': "Pouvoirs",
    'proxy': "{member} représenté(e) par {holder}",
    'no_proxies': "Aucun pouvoir.",
    'quorum': "Quorum",
    'quorum_kind_ordinary': "Résolutions ordinaires",
    'quorum_kind_extraordinary': "Résolutions extraordinaires",
    'quorum_line': (
        "{kind} : {attending} associé(s) présent(s), représenté(s), à "
        "distance ou votant par correspondance sur {voters}, soit {rate} ; "
        "quorum requis {required} : {reached}."),
    'quorum_college': "{college} : {attending} sur {voters}, soit {rate}.",
    'reached': "atteint",
    'not_reached': "non atteint",
    'resolutions': "Résolutions",
    'resolution': "Résolution n° {number} ({kind}) : {title}",
    'resolution_kind_ordinary': "ordinaire",
    'resolution_kind_extraordinary': "extraordinaire",
    'majority_simple': "Majorité requise : majorité simple des voix "
    "exprimées.",
    'majority_two_thirds': "Majorité requise : deux tiers des voix "
    "exprimées.",
    'majority_other': "Majorité requise : {fraction} des voix exprimées.",
    'vote_individual': "Vote nominatif.",
    'vote_show_of_hands': "Vote à main levée, décompté par collège.",
    'for': "Pour",
    'against': "Contre",
    'abstain': "Abstentions",
    'blank': "Blancs",
    'share_for': "Part des voix pour",
    'weighted': "Résultat pondéré par collège : {share} des voix exprimées "
    "pour (décompte par tête : {heads}).",
    'heads': "Part des voix exprimées pour : {share}.",
    'result_adopted': "La résolution est adoptée.",
    'result_rejected': "La résolution est rejetée.",
    'result_tie': "Égalité des voix : la résolution n'est pas adoptée.",
    'result_no_quorum': (
        "Faute de quorum, la résolution n'a pas été mise aux voix."),
    'abstention_excluded': "Les abstentions et votes blancs ne sont pas "
    "comptés comme voix exprimées.",
    'abstention_against': "Les abstentions et votes blancs sont comptés "
    "comme voix contre.",
    'board': "Élu(e) au conseil : {member}, {role}, jusqu'au {end}.",
    'closing': "Procès-verbal établi le {date}, à la clôture de "
    "l'assemblée.",
    'chair': "Le président de séance",
    'secretary': "Le secrétaire de séance",
    'footer': "{company} - {assembly}",
    'sheet_title': "Feuille de présence",
    'number': "N°",
    'name': "Associé",
    'status': "Présence",
    'holder': "Mandataire / pouvoirs détenus",
    'signature': "Signature",
    'holds': "{count} pouvoir(s)",
    'certified': "Certifiée exacte par le bureau de l'assemblée :",
    }
STATUS_LABELS = {
    'present': "Présent",
    'remote': "À distance",
    'represented': "Représenté",
    'postal': "Par correspondance",
    'absent': "Absent",
    }


def rate(value):
    if value is None:
        return ''
    if isinstance(value, Fraction):
        value = value.numerator / value.denominator
    return format_fr(float(value) * 100, digits=2, unit='%')


class AssemblyReport(MembershipReport):
    "What the assembly's documents share"

    @classmethod
    def header(cls, assembly, title):
        width = pdf.content_width(A4)
        meeting = [
            f'<b>{escape(LABELS["meeting"])}</b>',
            escape(LABELS[f'convocation_{assembly.convocation}']),
            pdf.field(LABELS['date'], format_date(assembly.date)),
            ]
        if assembly.time:
            meeting.append(pdf.field(
                    LABELS['time'], assembly.time.strftime('%H:%M')))
        meeting.append(pdf.field(LABELS['place'], assembly.place or ''))
        meeting.append(pdf.field(
                LABELS['remote'],
                LABELS['yes'] if assembly.remote else LABELS['no']))
        return cls.title_boxes(
            title, assembly.name, coop_lines(assembly.company), meeting,
            width)

    @classmethod
    def footer(cls, assembly):
        return LABELS['footer'].format(
            company=assembly.company.rec_name, assembly=assembly.rec_name)


class MinutesReport(AssemblyReport):
    "Minutes of the General Assembly"
    __name__ = 'coop.assembly.minutes'

    @classmethod
    def _execute(cls, records, header, data, action):
        pool = Pool()
        Assembly = pool.get('coop.assembly')
        assemblies = Assembly.browse([r.id for r in records])
        if len(assemblies) == 1 and assemblies[0].minutes:
            # The record made at the closing, not drawn again
            return 'pdf', bytes(assemblies[0].minutes)
        return 'pdf', pdf.build(
            [cls.minutes_flowables(a) for a in assemblies],
            title=LABELS['minutes_title'].format(kind=''),
            page_numbers=True)

    @classmethod
    def render_minutes(cls, assembly):
        "The PDF of assembly's minutes"
        return pdf.build(
            [cls.minutes_flowables(assembly)],
            title=LABELS['minutes_title'].format(
                kind=LABELS[f'kind_{assembly.kind}']),
            footer=cls.footer(assembly), page_numbers=True)

    @classmethod
    def minutes_flowables(cls, assembly):
        pool = Pool()
        Assembly = pool.get('coop.assembly')
        Attendance = pool.get('coop.assembly.attendance')
        Configuration = pool.get('coop.membership.configuration')
        Date = pool.get('ir.date')
        config = Configuration(1)
        width = pdf.content_width(A4)
        para = cls.paragraph
        flowables = cls.header(assembly, LABELS['minutes_title'].format(
                kind=LABELS[f'kind_{assembly.kind}']))
        if assembly.first_convocation:
            flowables.append(para(escape(LABELS['first_convocation'].format(
                            date=format_date(
                                assembly.first_convocation.date)))))

        flowables.append(cls.heading(LABELS['convocations']))
        sent = cls.convocations_sent(assembly)
        if sent:
            flowables.append(para(escape(LABELS['convocations_sent'].format(
                            count=sum(sent.values()),
                            email=sum(n for (m, _), n in sent.items()
                                if m == 'email'),
                            post=sum(n for (m, _), n in sent.items()
                                if m == 'post'),
                            dates=', '.join(format_date(d) for d in
                                sorted({d for _, d in sent}))))))
        else:
            flowables.append(para(escape(LABELS['no_convocations'])))

        counts = Assembly.attendance_counts([assembly])[assembly.id]
        flowables.append(cls.heading(LABELS['attendance']))
        flowables.append(cls.attendance_table(assembly, counts, width))
        flowables.append(cls.heading(LABELS['proxies']))
        proxies = Attendance.search([
                ('assembly', '=', assembly.id),
                ('status', '=', 'represented'),
                ])
        if proxies:
            for attendance in proxies:
                flowables.append(para(escape(LABELS['proxy'].format(
                                member=attendance.member.rec_name,
                                holder=attendance.proxy_holder.rec_name))))
        else:
            flowables.append(para(escape(LABELS['no_proxies'])))

        flowables.append(cls.heading(LABELS['quorum']))
        quorum = Assembly.quorum([assembly], {assembly.id: counts})
        colleges = cls.colleges(counts)
        for kind, kind_quorum in quorum[assembly.id].items():
            voters = kind_quorum.total_voters
            attending = kind_quorum.total_attending
            flowables.append(para(escape(LABELS['quorum_line'].format(
                            kind=LABELS[f'quorum_kind_{kind}'],
                            attending=attending, voters=voters,
                            rate=rate(Fraction(attending, voters)
                                if voters else None),
                            required=rate(kind_quorum.required),
                            reached=LABELS['reached' if kind_quorum.reached
                                else 'not_reached']))))
            if kind_quorum.per_college:
                for college in colleges:
                    voters = kind_quorum.voters[college.id]
                    attending = kind_quorum.attending[college.id]
                    flowables.append(para(escape(
                                LABELS['quorum_college'].format(
                                    college=college.rec_name,
                                    attending=attending, voters=voters,
                                    rate=rate(Fraction(attending, voters)
                                        if voters else None)))))

        flowables.append(cls.heading(LABELS['resolutions']))
        flowables.append(para(escape(
                    LABELS[f'abstention_{config.assembly_abstention}'])))
        weighted = assembly.company.coop_form == 'scic'
        for number, resolution in enumerate(assembly.resolutions, 1):
            flowables += cls.resolution_flowables(
                resolution, number, weighted, width)

        flowables += [
            Spacer(0, 6 * mm),
            para(escape(LABELS['closing'].format(date=format_date(
                            assembly.closing_date or Date.today())))),
            Spacer(0, 4 * mm),
            cls.signatures(width),
            ]
        return flowables

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

    @classmethod
    def attendance_table(cls, assembly, counts, width):
        statuses = [s for s, _ in ATTENDANCE_STATUSES]
        rows = [[LABELS['college'], LABELS['weight'], LABELS['members']]
            + [LABELS[f'status_{s}'] for s in statuses]]
        totals = defaultdict(int)
        for college in cls.colleges(counts):
            by_status = [counts.get((college.id, s), 0) for s in statuses]
            rows.append([
                    cls.paragraph(escape(college.rec_name), 'cell'),
                    rate(college.vote_weight)
                    if college.vote_weight else '',
                    str(sum(by_status))] + [str(n) for n in by_status])
            for status, n in zip(statuses, by_status):
                totals[status] += n
        rows.append([LABELS['total'], '', str(sum(totals.values()))]
            + [str(totals[s]) for s in statuses])
        return pdf.table(rows, width, [0.25, 0.1, 0.1] + [0.11] * 5)

    @classmethod
    def resolution_flowables(cls, resolution, number, weighted, width):
        para = cls.paragraph
        flowables = [
            Spacer(0, 2 * mm),
            para('<b>%s</b>' % escape(LABELS['resolution'].format(
                        number=resolution.sequence or number,
                        kind=LABELS[
                            f'resolution_kind_{resolution.kind}'],
                        title=resolution.title))),
            ]
        if resolution.text:
            flowables.append(para(escape(resolution.text)))
        flowables.append(para(escape(LABELS[
                        f'majority_{resolution.majority}'].format(
                        fraction=rate(resolution.majority_fraction)))))
        if resolution.result != 'no_quorum':
            flowables.append(para(escape(
                        LABELS[f'vote_{resolution.vote_mode}'])))
            rows = [[LABELS['college'], LABELS['weight'], LABELS['for'],
                    LABELS['against'], LABELS['abstain'], LABELS['blank']]]
            for tally in sorted(resolution.tallies,
                    key=lambda t: t.college.code):
                rows.append([
                        cls.paragraph(escape(tally.college.rec_name), 'cell'),
                        rate(tally.college.vote_weight)
                        if weighted and tally.college.vote_weight else '',
                        str(tally.votes_for), str(tally.votes_against),
                        str(tally.votes_abstain), str(tally.votes_blank)])
            rows.append([LABELS['total'], '',
                    str(resolution.votes_for or 0),
                    str(resolution.votes_against or 0),
                    str(resolution.votes_abstain or 0),
                    str(resolution.votes_blank or 0)])
            flowables.append(pdf.table(
                    rows, width, [0.35, 0.13, 0.13, 0.13, 0.13, 0.13]))
            if weighted:
                flowables.append(para(escape(LABELS['weighted'].format(
                                share=rate(resolution.share_for),
                                heads=rate(resolution.head_share_for)))))
            else:
                flowables.append(para(escape(LABELS['heads'].format(
                                share=rate(resolution.share_for)))))
        if resolution.result:
            flowables.append(para('<b>%s</b>' % escape(
                        LABELS[f'result_{resolution.result}'])))
        if resolution.board_candidate and resolution.result == 'adopted':
            flowables.append(para(escape(LABELS['board'].format(
                            member=resolution.board_candidate.rec_name,
                            role=resolution.board_role or '',
                            end=format_date(resolution.board_term_end)))))
        return flowables

    @classmethod
    def signatures(cls, width):
        boxes = Table([[LABELS['chair'], LABELS['secretary']], ['', '']],
            colWidths=[width / 2, width / 2], rowHeights=[6 * mm, 20 * mm])
        boxes.setStyle(TableStyle([
                    ('BOX', (0, 0), (0, -1), 0.5, colors.grey),
                    ('BOX', (1, 0), (1, -1), 0.5, colors.grey),
                    ('FONTSIZE', (0, 0), (-1, -1), 8),
                    ]))
        return boxes


class AttendanceSheetReport(AssemblyReport):
    "Attendance Sheet"
    __name__ = 'coop.assembly.attendance_sheet'

    @classmethod
    def _execute(cls, records, header, data, action):
        pool = Pool()
        Assembly = pool.get('coop.assembly')
        assemblies = Assembly.browse([r.id for r in records])
        return 'pdf', pdf.build(
            [cls.sheet_flowables(a) for a in assemblies],
            title=LABELS['sheet_title'],
            footer=cls.footer(assemblies[0]) if len(assemblies) == 1
            else '', page_numbers=True)

    @classmethod
    def sheet_flowables(cls, assembly):
        width = pdf.content_width(A4)
        para = cls.paragraph
        flowables = cls.header(assembly, LABELS['sheet_title'])
        flowables.append(Spacer(0, 4 * mm))
        held = defaultdict(int)
        for attendance in assembly.attendances:
            if attendance.status == 'represented':
                held[attendance.proxy_holder.id] += 1
        rows = [[LABELS['number'], LABELS['name'], LABELS['college'],
                LABELS['status'], LABELS['holder'], LABELS['signature']]]
        for attendance in assembly.attendances:
            member = attendance.member
            if attendance.status == 'represented':
                holder = attendance.proxy_holder.rec_name
            elif held.get(member.id):
                holder = LABELS['holds'].format(count=held[member.id])
            else:
                holder = ''
            rows.append([
                    member.number,
                    para(escape(member.party.rec_name), 'cell'),
                    para(escape(attendance.college.code), 'cell'),
                    STATUS_LABELS[attendance.status],
                    para(escape(holder), 'cell'),
                    ''])
        table = Table(rows, colWidths=[width * s for s in
                [0.1, 0.26, 0.1, 0.14, 0.2, 0.2]], repeatRows=1,
            rowHeights=[None] + [10 * mm] * (len(rows) - 1))
        table.setStyle(TableStyle([
                    ('FONTSIZE', (0, 0), (-1, -1), 8),
                    ('FONTNAME', (0, 0), (-1, 0), 'Helvetica-Bold'),
                    ('BACKGROUND', (0, 0), (-1, 0), colors.lightgrey),
                    ('VALIGN', (0, 0), (-1, -1), 'MIDDLE'),
                    ('GRID', (0, 0), (-1, -1), 0.5, colors.grey),
                    ]))
        flowables += [
            table,
            Spacer(0, 6 * mm),
            para(escape(LABELS['certified'])),
            Spacer(0, 2 * mm),
            MinutesReport.signatures(width),
            ]
        return flowables
