"""Audit exports: `audit export` writes a period of the log with its signed checkpoints and a
consistency proof; `audit verify-export` (and the standalone module, with no Flask, SQLAlchemy
or database loaded) accepts it intact and names the first problem in a tampered copy."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from coordination.audit import signed_note
from coordination.audit.log import checkpoint_now, verifier_key
from coordination.audit.models import AuditCheckpoint
from coordination.audit.record import record
from coordination.audit.witness import add_cosignature
from coordination.core.db import get_session, utcnow

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def exported(runner, make_user, tmp_path):  # type: ignore[no-untyped-def]
    user = make_user("fiu", "member")
    for i in range(37):
        record(user, "alert.view", ("alert", f"a-{i}"), {"n": i})
    checkpoint_now(get_session())  # a checkpoint inside the range the export must check
    for i in range(20):
        record(user, "case.view", ("case", f"c-{i}"), {"n": i})
    get_session().flush()
    out = tmp_path / "audit.jsonl"
    result = runner.invoke(args=["audit", "export", str(out)])
    assert result.exit_code == 0, result.output
    return out


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def write(path: Path, items: list[dict]) -> None:
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items))


def verify(runner, path: Path, *extra: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["audit", "verify-export", str(path), *extra])
    return result.exit_code, result.output


def test_an_export_verifies_in_the_app_and_standalone_without_the_web_app(runner, exported):
    code, output = verify(runner, exported)
    assert code == 0 and "audit export intact" in output and "signed checkpoints verified" in output
    events = [i for i in lines(exported) if i["type"] == "event"]
    assert [e["entry"]["index"] for e in events] == list(range(len(events)))
    check = (
        "import sys; from coordination.audit.verify_export import main; code = main(sys.argv[1:]);"
        "leaked = [m for m in ('flask', 'sqlalchemy', 'coordination.app') if m in sys.modules];"
        "print('LEAKED', leaked) if leaked else None; sys.exit(code or bool(leaked))"
    )
    done = subprocess.run(
        [sys.executable, "-c", check, str(exported), "--key", verifier_key()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "audit export intact" in done.stdout


def test_the_export_refuses_a_key_other_than_the_platforms(runner, exported):
    other = signed_note.verifier_key("simpul.local/audit", signed_note.public_bytes(Ed25519PrivateKey.generate()))
    code, output = verify(runner, exported, "--key", other)
    assert code == 1 and "no valid signature" in output


@pytest.mark.parametrize("tamper", ["change", "delete", "insert", "reorder", "truncate", "forge", "left"])
def test_a_tampered_export_is_refused_and_the_problem_named(runner, exported, tamper):
    items = lines(exported)
    events = [i for i in items if i["type"] == "event"]
    victim = events[5]
    if tamper == "change":
        victim["entry"]["actor_email"] = "someone@else.example"
        first_checkpoint = min(i["size"] for i in items if i["type"] == "checkpoint")
        expected = f"one of events {events[0]['id']}..{events[first_checkpoint - 1]['id']} was altered"
    elif tamper == "delete":
        items.remove(victim)
        expected = f"position {victim['entry']['index']} is missing"
    elif tamper == "insert":
        items.insert(items.index(victim) + 1, {**victim, "id": 999_999})
        expected = "event 999999"
    elif tamper == "reorder":
        a, b = items.index(victim), items.index(events[6])
        items[a], items[b] = items[b], items[a]
        expected = f"event {events[6]['id']}"
    elif tamper == "truncate":
        items.remove(events[-1])
        expected = "ends at position"
    elif tamper == "forge":
        note = next(i for i in items if i["type"] == "checkpoint")
        text, _lines = signed_note.split_note(note["note"])
        origin, size, _root = signed_note.parse_checkpoint(text)
        forged = signed_note.checkpoint_text(origin, size, b"\x00" * 32)
        note["note"] = signed_note.sign(forged, origin, Ed25519PrivateKey.generate())
        expected = f"checkpoint {size}"
    else:
        items[0]["left"] = ["00" * 32]  # the whole log starts at 0: nothing lies to its left
        expected = "header: the left subtrees"
    write(exported, items)
    code, output = verify(runner, exported)
    assert code == 1 and "NOT intact" in output and expected in output, output


def test_a_period_in_the_middle_carries_the_subtrees_to_its_left(runner, make_user, tmp_path):
    user = make_user("police", "member")
    for i in range(50):
        record(user, "referral.view", ("referral", f"r-{i}"))
    get_session().flush()
    middle = utcnow()
    for i in range(30):
        record(user, "referral.view", ("referral", f"s-{i}"))
    get_session().flush()
    out = tmp_path / "period.jsonl"
    since = (middle - timedelta(microseconds=1)).isoformat()
    result = runner.invoke(args=["audit", "export", "--from", since, str(out)])
    assert result.exit_code == 0, result.output
    header = lines(out)[0]
    assert header["first"] > 0 and len(header["left"]) == header["first"].bit_count()
    objects = [i["entry"]["object_id"] for i in lines(out) if i["type"] == "event"]
    assert "s-0" in objects and "r-0" not in objects
    assert verify(runner, out)[0] == 0
    items = lines(out)
    items[0]["left"][-1] = "00" * 32  # a forged left subtree cannot reproduce the signed root
    write(out, items)
    code, output = verify(runner, out)
    assert code == 1 and "do not match its signed root" in output and "(or the left subtrees)" in output


def test_witness_cosignatures_travel_with_the_export(runner, make_user, tmp_path):
    user = make_user("pjk", "supervisor")
    for i in range(10):
        record(user, "alert.view", ("alert", f"w-{i}"))
    checkpoint = checkpoint_now(get_session())
    get_session().flush()
    witness_key = Ed25519PrivateKey.generate()
    name = "bank.example/witness"
    vkey = signed_note.verifier_key(name, signed_note.public_bytes(witness_key))
    text, _ = signed_note.split_note(checkpoint.note)
    add_cosignature(user, checkpoint, vkey, signed_note.signature_line(name, witness_key, text))
    get_session().flush()
    out = tmp_path / "witnessed.jsonl"
    assert runner.invoke(args=["audit", "export", str(out)]).exit_code == 0
    code, output = verify(runner, out, "--witness", vkey)
    assert code == 0 and f"witness {name} co-signed" in output
    stranger = signed_note.verifier_key("other.example/w", signed_note.public_bytes(Ed25519PrivateKey.generate()))
    code, output = verify(runner, out, "--witness", stranger)
    assert code == 1 and "other.example/w" in output


def test_bad_export_requests_are_refused_and_write_nothing(runner, make_user, tmp_path):
    make_user("ngo", "member")
    out = tmp_path / "none.jsonl"
    checkpoints = get_session().query(AuditCheckpoint).count()
    result = runner.invoke(args=["audit", "export", "--from", "2999-01-01", str(out)])
    assert result.exit_code != 0 and "no audit events" in result.output and not out.exists()
    result = runner.invoke(args=["audit", "export", "--from", "2026-13-01", str(out)])
    assert result.exit_code != 0 and "--from" in result.output and not out.exists()
    result = runner.invoke(args=["audit", "export", "--from", "2026-11-02T10:00:00", str(out)])
    assert result.exit_code != 0 and "offset" in result.output
    assert get_session().query(AuditCheckpoint).count() == checkpoints
