# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"Monthly figures per store and per rider: deliveries, km, kg, CO2 avoided"
from sql import Literal
from sql.aggregate import Count, Max, Sum
from sql.conditionals import Coalesce
from sql.functions import Extract

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval


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
            where=cls._where(tables),
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
    def _where(cls, tables):
        return Literal(True)
