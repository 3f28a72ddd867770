# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"Human dispatch: one tour per rider per day, in the order a person chose"
import datetime as dt
import hashlib
from collections import defaultdict

from trytond.exceptions import UserWarning
from trytond.i18n import gettext
from trytond.model import (
    ModelSingleton, ModelSQL, ModelView, Unique, fields)
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import (
    Button, StateAction, StateTransition, StateView, Wizard)

from coop_tools.model import check_user_company, user_company_domain
from coop_tools.settings import CompanySettings, CompanySettingsValue

# A tour is over when none of its tasks is left to ride
OVER = {'done', 'failed', 'cancelled'}


class TourError(ValidationError):
    pass


class WindowWarning(UserWarning):
    pass


timesheet_work = fields.Many2One(
    'timesheet.work', "Timesheet Work",
    help="The work on which riders' tours are recorded as timesheet "
    "lines (created on first use).")
# Each coop's own: a row per company of coop.delivery.configuration.tour
TOUR_SETTINGS = ['timesheet_work']


class Configuration(
        CompanySettings, ModelSingleton, ModelSQL, ModelView):
    "Settings of the deliveries, each coop's own"
    __name__ = 'coop.delivery.configuration'
    __string__ = "Delivery Configuration"
    _missing_setting_message = 'coop_delivery.msg_configuration_missing'
    _no_company_message = 'coop_delivery.msg_configuration_no_company'
    _company_not_allowed_message = 'coop_delivery.msg_company_not_allowed'
    _missing_setting_error = TourError

    timesheet_work = fields.MultiValue(timesheet_work)

    @classmethod
    def multivalue_model(cls, field):
        if field in TOUR_SETTINGS:
            return Pool().get('coop.delivery.configuration.tour')
        return super().multivalue_model(field)

    @classmethod
    def get_timesheet_work(cls, company):
        "The company's work of the tours, made on first use"
        pool = Pool()
        Work = pool.get('timesheet.work')
        config = cls.of_company(company)
        if config.timesheet_work:
            return config.timesheet_work
        work = Work(name=gettext('coop_delivery.msg_tour_work_name'),
            company=company)
        work.save()
        config.timesheet_work = work
        config.save()
        return work


class ConfigurationTour(CompanySettingsValue, ModelSQL):
    "A coop's settings of the tours"
    __name__ = 'coop.delivery.configuration.tour'
    __string__ = "Delivery Configuration Tour"
    _configuration = 'coop.delivery.configuration'
    _other_company_message = 'coop_delivery.msg_configuration_other_company'
    _other_company_error = TourError

    timesheet_work = timesheet_work


