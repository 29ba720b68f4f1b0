"""The alert form: repeated fieldsets (subjects, transactions) read into the API's own schema.

The page posts flat names such as `subjects-0-nik` and `transactions-2-amount`; they are
assembled into the same `AlertIn` the API validates, so both paths share every rule.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError
from werkzeug.datastructures import MultiDict

from coordination.alerts.schemas import AlertAction, AlertIn
from coordination.core.errors import problems_of

SUBJECT_FIELDS = ("role", "name", "nik", "birth_date", "gender", "phone", "email", "address", "province")
ACCOUNT_FIELDS = ("type", "provider", "identifier")
TX_FIELDS = ("tx_id", "timestamp", "amount", "currency", "channel", "from_account", "to_account", "note")
MAX_ROWS = {"subjects": 50, "transactions": 200}
_ROW = re.compile(r"^(subjects|transactions)-(\d{1,3})-")


def _rows(form: MultiDict, prefix: str, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    indexes = sorted({int(m.group(2)) for key in form if (m := _ROW.match(key)) and m.group(1) == prefix})
    rows = []
    for i in indexes[: MAX_ROWS[prefix]]:
        row = {f: form.get(f"{prefix}-{i}-{f}", "").strip() for f in fields}
        row = {k: v for k, v in row.items() if v}
        if prefix == "subjects":
            account = {f: form.get(f"subjects-{i}-account_{f}", "").strip() for f in ACCOUNT_FIELDS}
            if account["identifier"]:
                row["accounts"] = [{k: v for k, v in account.items() if v}]
        if row:  # an untouched fieldset (every select on its empty choice) is not a row
            rows.append(row)
    return rows


def alert_from_form(form: MultiDict) -> AlertIn | dict[str, str]:
    """The validated alert, or the problems keyed by the same paths as the API uses."""
    data = {
        "reference": form.get("reference", "").strip(),
        "typologies": form.getlist("typologies"),
        "indicators": form.getlist("indicators"),
        "narrative": form.get("narrative", "").strip(),
        "subjects": _rows(form, "subjects", SUBJECT_FIELDS),
        "transactions": _rows(form, "transactions", TX_FIELDS),
    }
    for tx in data["transactions"]:
        # The browser's datetime-local has no zone: the form states times in WIB (UTC+7).
        if "timestamp" in tx and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?", tx["timestamp"]):
            tx["timestamp"] += "+07:00"
    try:
        return AlertIn.model_validate(data)
    except ValidationError as exc:
        return problems_of(exc)


def action_from_form(form: MultiDict) -> AlertAction | dict[str, str]:
    data = {k: form.get(k, "").strip() for k in ("action", "reason", "comment", "assignee", "to_org")}
    data = {k: v for k, v in data.items() if v}
    try:
        return AlertAction.model_validate(data)
    except ValidationError as exc:
        return problems_of(exc)


def row_count(form: MultiDict, prefix: str, minimum: int) -> int:
    """How many fieldsets to render: those submitted (after an error), at least `minimum`."""
    indexes = {int(m.group(2)) for key in form if (m := _ROW.match(key)) and m.group(1) == prefix}
    return max(minimum, min(len(indexes), MAX_ROWS[prefix]))
