"""The range of a database id, for URL converters and request schemas.

Primary keys are `Integer`: int4 on PostgreSQL. A number outside that range is nobody's id, and
without the bound it reached the database, which refused it (PostgreSQL: "integer out of range";
SQLite: OverflowError past 64 bits), so the request failed with a 500 instead of a 400 or 404.
Audit tree sizes share the bound: a tree cannot hold more leaves than there are event ids.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

ID_MAX = 2**31 - 1

RowId = Annotated[int, Field(ge=1, le=ID_MAX)]
