"""The audit log as a Merkle tree: appending (serialised on the tree head), signed checkpoints,
proofs from the stored nodes, and verification of the whole log against its checkpoints."""

from __future__ import annotations

import base64
import json
import multiprocessing
import re
from collections import namedtuple
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    Text,
    bindparam,
    create_engine,
    insert,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.orm import Session

from coordination.audit import signed_note
from coordination.audit.canonical import canonical_bytes, check_plain, dumps, utc_text
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


_HEAD = AuditTreeHead.__table__
# Built once: the ORM's per-call statement construction and bulk-persistence layer cost about
# 1 ms per append, five times the statements themselves (docs/performance.md#audit-log).
_LOCK_HEAD = (
    update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(size=_HEAD.c.size + 1).returning(_HEAD.c.size, _HEAD.c.frontier)
)
_STORE_HEAD = update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(root=bindparam("root"), frontier=bindparam("frontier"))
_INSERT_NODES = insert(AuditNode.__table__)


def append(session: Session, event: AuditEvent) -> None:
    """Give `event` the next leaf of the tree, in the caller's transaction. The UPDATE of the
    tree head takes its row lock first (a write lock on SQLite), so concurrent writers queue
    here and the log never forks; the lock is released when the caller commits.

    Core statements on the session's connection: the same three statements the ORM would run,
    without its overhead. `session.connection()` does not autoflush, so the caller's pending
    rows are flushed first, as the ORM's execute would: their row locks are then taken before
    the tree head's, never while holding it (fewer lock-order deadlocks, a shorter hold)."""
    if session.autoflush:  # a no-op when nothing is pending
        session.flush()
    connection = session.connection()
    size, stored = connection.execute(_LOCK_HEAD).one()
    index = size - 1
    frontier = Frontier(index, [bytes.fromhex(h) for h in json.loads(stored)])
    event.leaf_index = index
    completed = frontier.append(leaf_hash(canonical_bytes(entry_of(event))))
    connection.execute(_INSERT_NODES, [{"level": lvl, "idx": i, "hash": h} for lvl, i, h in completed])
    root = frontier.root()
    connection.execute(_STORE_HEAD, {"root": root.hex(), "frontier": json.dumps([h.hex() for h in frontier.hashes])})
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


def _nodes(session: Session, compute):  # type: ignore[no-untyped-def]
    """compute(mth) over the stored nodes, with every node it needs fetched in one query: a dry
    run with placeholder hashes collects the (level, index) pairs (the shape of a proof depends
    only on the sizes and positions), then the real run reads them from one dict."""
    needed: set[tuple[int, int]] = set()

    def collect(level: int, index: int) -> bytes:
        needed.add((level, index))
        return bytes(32)

    compute(range_hasher(collect))
    # An OR of (level, idx) pairs, not a row-value IN: SQLite answers each term from the primary
    # key, but scans the whole table for `(level, idx) IN (VALUES ...)`.
    pairs = [(AuditNode.level == level) & (AuditNode.idx == index) for level, index in sorted(needed)]
    rows = session.execute(select(AuditNode.level, AuditNode.idx, AuditNode.hash).where(or_(*pairs)))
    found = {(level, index): bytes(node) for level, index, node in rows}

    def perfect(level: int, index: int) -> bytes:
        if (level, index) not in found:
            raise LookupError(f"the log has no node ({level}, {index})")
        return found[(level, index)]

    return compute(range_hasher(perfect))


def prove_inclusion(session: Session, index: int, size: int) -> tuple[bytes, list[bytes], bytes]:
    """(leaf hash, proof, root of the tree of `size`)."""
    if not 0 <= index < size <= tree_size(session):
        raise ValueError("the event is not in a tree of that size")
    return _nodes(session, lambda mth: (mth(index, index + 1), inclusion_proof(index, size, mth), mth(0, size)))


def prove_consistency(session: Session, old: int, new: int) -> tuple[list[bytes], bytes, bytes]:
    if not 0 < old <= new <= tree_size(session):
        raise ValueError("sizes must satisfy 0 < from <= to <= the log's size")
    return _nodes(session, lambda mth: (consistency_proof(old, new, mth), mth(0, old), mth(0, new)))


