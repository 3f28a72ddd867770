# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
from trytond.model import fields
from trytond.pool import PoolMeta

OSM_TILES = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png'
OSM_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">'
    'OpenStreetMap</a> contributors')


class Configuration(metaclass=PoolMeta):
    __name__ = 'coop.delivery.configuration'

    # The dispatch board's settings (plain fields, one block: to be made
    # per company with the others)
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
