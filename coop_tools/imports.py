# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""What the imports of the suite's modules share: the error of a line

An import checks the whole file first and refuses it whole, each bad line
named with its reason; the line is where the item starts in the file (a
CSV file's header is line 1, an XML element's line is its start tag's).
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class LineError:
    "What is wrong at a line of an imported file: a translated message"
    line: int
    message: str

