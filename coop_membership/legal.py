# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""The limits the law of its form (SCOP, SCIC) sets on a coop's members

The figures are computed from the register at a date. An operation the coop
chooses to make (a subscription, a transfer, a conversion) is refused when it
breaks a limit or makes a breach worse; one it must accept (a member leaving,
a correction) only warns, as does a coop whose structure drifted (a SCIC
left without one of its categories): the coop must fix it.
"""
from collections import defaultdict
from decimal import Decimal

from sql.aggregate import Sum

from trytond.exceptions import UserWarning
from trytond.i18n import gettext
from trytond.model import Model
from trytond.pool import Pool
from trytond.transaction import Transaction

from .exceptions import CollegeWeightError, LegalLimitError


class Breach:
    "A limit the figures break: at least (minimum) or at most a value"

    def __init__(self, code, value, limit, minimum=True, structural=False):
        self.code = code
        self.value = value
        self.limit = limit
        self.minimum = minimum
        # A drift of the coop's structure: an operation never refuses it
        self.structural = structural

    def worse_than(self, before):
        if before is None:
            return True
        if self.minimum:
            return self.value < before.value
        return self.value > before.value

    def message(self, operation):
        return gettext(
            f'coop_membership.msg_legal_{self.code}',
            operation=operation.rec_name,
            value=_percent(self.value) if isinstance(self.value, Decimal)
            else self.value,
            limit=_percent(self.limit) if isinstance(self.limit, Decimal)
            else self.limit)


def _percent(rate):
    return f'{rate * 100:.2f} %'


class Figures:
    "What the register says of a coop at a date"

    def __init__(self):
        self.capital = Decimal(0)
        self.capital_by_kind = defaultdict(Decimal)
        self.members = 0
        self.members_by_kind = defaultdict(int)
        self.categories = set()

    def capital_ratio(self, kind):
        if not self.capital:
            return Decimal(1)
        return self.capital_by_kind[kind] / self.capital

    def members_ratio(self, kind):
        if not self.members:
            return Decimal(1)
        return Decimal(self.members_by_kind[kind]) / self.members


class Legal(Model):
    "The legal limits of the cooperative forms"
    __name__ = 'coop.membership.legal'
    __string__ = "Cooperative Legal Limits"

    @classmethod
    def register_rows(cls, company, date):
        """(member, category, category kind, share class, shares) held at
        date, from company's register"""
        pool = Pool()
        Line = pool.get('coop.share.operation.line')
        Member = pool.get('coop.member')
        Category = pool.get('coop.member.category')
        line = Line.__table__()
        member = Member.__table__()
        category = Category.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*line.join(member,
                condition=line.member == member.id
                ).join(category,
                condition=member.category == category.id
                ).select(
                line.member, category.id, category.kind, line.share_class,
                Sum(line.quantity),
                where=Line.holding_date_condition(line, date)
                & (line.company == company.id),
                group_by=[
                    line.member, category.id, category.kind,
                    line.share_class]))
        return cursor.fetchall()

    @classmethod
    def figures(cls, rows, legs=()):
        """The figures of register rows (see register_rows), with legs
        (member, share class, quantity) that an operation would add"""
        pool = Pool()
        ShareClass = pool.get('coop.share.class')
        rows = rows + [(m.id, m.category.id, m.category.kind, c.id, q)
            for m, c, q in legs]
        nominals = {c.id: c.nominal
            for c in ShareClass.browse(list({r[3] for r in rows}))}
        shares = defaultdict(int)
        figures = Figures()
        for member_id, category_id, kind, class_id, quantity in rows:
            amount = nominals[class_id] * int(quantity)
            figures.capital += amount
            figures.capital_by_kind[kind] += amount
            shares[member_id, category_id, kind] += int(quantity)
        for (_, category_id, kind), quantity in shares.items():
            if quantity:
                figures.members += 1
                figures.members_by_kind[kind] += 1
                figures.categories.add(category_id)
        return figures

    @classmethod
    def breaches(cls, company, figures):
        "The limits of company's form that figures break"
        pool = Pool()
        Configuration = pool.get('coop.membership.configuration')
        config = Configuration.of_company(company)
        breaches = []
        if not figures.members:
            return breaches
        if company.coop_form == 'scop':
            breaches += [
                Breach('scop_employee_capital',
                    figures.capital_ratio('employee'),
                    config.scop_employee_capital),
                Breach('scop_employee_votes',
                    figures.members_ratio('employee'),
                    config.scop_employee_votes),
                ]
        elif company.coop_form == 'scic':
            breaches += [
                Breach('scic_public_capital',
                    figures.capital_ratio('public_body'),
                    config.scic_public_capital, minimum=False),
                Breach('scic_categories', len(figures.categories),
                    config.scic_categories, structural=True),
                Breach('scic_employees', figures.members_by_kind['employee'],
                    1, structural=True),
                Breach('scic_beneficiaries',
                    figures.members_by_kind['beneficiary'], 1,
                    structural=True),
                Breach('scic_college_weights', cls.college_weights(company),
                    Decimal(1), structural=True),
                ]
        return [b for b in breaches if cls._broken(b)]

    @staticmethod
    def _broken(breach):
        if breach.code == 'scic_college_weights':
            return breach.value != breach.limit
        if breach.minimum:
            return breach.value < breach.limit
        return breach.value > breach.limit

    @classmethod
    def college_weights(cls, company):
        pool = Pool()
        Category = pool.get('coop.member.category')
        return sum((c.vote_weight or 0 for c in Category.search([
                        ('company', '=', company.id),
                        ])), Decimal(0))

    @classmethod
    def check(cls, operation, legs, refuse):
        """Refuse operation (if refuse) or warn when the figures after its
        legs break a limit that the figures before did not, or break it
        worse"""
        pool = Pool()
        Warning = pool.get('res.user.warning')
        company = operation.company
        # The register is read once: the figures after add the legs to it
        rows = cls.register_rows(company, operation.effective_date)
        before, after = cls.figures(rows), cls.figures(rows, legs)
        previous = {b.code: b for b in cls.breaches(company, before)}
        for breach in cls.breaches(company, after):
            if not breach.structural:
                if not breach.worse_than(previous.get(breach.code)):
                    continue
                if refuse:
                    raise LegalLimitError(breach.message(operation))
            key = Warning.format(f'coop_legal_{breach.code}', [operation])
            if Warning.check(key):
                raise UserWarning(key, breach.message(operation))

    @classmethod
    def check_college_weights(cls, categories):
        "Refuse a college weight outside the law's range, or over 100 %"
        pool = Pool()
        Configuration = pool.get('coop.membership.configuration')
        for category in categories:
            if category.company.coop_form != 'scic' or not category.vote_weight:
                continue
            config = Configuration.of_company(category.company)
            if not (config.scic_college_weight_min <= category.vote_weight
                    <= config.scic_college_weight_max):
                raise CollegeWeightError(gettext(
                        'coop_membership.msg_college_weight_range',
                        category=category.rec_name,
                        weight=_percent(category.vote_weight),
                        minimum=_percent(config.scic_college_weight_min),
                        maximum=_percent(config.scic_college_weight_max)))
        for company in {c.company for c in categories}:
            total = cls.college_weights(company)
            if total > 1:
                raise CollegeWeightError(gettext(
                        'coop_membership.msg_college_weight_total',
                        company=company.rec_name, total=_percent(total)))
