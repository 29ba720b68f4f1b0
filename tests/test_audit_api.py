"""Reading the audit log: who sees which events, filters and CSV, signed checkpoints that a
partner can verify and co-sign, and proofs checked with the standalone verifier."""

from __future__ import annotations

import copy
import json
import uuid

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from coordination.audit import signed_note
from coordination.audit.merkle import verify_consistency, verify_inclusion
from coordination.audit.models import AuditEvent
from coordination.audit.record import record
from coordination.cases.models import Case
from coordination.core.db import get_session
from tests.conftest import bearer, sign_in
from tests.test_alerts_api import ALERT
from tests.test_case_records import COMPLAINT


def escalated(client, make_user, make_org):  # type: ignore[no-untyped-def]
    analyst = make_user("fiu", "member")
    bank = make_org("pjk")
    member, supervisor = make_user("pjk", "member", org=bank), make_user("pjk", "supervisor", org=bank)
    alert_id = client.post("/api/v1/alerts", headers=bearer(member), json=copy.deepcopy(ALERT)).get_json()["id"]
    for action in ({"action": "start_review"}, {"action": "escalate", "to_org": analyst.organisation_id}):
        client.post(f"/api/v1/alerts/{alert_id}/actions", headers=bearer(supervisor), json=action)
    assert client.get(f"/api/v1/alerts/{alert_id}", headers=bearer(analyst)).status_code == 200
    return alert_id, analyst, supervisor


def test_a_pjk_sees_who_at_ppatk_opened_its_alert_and_others_do_not(client, make_user, make_org):
    alert_id, analyst, pjk_supervisor = escalated(client, make_user, make_org)
    seen = client.get(f"/api/v1/audit?object=alert:{alert_id}", headers=bearer(pjk_supervisor)).get_json()
    views = [e for e in seen["events"] if e["action"] == "alert.view"]
    assert views and views[0]["actor"]["email"] == analyst.email
    other_bank = make_user("pjk", "supervisor", org=make_org("pjk"))
    assert client.get(f"/api/v1/audit?object=alert:{alert_id}", headers=bearer(other_bank)).get_json()["total"] == 0
    csv = client.get(f"/api/v1/audit/export.csv?object=alert:{alert_id}", headers=bearer(pjk_supervisor))
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert analyst.email in csv.get_data(as_text=True) and csv.get_data(as_text=True).startswith("position,at,")
    bad = client.get("/api/v1/audit?object=alert;drop", headers=bearer(pjk_supervisor))
    assert bad.status_code == 400 and "object" in bad.get_json()["error"]["fields"]


def test_checkpoint_verifies_and_partners_cosign_it(client, make_user, make_org):
    escalated(client, make_user, make_org)
    partner = make_user("pjk", "supervisor")
    latest = client.get("/api/v1/audit/checkpoints/latest", headers=bearer(partner)).get_json()
    name, public = signed_note.parse_verifier_key(latest["key"])
    text = signed_note.verify_note(latest["note"], name, public)
    assert signed_note.parse_checkpoint(text)[0] == name
    _origin, size, root = signed_note.parse_checkpoint(text)
    assert size == latest["size"] and root.hex() == latest["root"]

    witness_key = Ed25519PrivateKey.generate()
    witness = "bank-nusantara.example/witness"
    vkey = signed_note.verifier_key(witness, signed_note.public_bytes(witness_key))
    line = signed_note.signature_line(witness, witness_key, text)
    forged = signed_note.signature_line(witness, Ed25519PrivateKey.generate(), text)
    refused = client.post(
        f"/api/v1/audit/checkpoints/{size}/cosign",
        headers=bearer(partner),
        json={"witness_key": vkey, "signature_line": forged},
    )
    assert refused.status_code == 400 and "signature_line" in refused.get_json()["error"]["fields"]
    signed = client.post(
        f"/api/v1/audit/checkpoints/{size}/cosign",
        headers=bearer(partner),
        json={"witness_key": vkey, "signature_line": line},
    )
    assert signed.status_code == 201
    note = signed.get_json()["note"]
    assert signed_note.verify_note(note, witness, signed_note.public_bytes(witness_key)) == text
    assert signed_note.verify_note(note, name, public) == text
    again = client.post(
        f"/api/v1/audit/checkpoints/{size}/cosign",
        headers=bearer(partner),
        json={"witness_key": vkey, "signature_line": line},
    )
    assert again.status_code == 409


