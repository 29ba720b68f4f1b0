"""The audit log is tamper-evident: `audit verify` passes on an intact log and names the event
when one is changed, deleted, inserted or reordered (with the triggers dropped), or a
checkpoint is forged; the database itself refuses UPDATE and DELETE."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from coordination.audit.log import checkpoint_now, prove_consistency, prove_inclusion
from coordination.audit.merkle import leaf_hash, verify_consistency, verify_inclusion
from coordination.audit.models import AuditEvent
from coordination.audit.record import record
from coordination.core.db import get_session


def fill(make_user, n: int = 40) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    user = make_user("fiu", "member")
    events = [record(user, "alert.view", ("alert", f"a-{i}"), {"n": i}) for i in range(n)]
    get_session().flush()
    return events


def verify(runner) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def drop_triggers(session) -> None:  # type: ignore[no-untyped-def]
    if session.bind.dialect.name == "postgresql":
        session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        session.execute(text("ALTER TABLE audit_checkpoints DISABLE TRIGGER USER"))
    else:
        for table in ("audit_events", "audit_checkpoints"):
            for verb in ("update", "delete"):
                session.execute(text(f"DROP TRIGGER {table}_no_{verb}"))


def test_intact_log_verifies_with_its_checkpoints(runner, make_user):
    fill(make_user)
    checkpoint_now(get_session())
    code, output = verify(runner)
    assert code == 0 and "audit log intact" in output and "signed checkpoints verified" in output


def test_the_database_refuses_updates_and_deletes(make_user):
    event = fill(make_user, 1)[0]
    session = get_session()
    for statement in ("UPDATE audit_events SET action = 'x' WHERE id = :id", "DELETE FROM audit_events WHERE id = :id"):
        nested = session.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement), {"id": event.id})
        nested.rollback()


@pytest.mark.parametrize("tamper", ["change", "delete", "insert", "reorder"])
def test_tampering_is_found_and_named(runner, make_user, tamper):
    events = fill(make_user)
    session = get_session()
    checkpoint_now(session)
    session.flush()
    drop_triggers(session)
    victim = events[10]
    if tamper == "change":
        session.execute(
            text("UPDATE audit_events SET actor_email = 'someone@else.example' WHERE id = :id"), {"id": victim.id}
        )
        expected = f"event {victim.id}"
    elif tamper == "delete":
        session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": victim.id})
        expected = f"position {victim.leaf_index} is missing"
    elif tamper == "insert":
        size = session.scalar(text("SELECT size FROM audit_tree_head"))
        session.execute(
            text(
                "INSERT INTO audit_events (leaf_index, occurred_at, action, outcome, detail) "
                "VALUES (:i, :t, 'alert.view', 'success', '{}')"
            ),
            {"i": size, "t": victim.occurred_at},
        )
        expected = "position"
    else:
        other = events[11]
        move = text("UPDATE audit_events SET leaf_index = :index WHERE id = :id")
        session.execute(move, {"index": -1, "id": victim.id})
        session.execute(move, {"index": victim.leaf_index, "id": other.id})
        session.execute(move, {"index": other.leaf_index, "id": victim.id})
        expected = f"event {other.id}"
    session.expire_all()
    code, output = verify(runner)
    assert code == 1 and expected in output, output


def test_a_forged_checkpoint_is_found(runner, make_user):
    fill(make_user)
    session = get_session()
    checkpoint = checkpoint_now(session)
    session.flush()
    drop_triggers(session)
    forged = checkpoint.note.replace(checkpoint.note.split("\n")[2], "A" * 43 + "=")
    session.execute(text("UPDATE audit_checkpoints SET note = :n WHERE size = :s"), {"n": forged, "s": checkpoint.size})
    session.expire_all()
    code, output = verify(runner)
    assert code == 1 and f"checkpoint {checkpoint.size}" in output


def test_proofs_from_the_stored_tree_verify(make_user):
    events = fill(make_user, 70)
    session = get_session()
    size = session.scalar(text("SELECT size FROM audit_tree_head"))
    for event in (events[0], events[33], events[-1]):
        leaf, proof, root = prove_inclusion(session, event.leaf_index, size)
        from coordination.audit.canonical import canonical_bytes
        from coordination.audit.log import entry_of

        assert leaf == leaf_hash(canonical_bytes(entry_of(event)))
        assert verify_inclusion(leaf, event.leaf_index, size, proof, root)
        assert len(proof) <= size.bit_length() + 1
    old = events[20].leaf_index + 1
    proof, old_root, new_root = prove_consistency(session, old, size)
    assert verify_consistency(old, size, old_root, new_root, proof)
