# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class LegalIdentityError(ValidationError):
    "A legal field of the company that is not valid"


class EInvoiceRuleError(UserError):
    "An invoice that breaks a rule of EN 16931 or of the French reform"


class EInvoiceFileError(UserError):
    "A received file that is not an e-invoice or cannot be imported"
