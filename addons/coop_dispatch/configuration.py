# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
from trytond.model import ModelSQL, fields
from trytond.pool import Pool, PoolMeta

from coop_delivery.tour import TourError
from coop_tools.settings import CompanySettingsValue, default_func

OSM_TILES = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png'
OSM_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">'
    'OpenStreetMap</a> contributors')


# The board's settings, each coop's own: a row per company of
# coop.delivery.configuration.dispatch (docs/settings.md)
dispatch_tile_url = fields.Char(
    "Map Tiles",
    help="The tile server's URL template of the board's map, as "
    "{z}/{x}/{y}; empty: no background, the tasks and tours are drawn "
    "alone.")
dispatch_tile_attribution = fields.Char(
    "Map Attribution",
    help="The credit the tile server asks for, in HTML.")
dispatch_speed = fields.Float(
    "Cycling Speed", digits=(4, 1), required=True,
    domain=[('dispatch_speed', '>', 0)],
    help="In km/h, along straight lines: the board's estimated "
    "arrivals.")
dispatch_stop_minutes = fields.Integer(
    "Minutes per Stop", required=True,
    domain=[('dispatch_stop_minutes', '>=', 0)],
    help="The time a rider spends at a pickup or a dropoff, for the "
    "estimated arrivals.")
dispatch_poll_seconds = fields.Integer(
    "Board Refresh", required=True,
    domain=[('dispatch_poll_seconds', '>=', 2)],
    help="In seconds: how often the board looks for other "
    "dispatchers' changes.")
DISPATCH_SETTINGS = [
    'dispatch_tile_url', 'dispatch_tile_attribution', 'dispatch_speed',
    'dispatch_stop_minutes', 'dispatch_poll_seconds']


class Configuration(metaclass=PoolMeta):
    __name__ = 'coop.delivery.configuration'

    dispatch_tile_url = fields.MultiValue(dispatch_tile_url)
    dispatch_tile_attribution = fields.MultiValue(dispatch_tile_attribution)
    dispatch_speed = fields.MultiValue(dispatch_speed)
    dispatch_stop_minutes = fields.MultiValue(dispatch_stop_minutes)
    dispatch_poll_seconds = fields.MultiValue(dispatch_poll_seconds)

    @classmethod
    def multivalue_model(cls, field):
        if field in DISPATCH_SETTINGS:
            return Pool().get('coop.delivery.configuration.dispatch')
        return super().multivalue_model(field)

    default_dispatch_tile_url = default_func('dispatch_tile_url')
    default_dispatch_tile_attribution = default_func(
        'dispatch_tile_attribution')
    default_dispatch_speed = default_func('dispatch_speed')
    default_dispatch_stop_minutes = default_func('dispatch_stop_minutes')
    default_dispatch_poll_seconds = default_func('dispatch_poll_seconds')

    def dispatch_settings(self):
        "The board's settings, as its page reads them"
        return {
            'tile_url': self.dispatch_tile_url or '',
            'tile_attribution': self.dispatch_tile_attribution or '',
            'speed': self.dispatch_speed or self.default_dispatch_speed(),
            'stop_minutes': (self.dispatch_stop_minutes
                if self.dispatch_stop_minutes is not None
                else self.default_dispatch_stop_minutes()),
            'poll_seconds': (self.dispatch_poll_seconds
                or self.default_dispatch_poll_seconds()),
            }


class ConfigurationDispatch(CompanySettingsValue, ModelSQL):
    "A coop's settings of the dispatch board"
    __name__ = 'coop.delivery.configuration.dispatch'
    __string__ = "Delivery Configuration Dispatch"
    _configuration = 'coop.delivery.configuration'
    _other_company_message = 'coop_delivery.msg_configuration_other_company'
    _other_company_error = TourError

    dispatch_tile_url = dispatch_tile_url
    dispatch_tile_attribution = dispatch_tile_attribution
    dispatch_speed = dispatch_speed
    dispatch_stop_minutes = dispatch_stop_minutes
    dispatch_poll_seconds = dispatch_poll_seconds

    @classmethod
    def default_dispatch_tile_url(cls):
        return OSM_TILES

    @classmethod
    def default_dispatch_tile_attribution(cls):
        return OSM_ATTRIBUTION

    @classmethod
    def default_dispatch_speed(cls):
        return 15.0

    @classmethod
    def default_dispatch_stop_minutes(cls):
        return 3

    @classmethod
    def default_dispatch_poll_seconds(cls):
        return 10
