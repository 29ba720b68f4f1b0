"""What an upload is, from its bytes (never its name), and a file name safe to keep and show."""

from __future__ import annotations

import csv
import json
import re
import unicodedata

import filetype

HEAD_BYTES = 8192  # enough for every signature filetype knows, and for a look at text
UNKNOWN = "application/octet-stream"


def detect_content_type(head: bytes) -> str:
    """The media type of content starting with `head` (at most HEAD_BYTES of it)."""
    if not head:
        return UNKNOWN
    guessed = filetype.guess_mime(head)
    if guessed:
        return guessed
    return _text_type(head) or UNKNOWN


def _text_type(head: bytes) -> str | None:
    if b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the end of the head
            return None
        text = head[: exc.start].decode("utf-8")
    if any(unicodedata.category(c) == "Cc" and c not in "\t\r\n\f" for c in text):
        return None
    stripped = text.lstrip()
    if stripped[:1] in ("{", "[") and _looks_like_json(stripped):
        return "application/json"
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if len(lines) >= 2:
        try:
            dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|")
            widths = {len(row) for row in csv.reader(lines[:-1], dialect)}
            if len(widths) == 1 and widths.pop() >= 2:
                return "text/csv"
        except csv.Error:
            pass
    return "text/plain"


def _looks_like_json(text: str) -> bool:
    try:
        json.loads(text)
        return True
    except ValueError:
        # A head cut mid-document is still JSON if what there is parses as far as it goes.
        return bool(re.match(r'^[\[{]\s*("|\{|\[|\d|-|true|false|null|\])', text))


def sanitise_filename(name: str | None) -> str:
    """The last path component, without control characters, at most 200 characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().lstrip(".")
    return name[:200] or "file"