class Tour(ModelSQL, ModelView):
    "The tasks one rider rides on one day, in order"
    __name__ = 'coop.delivery.tour'
    __string__ = "Tour"

    company = fields.Many2One('company.company', "Company", required=True)
    rider = fields.Many2One(
        'company.employee', "Rider", required=True,
        domain=[('company', '=', Eval('company', -1))])
    date = fields.Date("Date", required=True)
    tasks = fields.One2Many(
        'coop.delivery.task', 'tour', "Tasks",
        order=[('tour_sequence', 'ASC NULLS LAST'), ('id', 'ASC')],
        add_remove=[
            ('tour', '=', None),
            ('delivery.company', '=', Eval('company', -1)),
            ])
    breaks = fields.TimeDelta(
        "Breaks", required=True,
        domain=[('breaks', '>=', dt.timedelta(0))],
        help="Deducted from the time between the first task started and "
        "the last task finished.")
    started_at = fields.Function(
        fields.DateTime("Started at"), 'get_times')
    finished_at = fields.Function(
        fields.DateTime("Finished at"), 'get_times')
    worked = fields.Function(
        fields.TimeDelta("Worked"), 'get_times')
    timesheet_line = fields.Many2One(
        'timesheet.line', "Timesheet Line", readonly=True,
        ondelete='SET NULL')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('rider_date_unique', Unique(t, t.rider, t.date),
                'coop_delivery.msg_tour_rider_date_unique'),
            ]
        cls._order = [('date', 'DESC'), ('rider', 'ASC'), ('id', 'DESC')]
        cls._buttons.update({
                'record_time': {
                    'icon': 'tryton-clock',
                    },
                })

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_date():
        return dt.date.today()

    @staticmethod
    def default_breaks():
        return dt.timedelta(0)

    def get_rec_name(self, name):
        return f'{self.rider.rec_name} {self.date}'

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('rider.rec_name',) + tuple(clause[1:])]

    @classmethod
    def get_times(cls, tours, names):
        result = {name: {} for name in names}
        for tour in tours:
            starts = [t.started_at or t.done_at for t in tour.tasks
                if t.started_at or t.done_at]
            ends = [t.done_at for t in tour.tasks if t.done_at]
            started = min(starts) if starts else None
            finished = max(ends) if ends else None
            worked = None
            if started and finished and finished >= started:
                worked = max(finished - started - tour.breaks,
                    dt.timedelta(0))
            values = {
                'started_at': started,
                'finished_at': finished,
                'worked': worked,
                }
            for name in names:
                result[name][tour.id] = values[name]
        return result

    @classmethod
    def validate(cls, tours):
        super().validate(tours)
        for tour in tours:
            for task in tour.tasks:
                if task.delivery.company != tour.company:
                    raise TourError(gettext(
                            'coop_delivery.msg_tour_company',
                            task=task.rec_name, tour=tour.rec_name))

    @classmethod
    def write(cls, *args):
        super().write(*args)
        # Reordering the tasks in the tour's form comes here
        cls.check_windows(cls.browse({t.id for t in sum(args[0::2], [])}))

    @classmethod
    def check_windows(cls, tours):
        """Warn when the order chosen cannot keep every window

        A task placed after another whose window opens later than its own
        closes, or a dropoff placed before its pickup, cannot be kept."""
        pool = Pool()
        Warning = pool.get('res.user.warning')
        for tour in tours:
            problems = tour.window_problems()
            if not problems:
                continue
            # A new order of the same tour warns again
            order = ','.join(str(t.id) for t in tour.tasks)
            key = Warning.format(
                'coop_delivery.tour_windows.'
                + hashlib.sha1(order.encode()).hexdigest()[:12], [tour])
            if Warning.check(key):
                raise WindowWarning(key, gettext(
                        'coop_delivery.msg_tour_windows',
                        tour=tour.rec_name, problems='; '.join(problems)))

    def window_problems(self):
        problems = []
        tasks = [t for t in self.tasks if t.status not in OVER]
        seen_pickups = set()
        latest_after = None
        for task in tasks:
            if (task.before and latest_after
                    and task.before < latest_after.after):
                problems.append(gettext(
                        'coop_delivery.msg_tour_window_late',
                        task=task.rec_name, other=latest_after.rec_name))
            if task.type == 'pickup':
                seen_pickups.add(task.delivery.id)
            elif any(t.type == 'pickup' and t.delivery == task.delivery
                    for t in tasks) and task.delivery.id not in seen_pickups:
                problems.append(gettext(
                        'coop_delivery.msg_tour_dropoff_first',
                        task=task.rec_name))
            if task.after and (
                    latest_after is None or task.after > latest_after.after):
                latest_after = task
        return problems

    @classmethod
    def assign(cls, rider, date, tasks, index=None):
        """Append the tasks to the rider's tour of the day, creating it

        With index, insert them at that place among the tour's other tasks
        instead (0: first), the tour renumbered. Tasks leave the tour they
        were on. Return the tour."""
        pool = Pool()
        Task = pool.get('coop.delivery.task')
        tours = cls.search([('rider', '=', rider.id), ('date', '=', date)])
        if tours:
            tour, = tours
        else:
            tour = cls(rider=rider, date=date, company=rider.company)
            tour.save()
        for task in tasks:
            if task.status in OVER:
                raise TourError(gettext(
                        'coop_delivery.msg_tour_task_over',
                        task=task.rec_name))
        to_write = []
        if index is None:
            last = max((t.tour_sequence or 0 for t in tour.tasks), default=0)
            for i, task in enumerate(tasks, 1):
                to_write.extend(([task], {
                            'tour': tour.id, 'tour_sequence': last + i}))
        else:
            moving = {t.id for t in tasks}
            others = [t for t in tour.tasks if t.id not in moving]
            index = max(0, min(index, len(others)))
            order = others[:index] + list(tasks) + others[index:]
            for i, task in enumerate(order, 1):
                if task.id in moving:
                    to_write.extend(([task], {
                                'tour': tour.id, 'tour_sequence': i}))
                elif task.tour_sequence != i:
                    to_write.extend(([task], {'tour_sequence': i}))
        if to_write:
            Task.write(*to_write)
        cls.check_windows([cls(tour.id)])
        return tour

    @classmethod
    def riding_order(cls, tasks):
        """The tasks of a batch assignment in riding order: by window (its
        start, then its end; a task without one last), each delivery's
        pickup before its dropoff

        A dropoff whose pickup is in the batch and not yet placed brings
        that pickup forward, just before it."""
        far = dt.datetime.max

        def window(task):
            return (task.after or task.before or far, task.before or far,
                task.delivery.id, task.sequence or 0, task.id)
        tasks = sorted(tasks, key=window)
        pickups = defaultdict(list)
        for task in tasks:
            if task.type == 'pickup':
                pickups[task.delivery.id].append(task)
        order, placed = [], set()
        for task in tasks:
            if task.id in placed:
                continue
            if task.type == 'dropoff':
                for pickup in pickups[task.delivery.id]:
                    if pickup.id not in placed:
                        order.append(pickup)
                        placed.add(pickup.id)
            order.append(task)
            placed.add(task.id)
        return order

    @classmethod
    @ModelView.button
    def record_time(cls, tours):
        cls.update_timesheets(tours)

    @classmethod
    def update_timesheets(cls, tours):
        """Record each finished tour's worked time as a timesheet line

        Payroll reads these lines. A tour whose time changed updates its
        line rather than adding one."""
        pool = Pool()
        Line = pool.get('timesheet.line')
        Configuration = pool.get('coop.delivery.configuration')
        to_save = []
        finished = []
        for tour in tours:
            if not tour.tasks or any(
                    t.status not in OVER for t in tour.tasks):
                continue
            if tour.worked is None:
                continue
            line = tour.timesheet_line or Line(
                company=tour.company, employee=tour.rider,
                work=Configuration.get_timesheet_work(tour.company))
            line.date = tour.date
            line.duration = tour.worked
            line.description = gettext(
                'coop_delivery.msg_tour_line_description',
                tour=tour.rec_name)
            to_save.append(line)
            finished.append(tour)
        Line.save(to_save)
        for tour, line in zip(finished, to_save):
            if tour.timesheet_line != line:
                tour.timesheet_line = line
        cls.save(finished)