@dataclass
class Verification:
    events: int
    checkpoints: int
    problem: str | None = None
    event_id: int | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None


def verify_log(
    session: Session,
    batch: int = 20_000,
    *,
    chunk: int | None = None,
    parallel_from: int | None = None,
    workers: int | None = None,
) -> Verification:
    """Recompute every leaf from its event, every stored node above the leaves, the tree at every
    checkpoint, and every signature; stop at the first problem and name the event, node or
    checkpoint where it is.

    What is checked is a snapshot: one statement reads the tree head's size and root (and whether
    any event lies outside [0, size), or any checkpoint beyond size), and the events, nodes and
    checkpoints of positions below that size are then read. They are append-only and were all
    committed when the head was (the head is updated in the appending transaction), so events
    appended while the verification runs lie beyond the size read and are neither read nor
    mistaken for tampering, whatever the isolation level of the later reads.

    A session with no transaction open and bound to an engine (`flask audit verify`) is not used
    for reading: its first statement would BEGIN IMMEDIATE on SQLite (core/db.py) and hold the
    write lock, and so block every audited request, for the whole run. A plain connection reads
    instead: on SQLite from an engine without that listener (pysqlite runs lone SELECTs outside
    any transaction, each on its own WAL snapshot, taking no write lock); on PostgreSQL in a
    REPEATABLE READ transaction (reads take no row locks there anyway). A session already in a
    transaction is read through, as the caller's own view (the test suite's, for one).

    From `parallel_from` events on (and when reading on a plain connection), `workers` forked
    processes read ranges of `chunk` positions (a power of two: a full range is one perfect
    subtree) on their own connections; the main process folds the ranges' roots into the tree and
    checks the nodes above them, the checkpoints and the signatures. The result is the same as
    reading in one process (tests/test_audit_verify_parallel.py)."""
    chunk = _CHUNK if chunk is None else chunk
    parallel_from = _PARALLEL_FROM if parallel_from is None else parallel_from
    workers = _WORKERS if workers is None else workers
    if chunk < 1 or chunk & (chunk - 1):
        raise ValueError("the chunk must be a power of two")
    engine = session.bind
    if isinstance(engine, Engine) and not session.in_transaction() and not _in_memory(engine):
        url = engine.url.render_as_string(hide_password=False)
        if engine.dialect.name == "sqlite":
            reader = create_engine(url)  # no BEGIN IMMEDIATE listener, as in the workers
            options: dict = {}
        else:
            reader, options = engine, {"isolation_level": "REPEATABLE READ"}
        try:
            with reader.connect().execution_options(**options) as connection:
                return _verify(connection, url, batch, chunk, parallel_from, workers)
        finally:
            if reader is not engine:
                reader.dispose()
    return _verify(session.connection(), None, batch, chunk, parallel_from, workers)


