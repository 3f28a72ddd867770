# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"The errors coop_portal raises, their texts in message.xml"
from trytond.model.exceptions import ValidationError


class BallotError(ValidationError):
    "An online vote refused: nothing of it is written"
    pass


class LeaveRequestError(ValidationError):
    "A leave request refused in the portal: nothing is written"
    pass


class ShareRequestError(ValidationError):
    "A request for shares refused in the portal: nothing is written"
    pass


class BankAccountRequestError(ValidationError):
    "A bank account change refused in the portal: nothing is written"
    pass
