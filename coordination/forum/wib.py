"""Western Indonesia Time: meetings are entered and shown in WIB (UTC+7, no daylight saving)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from coordination.core.db import utcnow

WIB = timezone(timedelta(hours=7), "WIB")


def in_wib(moment: datetime) -> datetime:
    return moment.astimezone(WIB)


def format_wib(moment: datetime) -> str:
    return in_wib(moment).strftime("%Y-%m-%d %H:%M WIB")


def today_wib() -> date:
    return in_wib(utcnow()).date()


def parse_local(value: str) -> datetime | str:
    """A form's `YYYY-MM-DDTHH:MM` read as WIB; anything else is returned as given for validation."""
    try:
        return datetime.fromisoformat(value).replace(tzinfo=WIB) if len(value) == 16 else value
    except ValueError:
        return value