def _in_memory(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:")


_EVENTS = AuditEvent.__table__
_CHECKPOINTS = AuditCheckpoint.__table__
_SNAPSHOT = select(
    _HEAD.c.size,
    _HEAD.c.root,
    select(_EVENTS.c.id).where(_EVENTS.c.leaf_index < 0).order_by(_EVENTS.c.leaf_index).limit(1).scalar_subquery(),
    select(_EVENTS.c.id)
    .where(_EVENTS.c.leaf_index >= _HEAD.c.size)
    .order_by(_EVENTS.c.leaf_index)
    .limit(1)
    .scalar_subquery(),
    select(_CHECKPOINTS.c.size)
    .where((_CHECKPOINTS.c.size > _HEAD.c.size) | (_CHECKPOINTS.c.size < 1))
    .order_by(_CHECKPOINTS.c.size)
    .limit(1)
    .scalar_subquery(),
).where(_HEAD.c.id == HEAD_ID)


def _verify(connection: Connection, url: str | None, batch: int, chunk: int, parallel_from: int, workers: int):  # type: ignore[no-untyped-def]
    name, public = origin(), signed_note.public_bytes(signing_key())
    snapshot = connection.execute(_SNAPSHOT).one_or_none()
    if snapshot is None:
        return Verification(0, 0, "the log has no tree head")
    size, head_root, negative, beyond, stray_checkpoint = snapshot
    checkpoints = {
        row.size: row
        for row in connection.execute(
            select(_CHECKPOINTS.c.size, _CHECKPOINTS.c.root, _CHECKPOINTS.c.note)
            .where(_CHECKPOINTS.c.size >= 1, _CHECKPOINTS.c.size <= size)
            .order_by(_CHECKPOINTS.c.size)
        )
    }
    count = len(checkpoints)
    if negative is not None:  # paging starts at position 0: such an event would never be read
        index = connection.scalar(select(_EVENTS.c.leaf_index).where(_EVENTS.c.id == negative))
        return Verification(0, count, f"event {negative} has a negative position ({index})", negative)
    sizes = sorted(checkpoints)
    batch = max(batch, 1000)
    if url is not None and size >= parallel_from and workers >= 1 and "fork" in multiprocessing.get_all_start_methods():
        starts = range(0, size, chunk)
        jobs = [
            (url, start, min(start + chunk, size), [s for s in sizes if start < s <= start + chunk], batch)
            for start in starts
        ]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            outcome = _combine(connection, pool.imap(_scan_in_worker, jobs), checkpoints, size, chunk, name, public)
    else:
        scans = iter([_scan(connection, 0, size, sizes, batch)])
        outcome = _combine(connection, scans, checkpoints, size, None, name, public)
    if isinstance(outcome, Verification):
        return outcome
    if beyond is not None:
        index = connection.scalar(select(_EVENTS.c.leaf_index).where(_EVENTS.c.id == beyond))
        problem = f"the tree head ({size}) disagrees with the events: event {beyond} at position {index} is beyond it"
        return Verification(size, count, problem, beyond)
    if head_root != outcome.root().hex():
        return Verification(size, count, f"the tree head ({size}) disagrees with the events: its root differs")
    if stray_checkpoint is not None:
        return Verification(size, count, f"checkpoint {stray_checkpoint} is beyond the log's events")
    return Verification(size, count)


def _check(checkpoint, root: bytes, name: str, public: bytes) -> str | None:  # type: ignore[no-untyped-def]
    try:
        text = signed_note.verify_note(checkpoint.note, name, public)
        _origin, size, signed_root = signed_note.parse_checkpoint(text)
    except ValueError as exc:
        return f"checkpoint {checkpoint.size}: {exc}"
    if size != checkpoint.size or signed_root != root or checkpoint.root != root.hex():
        return f"checkpoint {checkpoint.size} does not match the tree of the first {checkpoint.size} events"
    return None


def _node_problem(level: int, index: int) -> str:
    first, last = index << level, ((index + 1) << level) - 1
    return f"the stored node (level {level}, index {index}: leaves {first}..{last}) does not match the events"


_CHUNK = 1 << 16  # a power of two: a full range is one perfect subtree
_PARALLEL_FROM = 4 * _CHUNK
_WORKERS = 2
_NODES = AuditNode.__table__
# leaf_index first: it is the paging key (column 0) and the position checked.
_EVENT_COLUMNS = sorted(_EVENTS.c, key=lambda column: column.key != "leaf_index")
_EventRow = namedtuple("_EventRow", [column.key for column in _EVENT_COLUMNS])  # type: ignore[misc]


@dataclass
class _Scan:
    """What one pass over the leaves [start, end) found: how many events were in place and
    matched their stored leaf and nodes, the first problem (position, message, event id) if any,
    and the frontier of those leaves (relative to start) at each checkpoint reached and at the end."""

    start: int
    end: int
    count: int
    problem: tuple[int, str, int | None] | None
    cuts: dict[int, tuple[list[bytes], int]]
    hashes: list[bytes]


def _combine(
    connection: Connection,
    scans: Iterator[_Scan],
    checkpoints: dict,
    size: int,
    chunk: int | None,
    name: str,
    public: bytes,
):  # type: ignore[no-untyped-def,type-arg]
    """Check the scans' checkpoints in order; the first problem, or the frontier of the log.
    With `chunk`, the scans cover [k·chunk, (k+1)·chunk) in order: a full one is a perfect
    subtree, folded into a frontier over those roots (whose completed nodes are the stored nodes
    above the chunk's level), and the frontier at a size s in the next range is the roots of the
    full ranges before it followed by that range's own frontier at s. Without, one scan covers all."""
    count = len(checkpoints)
    before = Frontier()  # over the roots of the full ranges read so far
    above = chunk.bit_length() - 1 if chunk else 0
    upper: dict[tuple[int, int], bytes] | None = None
    for scan in scans:
        for cut in sorted(scan.cuts):
            if cut == scan.end and chunk and scan.end - scan.start == chunk:
                continue  # after the nodes above the range, as reading in one process would
            local, event_id = scan.cuts[cut]
            problem = _check(checkpoints[cut], Frontier(cut, before.hashes + local).root(), name, public)
            if problem:
                return Verification(cut, count, problem, event_id)
        if scan.problem is not None:
            position, message, event_id = scan.problem
            return Verification(position, count, message, event_id)
        if scan.count < scan.end - scan.start:  # the events ran out before the range's end
            position = scan.start + scan.count
            following = connection.scalar(
                select(_EVENTS.c.id)
                .where(_EVENTS.c.leaf_index > position, _EVENTS.c.leaf_index < size)
                .order_by(_EVENTS.c.leaf_index)
                .limit(1)
            )
            return Verification(position, count, f"the event at position {position} is missing", following)
        if not chunk or scan.end - scan.start < chunk:  # the last range
            return Frontier(size, before.hashes + scan.hashes)
        if upper is None:  # the nodes above the ranges: about 2 per range
            rows = connection.execute(select(_NODES.c.level, _NODES.c.idx, _NODES.c.hash).where(_NODES.c.level > above))
            upper = {(level, index): bytes(node) for level, index, node in rows}
        for level, index, node in before.append(scan.hashes[0])[1:]:
            if upper.get((level + above, index)) != node:
                return Verification(scan.end - 1, count, _node_problem(level + above, index))
        if scan.end in scan.cuts:
            local, event_id = scan.cuts[scan.end]
            problem = _check(checkpoints[scan.end], Frontier(scan.end, before.hashes).root(), name, public)
            if problem:
                return Verification(scan.end, count, problem, event_id)
    return Frontier(size, before.hashes)  # the log is empty, or ends at a range's end


_worker_engine: Engine | None = None


def _scan_in_worker(job: tuple[str, int, int, list[int], int]) -> _Scan:
    global _worker_engine  # one engine per worker process
    url, start, end, sizes, batch = job
    if _worker_engine is None:  # a plain engine: reads only, so no BEGIN IMMEDIATE on SQLite
        _worker_engine = create_engine(url)
    with _worker_engine.connect() as connection:
        return _scan(connection, start, end, sizes, batch)


def _scan(connection: Connection, start: int, end: int, sizes: list[int], batch: int) -> _Scan:
    """Recompute the leaves of the events at positions [start, end) from their columns, compare
    each with its stored leaf and each perfect subtree it completes with its stored node, and stop
    at the first problem. `start` is a multiple of every subtree completed here (it is 0, or a
    multiple of a chunk, and end - start is at most a chunk)."""
    frontier = Frontier()
    cuts: dict[int, tuple[list[bytes], int]] = {}
    wanted = set(sizes)
    # One stream per level above the leaves, opened when the first node of that level completes.
    stored_nodes: dict[int, Iterator] = {}  # type: ignore[type-arg]
    events = _stream(connection, _EVENT_ROWS, start, end, batch)
    append, details, text_of = frontier.append, _Details(), _time_text(connection)
    for row in events:
        event = _EventRow._make(row[:-1])
        position = start + frontier.size
        if event.leaf_index != position:
            which = "missing" if event.leaf_index > position else "duplicated or out of order"
            problem = (position, f"the event at position {position} is {which}", event.id)
            return _Scan(start, end, frontier.size, problem, cuts, frontier.hashes)
        entry = {
            "index": position,
            "at": text_of(event.occurred_at),
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
        if entry["detail"] is _NOT_PLAIN:  # a float, say: canonical_bytes refuses it, so it was never written
            leaf = b""
        else:  # canonical_bytes without its checks: the keys are FIELDS, `detail` was checked once
            if position == start and entry != _entry_of_row(connection, event.id):  # must not drift from entry_of
                raise RuntimeError("verify_log builds entries differently from entry_of")
            leaf = leaf_hash(dumps(entry))
        stored = row[-1]  # the stored leaf at this position, joined
        if stored is None or bytes(stored) != leaf:
            problem = (position, f"event {event.id} does not match its leaf", event.id)
            return _Scan(start, end, frontier.size, problem, cuts, frontier.hashes)
        completed = append(leaf)
        for level, index, node in completed[1:]:  # the perfect subtrees this leaf completes
            index += start >> level
            if level not in stored_nodes:
                query = select(_NODES.c.idx, _NODES.c.hash).where(_NODES.c.level == level)
                stored_nodes[level] = _stream(connection, query, index, end >> level, batch)
            stored = next(stored_nodes[level], None)
            if stored is None or stored[0] != index or bytes(stored[1]) != node:
                problem = (position, _node_problem(level, index), None)
                return _Scan(start, end, frontier.size, problem, cuts, frontier.hashes)
        if position + 1 in wanted:
            cuts[position + 1] = (list(frontier.hashes), event.id)
    return _Scan(start, end, frontier.size, None, cuts, frontier.hashes)


# On SQLite the time is read as its stored text (`YYYY-MM-DD HH:MM:SS.ffffff`, naive UTC) and
# rewritten as the canonical text directly: parsing it into a datetime and formatting it again
# cost more than the rest of the canonical form. Anything else goes through utc_text.
# Each event comes with the stored leaf at its position (level 0), or None.
_EVENT_ROWS = select(
    *(type_coerce(c, Text) if c.key == "occurred_at" else c for c in _EVENT_COLUMNS), _NODES.c.hash
).outerjoin(_NODES, (_NODES.c.level == 0) & (_NODES.c.idx == _EVENTS.c.leaf_index))
_SQLITE_TIME = re.compile(r"[1-9]\d{3}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}")


def _time_text(connection: Connection):  # type: ignore[no-untyped-def]
    """occurred_at, as read raw, to `utc_text` of it as the ORM would read it (naive UTC stored)."""
    parse = DateTime().dialect_impl(connection.dialect).result_processor(connection.dialect, None)
    match = _SQLITE_TIME.fullmatch

    def text_of(value):  # type: ignore[no-untyped-def]
        if isinstance(value, str):
            if match(value):  # the form SQLAlchemy writes; years before 1000 go the long way
                return f"{value[:10]}T{value[11:]}Z"
            value = parse(value) if parse else datetime.fromisoformat(value)
        return utc_text(value.replace(tzinfo=UTC))

    return text_of


def _entry_of_row(connection: Connection, event_id: int) -> dict:
    """entry_of of an event, read with the column types of the ORM."""
    return entry_of(connection.execute(select(_EVENTS).where(_EVENTS.c.id == event_id)).one())


_NOT_PLAIN = object()  # a detail canonical_bytes refuses: it raises for the event, which then cannot match


class _Details(dict):
    """json.loads of `detail` texts, remembered (many events share one: `{}`, a page part), and
    checked once for what canonical_bytes refuses (floats)."""

    def __missing__(self, text: str) -> object:
        if len(self) > 50_000:
            self.clear()
        value = json.loads(text)
        try:
            check_plain(value)
        except (ValueError, TypeError):
            value = _NOT_PLAIN
        self[text] = value
        return value


def _stream(connection: Connection, query, start: int, end: int, batch: int) -> Iterator:  # type: ignore[no-untyped-def]
    """Plain rows whose first column is in [start, end), in its order, a batch at a time (keyset
    paging: memory stays flat, and each batch is one indexed range scan)."""
    order = query.selected_columns[0]
    query = query.where(order < end)
    last = start - 1
    while True:
        rows = connection.execute(query.where(order > last).order_by(order).limit(batch)).fetchall()
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def checkpoint_json(checkpoint: AuditCheckpoint) -> dict:
    return {
        "size": checkpoint.size,
        "root": checkpoint.root,
        "root_base64": base64.b64encode(bytes.fromhex(checkpoint.root)).decode(),
        "note": checkpoint.note,
        "key": verifier_key(),
    }
