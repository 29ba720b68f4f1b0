"""`verify_log`'s parallel path (forked workers reading ranges of positions, the main process
folding the ranges' roots) gives exactly the verdict of the single-process path: on an intact
log, and on copies tampered at positions around range boundaries (an event changed, deleted,
inserted, reordered, at a negative position; a stored leaf or node above the leaves changed or
deleted, below, at and above the ranges' level; a checkpoint forged or beyond the log; the tree
head wrong). Also: `verify_log` checks a snapshot, and on SQLite holds no write lock meanwhile.

In service the parallel path starts at 262,144 events with ranges of 65,536; here the ranges
are 256 positions (level 8) over a log of 2,000 events with a checkpoint every 100, so that a
dozen ranges and their boundaries are crossed. The suite's shared database cannot be used
(its outer transaction is invisible to the workers' connections): this test builds its own,
a SQLite file, and a PostgreSQL database when SIMPUL_TEST_DATABASE_URL names a server, and
tampers with copies of it (triggers dropped).
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from coordination.accounts.models import Organisation, User
from coordination.accounts.passwords import hash_password
from coordination.app import create_app
from coordination.audit import log
from coordination.audit.log import Verification, verify_log
from coordination.audit.record import record
from coordination.core.db import get_session, make_engine
from coordination.migrations import upgrade_to_head
from tests.conftest import PASSWORD, PG_URL, _backends, make_config

EVENTS = 2000
CHECKPOINT_EVERY = 100
CHUNK = 256


def parallel(session: Session) -> Verification:
    return verify_log(session, chunk=CHUNK, parallel_from=0, workers=2)


def single(session: Session) -> Verification:
    return verify_log(session, parallel_from=10**12)


@dataclass
class Log:
    app: object
    url: str
    copy: Callable[[], AbstractContextManager[str]]


@contextmanager
def _database(backend: str, tmp_path: Path, name: str) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / f'{name}.db'}"
        return
    admin = create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    db = f"simpul_verify_{name}_{secrets.token_hex(3)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db}"'))
    try:
        yield make_url(PG_URL).set(database=db).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module", params=_backends())
def audit_log(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Log]:
    backend = request.param
    tmp_path = tmp_path_factory.mktemp(f"verify-{backend}")
    with _database(backend, tmp_path, "base") as url:
        app = create_app(make_config(tmp_path / "data", url, audit_checkpoint_every=CHECKPOINT_EVERY))
        with app.app_context():
            upgrade_to_head()
            session = get_session()
            org = Organisation(name="PJK Verify", kind="pjk")
            user = User(
                email="v@pjk.example.id", organisation=org, role="member", password_hash=hash_password(PASSWORD, "fast")
            )
            session.add_all([org, user])
            session.commit()
            for i in range(EVENTS - log.tree_size(session)):
                record(user, "alert.view", ("alert", f"a-{i}"), {"i": i, "text": 'Ünïcode \u2028 "q" \\ 😀'})
                if i % 1000 == 999:
                    session.commit()
            session.commit()
        app.extensions["simpul.db"].engine.dispose()
        if backend == "sqlite":
            with sqlite3.connect(make_url(url).database) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

        @contextmanager
        def copy() -> Iterator[str]:
            if backend == "sqlite":
                target = tmp_path / f"copy-{secrets.token_hex(3)}.db"
                shutil.copy(make_url(url).database, target)
                yield f"sqlite:///{target}"
                target.unlink()
                return
            admin = create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
            db = f"simpul_verify_copy_{secrets.token_hex(3)}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{db}" TEMPLATE "{make_url(url).database}"'))
            try:
                yield make_url(url).set(database=db).render_as_string(hide_password=False)
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
                admin.dispose()

        yield Log(app, url, copy)


TABLES = ("audit_events", "audit_checkpoints", "audit_nodes")


def _drop_triggers(conn) -> None:  # type: ignore[no-untyped-def]
    if conn.dialect.name == "postgresql":
        for table in TABLES:
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
    else:
        for table in TABLES:
            for verb in ("update", "delete"):
                conn.execute(text(f"DROP TRIGGER {table}_no_{verb}"))


def _id_at(conn, position: int) -> int:  # type: ignore[no-untyped-def]
    return conn.scalar(text("SELECT id FROM audit_events WHERE leaf_index = :i"), {"i": position})


def _change(position: int):  # type: ignore[no-untyped-def]
    def tamper(conn) -> str:  # type: ignore[no-untyped-def]
        conn.execute(text("UPDATE audit_events SET actor_email = 'x@y.example' WHERE leaf_index = :i"), {"i": position})
        return f"event {_id_at(conn, position)} does not match its leaf"

    return tamper


def _delete(position: int):  # type: ignore[no-untyped-def]
    def tamper(conn) -> str:  # type: ignore[no-untyped-def]
        conn.execute(text("DELETE FROM audit_events WHERE leaf_index = :i"), {"i": position})
        return f"the event at position {position} is missing"

    return tamper


def _swap(position: int):  # type: ignore[no-untyped-def]
    def tamper(conn) -> str:  # type: ignore[no-untyped-def]
        first, second = _id_at(conn, position), _id_at(conn, position + 1)
        move = text("UPDATE audit_events SET leaf_index = :i WHERE id = :id")
        conn.execute(move, {"i": -1, "id": first})
        conn.execute(move, {"i": position, "id": second})
        conn.execute(move, {"i": position + 1, "id": first})
        return f"event {second} does not match its leaf"

    return tamper


def _insert(position: int, expected: str):  # type: ignore[no-untyped-def]
    def tamper(conn) -> str:  # type: ignore[no-untyped-def]
        conn.execute(
            text(
                "INSERT INTO audit_events (leaf_index, occurred_at, action, outcome, detail) "
                "VALUES (:i, '2026-01-01 00:00:00.000000', 'alert.view', 'success', '{}')"
            ),
            {"i": position},
        )
        return expected

    return tamper


def _node(level: int, index: int, delete: bool = False):  # type: ignore[no-untyped-def]
    def tamper(conn) -> str:  # type: ignore[no-untyped-def]
        if delete:
            conn.execute(text("DELETE FROM audit_nodes WHERE level = :l AND idx = :i"), {"l": level, "i": index})
        else:
            conn.execute(
                text("UPDATE audit_nodes SET hash = :h WHERE level = :l AND idx = :i"),
                {"l": level, "i": index, "h": bytes(32)},
            )
        if level == 0:
            return f"event {_id_at(conn, index)} does not match its leaf"
        return f"the stored node (level {level}, index {index}: leaves"

    return tamper


def _statement(sql: str, expected: str, **params: object):  # type: ignore[no-untyped-def]
    def tamper(conn) -> str:  # type: ignore[no-untyped-def]
        conn.execute(text(sql), params)
        return expected

    return tamper


TAMPERS = {
    **{f"change@{p}": _change(p) for p in (0, 255, 256, 257, 1023, 1024, EVENTS - 1)},
    **{f"delete@{p}": _delete(p) for p in (0, 255, 256, 767, EVENTS - 1)},
    **{f"reorder@{p}": _swap(p) for p in (255, 1023, EVENTS - 2)},
    "insert@end": _insert(EVENTS, "beyond it"),
    "insert@far": _insert(10**12, "beyond it"),
    "insert@negative": _insert(-5, "negative position (-5)"),
    "leaf@300": _node(0, 300),
    "node@level1": _node(1, 600, delete=True),
    "node@level3": _node(3, 40),
    "node@chunk-root": _node(8, 2),  # a whole range's root: level 8 = log2(CHUNK)
    "node@level9": _node(9, 1),  # above the ranges: checked by the main process
    "node@level10": _node(10, 0, delete=True),
    "checkpoint@root": _statement(
        "UPDATE audit_checkpoints SET root = :r WHERE size = 300", "checkpoint 300", r="00" * 32
    ),
    "checkpoint@note": _statement(
        "UPDATE audit_checkpoints SET note = replace(note, 'simpul', 'simpuL') WHERE size = 1600", "checkpoint 1600"
    ),
    "checkpoint@beyond": _statement(
        "INSERT INTO audit_checkpoints (size, root, note, created_at) VALUES (50000, 'ab', 'x', '2026-01-01 00:00:00')",
        "checkpoint 50000 is beyond",
    ),
    "head@size": _statement("UPDATE audit_tree_head SET size = size - 1", f"tree head ({EVENTS - 1}) disagrees"),
    "head@root": _statement("UPDATE audit_tree_head SET root = :r", f"tree head ({EVENTS}) disagrees", r="00" * 32),
}


def _verdicts(audit_log: Log, url: str) -> tuple[Verification, Verification]:
    engine = make_engine(url)  # as the app's: BEGIN IMMEDIATE on SQLite
    try:
        with audit_log.app.app_context():  # type: ignore[attr-defined]
            with Session(bind=engine) as session:
                one = single(session)
            with Session(bind=engine) as session:
                many = parallel(session)
    finally:
        engine.dispose()
    return one, many


def test_intact_log_verifies_alike_in_one_process_and_in_parallel(audit_log: Log):
    one, many = _verdicts(audit_log, audit_log.url)
    assert one == many == Verification(EVENTS, EVENTS // CHECKPOINT_EVERY)


@pytest.mark.parametrize("name", list(TAMPERS))
def test_tampering_gets_the_same_verdict_in_parallel(audit_log: Log, name: str):
    with audit_log.copy() as url:
        engine = create_engine(url)
        with engine.begin() as conn:
            _drop_triggers(conn)
            expected = TAMPERS[name](conn)
        engine.dispose()
        one, many = _verdicts(audit_log, url)
    assert one == many
    assert not one.intact and expected in one.problem, one


def test_chunk_must_be_a_power_of_two(audit_log: Log):
    with audit_log.app.app_context(), pytest.raises(ValueError, match="power of two"):  # type: ignore[attr-defined]
        verify_log(get_session(), chunk=300)


def test_verify_reads_a_snapshot_and_takes_no_write_lock(audit_log: Log, monkeypatch: pytest.MonkeyPatch):
    """While it reads, a writer can take SQLite's write lock and append an event (with a signed
    checkpoint): the verdict is about the log as it was when the verification began."""
    with audit_log.copy() as url:
        app = audit_log.app
        main, wrote = os.getpid(), []
        real_scan = log._scan

        def scan_while_writing(connection, *args):  # type: ignore[no-untyped-def]
            if os.getpid() == main and not wrote:
                if url.startswith("sqlite"):  # the write lock is free: BEGIN IMMEDIATE succeeds at once
                    probe = sqlite3.connect(make_url(url).database, timeout=0.2, isolation_level=None)
                    probe.execute("BEGIN IMMEDIATE")
                    probe.execute("ROLLBACK")
                    probe.close()
                engine = make_engine(url)
                with Session(bind=engine) as writer:
                    for i in range(CHECKPOINT_EVERY):
                        record(None, "test.during_verify", ("alert", f"d-{i}"), session=writer)
                    writer.commit()
                engine.dispose()
                wrote.append(True)
            return real_scan(connection, *args)

        monkeypatch.setattr(log, "_scan", scan_while_writing)
        engine = make_engine(url)
        try:
            with app.app_context():  # type: ignore[attr-defined]
                with Session(bind=engine) as session:
                    result = single(session)
                assert wrote
                assert result == Verification(EVENTS, EVENTS // CHECKPOINT_EVERY)
                monkeypatch.setattr(log, "_scan", real_scan)
                with Session(bind=engine) as session:  # and the log with the new events is intact too
                    assert parallel(session) == Verification(EVENTS + CHECKPOINT_EVERY, EVENTS // CHECKPOINT_EVERY + 1)
        finally:
            engine.dispose()
