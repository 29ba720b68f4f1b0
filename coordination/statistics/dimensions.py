"""The SQL that differs between SQLite and PostgreSQL (durations, uuid-as-text), and quarters.

Everything else in the statistics queries is portable SQLAlchemy Core; these few expressions
are written once per dialect so that both backends give identical figures.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import (
    Float,
    String,
    case,
    cast,
    func,
    literal,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement

# Periods and quarters are counted in Western Indonesia Time, as the audit page's dates are:
# a payment at 23:30 WIB on 31 March belongs to the first quarter.
WIB = timezone(timedelta(hours=7), "WIB")
UNKNOWN = "unknown"  # an alert without a typology, a payment without a province...


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00 WIB, the day after end 00:00 WIB): both dates included."""
    return datetime.combine(start, time(), WIB), datetime.combine(end + timedelta(days=1), time(), WIB)


def quarter_in_period(column: ColumnElement, start: date, end: date) -> ColumnElement[str]:
    """'2026-Q3' (in WIB) of a timestamp known to lie in the period [start, end]: a CASE over the
    period's quarter boundaries. Portable, and on SQLite several times faster than formatting
    every row's date (strftime parses the stored text each time)."""
    labels, bounds = [], []
    year, quarter = start.year, (start.month - 1) // 3 + 1
    while (year, quarter) <= (end.year, (end.month - 1) // 3 + 1):
        labels.append(f"{year}-Q{quarter}")
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
        bounds.append(datetime(year, 3 * quarter - 2, 1, tzinfo=WIB))
    whens = [(column < bound, label) for label, bound in zip(labels[:-1], bounds[:-1], strict=True)]
    return case(*whens, else_=literal(labels[-1])) if whens else literal(labels[-1])


class Dialect:
    def __init__(self, name: str) -> None:
        if name not in ("sqlite", "postgresql"):
            raise ValueError(f"statistics are written for SQLite and PostgreSQL, not {name}")
        self.name = name

    @property
    def sqlite(self) -> bool:
        return self.name == "sqlite"

    def hours_between(self, later: ColumnElement, earlier: ColumnElement) -> ColumnElement[float]:
        if self.sqlite:
            return type_coerce((func.julianday(later) - func.julianday(earlier)) * 24.0, Float)
        return cast(func.extract("epoch", later - earlier), Float) / 3600.0

    def uuid_matches_text(self, uuid_column: ColumnElement, text_column: ColumnElement) -> ColumnElement[bool]:
        """An audit event's object_id (str(uuid), with dashes) against a Uuid column, which SQLite
        stores as 32 hex digits and PostgreSQL as a native uuid."""
        if self.sqlite:
            return func.replace(text_column, "-", "") == type_coerce(uuid_column, String)
        return cast(uuid_column, String) == text_column
