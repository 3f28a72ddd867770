# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class DeclarationError(ValidationError):
    pass


class MissingDataError(UserError):
    "The payslips' data lack what the declaration needs"


class CheckError(UserError):
    "The built file breaks a rule of the norm that is checked locally"


class CrmImportError(UserError):
    "The tax office's return cannot be read into the rates"
