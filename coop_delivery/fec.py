# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"The FEC (account_fr) under its legal file name"
from trytond.pool import PoolMeta

from coop_tools.model import check_user_company, user_company_domain
from coop_tools.report import SIREN_TYPES, SIRET_TYPES, identifier


def fec_filename(fiscal_year):
    """SIREN + « FEC » + the closing date YYYYMMDD, .txt (article A47 A-1
    of the Livre des procédures fiscales)"""
    party = fiscal_year.company.party
    siren = (identifier(party, SIREN_TYPES)
        or identifier(party, SIRET_TYPES)[:9])
    return f'{siren}FEC{fiscal_year.end_date:%Y%m%d}.txt'


class FECStart(metaclass=PoolMeta):
    __name__ = 'account.fr.fec.start'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # One of the user's coops' fiscal years (the wizard checks it too)
        cls.fiscalyear.domain = [
            *(cls.fiscalyear.domain or []),
            *user_company_domain('company')]


class FEC(metaclass=PoolMeta):
    __name__ = 'account.fr.fec'

    def transition_generate(self):
        # account_fr reads the fiscal year's lines without the user's
        # record rules: another coop's fiscal year is refused first
        check_user_company(self.start.fiscalyear.company,
            'coop_delivery.msg_company_not_allowed')
        return super().transition_generate()

    def default_result(self, fields):
        result = super().default_result(fields)
        # account_fr names it only once the year is locked, and as .csv
        result['filename'] = fec_filename(self.start.fiscalyear)
        return result
