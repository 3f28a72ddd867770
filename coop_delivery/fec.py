# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"The FEC (account_fr) under its legal file name"
from trytond.pool import PoolMeta

from coop_tools.report import SIREN_TYPES, SIRET_TYPES, identifier


def fec_filename(fiscal_year):
    """SIREN + « FEC » + the closing date YYYYMMDD, .txt (article A47 A-1
    of the Livre des procédures fiscales)"""
    party = fiscal_year.company.party
    siren = (identifier(party, SIREN_TYPES)
        or identifier(party, SIRET_TYPES)[:9])
    return f'{siren}FEC{fiscal_year.end_date:%Y%m%d}.txt'


class FEC(metaclass=PoolMeta):
    __name__ = 'account.fr.fec'

    def default_result(self, fields):
        result = super().default_result(fields)
        # account_fr names it only once the year is locked, and as .csv
        result['filename'] = fec_filename(self.start.fiscalyear)
        return result
