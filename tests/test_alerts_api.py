"""Alerts through the API: raising, validation, lifecycle, escalation, timeline, isolation."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select, text

from coordination.alerts.models import Alert
from coordination.audit.models import AuditEvent
from coordination.core.db import get_session
from tests.conftest import bearer

ALERT = {
    "reference": "STR-2026-0001",
    "typologies": ["grooming_payments", "live_streaming"],
    "indicators": ["fan_in", "coded_note"],
    "narrative": "Rekening e-wallet menerima 43 transfer kecil dari 31 pengirim dalam 10 hari, berita 'buat jajan ya'.",
    "subjects": [
        {
            "role": "victim",
            "name": "Siti Aminah",
            "nik": "3174015506100003",
            "birth_date": "2010-06-15",
            "gender": "female",
            "phone": "0812-3456-7890",
            "province": "dki_jakarta",
            "accounts": [{"type": "e_wallet", "provider": "DompetKita", "identifier": "081234567890"}],
        },
        {
            "role": "suspect",
            "name": "Budi Santoso",
            "email": "budi.s@example.com",
            "gender": "male",
            "accounts": [{"type": "bank", "provider": "Bank Nusantara", "identifier": "1234-5678-90"}],
        },
    ],
    "transactions": [
        {
            "tx_id": "TX1",
            "timestamp": "2026-05-01T21:14:00+07:00",
            "amount": "150000",
            "channel": "e_wallet",
            "from_account": "1234567890",
            "to_account": "081234567890",
            "note": "buat jajan ya",
        },
        {
            "tx_id": "TX2",
            "timestamp": "2026-05-02T23:40:00+07:00",
            "amount": 250000.50,
            "currency": "IDR",
            "channel": "game_topup",
            "from_account": "1234567890",
            "to_account": "081234567890",
        },
    ],
}


@pytest.fixture
def pjk(make_user):  # type: ignore[no-untyped-def]
    member = make_user("pjk", "member")
    supervisor = make_user("pjk", "supervisor", org=member.organisation)
    return member, supervisor


def post_alert(client, user, body=None):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/alerts", headers=bearer(user), json=body or ALERT)


def act(client, user, alert_id, **body):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/alerts/{alert_id}/actions", headers=bearer(user), json=body)


def test_raise_and_read_back(client, pjk):
    member, _ = pjk
    response = post_alert(client, member)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "new" and body["org"]["id"] == member.organisation_id
    read = client.get(f"/api/v1/alerts/{body['id']}", headers=bearer(member)).get_json()
    assert read["subjects"][0]["nik"] == "3174015506100003"
    assert read["subjects"][1]["accounts"][0]["identifier"] == "1234-5678-90"
    assert read["transactions"][1]["amount"] == "250000.50"
    assert read["narrative"] == ALERT["narrative"]


def test_identifiers_and_narrative_are_not_stored_in_clear(client, pjk):
    post_alert(client, pjk[0])
    dump = "\n".join(
        str(row)
        for table in (
            "alerts",
            "subjects",
            "subject_accounts",
            "transactions",
            "identifier_digests",
            "audit_events",
        )
        for row in get_session().execute(text(f"SELECT * FROM {table}"))  # noqa: S608
    )
    for secret in (
        "3174015506100003",
        "Siti Aminah",
        "081234567890",
        "1234-5678-90",
        "budi.s@example.com",
        "buat jajan",
        "43 transfer",
    ):
        assert secret not in dump, secret


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda a: a.update(typologies=["unknown_modus"]), "typologies.0"),
        (lambda a: a.update(indicators=["fan_in", "nope"]), "indicators.1"),
        (lambda a: a["subjects"][0].update(nik="12345"), "subjects.0.nik"),
        (lambda a: a["subjects"][0].update(nik="٣١٧٤٠١٥٥٠٦١٠٠٠٠٣"), "subjects.0.nik"),  # Arabic-Indic digits
        (lambda a: a["subjects"][0].update(role="bystander"), "subjects.0.role"),
        (lambda a: a["subjects"][0].update(birth_date="2999-01-01"), "subjects.0.birth_date"),
        (lambda a: a["subjects"][1]["accounts"][0].update(type="cheque"), "subjects.1.accounts.0.type"),
        (lambda a: a["transactions"][0].update(timestamp="2026-05-01 21:14"), "transactions.0.timestamp"),
        (lambda a: a["transactions"][0].update(amount=-5), "transactions.0.amount"),
        (lambda a: a["transactions"][0].update(channel="pigeon"), "transactions.0.channel"),
        (lambda a: a.update(typologies=[]), "typologies"),
        (lambda a: a.update(colour="red"), "colour"),
        (lambda a: a.pop("narrative"), "narrative"),
    ],
)
def test_invalid_alert_is_400_naming_the_field_and_writes_nothing(client, pjk, change, field):
    body = copy.deepcopy(ALERT)
    change(body)
    before = get_session().scalar(select(func.count(Alert.id)))
    response = post_alert(client, pjk[0], body)
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"], response.get_json()
    assert get_session().scalar(select(func.count(Alert.id))) == before


def test_duplicate_reference_is_a_conflict(client, pjk):
    assert post_alert(client, pjk[0]).status_code == 201
    assert post_alert(client, pjk[0]).status_code == 409


def test_lifecycle_escalation_reaches_the_fiu_inbox(client, pjk, make_user):
    member, supervisor = pjk
    analyst = make_user("fiu", "member")
    alert_id = post_alert(client, member).get_json()["id"]
    # A member may raise but not triage.
    assert act(client, member, alert_id, action="start_review").status_code == 403
    # Escalation straight from "new" is not a step of the lifecycle.
    refused = act(client, supervisor, alert_id, action="escalate", to_org=analyst.organisation_id)
    assert refused.status_code == 409
    assert (
        act(client, supervisor, alert_id, action="assign", assignee=member.email).get_json()["assignee"] == member.email
    )
    assert act(client, supervisor, alert_id, action="start_review").get_json()["status"] == "in_review"
    assert client.get("/api/v1/alerts", headers=bearer(analyst)).get_json()["total"] == 0
    escalated = act(
        client,
        supervisor,
        alert_id,
        action="escalate",
        to_org=analyst.organisation.name,
        reason="Pola fan-in dan berita terkode",
    )
    assert escalated.status_code == 200 and escalated.get_json()["status"] == "escalated"
    inbox = client.get("/api/v1/alerts?status=escalated", headers=bearer(analyst)).get_json()
    assert [a["id"] for a in inbox["alerts"]] == [alert_id]
    assert act(client, analyst, alert_id, action="assign", assignee=analyst.email).status_code == 200
    assert act(client, analyst, alert_id, action="comment", comment="Dicocokkan dengan kasus lain").status_code == 200
    # Once escalated, PPATK holds the alert: the PJK can no longer dismiss it.
    assert act(client, supervisor, alert_id, action="dismiss", reason="late").status_code == 403
    assert client.get(f"/api/v1/alerts/{alert_id}", headers=bearer(member)).get_json()["status"] == "escalated"


def test_dismiss_needs_a_reason_and_timeline_shows_it(client, pjk):
    member, supervisor = pjk
    alert_id = post_alert(client, member).get_json()["id"]
    refused = act(client, supervisor, alert_id, action="dismiss")
    assert refused.status_code == 400 and "reason" in refused.get_json()["error"]["fields"]
    assert act(client, supervisor, alert_id, action="dismiss", reason="Transfer keluarga").status_code == 200
    entries = client.get(f"/api/v1/alerts/{alert_id}/timeline", headers=bearer(member)).get_json()["timeline"]
    assert [e["action"] for e in entries] == ["create", "dismiss"]
    assert entries[1]["detail"]["reason"] == "Transfer keluarga"
    assert entries[1]["actor"] == {"email": supervisor.email, "org": supervisor.organisation.name}
    reads = (
        get_session()
        .scalars(select(AuditEvent).where(AuditEvent.action == "alert.view", AuditEvent.actor_user_id == member.id))
        .all()
    )
    assert any('"timeline"' in e.detail for e in reads)  # reading the timeline is itself recorded
    # The reason is sealed: the audit table holds only a note id.
    dump = "\n".join(str(r) for r in get_session().execute(text("SELECT detail FROM audit_events")))
    assert "Transfer keluarga" not in dump


def test_other_organisations_get_404(client, pjk, make_user, make_org):
    alert_id = post_alert(client, pjk[0]).get_json()["id"]
    other_bank = make_user("pjk", "supervisor", org=make_org("pjk"))
    fiu = make_user("fiu", "member")
    for user in (other_bank, fiu):
        assert client.get(f"/api/v1/alerts/{alert_id}", headers=bearer(user)).status_code == 404
        assert act(client, user, alert_id, action="comment", comment="x").status_code == 404
    assert client.get("/api/v1/alerts/not-a-uuid", headers=bearer(other_bank)).status_code == 404
    assert client.get("/api/v1/alerts", headers=bearer(other_bank)).get_json()["total"] == 0


def test_related_alerts_share_an_identifier(client, pjk, make_user, make_org):
    first = post_alert(client, pjk[0]).get_json()["id"]
    second_body = copy.deepcopy(ALERT)
    second_body["reference"] = "STR-2026-0002"
    second_body["subjects"] = [{"role": "account_holder", "phone": "+62 812 3456 7890"}]
    second_body["transactions"] = []
    second = post_alert(client, pjk[0], second_body).get_json()
    assert second["related_alerts"] == [first]
    other_bank_user = make_user("pjk", "member", org=make_org("pjk"))
    third_body = copy.deepcopy(ALERT)
    third = post_alert(client, other_bank_user, third_body).get_json()
    assert third["related_alerts"] == []  # the first bank's alerts are not visible to the second
