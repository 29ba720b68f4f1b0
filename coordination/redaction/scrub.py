"""Scrub free text before it leaves the owner: names become role labels, identifiers tags."""

from __future__ import annotations

import re

PATTERNS = [
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[EMAIL]"),
    (re.compile(r"(?<!\d)\d{16}(?!\d)"), "[NIK]"),
    (re.compile(r"(?<![\w])(?:\+62|62|0)\s?8[\d\- ]{7,13}\d(?!\d)"), "[TELEPON]"),
    (re.compile(r"(?<![\w])\d[\d\- .]{5,24}\d(?![\w])"), "[REKENING]"),
]


def scrub(text: str, names: dict[str, str], identifiers: dict[str, str]) -> str:
    """`names`: person name -> role label; `identifiers`: exact identifier -> tag."""
    # Longest first, so "Siti Aminah" is replaced before "Siti".
    for value, tag in sorted(identifiers.items(), key=lambda kv: -len(kv[0])):
        if value:
            text = text.replace(value, tag)
    for name, label in sorted(names.items(), key=lambda kv: -len(kv[0])):
        if name.strip():
            text = re.sub(rf"(?<!\w){re.escape(name.strip())}(?!\w)", label, text, flags=re.IGNORECASE)
            for part in name.split():
                if len(part) >= 3:  # a first name alone still identifies
                    text = re.sub(rf"(?<!\w){re.escape(part)}(?!\w)", label, text, flags=re.IGNORECASE)
    for pattern, tag in PATTERNS:
        text = pattern.sub(tag, text)
    return text
