# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"The errors coop_membership raises, their texts in message.xml"
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError


class MemberValidationError(ValidationError):
    pass


class CapitalVariationError(UserError):
    pass


class SubscriptionError(ValidationError):
    pass


class ConfigurationError(ValidationError):
    pass


class CollegeWeightError(ValidationError):
    pass


class LegalLimitError(UserError):
    pass


class OperationError(ValidationError):
    pass


class AssemblyError(ValidationError):
    pass


class AssemblyClosedError(AccessError):
    pass


class ProxyError(ValidationError):
    pass


class VoteError(ValidationError):
    pass


class ShareClassError(ValidationError):
    pass
