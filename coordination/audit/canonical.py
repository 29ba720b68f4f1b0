"""The canonical bytes of an audit event: what its Merkle leaf hashes.

Standalone (json only), documented in docs/audit.md so that anyone can recompute a leaf:
a JSON object with exactly the keys below, sorted, no insignificant whitespace, UTF-8, the
time in UTC as `YYYY-MM-DDTHH:MM:SS.ffffffZ`, and no floating-point numbers anywhere (the
platform writes numbers in `detail` as integers or strings).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

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
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_bytes(entry: dict[str, Any]) -> bytes:
    """`entry` has exactly FIELDS; `at` as `utc_text`, `detail` as a JSON object."""
    if set(entry) != set(FIELDS):
        raise ValueError(f"an audit entry has exactly the fields {', '.join(FIELDS)}")
    _no_floats(entry["detail"])
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _no_floats(value: Any) -> None:
    if isinstance(value, float):
        raise ValueError("audit entries hold no floating-point numbers")
    if isinstance(value, dict):
        for item in value.values():
            _no_floats(item)
    elif isinstance(value, list):
        for item in value:
            _no_floats(item)


def without_floats(value: Any) -> Any:
    """Detail as recorded: floats become their decimal text (a float has no one canonical form)."""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {str(k): without_floats(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [without_floats(v) for v in value]
    return value
