# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""Monthly figures per store and per rider: deliveries, km, kg, CO2 avoided

The rows are SQL views grouping the done deliveries per month: a search by
year and month (and the read of its rows) reads those months' deliveries
alone, by a date range on coop_delivery's (company, date) index (see
StatisticMixin.search and read), never the whole history."""
import datetime as dt

from sql import Literal
from sql.aggregate import Count, Max, Min, Sum
from sql.conditionals import Coalesce
from sql.functions import Extract

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

# The context's key of the deliveries the view reads: [start, end) of
# their dates, and their companies (None: any); private, so never a
# client's (RPC strips such keys), set by search and read
DATES = '_coop_statistic_dates'


def month_start(year, month):
    "The first day of the month, or None if it names none"
    try:
        return dt.date(int(year), int(month), 1)
    except (TypeError, ValueError, OverflowError):
        return None


def next_month(date):
    "The first day of the month after date's"
    return (date.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _dates_of(domain, Month):
    """[start, end) of the months of every row domain matches: from its
    top-level clauses ('year', '=', y), with ('month', '=', id) or
    ('month.index', '=', i) for a month; None when it does not say (all
    rows then)"""
    if not isinstance(domain, (list, tuple)):
        return None
    if domain and isinstance(domain[0], str):
        if domain[0] != 'AND':
            return None
        domain = domain[1:]
    year = index = None
    for clause in domain:
        if (not isinstance(clause, (list, tuple)) or len(clause) != 3
                or not isinstance(clause[0], str) or clause[1] != '='):
            continue
        name, _, value = clause
        if name == 'year':
            year = value
        elif name == 'month.index':
            index = value
        elif name == 'month' and isinstance(value, int) and value > 0:
            months = Month.search([('id', '=', value)])
            index = months[0].index if months else None
    if index is None:
        # A year's rows
        start = month_start(year, 1)
        if start is None or start.year == dt.MAXYEAR:
            return None
        return start, start.replace(year=start.year + 1), None
    start = month_start(year, index)
    if start is None:
        return None
    return start, next_month(start), None


class CO2Factor(ModelSQL, ModelView):
    "What a delivery van emits per kilometre, from a date on"
    __name__ = 'coop.delivery.co2_factor'
    __string__ = "CO2 Factor"

    start_date = fields.Date("Start Date", required=True)
    grams_per_km = fields.Numeric(
        "Grams per km", digits=(16, 1), required=True,
        domain=[('grams_per_km', '>=', 0)],
        help="CO2 a delivery van emits per kilometre: each kilometre "
        "ridden by bike avoids it.")
    source = fields.Char("Source")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('start_date', 'DESC'))


class StatisticMixin(ModelSQL, ModelView):
    company = fields.Many2One('company.company', "Company")
    year = fields.Integer("Year")
    month = fields.Many2One('ir.calendar.month', "Month")
    deliveries = fields.Integer("Deliveries")
    distance = fields.Numeric("Distance (km)", digits=(16, 1))
    weight = fields.Numeric("Weight (kg)", digits=(16, 1))
    co2_avoided = fields.Numeric(
        "CO2 Avoided (kg)", digits=(16, 3),
        help="The CO2 a van would have emitted over the same distance.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('year', 'DESC'), ('month.index', 'DESC'), ('id', 'ASC')]

    @classmethod
    def search(cls, domain, *args, **kwargs):
        """A search naming the year and month reads that month's
        deliveries only (the figures are the same: the other months' rows
        are not wanted)"""
        Month = Pool().get('ir.calendar.month')
        dates = _dates_of(domain, Month)
        if dates:
            with Transaction().set_context({DATES: dates}):
                return super().search(domain, *args, **kwargs)
        return super().search(domain, *args, **kwargs)

    @classmethod
    def read(cls, ids, fields_names):
        """The rows read from the months of their ids: a row's id is one of
        its own deliveries' (or tasks'), whose date is in the row's month;
        reading them all from those months' deliveries gives each row
        whole"""
        dates = cls._dates_of_ids(ids)
        if dates:
            with Transaction().set_context({DATES: dates}):
                return super().read(ids, fields_names)
        return super().read(ids, fields_names)

    @classmethod
    def _dates_of_ids(cls, ids):
        """[start, end) of the months of the rows ids and their companies,
        None without ids"""
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        ids = [int(i) for i in ids if int(i) > 0]
        if not ids:
            return None
        delivery = Delivery.__table__()
        from_, column = cls._row_delivery(delivery)
        cursor = Transaction().connection.cursor()
        cursor.execute(*from_.select(
                delivery.company, Min(delivery.date), Max(delivery.date),
                where=fields.SQL_OPERATORS['in'](column, ids),
                group_by=[delivery.company]))
        rows = cursor.fetchall()
        if not rows:
            return None
        companies = [c for c, _, _ in rows]
        dates = [d for _, first, last in rows for d in [first, last]]
        if any(isinstance(d, str) for d in dates):
            # SQLite's aggregates of dates are text
            dates = [dt.date.fromisoformat(d) if isinstance(d, str) else d
                for d in dates]
        if None in companies:
            companies = None
        return min(dates).replace(day=1), next_month(max(dates)), companies

    @classmethod
    def _row_delivery(cls, delivery):
        "The table that joins a row's id to its delivery, and the id's column"
        return delivery, delivery.id

    @classmethod
    def _key(cls, tables):
        "The column the figures are grouped by, beside the month"
        raise NotImplementedError

    @classmethod
    def _row_id(cls, tables):
        "A row of each group that belongs to no other group"
        return Max(tables['delivery'].id)

    @classmethod
    def _from(cls, tables):
        return tables['delivery']

    @classmethod
    def _where(cls, tables):
        return tables['delivery'].state == 'done'

    @classmethod
    def _dates_where(cls, tables):
        """The deliveries the context names, as the (company, date) index
        serves them; True without any"""
        dates = Transaction().context.get(DATES)
        if not dates:
            return Literal(True)
        start, end, companies = dates
        delivery = tables['delivery']
        where = (delivery.date >= start) & (delivery.date < end)
        if companies is not None:
            where &= fields.SQL_OPERATORS['in'](delivery.company, companies)
        return where

    @classmethod
    def table_query(cls):
        pool = Pool()
        Delivery = pool.get('coop.delivery')
        Factor = pool.get('coop.delivery.co2_factor')
        Month = pool.get('ir.calendar.month')
        tables = {
            'delivery': Delivery.__table__(),
            }
        delivery = tables['delivery']
        factor = Factor.__table__()
        # The factor in force on the delivery's date
        grams_per_km = factor.select(
            factor.grams_per_km,
            where=factor.start_date <= delivery.date,
            order_by=[factor.start_date.desc],
            limit=1)
        year = Extract('YEAR', delivery.date)
        month = Month.__table__()
        from_ = cls._from(tables).join(month,
            condition=month.index == Extract('MONTH', delivery.date))
        key = cls._key(tables)
        distance = Coalesce(delivery.distance, 0)
        return from_.select(
            cls._row_id(tables).as_('id'),
            delivery.company.as_('company'),
            year.as_('year'),
            month.id.as_('month'),
            key,
            Count(delivery.id).as_('deliveries'),
            # Divided by floats, as integers divide to integers on
            # PostgreSQL, then cast back so that both backends give Decimal
            cls.distance.sql_cast(Sum(distance) / 1000.0).as_('distance'),
            cls.weight.sql_cast(
                Sum(Coalesce(delivery.weight, 0)) / 1000.0).as_('weight'),
            cls.co2_avoided.sql_cast(
                Sum(distance * Coalesce(grams_per_km, 0)) / 1000000.0).as_(
                'co2_avoided'),
            where=cls._where(tables) & cls._dates_where(tables),
            group_by=[delivery.company, year, month.id, key])


class StoreStatistic(StatisticMixin):
    "Done deliveries of a store in a month"
    __name__ = 'coop.delivery.statistic.store'
    __string__ = "Deliveries per Store"

    customer = fields.Many2One(
        'party.party', "Store",
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})

    @classmethod
    def _key(cls, tables):
        return tables['delivery'].customer.as_('customer')


class RiderStatistic(StatisticMixin):
    "Deliveries a rider dropped off in a month"
    __name__ = 'coop.delivery.statistic.rider'
    __string__ = "Deliveries per Rider"

    rider = fields.Many2One('company.employee', "Rider")

    @classmethod
    def _from(cls, tables):
        pool = Pool()
        Task = pool.get('coop.delivery.task')
        Tour = pool.get('coop.delivery.tour')
        tables['task'] = task = Task.__table__()
        tables['tour'] = tour = Tour.__table__()
        delivery = tables['delivery']
        return delivery.join(task, condition=(
                (task.delivery == delivery.id)
                & (task.type == 'dropoff')
                & (task.status == 'done'))
            ).join(tour, condition=task.tour == tour.id)

    @classmethod
    def _key(cls, tables):
        return tables['tour'].rider.as_('rider')

    @classmethod
    def _row_id(cls, tables):
        # A delivery with dropoffs by two riders counts for both
        return Max(tables['task'].id)

    @classmethod
    def _row_delivery(cls, delivery):
        Task = Pool().get('coop.delivery.task')
        task = Task.__table__()
        return (task.join(delivery, condition=task.delivery == delivery.id),
            task.id)

    @classmethod
    def _where(cls, tables):
        return Literal(True)
