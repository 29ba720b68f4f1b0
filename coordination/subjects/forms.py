"""Repeated fieldsets for people and transactions, read into the API's own shapes.

Pages post flat names such as `subjects-0-nik` and `transactions-2-amount`; they are assembled
into the dictionaries the API's schemas validate, so that both paths share every rule.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.datastructures import MultiDict

SUBJECT_FIELDS = ("role", "name", "nik", "birth_date", "gender", "phone", "email", "address", "province")
ACCOUNT_FIELDS = ("type", "provider", "identifier")
TX_FIELDS = ("tx_id", "timestamp", "amount", "currency", "channel", "from_account", "to_account", "note")
MAX_ROWS = {"subjects": 50, "transactions": 200}
_ROW = re.compile(r"^(subjects|transactions)-(\d{1,3})-")


def _indexes(form: MultiDict, prefix: str) -> list[int]:
    return sorted({int(m.group(2)) for key in form if (m := _ROW.match(key)) and m.group(1) == prefix})


def _rows(form: MultiDict, prefix: str, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = []
    for i in _indexes(form, prefix)[: MAX_ROWS[prefix]]:
        row = {f: form.get(f"{prefix}-{i}-{f}", "").strip() for f in fields}
        row = {k: v for k, v in row.items() if v}
        if prefix == "subjects":
            account = {f: form.get(f"subjects-{i}-account_{f}", "").strip() for f in ACCOUNT_FIELDS}
            if account["identifier"]:
                row["accounts"] = [{k: v for k, v in account.items() if v}]
        if row:  # an untouched fieldset (every select on its empty choice) is not a row
            rows.append(row)
    return rows


def parties_from_form(form: MultiDict) -> dict[str, list[dict[str, Any]]]:
    """`{"subjects": [...], "transactions": [...]}` as the API would receive them."""
    transactions = _rows(form, "transactions", TX_FIELDS)
    for tx in transactions:
        # The browser's datetime-local has no zone: the form states times in WIB (UTC+7).
        if "timestamp" in tx and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?", tx["timestamp"]):
            tx["timestamp"] += "+07:00"
    return {"subjects": _rows(form, "subjects", SUBJECT_FIELDS), "transactions": transactions}


def row_count(form: MultiDict, prefix: str, minimum: int) -> int:
    """How many fieldsets to render: those submitted (after an error), at least `minimum`."""
    return max(minimum, min(len(_indexes(form, prefix)), MAX_ROWS[prefix]))
