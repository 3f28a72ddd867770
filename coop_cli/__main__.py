# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
import sys

from .main import main

sys.exit(main())
