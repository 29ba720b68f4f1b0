"""Export a range of the audit log so that anyone can check it with no database
(`coordination.audit.verify_export`, format in docs/audit.md).

The export holds the events of positions [first, end), the roots of the perfect subtrees left
of `first`, every signed checkpoint inside the range (with witness co-signatures), a checkpoint
of exactly `end` (signed now if the log has none of that size), and a consistency proof from
`end` to the latest signed head, so the reader also learns that today's log extends the range.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coordination.audit import log
from coordination.audit.models import AuditCheckpoint, AuditEvent, AuditNode
from coordination.audit.record import record
from coordination.audit.verify_export import FORMAT
from coordination.audit.witness import checkpoint_with_cosignatures
from coordination.core.db import utcnow
from coordination.core.files import atomic_file


@dataclass(frozen=True)
class ExportResult:
    first: int
    end: int
    checkpoints: int
    latest: int


def positions_between(session: Session, since: datetime | None, until: datetime | None) -> tuple[int, int]:
    """[first, end): from the first event at or after `since` to the last before `until`.

    Positions are contiguous by construction; an event recorded a moment out of time order
    under concurrent writers may sit just inside an edge of the range.
    """
    size = log.tree_size(session)
    first, end = 0, size
    if since is not None:
        found = session.scalar(select(func.min(AuditEvent.leaf_index)).where(AuditEvent.occurred_at >= since))
        first = size if found is None else found
    if until is not None:
        found = session.scalar(select(func.max(AuditEvent.leaf_index)).where(AuditEvent.occurred_at < until))
        end = 0 if found is None else found + 1
    return first, max(first, end)


def left_subtrees(session: Session, first: int) -> list[bytes]:
    """The roots of the perfect subtrees covering [0, first), largest first (a Frontier's hashes)."""
    hashes, start = [], 0
    for level in reversed(range(first.bit_length())):
        if first >> level & 1:
            found = session.scalar(
                select(AuditNode.hash).where(AuditNode.level == level, AuditNode.idx == start >> level)
            )
            if found is None:
                raise LookupError(f"the log has no node ({level}, {start >> level})")
            hashes.append(bytes(found))
            start += 1 << level
    return hashes


def checkpoint_at(session: Session, size: int) -> AuditCheckpoint:
    """The signed checkpoint of the log's first `size` events, signing one from the stored tree
    if none was made at that size (a checkpoint is a statement about a prefix; any time will do)."""
    existing = session.get(AuditCheckpoint, size)
    if existing is not None:
        return existing
    _leaf, _proof, root = log.prove_inclusion(session, size - 1, size)
    return log._checkpoint(session, size, root)


def export_log(
    session: Session, out: Path, since: datetime | None = None, until: datetime | None = None
) -> ExportResult:
    """Write the export to `out` atomically, readable by its owner only (it names people and addresses)."""
    first, end = positions_between(session, since, until)
    if end == first:
        raise ValueError("no audit events in that period")
    checkpoints = [
        *session.scalars(
            select(AuditCheckpoint)
            .where(AuditCheckpoint.size > first, AuditCheckpoint.size < end)
            .order_by(AuditCheckpoint.size)
        ),
        checkpoint_at(session, end),
    ]
    latest = log.checkpoint_now(session)
    session.flush()
    header = {
        "type": "header",
        "format": FORMAT,
        "origin": log.origin(),
        "key": log.verifier_key(),
        "first": first,
        "end": end,
        "from": since.isoformat() if since else None,
        "to": until.isoformat() if until else None,
        "exported_at": utcnow().isoformat(),
        "left": [h.hex() for h in left_subtrees(session, first)],
    }
    with atomic_file(out) as handle:
        handle.write(_line(header))
        for checkpoint in checkpoints:
            note = checkpoint_with_cosignatures(checkpoint)
            handle.write(_line({"type": "checkpoint", "size": checkpoint.size, "note": note}))
        if latest.size > end:
            proof, _old, _new = log.prove_consistency(session, end, latest.size)
            consistency = {"type": "consistency", "from": end, "to": latest.size, "proof": [p.hex() for p in proof]}
            handle.write(_line({**consistency, "note": checkpoint_with_cosignatures(latest)}))
        for event in _events(session, first, end):
            handle.write(_line({"type": "event", "id": event.id, "entry": log.entry_of(event)}))
    record(None, "audit.export", None, {"first": first, "end": end, "to": out.name}, session=session)
    return ExportResult(first, end, len(checkpoints), max(latest.size, end))


def _events(session: Session, first: int, end: int, batch: int = 5000):  # type: ignore[no-untyped-def]
    table = AuditEvent.__table__
    position = first
    while position < end:
        upper = min(position + batch, end)
        rows = session.execute(
            select(*table.c)
            .where(table.c.leaf_index >= position, table.c.leaf_index < upper)
            .order_by(table.c.leaf_index)
        ).all()
        yield from rows
        position = upper


def _line(item: dict) -> bytes:
    return (json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
