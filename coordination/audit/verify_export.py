"""Check an audit export with no database and no platform:
`python -m coordination.audit.verify_export FILE --key VERIFIER_KEY`.

Needs only `hashlib`, `json` and the `cryptography` package (through `signed_note`); it
imports nothing of the web application. The format is specified in docs/audit.md:

    {"type": "header", "format": "simpul-audit-export/1", "origin", "key", "first", "end", "left": [hex...]}
    {"type": "checkpoint", "size": n, "note": "<C2SP signed note>"}        (one or more)
    {"type": "consistency", "from": end, "to": n, "proof": [hex...], "note": "<signed note of n>"}   (optional)
    {"type": "event", "id": 17, "entry": {<the event's canonical fields>}}  (positions first..end-1)

`left` holds the roots of the perfect subtrees covering positions [0, first), so the tree of
every checkpoint in the range can be recomputed from the exported events alone; a forged `left`
would need a SHA-256 collision to reproduce a signed root.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coordination.audit import signed_note
from coordination.audit.canonical import canonical_bytes
from coordination.audit.merkle import Frontier, leaf_hash, verify_consistency

FORMAT = "simpul-audit-export/1"


class ExportProblem(ValueError):
    """The export is not intact; the message names the first line, event or checkpoint at fault."""


@dataclass
class ExportSummary:
    first: int
    end: int
    checkpoints: int
    extends_to: int | None
    key_from_export: bool
    witnesses: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        events = self.end - self.first
        text = (
            f"audit export intact: {events} events (positions {self.first}..{self.end - 1}), "
            f"{self.checkpoints} signed checkpoints verified"
        )
        if self.extends_to is not None:
            text += f", consistent with the signed log of {self.extends_to} events"
        for name, count in sorted(self.witnesses.items()):
            text += f"; witness {name} co-signed {count}"
        if self.key_from_export:
            text += " (key taken from the export itself: compare it with the platform's published key)"
        return text


def _lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                item = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ExportProblem(f"line {number}: not JSON ({exc.msg})") from None
            if not isinstance(item, dict) or "type" not in item:
                raise ExportProblem(f"line {number}: not an export record")
            yield number, item


def _signed_root(note: str, name: str, public: bytes, where: str) -> tuple[int, bytes]:
    try:
        text = signed_note.verify_note(note, name, public)
        origin, size, root = signed_note.parse_checkpoint(text)
    except (ValueError, TypeError) as exc:
        raise ExportProblem(f"{where}: {exc}") from None
    if origin != name:
        raise ExportProblem(f"{where}: signed for log {origin!r}, not {name!r}")
    return size, root


def _witness_counts(note: str, witnesses: list[tuple[str, bytes]], counts: dict[str, int]) -> None:
    text, lines = signed_note.split_note(note)
    for name, public in witnesses:
        if any(signed_note.verify_line(text, line, name, public) for line in lines):
            counts[name] += 1


def verify_export(path: Path, key: str | None = None, witness_keys: tuple[str, ...] = ()) -> ExportSummary:
    """An ExportSummary when intact; raises ExportProblem naming the first problem."""
    records = _lines(path)
    try:
        number, header = next(records)
    except StopIteration:
        raise ExportProblem("the file is empty") from None
    if header.get("type") != "header" or header.get("format") != FORMAT:
        raise ExportProblem(f"line {number}: not a {FORMAT} header")
    try:
        name, public = signed_note.parse_verifier_key(key or header["key"])
        witnesses = [signed_note.parse_verifier_key(w) for w in witness_keys]
        first, end = int(header["first"]), int(header["end"])
        frontier = Frontier(first, [bytes.fromhex(h) for h in header["left"]])
    except (KeyError, ValueError, TypeError) as exc:
        raise ExportProblem(f"header: {exc}") from None
    if name != header.get("origin"):
        raise ExportProblem(f"header: the export is of log {header.get('origin')!r}, the key is for {name!r}")
    if len(frontier.hashes) != first.bit_count() or not 0 <= first <= end:
        raise ExportProblem("header: the left subtrees do not match the first position")

    roots: dict[int, bytes] = {}
    counts = {w: 0 for w, _ in witnesses}
    extends_to: int | None = None
    consistency: dict[str, Any] | None = None
    position = verified = first  # events before `verified` matched a signed checkpoint
    since_id = None
    for number, item in records:
        kind = item["type"]
        if kind == "checkpoint":
            if position != first:
                raise ExportProblem(f"line {number}: checkpoints come before the events")
            size, root = _signed_root(item.get("note", ""), name, public, f"checkpoint {item.get('size')}")
            if size != item.get("size") or not first < size <= end:
                raise ExportProblem(f"checkpoint {item.get('size')}: size outside the exported range")
            roots[size] = root
            _witness_counts(item["note"], witnesses, counts)
        elif kind == "consistency":
            consistency = item
        elif kind == "event":
            entry = item.get("entry")
            if not isinstance(entry, dict) or entry.get("index") != position:
                found = entry.get("index") if isinstance(entry, dict) else None
                which = "missing" if isinstance(found, int) and found > position else "duplicated or out of order"
                raise ExportProblem(
                    f"event {item.get('id')} (line {number}): the event at position {position} is {which}"
                )
            try:
                frontier.append(leaf_hash(canonical_bytes(entry)))
            except ValueError as exc:
                raise ExportProblem(f"event {item.get('id')} (line {number}): {exc}") from None
            if position == verified:
                since_id = item.get("id")
            position += 1
            if position in roots:
                if frontier.root() != roots[position]:
                    raise ExportProblem(
                        f"checkpoint {position}: the events at positions {verified}..{position - 1} do not match "
                        f"its signed root: one of events {since_id}..{item.get('id')} was altered"
                        + (" (or the left subtrees)" if verified == first and first else "")
                    )
                verified = position
        else:
            raise ExportProblem(f"line {number}: unknown record type {kind!r}")
    if position != end:
        raise ExportProblem(f"the export ends at position {position}; its header promises {end}")
    if end > first and end not in roots:
        raise ExportProblem(f"no signed checkpoint at the end of the range ({end})")
    if consistency is not None:
        extends_to = _check_consistency(consistency, end, roots.get(end), name, public)
        _witness_counts(consistency["note"], witnesses, counts)
    for witness, count in counts.items():
        if count == 0:
            raise ExportProblem(f"no checkpoint in the export is co-signed by witness {witness}")
    return ExportSummary(first, end, len(roots), extends_to, key is None, counts)


def _check_consistency(item: dict[str, Any], end: int, end_root: bytes | None, name: str, public: bytes) -> int:
    size, root = _signed_root(item.get("note", ""), name, public, f"latest checkpoint {item.get('to')}")
    try:
        proof = [bytes.fromhex(h) for h in item["proof"]]
    except (KeyError, ValueError, TypeError):
        raise ExportProblem("consistency: the proof is not a list of hex hashes") from None
    if item.get("from") != end or item.get("to") != size or end_root is None:
        raise ExportProblem("consistency: sizes do not match the exported range and the latest checkpoint")
    if not verify_consistency(end, size, end_root, root, proof):
        raise ExportProblem(f"consistency: the log of {size} events does not extend the exported {end}")
    return size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a Simpul audit export offline.")
    parser.add_argument("file", type=Path)
    parser.add_argument("--key", help="the platform's note verifier key, as published (name+hash+key)")
    parser.add_argument("--witness", action="append", default=[], help="a witness key that must have co-signed")
    args = parser.parse_args(argv)
    try:
        print(verify_export(args.file, args.key, tuple(args.witness)).line())
    except (ExportProblem, OSError) as exc:
        print(f"audit export NOT intact: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
