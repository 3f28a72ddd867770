# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
