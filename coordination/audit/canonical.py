"""The canonical bytes of an audit event: what its Merkle leaf hashes.

Standalone (the standard library; orjson when installed), documented in docs/audit.md so that
anyone can recompute a leaf: a JSON object with exactly the keys below, sorted, no
insignificant whitespace, UTF-8, the time in UTC as `YYYY-MM-DDTHH:MM:SS.ffffffZ`, and no
floating-point numbers anywhere (the platform writes numbers in `detail` as integers or strings).

The definition is `json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`.
orjson with OPT_SORT_KEYS writes the same bytes for every value an entry can hold (strings,
integers, booleans, null, objects and arrays; tests/test_audit_log.py checks it property by
property) five times faster; where orjson refuses a value (an integer beyond 64 bits, nesting
deeper than 254) the json module writes it. Without orjson (the offline verifier needs only the
standard library) the json module writes everything: the bytes are the same either way.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - the offline verifier runs without it
    orjson = None  # type: ignore[assignment]

FIELDS = (
    "index",
    "at",
    "actor_user_id",
    "actor_email",
    "actor_org_id",
    "action",
    "object_type",
    "object_id",
    "object_org_id",
    "outcome",
    "ip",
    "request_id",
    "detail",
)


def utc_text(moment: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SS.ffffffZ`: the definition is
    `moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")`; isoformat writes the same text
    for years 1000 to 9999 four times faster (tests compare the two)."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    if moment.year < 1000:  # strftime's %Y does not pad to four digits here; keep its text
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return moment.isoformat(timespec="microseconds")[:-6] + "Z"  # drop "+00:00"


_FIELDS = frozenset(FIELDS)


def canonical_bytes(entry: dict[str, Any]) -> bytes:
    """`entry` has exactly FIELDS; `at` as `utc_text`, `detail` as a JSON object."""
    if entry.keys() != _FIELDS:
        raise ValueError(f"an audit entry has exactly the fields {', '.join(FIELDS)}")
    detail = entry["detail"]
    if detail:
        check_plain(detail)
    return dumps(entry)


def json_dumps(value: Any) -> bytes:
    """The canonical serialisation as defined: the json module's."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


if orjson is not None:
    _SORTED = orjson.OPT_SORT_KEYS

    def dumps(value: Any) -> bytes:
        """The canonical serialisation: orjson's bytes, which equal `json_dumps`'s for every value
        it accepts; the json module's for the rest (and its error, e.g. for a lone surrogate)."""
        try:
            return orjson.dumps(value, option=_SORTED)
        except orjson.JSONEncodeError:
            return json_dumps(value)

else:  # pragma: no cover
    dumps = json_dumps


def check_plain(value: Any) -> None:
    """Refuse floats (no one canonical form) and anything JSON has no type for: orjson would
    write a datetime, a UUID or a dataclass where the json module refuses them."""
    if isinstance(value, dict):
        for item in value.values():
            check_plain(item)
    elif isinstance(value, list | tuple):
        for item in value:
            check_plain(item)
    elif isinstance(value, float):
        raise ValueError("audit entries hold no floating-point numbers")
    elif not (value is None or isinstance(value, str | int)):
        raise TypeError(f"audit entries hold no {type(value).__name__}")


def without_floats(value: Any) -> Any:
    """Detail as recorded: floats become their decimal text (a float has no one canonical form)."""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {str(k): without_floats(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [without_floats(v) for v in value]
    return value
