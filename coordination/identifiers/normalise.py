"""One spelling per identifier, so that the same account written two ways has one digest."""

from __future__ import annotations

import re

KINDS = ("nik", "phone", "email", "account")


def normalise(kind: str, value: str) -> str:
    value = value.strip()
    if kind == "nik":
        return re.sub(r"\D", "", value)
    if kind == "phone":
        digits = re.sub(r"\D", "", value)
        # Indonesian numbers are written 08..., 628... or +628...: compare them as 628...
        if digits.startswith("0"):
            digits = "62" + digits[1:]
        return digits
    if kind == "email":
        return value.lower()
    if kind == "account":
        return re.sub(r"[\s\-.]", "", value).lower()
    raise ValueError(f"unknown identifier kind {kind!r}")
