# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
from trytond.exceptions import UserError, UserWarning
from trytond.model.exceptions import AccessError, ValidationError


class DispatchError(UserError):
    "A board action refused: nothing of it is written"


class StaleTourError(DispatchError):
    "The tour changed since the board read it"


class DispatchAccessError(AccessError):
    "The user may not use the board"


class ShiftError(ValidationError):
    pass


class OffShiftWarning(UserWarning):
    "Assigning to a rider with no shift that day: the dispatcher may go on"


class ScheduleError(ValidationError):
    pass


class SlotOverfilledWarning(UserWarning):
    "More riders in a slot than it wants: the dispatcher may go on"


class RoundError(ValidationError):
    pass


class AvailabilityError(ValidationError):
    pass


class ApplicationError(ValidationError):
    pass