def test_inclusion_and_consistency_proofs_verify(client, make_user, make_org):
    alert_id, analyst, pjk_supervisor = escalated(client, make_user, make_org)
    first = client.get("/api/v1/audit/checkpoints/latest", headers=bearer(pjk_supervisor)).get_json()
    event = client.get(f"/api/v1/audit?object=alert:{alert_id}&action=alert.view", headers=bearer(pjk_supervisor))
    event_id = event.get_json()["events"][0]["id"]
    proof = client.get(
        f"/api/v1/audit/proof/inclusion?event={event_id}&size={first['size']}", headers=bearer(pjk_supervisor)
    ).get_json()
    assert proof["size"] == first["size"] and proof["root"] == first["root"]
    assert verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]),
        proof["leaf_index"],
        proof["size"],
        [bytes.fromhex(p) for p in proof["proof"]],
        bytes.fromhex(first["root"]),
    )
    assert len(bytes.fromhex("".join(proof["proof"]))) < 1024
    client.get(f"/api/v1/alerts/{alert_id}", headers=bearer(analyst))  # the log grows
    second = client.get("/api/v1/audit/checkpoints/latest", headers=bearer(pjk_supervisor)).get_json()
    assert second["size"] > first["size"]
    step = client.get(
        f"/api/v1/audit/proof/consistency?from={first['size']}&to={second['size']}", headers=bearer(pjk_supervisor)
    ).get_json()
    assert verify_consistency(
        first["size"],
        second["size"],
        bytes.fromhex(first["root"]),
        bytes.fromhex(second["root"]),
        [bytes.fromhex(p) for p in step["proof"]],
    )
    other_bank = make_user("pjk", "supervisor", org=make_org("pjk"))
    hidden = client.get(f"/api/v1/audit/proof/inclusion?event={event_id}", headers=bearer(other_bank))
    assert hidden.status_code == 404


def test_alert_page_shows_who_acted_to_audit_readers_only(client, make_user, make_org):
    alert_id, analyst, pjk_supervisor = escalated(client, make_user, make_org)
    page = sign_in(app_client(client), pjk_supervisor).get(f"/alerts/{alert_id}").get_data(as_text=True)
    panel = page[page.index('data-testid="who-acted"') :]
    assert analyst.email in panel and analyst.organisation.name in panel and "alert.view" in panel
    member = make_user("pjk", "member", org=pjk_supervisor.organisation)
    page = sign_in(app_client(client), member).get(f"/alerts/{alert_id}").get_data(as_text=True)
    assert 'data-testid="who-acted"' not in page


def test_case_page_shows_others_acts_on_the_owners_case_and_nothing_else(client, make_user):
    owner = make_user("ngo", "supervisor")
    police = make_user("police", "member")
    case_id = client.post("/api/v1/cases", headers=bearer(owner), json=COMPLAINT).get_json()["id"]
    case = get_session().get(Case, uuid.UUID(case_id))
    record(police, "case.view", case, {"via": "referral"})  # another organisation reads the owner's case
    record(police, "case.view", ("case", "some-other-case"))  # not about this case
    get_session().commit()
    page = sign_in(app_client(client), owner).get(f"/cases/{case_id}").get_data(as_text=True)
    panel = page[page.index('data-testid="who-acted"') :]
    assert police.email in panel and police.organisation.name in panel
    assert panel.count("case.view") == 2  # the police read and the owner's own opening of this page
    reads = get_session().scalars(select(AuditEvent).where(AuditEvent.action == "audit.read")).all()
    assert any(json.loads(e.detail)["filter"].get("object") == f"case:{case_id}" for e in reads)


def app_client(client):  # type: ignore[no-untyped-def]
    return client.application.test_client()