class Task(metaclass=PoolMeta):
    __name__ = 'coop.delivery.task'

    tour = fields.Many2One(
        'coop.delivery.tour', "Tour", ondelete='SET NULL', readonly=True)
    tour_sequence = fields.Integer("Order in Tour")
    rider = fields.Function(fields.Many2One(
            'company.employee', "Rider"), 'get_rider',
        searcher='search_rider')
    started_at = fields.DateTime("Started at", readonly=True)
    contact = fields.Char(
        "Contact",
        states={
            'readonly': Eval('status').in_(['done', 'cancelled']),
            },
        help="Whom to ask for there, and how: the recipient's name and "
        "telephone at a dropoff.")
    place = fields.Function(fields.Char("Place",
            help="Where to go: the store and its address at a pickup, the "
            "address at a dropoff."), 'get_place')

    def get_place(self, name):
        address = ' '.join(filter(None, [
                    self.street or (self.address.street if self.address
                        else None),
                    self.postal_code or (self.address.postal_code
                        if self.address else None),
                    self.city or (self.address.city if self.address
                        else None)]))
        if self.type == 'pickup':
            store = self.delivery.customer.rec_name
            return f'{store}, {address}' if address else store
        return address

    def get_rider(self, name):
        return self.tour.rider.id if self.tour else None

    @classmethod
    def search_rider(cls, name, clause):
        return [('tour.rider',) + tuple(clause[1:])]

    @classmethod
    def start(cls, tasks):
        super().start(tasks)
        cls.write([t for t in tasks if not t.started_at], {
                'started_at': dt.datetime.now()})

    @classmethod
    def _set_status(cls, tasks, status, **values):
        pool = Pool()
        Tour = pool.get('coop.delivery.tour')
        super()._set_status(tasks, status, **values)
        tours = list({t.tour for t in tasks if t.tour})
        if tours:
            Tour.update_timesheets(Tour.browse(tours))


