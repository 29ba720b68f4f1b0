"""Referrals: preview equals what is sent, consent for victim support, recipient actions, revoke."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select, text

from coordination.core.db import get_session
from coordination.referrals.models import Referral
from tests.conftest import bearer, sign_in
from tests.test_alerts_api import ALERT


@pytest.fixture
def world(client, make_user, make_org):  # type: ignore[no-untyped-def]
    analyst = make_user("fiu", "member")
    bank = make_org("pjk")
    member, supervisor = make_user("pjk", "member", org=bank), make_user("pjk", "supervisor", org=bank)
    body = copy.deepcopy(ALERT)
    alert_id = client.post("/api/v1/alerts", headers=bearer(member), json=body).get_json()["id"]
    for action in ({"action": "start_review"}, {"action": "escalate", "to_org": analyst.organisation_id}):
        client.post(f"/api/v1/alerts/{alert_id}/actions", headers=bearer(supervisor), json=action)
    case_id = client.post(
        "/api/v1/cases",
        headers=bearer(analyst),
        json={"title": "Grooming Siti Aminah", "alert_ids": [alert_id], "summary": "Korban Siti Aminah."},
    ).get_json()["id"]
    return {
        "analyst": analyst,
        "case": case_id,
        "bank": bank,
        "police": make_user("police", "member"),
        "ngo": make_user("ngo", "member"),
        "other_ngo": make_user("ngo", "member", org=make_org("ngo")),
        "regulator": make_user("regulator", "member"),
    }


def refer(client, w, recipient, purpose, **extra):  # type: ignore[no-untyped-def]
    body = {
        "to_org": recipient.organisation_id,
        "purpose": purpose,
        "message": "Mohon tindak lanjut Siti Aminah",
        **extra,
    }
    return client.post(f"/api/v1/cases/{w['case']}/referrals", headers=bearer(w["analyst"]), json=body)


def act(client, user, referral_id, **body):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/referrals/{referral_id}/actions", headers=bearer(user), json=body)


def test_preview_is_exactly_what_the_recipient_receives(client, world):
    body = {"to_org": world["police"].organisation.name, "purpose": "investigation", "message": "Untuk penyidikan"}
    preview = client.post(
        f"/api/v1/cases/{world['case']}/referrals/preview", headers=bearer(world["analyst"]), json=body
    ).get_json()
    assert get_session().scalar(select(func.count(Referral.id))) == 0  # a preview sends nothing
    sent = client.post(f"/api/v1/cases/{world['case']}/referrals", headers=bearer(world["analyst"]), json=body)
    assert sent.status_code == 201
    received = client.get(f"/api/v1/referrals/{sent.get_json()['id']}", headers=bearer(world["police"])).get_json()
    assert received["case"] == preview["case"] and received["withheld"] == preview["withheld"]
    assert received["message"] == "Untuk penyidikan"
    assert received["policy_version"] == preview["policy_version"]
    assert received["from_org"]["id"] == world["analyst"].organisation_id
    dump = "\n".join(str(r) for r in get_session().execute(text("SELECT * FROM referrals")))
    assert "3174015506100003" not in dump  # the stored projection is sealed


def test_ngo_gets_its_projection_and_scrubbed_message(client, world):
    sent = refer(
        client,
        world,
        world["ngo"],
        "victim_support",
        consent={"given_by": "guardian", "method": "formulir bertanda tangan", "at": "2026-06-01T10:00:00+07:00"},
    )
    assert sent.status_code == 201, sent.get_json()
    received = client.get(f"/api/v1/referrals/{sent.get_json()['id']}", headers=bearer(world["ngo"])).get_json()
    serialised = str(received)
    assert "Siti Aminah" not in serialised and "3174015506100003" not in serialised and "Budi" not in serialised
    assert received["message"] == "Mohon tindak lanjut Korban-1"
    assert received["withheld"]["suspect_identity"] > 0
    assert received["consent"]["given_by"] == "guardian"


def test_victim_support_needs_consent_or_best_interest(client, world):
    before = get_session().scalar(select(func.count(Referral.id)))
    refused = refer(client, world, world["ngo"], "victim_support")
    assert refused.status_code == 400 and "consent" in refused.get_json()["error"]["fields"]
    half = refer(client, world, world["ngo"], "victim_support", consent={"given_by": "victim"})
    assert half.status_code == 400 and any(k.startswith("consent") for k in half.get_json()["error"]["fields"])
    assert get_session().scalar(select(func.count(Referral.id))) == before
    exception = refer(
        client,
        world,
        world["ngo"],
        "victim_support",
        consent={"best_interest_exception": "Anak dalam bahaya, wali adalah terduga pelaku"},
    )
    assert exception.status_code == 201


def test_policy_refuses_pairs_it_does_not_list(client, world):
    assert refer(client, world, world["regulator"], "information").status_code == 400
    assert refer(client, world, world["ngo"], "investigation").get_json()["error"]["fields"]["purpose"]
    own = refer(client, world, world["analyst"], "analysis")
    assert own.status_code == 400 and "to_org" in own.get_json()["error"]["fields"]


def test_recipient_lifecycle_and_history(client, world):
    police = world["police"]
    rid = refer(client, world, police, "investigation").get_json()["id"]
    inbox = client.get("/api/v1/referrals?box=inbox", headers=bearer(police)).get_json()
    assert [r["id"] for r in inbox["referrals"]] == [rid]
    outbox = client.get("/api/v1/referrals?box=outbox", headers=bearer(world["analyst"])).get_json()
    assert [r["id"] for r in outbox["referrals"]] == [rid]
    assert act(client, police, rid, action="close").status_code == 409  # not accepted yet
    assert act(client, police, rid, action="accept").get_json()["status"] == "accepted"
    assert act(client, police, rid, action="update").status_code == 400  # needs text
    assert act(client, police, rid, action="update", text="Korban sudah didampingi psikolog").status_code == 200
    assert act(client, world["analyst"], rid, action="accept").status_code == 403  # the sender cannot accept
    assert act(client, police, rid, action="close").get_json()["status"] == "closed"
    # After closing, the recipient keeps read access to what it received.
    assert client.get(f"/api/v1/referrals/{rid}", headers=bearer(police)).status_code == 200
    entries = client.get(f"/api/v1/referrals/{rid}/timeline", headers=bearer(world["analyst"])).get_json()["timeline"]
    assert [e["action"] for e in entries] == ["send", "accept", "update", "close"]
    assert entries[2]["detail"]["text"] == "Korban sudah didampingi psikolog"


def test_decline_and_revoke_close_the_referral_to_the_recipient(client, world):
    police = world["police"]
    declined = refer(client, world, police, "investigation").get_json()["id"]
    assert act(client, police, declined, action="decline").status_code == 400
    assert act(client, police, declined, action="decline", reason="Bukan wilayah kami").status_code == 200
    assert client.get(f"/api/v1/referrals/{declined}", headers=bearer(police)).status_code == 404
    revoked = refer(client, world, police, "investigation").get_json()["id"]
    assert act(client, police, revoked, action="revoke", reason="x").status_code == 403
    assert act(client, world["analyst"], revoked, action="revoke", reason="Salah kirim").status_code == 200
    assert client.get(f"/api/v1/referrals/{revoked}", headers=bearer(police)).status_code == 404
    assert client.get(f"/api/v1/referrals/{revoked}", headers=bearer(world["analyst"])).status_code == 200


def test_isolation_between_recipients(client, world):
    rid = refer(
        client, world, world["ngo"], "victim_support", consent={"best_interest_exception": "Anak dalam bahaya segera"}
    ).get_json()["id"]
    other = world["other_ngo"]
    assert client.get(f"/api/v1/referrals/{rid}", headers=bearer(other)).status_code == 404
    assert act(client, other, rid, action="accept").status_code == 404
    assert client.get("/api/v1/referrals", headers=bearer(other)).get_json()["total"] == 0
    bank_user = world["bank"].users[0]
    assert client.get(f"/api/v1/referrals/{rid}", headers=bearer(bank_user)).status_code == 404
    assert client.get(f"/api/v1/cases/{world['case']}", headers=bearer(world["ngo"])).status_code in (403, 404)


def test_ngo_sees_only_the_contact_route_named_in_the_consent(client, world):
    consent = {
        "given_by": "guardian",
        "method": "formulir",
        "at": "2026-06-01T10:00:00+07:00",
        "contact_route": "phone",
    }
    rid = refer(client, world, world["ngo"], "victim_support", consent=consent).get_json()["id"]
    victim = client.get(f"/api/v1/referrals/{rid}", headers=bearer(world["ngo"])).get_json()["case"]["alerts"][0][
        "subjects"
    ][0]
    assert victim["phone"] == "0812-3456-7890" and "email" not in victim and "address" not in victim
    no_route = refer(
        client, world, world["ngo"], "victim_support", consent={**consent, "contact_route": None}
    ).get_json()["id"]
    victim = client.get(f"/api/v1/referrals/{no_route}", headers=bearer(world["ngo"])).get_json()["case"]["alerts"][0][
        "subjects"
    ][0]
    assert "phone" not in victim


def test_a_request_for_information_is_answered_by_a_reply_and_a_wider_follow_up(app, client, world):
    police = world["police"]
    first = refer(client, world, police, "information").get_json()["id"]
    asked = act(client, police, first, action="request_info", text="Mohon nomor rekening terduga untuk penyidikan")
    assert asked.status_code == 200
    # The sender sees the request and answers in words ...
    history = client.get(f"/api/v1/referrals/{first}/timeline", headers=bearer(world["analyst"])).get_json()
    assert any(e["detail"].get("text", "").startswith("Mohon nomor rekening") for e in history["timeline"])
    assert act(client, police, first, action="reply", text="x").status_code == 403  # the sender's action only
    replied = act(client, world["analyst"], first, action="reply", text="Kami kirim rujukan penyidikan.")
    assert replied.status_code == 200
    # ... and with a wider referral, which only goes to the organisation that asked.
    elsewhere = refer(client, world, world["ngo"], "information", follows=first)
    assert elsewhere.status_code == 400 and "to_org" in elsewhere.get_json()["error"]["fields"]
    unknown = refer(client, world, police, "investigation", follows=world["case"])  # not a referral id
    assert unknown.status_code == 400 and "follows" in unknown.get_json()["error"]["fields"]
    count = get_session().scalar(select(func.count(Referral.id)))
    wider = refer(client, world, police, "investigation", follows=first)
    assert wider.status_code == 201, wider.get_json()
    assert get_session().scalar(select(func.count(Referral.id))) == count + 1
    second = client.get(f"/api/v1/referrals/{wider.get_json()['id']}", headers=bearer(police)).get_json()
    assert second["follows"] == first and second["purpose"] == "investigation"
    assert second["case"]["alerts"][0]["subjects"][1]["accounts"][0]["identifier"] == "1234-5678-90"
    original = client.get(f"/api/v1/referrals/{first}", headers=bearer(police)).get_json()
    assert original["follow_ups"] == [second["id"]]
    # The first referral stays as it was sent: a pseudonym where the follow-up carries the number.
    assert original["case"]["alerts"][0]["subjects"][1]["accounts"][0]["identifier"].startswith("ACC-")
    actions = [
        e["action"]
        for e in client.get(f"/api/v1/referrals/{first}/timeline", headers=bearer(police)).get_json()["timeline"]
    ]
    assert actions[-3:] == ["request_info", "reply", "follow_up"]
    # Pages: the sender is offered the follow-up; the recipient sees the link between the two.
    sender_page = sign_in(app.test_client(), world["analyst"]).get(f"/referrals/{first}").get_data(as_text=True)
    assert 'data-testid="follow-up"' in sender_page and f"follows={first}" in sender_page
    police_page = sign_in(app.test_client(), police).get(f"/referrals/{second['id']}").get_data(as_text=True)
    assert 'data-testid="follows"' in police_page and 'data-testid="follow-up"' not in police_page
