# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"The riders' and members' portal: web pages served by trytond's routes"
from . import routes  # noqa: F401 (registers the routes on trytond's app)
from . import papers  # noqa: F401 (a rider's papers: the same)