class Delivery(metaclass=PoolMeta):
    __name__ = 'coop.delivery'

    tour = fields.Function(fields.Many2One(
            'coop.delivery.tour', "Tour",
            help="The tour its tasks are ridden in (the first one's, when "
            "they are split)."), 'get_tour')
    rider = fields.Function(fields.Many2One(
            'company.employee', "Rider"), 'get_tour')

    @classmethod
    def get_tour(cls, deliveries, names):
        result = {name: {} for name in names}
        for delivery in deliveries:
            tours = [t.tour for t in delivery.tasks if t.tour]
            tour = tours[0] if tours else None
            if 'tour' in result:
                result['tour'][delivery.id] = tour.id if tour else None
            if 'rider' in result:
                result['rider'][delivery.id] = (
                    tour.rider.id if tour else None)
        return result

    @classmethod
    def confirm(cls, deliveries):
        super().confirm(deliveries)
        cls.assign_default_riders(deliveries)

    @classmethod
    def assign_default_riders(cls, deliveries):
        "Give the unassigned tasks to the store's default rider, if any"
        pool = Pool()
        Tour = pool.get('coop.delivery.tour')
        by_tour = defaultdict(list)
        for delivery in deliveries:
            rider = delivery.customer.delivery_default_rider
            if not rider:
                continue
            tasks = [t for t in delivery.tasks
                if not t.tour and t.status not in OVER]
            by_tour[rider, delivery.date].extend(tasks)
        for (rider, date), tasks in by_tour.items():
            Tour.assign(rider, date, tasks)


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    delivery_default_rider = fields.Many2One(
        'company.employee', "Default Rider", ondelete='SET NULL',
        help="The rider who gets this store's deliveries when they are "
        "confirmed; a dispatcher may still change it.")


class AssignStart(ModelView):
    "Choose the rider and the day"
    __name__ = 'coop.delivery.assign.start'
    __string__ = "Assign to Rider"

    rider = fields.Many2One('company.employee', "Rider", required=True,
        domain=user_company_domain('company'))
    date = fields.Date("Date", required=True)
    tour = fields.Many2One('coop.delivery.tour', "Tour", readonly=True)


class Assign(Wizard):
    "Assign deliveries or tasks to a rider's tour"
    __name__ = 'coop.delivery.assign'
    start = StateView('coop.delivery.assign.start',
        'coop_delivery.assign_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Assign", 'assign', 'tryton-ok', default=True),
            ])
    assign = StateTransition()
    open_ = StateAction('coop_delivery.act_tour_form')

    def _tasks(self):
        pool = Pool()
        Tour = pool.get('coop.delivery.tour')
        if self.model.__name__ == 'coop.delivery':
            tasks = [t for d in self.records for t in d.tasks
                if t.status not in OVER]
        else:
            tasks = list(self.records)
        return Tour.riding_order(tasks)

    def default_start(self, fields):
        dates = {t.delivery.date for t in self._tasks()}
        return {
            'date': dates.pop() if len(dates) == 1 else dt.date.today(),
            }

    def transition_assign(self):
        pool = Pool()
        Tour = pool.get('coop.delivery.tour')
        # The wizard runs without the user's record rules: another coop's
        # rider (whose tour would be made in that coop) is refused
        check_user_company(self.start.rider.company,
            'coop_delivery.msg_company_not_allowed')
        self.start.tour = Tour.assign(
            self.start.rider, self.start.date, self._tasks())
        return 'open_'

    def do_open_(self, action):
        "The tour the tasks went to, in its order: the assignment's feedback"
        action['res_id'] = [self.start.tour.id]
        action['views'].reverse()
        return action, {}
