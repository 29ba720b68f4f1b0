"""Cases: built from visible alerts, linked to other cases by shared identifiers, isolated."""

from __future__ import annotations

import copy

from sqlalchemy import func, select, text

from coordination.cases.models import Case
from coordination.core.db import get_session
from tests.conftest import bearer, csrf_token, sign_in
from tests.test_alerts_api import ALERT


def escalated_alert(client, pjk_member, pjk_supervisor, fiu_org, reference):  # type: ignore[no-untyped-def]
    body = copy.deepcopy(ALERT)
    body["reference"] = reference
    alert_id = client.post("/api/v1/alerts", headers=bearer(pjk_member), json=body).get_json()["id"]
    for action in ({"action": "start_review"}, {"action": "escalate", "to_org": fiu_org.id}):
        assert (
            client.post(f"/api/v1/alerts/{alert_id}/actions", headers=bearer(pjk_supervisor), json=action).status_code
            == 200
        )
    return alert_id


def setup(make_user, make_org):  # type: ignore[no-untyped-def]
    analyst = make_user("fiu", "member")
    banks = []
    for _ in range(2):
        org = make_org("pjk")
        banks.append((make_user("pjk", "member", org=org), make_user("pjk", "supervisor", org=org)))
    return analyst, banks


def test_case_collects_alerts_from_several_pjks(client, make_user, make_org):
    analyst, banks = setup(make_user, make_org)
    ids = [escalated_alert(client, m, s, analyst.organisation, f"REF-{i}") for i, (m, s) in enumerate(banks)]
    response = client.post(
        "/api/v1/cases",
        headers=bearer(analyst),
        json={"title": "Jaringan grooming e-wallet", "alert_ids": ids, "summary": "Dua PJK."},
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert {a["id"] for a in body["alert_list"]} == set(ids)
    assert {a["org"]["id"] for a in body["alert_list"]} == {banks[0][0].organisation_id, banks[1][0].organisation_id}
    read = client.get(f"/api/v1/cases/{body['id']}", headers=bearer(analyst)).get_json()
    assert read["title"] == "Jaringan grooming e-wallet" and read["summary"] == "Dua PJK."
    dump = "\n".join(str(r) for r in get_session().execute(text("SELECT * FROM cases")))
    assert "grooming e-wallet" not in dump  # titles are sealed


def test_alerts_not_visible_to_the_creator_are_refused_by_field(client, make_user, make_org):
    analyst, banks = setup(make_user, make_org)
    body = copy.deepcopy(ALERT)
    unescalated = client.post("/api/v1/alerts", headers=bearer(banks[0][0]), json=body).get_json()["id"]
    response = client.post(
        "/api/v1/cases", headers=bearer(analyst), json={"title": "Kasus", "alert_ids": [unescalated]}
    )
    assert response.status_code == 400 and "alert_ids.0" in response.get_json()["error"]["fields"]
    bad = client.post("/api/v1/cases", headers=bearer(analyst), json={"title": "Kasus", "alert_ids": ["nope"]})
    assert bad.status_code == 400 and "alert_ids.0" in bad.get_json()["error"]["fields"]
    assert get_session().scalar(select(func.count(Case.id))) == 0


def test_cases_sharing_an_identifier_are_linked(client, make_user, make_org):
    analyst, banks = setup(make_user, make_org)
    first = escalated_alert(client, *banks[0], analyst.organisation, "A-1")
    second = escalated_alert(client, *banks[1], analyst.organisation, "B-1")  # same victim e-wallet number
    case_a = client.post("/api/v1/cases", headers=bearer(analyst), json={"title": "Kasus A", "alert_ids": [first]})
    case_b = client.post("/api/v1/cases", headers=bearer(analyst), json={"title": "Kasus B", "alert_ids": [second]})
    linked = case_b.get_json()["linked_cases"]
    assert [c["id"] for c in linked] == [case_a.get_json()["id"]]
    assert "account" in linked[0]["shared"] and "nik" in linked[0]["shared"]


def test_other_organisations_cannot_see_a_case(client, make_user, make_org):
    analyst, banks = setup(make_user, make_org)
    alert = escalated_alert(client, *banks[0], analyst.organisation, "C-1")
    case_id = client.post(
        "/api/v1/cases", headers=bearer(analyst), json={"title": "Kasus C", "alert_ids": [alert]}
    ).get_json()["id"]
    police = make_user("police", "member")
    for user in (police, banks[0][1]):
        assert client.get(f"/api/v1/cases/{case_id}", headers=bearer(user)).status_code in (403, 404)
    assert client.get(f"/api/v1/cases/{case_id}", headers=bearer(police)).status_code == 404
    assert client.get("/api/v1/cases", headers=bearer(police)).get_json()["total"] == 0


def test_case_pages(app, client, make_user, make_org):
    analyst, banks = setup(make_user, make_org)
    alert = escalated_alert(client, *banks[0], analyst.organisation, "D-1")
    web = sign_in(app.test_client(), analyst)
    token = csrf_token(web, "/cases/new")
    assert "D-1" in web.get("/cases/new").get_data(as_text=True)
    response = web.post(
        "/cases/new", data={"title": "Kasus web", "summary": "", "alert_ids": [alert], "csrf_token": token}
    )
    assert response.status_code == 302
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kasus web" in page and "D-1" in page
    assert "Kasus web" in web.get("/cases").get_data(as_text=True)
    refused = web.post("/cases/new", data={"title": "x", "csrf_token": token})
    assert refused.status_code == 400


def test_case_notes_are_kept_sealed_and_never_referred(app, client, make_user, make_org):
    analyst, banks = setup(make_user, make_org)
    alert = escalated_alert(client, *banks[0], analyst.organisation, "N-1")
    case_id = client.post(
        "/api/v1/cases", headers=bearer(analyst), json={"title": "Kasus N", "alert_ids": [alert]}
    ).get_json()["id"]
    added = client.post(
        f"/api/v1/cases/{case_id}/notes", headers=bearer(analyst), json={"text": "Telepon ibu korban 0812-7777-0000"}
    )
    assert added.status_code == 201 and added.get_json()["notes"][0]["text"].startswith("Telepon ibu")
    assert client.post(f"/api/v1/cases/{case_id}/notes", headers=bearer(analyst), json={"text": ""}).status_code == 400
    dump = "\n".join(str(r) for r in get_session().execute(text("SELECT * FROM case_notes")))
    assert "Telepon ibu" not in dump
    police = make_user("police", "member")
    rid = client.post(
        f"/api/v1/cases/{case_id}/referrals",
        headers=bearer(analyst),
        json={"to_org": police.organisation_id, "purpose": "investigation"},
    ).get_json()["id"]
    received = client.get(f"/api/v1/referrals/{rid}", headers=bearer(police)).get_json()
    assert "Telepon ibu" not in str(received)
    web = sign_in(app.test_client(), analyst)
    token = csrf_token(web, f"/cases/{case_id}")
    assert web.post(f"/cases/{case_id}/notes", data={"text": "Catatan web", "csrf_token": token}).status_code == 302
    assert "Catatan web" in web.get(f"/cases/{case_id}").get_data(as_text=True)
