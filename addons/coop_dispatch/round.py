# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Named tours planned ahead: a store's recurring round (its weekdays, a
time window, a rider or the store's default one) that makes the day's tour
and gathers the store's deliveries of that window into it"""
from collections import defaultdict

from trytond.i18n import gettext
from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from coop_delivery.tour import OVER

from .exceptions import RoundError
from .schedule import WEEKDAYS

OPEN = {'confirmed', 'in_progress'}


class Round(DeactivableMixin, ModelSQL, ModelView):
    "A store's recurring round: the tour its deliveries make on its days"
    __name__ = 'coop.dispatch.round'
    __string__ = "Round"

    company = fields.Many2One('company.company', "Company", required=True)
    name = fields.Char("Name", required=True, translate=False)
    store = fields.Many2One('party.party', "Store", required=True,
        ondelete='CASCADE')
    weekdays = fields.MultiSelection(WEEKDAYS, "Weekdays", sort=False,
        required=True)
    start = fields.Time("From", required=True,
        help="The round takes the store's deliveries whose pickup opens "
        "from this time...")
    end = fields.Time("To", required=True,
        help="...until this one (excluded).")
    rider = fields.Many2One('company.employee', "Rider",
        domain=[('company', '=', Eval('company', -1))],
        help="Empty: the store's default rider, or the dispatcher chooses "
        "on the day.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('name', 'ASC'), ('id', 'ASC')]
        cls._buttons.update({
                'create_tours': {
                    'icon': 'tryton-launch',
                    },
                })

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def validate(cls, rounds):
        super().validate(rounds)
        for round_ in rounds:
            if round_.end <= round_.start:
                raise RoundError(gettext(
                        'coop_dispatch.msg_round_end_before_start',
                        round=round_.rec_name))
            if not round_.weekdays:
                raise RoundError(gettext(
                        'coop_dispatch.msg_round_no_weekday',
                        round=round_.rec_name))

    def rider_on(self):
        "Who rides the round: its rider, else the store's default one"
        return self.rider or self.store.delivery_default_rider

    def runs_on(self, date):
        return str(date.weekday()) in (self.weekdays or ())

    def takes(self, delivery):
        "Whether the delivery belongs to the round on its day"
        if delivery.customer != self.store or not self.runs_on(delivery.date):
            return False
        pickups = [t for t in delivery.tasks if t.type == 'pickup'] or list(
            delivery.tasks)
        opens = min((t.after for t in pickups if t.after), default=None)
        return bool(opens) and self.start <= opens.time() < self.end

    @classmethod
    @ModelView.button
    def create_tours(cls, rounds, date=None):
        """Make the day's tour of each round running that day (today by
        ir.date), with the store's open deliveries of its window not on a
        tour yet, in riding order; return the tours and the rounds left
        without a rider"""
        pool = Pool()
        Date = pool.get('ir.date')
        Delivery = pool.get('coop.delivery')
        Tour = pool.get('coop.delivery.tour')
        if date is None:
            date = Date.today()
        tours, unstaffed = [], []
        running = [r for r in rounds if r.runs_on(date)]
        if not running:
            return tours, unstaffed
        deliveries = Delivery.search([
                ('date', '=', date),
                ('state', 'in', list(OPEN)),
                ('customer', 'in', list({r.store.id for r in running})),
                ])
        for round_ in running:
            rider = round_.rider_on()
            if not rider:
                unstaffed.append(round_)
                continue
            tasks = [t for d in deliveries if round_.takes(d)
                for t in d.tasks if not t.tour and t.status not in OVER]
            tour = Tour.assign(rider, date, Tour.riding_order(tasks))
            if not tour.round:
                tour.round = round_
                tour.save()
            tours.append(tour)
        return tours, unstaffed

    @classmethod
    def create_today_tours(cls):
        "The cron's: today's tours of every active round"
        pool = Pool()
        Company = pool.get('company.company')
        for company in Company.search([]):
            with Transaction().set_context(company=company.id):
                cls.create_tours(cls.search([('company', '=', company.id)]))


class Tour(metaclass=PoolMeta):
    __name__ = 'coop.delivery.tour'

    round = fields.Many2One('coop.dispatch.round', "Round",
        ondelete='SET NULL',
        domain=[('company', '=', Eval('company', -1))],
        help="The store's recurring round the tour was planned from.")

    def get_rec_name(self, name):
        name = super().get_rec_name(name)
        if self.round:
            name = f'{self.round.name} ({name})'
        return name


class Delivery(metaclass=PoolMeta):
    __name__ = 'coop.delivery'

    @classmethod
    def assign_default_riders(cls, deliveries):
        """A delivery confirmed for a round whose tour of the day is made
        joins that tour; the others go to the store's default rider"""
        pool = Pool()
        Tour = pool.get('coop.delivery.tour')
        dates = {d.date for d in deliveries}
        tours = Tour.search([
                ('date', 'in', list(dates)),
                ('round', '!=', None),
                ]) if dates else []
        by_tour = defaultdict(list)
        for delivery in deliveries:
            for tour in tours:
                if tour.date == delivery.date and tour.round.takes(delivery):
                    by_tour[tour].extend(t for t in delivery.tasks
                        if not t.tour and t.status not in OVER)
                    break
        for tour, tasks in by_tour.items():
            Tour.assign(tour.rider, tour.date, Tour.riding_order(tasks))
        super().assign_default_riders(deliveries)


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('coop.dispatch.round|create_today_tours',
                "Create Today's Tours of the Rounds"))
