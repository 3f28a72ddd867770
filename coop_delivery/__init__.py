# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
from coop_tools.postgresql import read_fk_delete_rules_from_catalog

read_fk_delete_rules_from_catalog()
