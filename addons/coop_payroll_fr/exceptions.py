# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class IncomeTaxError(ValidationError):
    pass


class IncomeTaxImportError(ValidationError):
    pass


class HealthCoverError(ValidationError):
    pass


class IjssReceiptError(ValidationError):
    pass


class LeaveProvisionError(ValidationError):
    pass


class CertificateError(UserError):
    pass
