"""Appends to the audit log are serialised, so the log never forks under concurrent writers.

Several OS processes, each with its own application and engine on one shared database (a fresh
SQLite file in WAL mode; a fresh PostgreSQL database when SIMPUL_TEST_DATABASE_URL names one),
start together behind a barrier and each records and commits events one transaction at a time.
Each writer either records straight away or, as a request does, reads first (its user) and then
records in the same transaction. Afterwards every process has succeeded, the events hold leaf
indexes 0..n-1 with no gap or duplicate, each writer's events sit in the order it committed
them, the tree head has size n, the signed checkpoint made at every multiple of the interval
exists exactly once, and both `verify_log` and `flask audit verify` find the log intact.

The suite's shared database cannot be used: its per-test outer transaction is invisible to other
processes. This test makes and removes its own database.

The read-then-record writers are the ones that matter on SQLite: with a deferred BEGIN, a
transaction that has read cannot upgrade to a write once another connection has committed or
holds the lock; SQLite answers "database is locked" at once (busy_timeout is not consulted for
that upgrade). core/db.py therefore begins SQLite transactions IMMEDIATE; this test fails if it
stops doing so.
"""

from __future__ import annotations

import secrets
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing import get_context
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from coordination.accounts.models import Organisation, User
from coordination.accounts.passwords import hash_password
from coordination.app import create_app
from coordination.audit.log import verify_log
from coordination.audit.models import AuditCheckpoint, AuditEvent, AuditNode, AuditTreeHead
from coordination.audit.record import record
from coordination.config import Config
from coordination.core.db import get_session
from coordination.migrations import upgrade_to_head
from tests.conftest import PASSWORD, PG_URL, _backends, make_config

WORKERS = 4
PER_WORKER = 150
CHECKPOINT_EVERY = 50
ACTION = "test.concurrent"
TIMEOUT = 120  # seconds; a deadlocked writer fails the test instead of hanging it


@contextmanager
def fresh_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own: a SQLite file, or a PostgreSQL database created and dropped here."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'concurrent.db'}"
        return
    if not PG_URL:
        pytest.fail("SIMPUL_TEST_BACKENDS asks for postgresql but SIMPUL_TEST_DATABASE_URL is not set")
    name = f"simpul_conc_{secrets.token_hex(4)}"
    admin = create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _writer(config: Config, mode: str, worker: int, user_id: int, barrier, out: Path) -> None:  # type: ignore[no-untyped-def]
    """One process: its own app and engine; waits for the others, then records PER_WORKER events,
    each committed in its own transaction, as PER_WORKER separate requests would."""
    try:
        app = create_app(config)
        with app.app_context():
            user = get_session().get(User, user_id)
            assert user is not None
            get_session().commit()  # no read transaction left open while waiting
        barrier.wait(timeout=TIMEOUT)
        began = time.time()
        for i in range(PER_WORKER):
            with app.app_context():
                if mode == "read-then-record":  # a request loads its user before it records
                    user = get_session().get(User, user_id)
                record(user, ACTION, ("alert", f"w{worker}-{i}"), {"i": i, "worker": worker})
                get_session().commit()
        out.with_suffix(".span").write_text(f"{began} {time.time()}")
        app.extensions["simpul.db"].engine.dispose()
    except BaseException:
        out.with_suffix(".err").write_text(traceback.format_exc())
        raise


@pytest.mark.parametrize("mode", ["record", "read-then-record"])
@pytest.mark.parametrize("backend", _backends())
def test_concurrent_writers_never_fork_the_log(backend: str, mode: str, tmp_path: Path):
    with fresh_database(backend, tmp_path) as url:
        _run_writers_and_verify(url, mode, tmp_path)


def _run_writers_and_verify(url: str, mode: str, tmp_path: Path) -> None:
    config = make_config(tmp_path / "data", url, audit_checkpoint_every=CHECKPOINT_EVERY)
    app = create_app(config)  # creates the keyring file the writers share
    try:
        with app.app_context():
            upgrade_to_head()
            session = get_session()
            org = Organisation(name="PJK Concurrency", kind="pjk")
            user = User(
                email="writer@pjk.example.id",
                organisation=org,
                role="member",
                password_hash=hash_password(PASSWORD, "fast"),
            )
            session.add_all([org, user])
            session.commit()
            user_id = user.id
            before = session.scalar(select(AuditTreeHead.size))
            session.commit()

        context = get_context("spawn")
        barrier = context.Barrier(WORKERS)
        out = [tmp_path / f"writer-{w}" for w in range(WORKERS)]
        writers = [
            context.Process(target=_writer, args=(config, mode, w, user_id, barrier, out[w]), name=f"audit-writer-{w}")
            for w in range(WORKERS)
        ]
        started = time.monotonic()
        for writer in writers:
            writer.start()
        try:
            for writer in writers:
                writer.join(timeout=max(1.0, TIMEOUT - (time.monotonic() - started)))
        finally:
            for writer in writers:
                if writer.is_alive():
                    writer.kill()
                    writer.join()
        failures = {
            w.name: (w.exitcode, out[i].with_suffix(".err").read_text() if out[i].with_suffix(".err").exists() else "")
            for i, w in enumerate(writers)
            if w.exitcode != 0
        }
        assert not failures, f"writers failed (exit code, traceback): {failures}"
        # The writers really ran at once: every one was still writing when the last one began.
        spans = [tuple(map(float, o.with_suffix(".span").read_text().split())) for o in out]
        assert max(began for began, _ in spans) < min(ended for _, ended in spans), f"no overlap: {spans}"

        n = before + WORKERS * PER_WORKER
        with app.app_context():
            session = get_session()
            assert session.scalar(select(func.count()).select_from(AuditEvent)) == n
            indexes = session.scalars(select(AuditEvent.leaf_index).order_by(AuditEvent.leaf_index)).all()
            assert indexes == list(range(n)), "leaf indexes have a gap or a duplicate"
            assert session.scalar(select(func.count()).select_from(AuditNode).where(AuditNode.level == 0)) == n
            assert session.scalar(select(AuditTreeHead.size)) == n

            # Each writer committed its events one after another, so they keep that order in the log.
            rows = session.execute(
                select(AuditEvent.leaf_index, AuditEvent.object_id)
                .where(AuditEvent.action == ACTION)
                .order_by(AuditEvent.leaf_index)
            ).all()
            by_writer: dict[str, list[int]] = {}
            for _, object_id in rows:
                writer_name, i = object_id.split("-")
                by_writer.setdefault(writer_name, []).append(int(i))
            assert by_writer == {f"w{w}": list(range(PER_WORKER)) for w in range(WORKERS)}

            sizes = session.scalars(select(AuditCheckpoint.size).order_by(AuditCheckpoint.size)).all()
            assert sizes == list(range(CHECKPOINT_EVERY, n + 1, CHECKPOINT_EVERY))
            assert len(sizes) == n // CHECKPOINT_EVERY

            result = verify_log(session)
            assert result.intact, result.problem
            assert (result.events, result.checkpoints) == (n, n // CHECKPOINT_EVERY)
            session.commit()

        with app.app_context():  # as `flask` itself pushes one; the bare command group does not
            cli = app.test_cli_runner().invoke(args=["audit", "verify"])
        assert cli.exit_code == 0, cli.output
        assert f"audit log intact: {n} events, {n // CHECKPOINT_EVERY} signed checkpoints verified" in cli.output
    finally:
        app.extensions["simpul.db"].engine.dispose()
