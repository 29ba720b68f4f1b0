"""CSV cells that a spreadsheet would not run as formulas (OWASP "CSV injection").

Every CSV the platform exports (audit trail, statistics) goes through `neutralise`: a cell that
starts with a formula character gets a leading apostrophe, which spreadsheets show as text.
Values people typed reach these files (an e-mail address such as `=cmd|'/C calc'!A0@example.id`
is valid), so no column is exempt.
"""

from __future__ import annotations

# Spreadsheets run a cell starting with these as a formula; ASVS 5.0 V1.2.10 adds the NUL character.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")


def neutralise(cell: object) -> str:
    text = "" if cell is None else str(cell)
    return "'" + text if text.startswith(FORMULA_START) else text
