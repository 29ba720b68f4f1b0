"""The audit log as a Merkle tree: appending (serialised on the tree head), signed checkpoints,
proofs from the stored nodes, and verification of the whole log against its checkpoints."""

from __future__ import annotations

import base64
import json
from collections import namedtuple
from collections.abc import Iterator
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, insert, select, update
from sqlalchemy.orm import Session

from coordination.audit import signed_note
from coordination.audit.canonical import canonical_bytes, utc_text
from coordination.audit.merkle import Frontier, consistency_proof, inclusion_proof, leaf_hash, range_hasher
from coordination.audit.models import AuditCheckpoint, AuditEvent, AuditNode, AuditTreeHead
from coordination.core.context import config, keyring

HEAD_ID = 1


def entry_of(event) -> dict:  # type: ignore[no-untyped-def]  (an AuditEvent or a row of its table)
    return {
        "index": event.leaf_index,
        "at": utc_text(event.occurred_at),
        "actor_user_id": event.actor_user_id,
        "actor_email": event.actor_email,
        "actor_org_id": event.actor_org_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_org_id": event.object_org_id,
        "outcome": event.outcome,
        "ip": event.ip,
        "request_id": event.request_id,
        "detail": json.loads(event.detail),
    }


def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(keyring().derive("audit-checkpoint-signing"))


def origin() -> str:
    return config().audit_origin


def verifier_key() -> str:
    return signed_note.verifier_key(origin(), signed_note.public_bytes(signing_key()))


def append(session: Session, event: AuditEvent) -> None:
    """Give `event` the next leaf of the tree, in the caller's transaction. The UPDATE of the
    tree head takes its row lock first (a write lock on SQLite), so concurrent writers queue
    here and the log never forks; the lock is released when the caller commits."""
    head = session.execute(
        update(AuditTreeHead)
        .where(AuditTreeHead.id == HEAD_ID)
        .values(size=AuditTreeHead.size + 1)
        .returning(AuditTreeHead.size, AuditTreeHead.frontier)
        .execution_options(synchronize_session=False)
    ).one()
    index = head.size - 1
    frontier = Frontier(index, [bytes.fromhex(h) for h in json.loads(head.frontier)])
    event.leaf_index = index
    completed = frontier.append(leaf_hash(canonical_bytes(entry_of(event))))
    session.execute(insert(AuditNode), [{"level": lvl, "idx": i, "hash": h} for lvl, i, h in completed])
    root = frontier.root()
    session.execute(
        update(AuditTreeHead)
        .where(AuditTreeHead.id == HEAD_ID)
        .values(root=root.hex(), frontier=json.dumps([h.hex() for h in frontier.hashes]))
        .execution_options(synchronize_session=False)
    )
    if frontier.size % config().audit_checkpoint_every == 0:
        _checkpoint(session, frontier.size, root)


def _checkpoint(session: Session, size: int, root: bytes) -> AuditCheckpoint:
    text = signed_note.checkpoint_text(origin(), size, root)
    checkpoint = AuditCheckpoint(size=size, root=root.hex(), note=signed_note.sign(text, origin(), signing_key()))
    session.add(checkpoint)
    return checkpoint


def checkpoint_now(session: Session) -> AuditCheckpoint:
    """Sign the current tree head (on demand: before a verification or an export)."""
    head = session.execute(select(AuditTreeHead).where(AuditTreeHead.id == HEAD_ID).with_for_update()).scalar_one()
    if head.size == 0:
        raise ValueError("the audit log is empty")
    existing = session.get(AuditCheckpoint, head.size)
    return existing or _checkpoint(session, head.size, bytes.fromhex(head.root))


def tree_size(session: Session) -> int:
    return session.scalar(select(AuditTreeHead.size).where(AuditTreeHead.id == HEAD_ID)) or 0


def _hasher(session: Session):  # type: ignore[no-untyped-def]
    cache: dict[tuple[int, int], bytes] = {}

    def perfect(level: int, index: int) -> bytes:
        if (level, index) not in cache:
            found = session.scalar(select(AuditNode.hash).where(AuditNode.level == level, AuditNode.idx == index))
            if found is None:
                raise LookupError(f"the log has no node ({level}, {index})")
            cache[(level, index)] = bytes(found)
        return cache[(level, index)]

    return range_hasher(perfect)


def prove_inclusion(session: Session, index: int, size: int) -> tuple[bytes, list[bytes], bytes]:
    """(leaf hash, proof, root of the tree of `size`)."""
    if not 0 <= index < size <= tree_size(session):
        raise ValueError("the event is not in a tree of that size")
    mth = _hasher(session)
    return mth(index, index + 1), inclusion_proof(index, size, mth), mth(0, size)


def prove_consistency(session: Session, old: int, new: int) -> tuple[list[bytes], bytes, bytes]:
    if not 0 < old <= new <= tree_size(session):
        raise ValueError("sizes must satisfy 0 < from <= to <= the log's size")
    mth = _hasher(session)
    return consistency_proof(old, new, mth), mth(0, old), mth(0, new)


