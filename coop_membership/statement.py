# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"A bank statement line may pay a subscription of shares"
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval


class Statement(metaclass=PoolMeta):
    __name__ = 'account.statement'

    @classmethod
    def post(cls, statements):
        pool = Pool()
        Subscription = pool.get('coop.share.subscription')
        Payment = pool.get('coop.share.payment')
        super().post(statements)
        Subscription.record_payments([Payment(
                    subscription=line.related_to, date=line.date,
                    amount=line.amount, statement_line=line)
                for statement in statements for line in statement.lines
                if isinstance(line.related_to, Subscription)])


class StatementLine(metaclass=PoolMeta):
    __name__ = 'account.statement.line'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.related_to.domain['coop.share.subscription'] = [
            ('company', '=', Eval('company', -1)),
            ('state', '=', 'called'),
            ]

    @classmethod
    def _get_relations(cls):
        return super()._get_relations() + ['coop.share.subscription']

    @fields.depends('related_to')
    def on_change_related_to(self):
        pool = Pool()
        Subscription = pool.get('coop.share.subscription')
        Configuration = pool.get('coop.membership.configuration')
        super().on_change_related_to()
        if (isinstance(self.related_to, Subscription)
                and self.related_to.id >= 0):
            self.party = self.related_to.member.party
            self.account = Configuration.of_company(
                self.related_to.company).account_called
