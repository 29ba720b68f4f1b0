"""The audit log is tamper-evident: `audit verify` passes on an intact log and names the event
when one is changed, deleted, inserted or reordered (with the triggers dropped), or a
checkpoint is forged; the database itself refuses UPDATE and DELETE."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from coordination.audit import canonical
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
        for table in ("audit_events", "audit_checkpoints", "audit_nodes"):
            session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
    else:
        for table in ("audit_events", "audit_checkpoints", "audit_nodes"):
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


@pytest.mark.parametrize("tamper", ["change", "delete", "insert", "reorder", "negative", "node"])
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
    elif tamper == "negative":  # positions are read from 0 up: such an event was once accepted unseen
        session.execute(
            text(
                "INSERT INTO audit_events (leaf_index, occurred_at, action, outcome, detail) "
                "VALUES (-3, :t, 'alert.view', 'success', '{}')"
            ),
            {"t": victim.occurred_at},
        )
        negative = session.scalar(text("SELECT id FROM audit_events WHERE leaf_index = -3"))
        expected = f"event {negative} has a negative position (-3)"
    elif tamper == "node":  # a stored node above the leaves: inclusion proofs are built from these
        first = events[0].leaf_index
        level, index = 2, first // 4 + 1  # a perfect subtree of four events, all from this test
        session.execute(
            text("UPDATE audit_nodes SET hash = :h WHERE level = :l AND idx = :i"),
            {"h": bytes(32), "l": level, "i": index},
        )
        expected = f"the stored node (level {level}, index {index}: leaves {index * 4}..{index * 4 + 3})"
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


# --- the canonical form: orjson's bytes and the fast timestamp text equal the definitions ---------

_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()  # beyond 64 bits orjson refuses and the json module writes it
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.text(st.characters(codec="utf-8"))  # every code point but lone surrogates: control, quotes, \\, astral
    | st.sampled_from(["\u2028", "\u2029", '"\\/', "\x00\x1f\x7f\x80\x9f", "\ufeff\U0001f600\U0010ffff", ""])
)
_json_values = st.recursive(
    _json_scalars,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(st.characters(codec="utf-8")), inner, max_size=5)
    ),
    max_leaves=30,
)
_text_or_none = st.none() | st.text(st.characters(codec="utf-8"))
_int_or_none = st.none() | st.integers()
_entries = st.fixed_dictionaries(
    {
        "index": st.integers(min_value=0),
        "at": st.text(st.characters(codec="utf-8")),
        "actor_user_id": _int_or_none,
        "actor_email": _text_or_none,
        "actor_org_id": _int_or_none,
        "action": st.text(st.characters(codec="utf-8")),
        "object_type": _text_or_none,
        "object_id": _text_or_none,
        "object_org_id": _int_or_none,
        "outcome": st.sampled_from(["success", "failure", "denied"]),
        "ip": _text_or_none,
        "request_id": _text_or_none,
        "detail": st.dictionaries(st.text(st.characters(codec="utf-8")), _json_values, max_size=6),
    }
)


@settings(max_examples=500, deadline=None)
@given(_entries)
def test_canonical_bytes_equal_the_json_module_definition(entry):
    """orjson (when installed) writes exactly what the documented json.dumps call writes."""
    assert canonical.canonical_bytes(entry) == canonical.json_dumps(entry)
    assert (
        canonical.dumps(entry) == json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    )


@settings(max_examples=500, deadline=None)
@given(_json_values)
def test_every_json_value_serialises_alike(value):
    assert canonical.dumps(value) == canonical.json_dumps(value)


def test_values_orjson_refuses_fall_back_to_the_json_module():
    deep: object = 1
    for _ in range(300):  # deeper than orjson's 254 levels
        deep = [deep]
    for value in ({"n": 2**64}, {"n": -(2**63) - 1}, {"n": 10**40}, {"deep": deep}):
        assert canonical.dumps(value) == canonical.json_dumps(value)
    with pytest.raises(UnicodeEncodeError):  # a lone surrogate: no UTF-8 form, refused either way
        canonical.dumps({"s": "\ud800"})


def test_canonical_bytes_refuse_floats_and_values_json_has_no_type_for():
    entry = dict.fromkeys(canonical.FIELDS) | {"detail": {}}
    for detail in ({"x": 1.5}, {"x": [1, {"y": 2.0}]}):
        with pytest.raises(ValueError, match="floating-point"):
            canonical.canonical_bytes(entry | {"detail": detail})
    for detail in ({"x": datetime.now(UTC)}, {"x": [uuid.uuid4()]}):  # orjson would write these
        with pytest.raises(TypeError):
            canonical.canonical_bytes(entry | {"detail": detail})


def _utc_text_definition(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@settings(max_examples=500, deadline=None)
@given(
    st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31)),
    st.sampled_from(
        [
            UTC,
            timezone(timedelta(0), "UTC+0"),  # UTC, but not the datetime.UTC object
            timezone(timedelta(hours=7)),
            timezone(timedelta(hours=-9, minutes=-30)),
            ZoneInfo("Asia/Jakarta"),
            ZoneInfo("America/New_York"),
        ]
    ),
)
def test_utc_text_equals_its_definition(moment, zone):
    aware = moment.replace(tzinfo=zone)
    assert canonical.utc_text(aware) == _utc_text_definition(aware)


def test_utc_text_edge_cases():
    for moment in (
        datetime(2026, 11, 25, 0, 0, 0, 0, tzinfo=UTC),  # zero microseconds still written as .000000
        datetime(2026, 11, 25, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 11, 26, 6, 59, 59, 999999, tzinfo=ZoneInfo("Asia/Jakarta")),  # the day before in UTC
        datetime(2024, 2, 29, 12, 0, 0, 1, tzinfo=timezone(timedelta(hours=14))),
        datetime(2026, 11, 1, 1, 30, 0, 5, fold=1, tzinfo=ZoneInfo("America/New_York")),  # the repeated hour
        datetime(1000, 1, 1, tzinfo=UTC),
        datetime(999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),  # before 1000: strftime's own text is kept
        datetime(1, 1, 1, 12, tzinfo=UTC),
    ):
        assert canonical.utc_text(moment) == _utc_text_definition(moment), moment
    assert canonical.utc_text(datetime(2026, 1, 2, 3, 4, 5, 60, tzinfo=UTC)) == "2026-01-02T03:04:05.000060Z"


def test_canonical_form_needs_no_orjson():
    """The offline verifier runs with the standard library: without orjson the same bytes come out."""
    import subprocess
    import sys

    entry = dict.fromkeys(canonical.FIELDS) | {"detail": {"é": ["\u2028", 2**70, None, True]}, "at": "x"}
    code = (
        "import sys, json; sys.modules['orjson'] = None\n"
        "from coordination.audit import canonical\n"
        "assert canonical.orjson is None\n"
        f"sys.stdout.buffer.write(canonical.canonical_bytes(json.loads({json.dumps(json.dumps(entry))})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True).stdout
    assert out == canonical.canonical_bytes(entry) == canonical.json_dumps(entry)