@dataclass
class Verification:
    events: int
    checkpoints: int
    problem: str | None = None
    event_id: int | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None


def verify_log(session: Session, batch: int = 5000) -> Verification:
    """Recompute every leaf from its event, the tree at every checkpoint, and every signature.
    Stops at the first problem and names the event (or checkpoint) where it is.

    Reads plain tuples through Core on the session's connection (no ORM rows), at least 20,000
    a batch; each event becomes a named tuple so that its leaf is still `entry_of` of it."""
    name, public = origin(), signed_note.public_bytes(signing_key())
    checkpoints = {c.size: c for c in session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.size))}
    head = session.get(AuditTreeHead, HEAD_ID)
    connection = session.connection()
    batch = max(batch, 20_000)
    frontier = Frontier()
    stored_leaves = _stream(connection, select(_NODES.c.idx, _NODES.c.hash).where(_NODES.c.level == 0), 0, batch)
    events = map(_EventRow._make, _stream(connection, select(*_EVENT_COLUMNS), 0, batch))
    append, cut, details = frontier.append, checkpoints.get, _Details()
    for event in events:
        position = frontier.size
        if event.leaf_index != position:
            which = "missing" if event.leaf_index > position else "duplicated or out of order"
            return Verification(position, len(checkpoints), f"the event at position {position} is {which}", event.id)
        entry = {
            "index": event.leaf_index,
            "at": utc_text(event.occurred_at),
            "actor_user_id": event.actor_user_id,
            "actor_email": event.actor_email,
            "actor_org_id": event.actor_org_id,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "object_org_id": event.object_org_id,
            "outcome": event.outcome,
            "ip": event.ip,
            "request_id": event.request_id,
            "detail": details[event.detail],
        }
        if position == 0 and entry != entry_of(event):  # this copy of entry_of must not drift from it
            raise RuntimeError("verify_log builds entries differently from entry_of")
        leaf = leaf_hash(canonical_bytes(entry))
        stored = next(stored_leaves, None)
        if stored is None or stored[0] != position or bytes(stored[1]) != leaf:
            return Verification(position, len(checkpoints), f"event {event.id} does not match its leaf", event.id)
        append(leaf)
        checkpoint = cut(position + 1)
        if checkpoint is not None:
            problem = _check(checkpoint, frontier.root(), name, public)
            if problem:
                return Verification(frontier.size, len(checkpoints), problem, event.id)
    if head is not None and (head.size != frontier.size or head.root != frontier.root().hex()):
        return Verification(frontier.size, len(checkpoints), f"the tree head ({head.size}) disagrees with the events")
    beyond = [size for size in checkpoints if size > frontier.size]
    if beyond:
        return Verification(frontier.size, len(checkpoints), f"checkpoint {beyond[0]} is beyond the log's events")
    return Verification(frontier.size, len(checkpoints))


def _check(checkpoint: AuditCheckpoint, root: bytes, name: str, public: bytes) -> str | None:
    try:
        text = signed_note.verify_note(checkpoint.note, name, public)
        _origin, size, signed_root = signed_note.parse_checkpoint(text)
    except ValueError as exc:
        return f"checkpoint {checkpoint.size}: {exc}"
    if size != checkpoint.size or signed_root != root or checkpoint.root != root.hex():
        return f"checkpoint {checkpoint.size} does not match the tree of the first {checkpoint.size} events"
    return None


class _Details(dict):
    """json.loads of `detail` texts, remembered (many events share one: `{}`, a page part)."""

    def __missing__(self, text: str) -> dict:
        if len(self) > 50_000:
            self.clear()
        value = self[text] = json.loads(text)
        return value


_NODES = AuditNode.__table__
# leaf_index first: it is the paging key (column 0) and the position checked.
_EVENT_COLUMNS = sorted(AuditEvent.__table__.c, key=lambda column: column.key != "leaf_index")
_EventRow = namedtuple("_EventRow", [column.key for column in _EVENT_COLUMNS])  # type: ignore[misc]


def _stream(connection: Connection, query, key: int, batch: int) -> Iterator:  # type: ignore[no-untyped-def]
    """Plain rows ordered by their column `key`, a batch at a time (keyset paging: memory stays
    flat, and each batch is one indexed range scan)."""
    order = query.selected_columns[key]
    last = -1
    while True:
        rows = connection.execute(query.where(order > last).order_by(order).limit(batch)).fetchall()
        if not rows:
            return
        yield from rows
        last = rows[-1][key]


def checkpoint_json(checkpoint: AuditCheckpoint) -> dict:
    return {
        "size": checkpoint.size,
        "root": checkpoint.root,
        "root_base64": base64.b64encode(bytes.fromhex(checkpoint.root)).decode(),
        "note": checkpoint.note,
        "key": verifier_key(),
    }
