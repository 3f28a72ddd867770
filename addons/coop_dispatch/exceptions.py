# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError


class DispatchError(UserError):
    "A board action refused: nothing of it is written"


class StaleTourError(DispatchError):
    "The tour changed since the board read it"


class DispatchAccessError(AccessError):
    "The user may not use the board"
