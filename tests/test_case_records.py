"""People and payments recorded on a case itself: an NGO builds a case from a complaint, with no
alert, and refers it; what it records is sealed, linked by blind index and projected by policy."""

from __future__ import annotations

import copy

from sqlalchemy import func, select, text

from coordination.core.db import get_session
from coordination.identifiers.models import IdentifierDigest
from coordination.subjects.models import Subject, Transaction
from tests.conftest import bearer, csrf_token, sign_in
from tests.test_alerts_api import ALERT
from tests.test_cases import setup

# An NGO hotline complaint (DOMAIN.md typology 4, sextortion): a mother reports that her daughter
# was made to pay "denda" to an e-wallet after an intimate video call.
COMPLAINT = {
    "title": "Pengaduan sekstorsi anak",
    "summary": "Ibu Rina melapor: anaknya Putri Lestari diperas lewat e-wallet 089912345678.",
    "subjects": [
        {
            "role": "victim",
            "name": "Putri Lestari",
            "birth_date": "2012-02-10",
            "gender": "female",
            "phone": "0813-1111-2222",
            "province": "jawa_tengah",
        },
        {"role": "reporter", "name": "Rina Wati", "phone": "0857-4444-5555"},
        {
            "role": "suspect",
            "name": "Akun Mawar99",
            "phone": "089912345678",
            "accounts": [{"type": "e_wallet", "provider": "DompetKita", "identifier": "089912345678"}],
        },
    ],
    "transactions": [
        {
            "tx_id": "BUKTI-1",
            "timestamp": "2026-09-01T20:05:00+07:00",
            "amount": "300000",
            "channel": "e_wallet",
            "from_account": "081311112222",
            "to_account": "089912345678",
            "note": "denda biar video ga disebar",
        }
    ],
}
CLEAR = ["Putri Lestari", "0813-1111-2222", "089912345678", "Akun Mawar99", "denda biar video", "Rina"]


def _counts() -> tuple[int, int, int]:
    session = get_session()
    return (
        session.scalar(select(func.count(Subject.id))),
        session.scalar(select(func.count(Transaction.id))),
        session.scalar(select(func.count(IdentifierDigest.id))),
    )


def test_an_ngo_builds_a_case_from_a_complaint_and_its_data_is_sealed(client, make_user):
    ngo = make_user("ngo", "member")
    created = client.post("/api/v1/cases", headers=bearer(ngo), json=COMPLAINT)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["alert_list"] == []
    assert [s["name"] for s in body["subjects"]] == ["Putri Lestari", "Rina Wati", "Akun Mawar99"]
    assert body["subjects"][2]["accounts"][0]["identifier"] == "089912345678"
    assert body["transactions"][0]["amount"] == "300000.00"
    again = client.get(f"/api/v1/cases/{body['id']}", headers=bearer(ngo)).get_json()
    assert again["subjects"] == body["subjects"] and again["transactions"] == body["transactions"]
    dump = "\n".join(
        str(row)
        for table in ("cases", "subjects", "subject_accounts", "transactions", "identifier_digests", "audit_events")
        for row in get_session().execute(text(f"SELECT * FROM {table}"))  # noqa: S608
    )
    for clear in CLEAR:
        assert clear not in dump, clear


def test_recording_adds_to_an_open_case_and_bad_input_changes_nothing(client, make_user):
    ngo = make_user("ngo", "member")
    case_id = client.post("/api/v1/cases", headers=bearer(ngo), json={"title": "Pengaduan"}).get_json()["id"]
    before = _counts()
    bad_role = {"subjects": [{"role": "neighbour", "name": "X"}]}
    refused = client.post(f"/api/v1/cases/{case_id}/subjects", headers=bearer(ngo), json=bad_role)
    assert refused.status_code == 400 and "subjects.0.role" in refused.get_json()["error"]["fields"]
    bad_nik = {"subjects": [{"role": "victim", "nik": "12345"}]}
    refused = client.post(f"/api/v1/cases/{case_id}/subjects", headers=bearer(ngo), json=bad_nik)
    assert refused.status_code == 400 and "subjects.0.nik" in refused.get_json()["error"]["fields"]
    bad_tx = {"transactions": [{**COMPLAINT["transactions"][0], "channel": "carrier_pigeon"}]}
    refused = client.post(f"/api/v1/cases/{case_id}/transactions", headers=bearer(ngo), json=bad_tx)
    assert refused.status_code == 400 and "transactions.0.channel" in refused.get_json()["error"]["fields"]
    empty = client.post(f"/api/v1/cases/{case_id}/subjects", headers=bearer(ngo), json={"subjects": []})
    assert empty.status_code == 400
    assert _counts() == before

    added = client.post(
        f"/api/v1/cases/{case_id}/subjects", headers=bearer(ngo), json={"subjects": COMPLAINT["subjects"]}
    )
    assert added.status_code == 201
    more = client.post(
        f"/api/v1/cases/{case_id}/transactions", headers=bearer(ngo), json={"transactions": COMPLAINT["transactions"]}
    )
    assert [s["role"] for s in more.get_json()["subjects"]] == ["victim", "reporter", "suspect"]
    assert [t["tx_id"] for t in more.get_json()["transactions"]] == ["BUKTI-1"]
    # The same account recorded twice on one case is indexed once.
    again = client.post(
        f"/api/v1/cases/{case_id}/subjects", headers=bearer(ngo), json={"subjects": [COMPLAINT["subjects"][2]]}
    )
    assert again.status_code == 201
    kinds = get_session().scalars(select(IdentifierDigest.kind).where(IdentifierDigest.case_id.is_not(None)))
    # Phones of victim, reporter and suspect; the suspect's e-wallet (also the payment's receiving
    # account) and the paying account.
    assert sorted(kinds) == ["account", "account", "phone", "phone", "phone"]


def test_other_organisations_cannot_record_on_a_case(client, make_user, make_org):
    ngo = make_user("ngo", "member")
    case_id = client.post("/api/v1/cases", headers=bearer(ngo), json={"title": "Pengaduan"}).get_json()["id"]
    other_ngo = make_user("ngo", "member", org=make_org("ngo"))
    body = {"subjects": COMPLAINT["subjects"]}
    assert client.post(f"/api/v1/cases/{case_id}/subjects", headers=bearer(other_ngo), json=body).status_code == 404
    assert client.get(f"/api/v1/cases/{case_id}", headers=bearer(other_ngo)).status_code == 404
    bank = make_user("pjk", "supervisor")  # no case permission at all
    assert client.post(f"/api/v1/cases/{case_id}/subjects", headers=bearer(bank), json=body).status_code == 403
    assert get_session().scalar(select(func.count(Subject.id))) == 0


def test_a_complaint_links_to_the_case_holding_a_pjk_alert_on_the_same_account(client, make_user, make_org):
    analyst, banks = setup(make_user, make_org)
    # PPATK records on its own case the e-wallet a hotline complaint named ...
    complaint_case = client.post("/api/v1/cases", headers=bearer(analyst), json=COMPLAINT).get_json()["id"]
    # ... then a PJK reports that same e-wallet, written differently, in an alert.
    body = copy.deepcopy(ALERT)
    body["subjects"][1]["accounts"][0]["identifier"] = "0899-1234-5678"
    body["reference"] = "STR-LINK"
    alert_id = client.post("/api/v1/alerts", headers=bearer(banks[0][0]), json=body).get_json()["id"]
    for action in ({"action": "start_review"}, {"action": "escalate", "to_org": analyst.organisation_id}):
        client.post(f"/api/v1/alerts/{alert_id}/actions", headers=bearer(banks[0][1]), json=action)
    seen = client.get(f"/api/v1/alerts/{alert_id}", headers=bearer(analyst)).get_json()
    assert seen["linked_cases"] == [complaint_case]
    # The PJK that raised the alert cannot see PPATK's case, so it is not told of it.
    assert client.get(f"/api/v1/alerts/{alert_id}", headers=bearer(banks[0][0])).get_json()["linked_cases"] == []
    alert_case = client.post(
        "/api/v1/cases", headers=bearer(analyst), json={"title": "Dari STR", "alert_ids": [alert_id]}
    ).get_json()
    assert [c["id"] for c in alert_case["linked_cases"]] == [complaint_case]
    assert alert_case["linked_cases"][0]["shared"] == ["account"]
    web = sign_in(client.application.test_client(), analyst)
    page = web.get(f"/cases/{complaint_case}").get_data(as_text=True)
    assert "Dari STR" in page


def test_ngo_refers_its_case_for_victim_support_and_the_projection_follows_policy(client, make_user):
    ngo = make_user("ngo", "member")
    service = make_user("service", "member")
    case_id = client.post("/api/v1/cases", headers=bearer(ngo), json=COMPLAINT).get_json()["id"]
    consent = {"given_by": "guardian", "method": "formulir bertanda tangan", "at": "2026-09-02T10:00:00+07:00"}
    sent = client.post(
        f"/api/v1/cases/{case_id}/referrals",
        headers=bearer(ngo),
        json={
            "to_org": service.organisation_id,
            "purpose": "victim_support",
            "message": "Mohon pendampingan psikologis untuk Putri Lestari",
            "consent": {**consent, "contact_route": "phone"},
        },
    )
    assert sent.status_code == 201, sent.get_json()
    received = client.get(f"/api/v1/referrals/{sent.get_json()['id']}", headers=bearer(service)).get_json()
    victim, reporter, suspect = received["case"]["subjects"]
    assert reporter["label"] == "Pelapor-1" and "phone" not in reporter  # consent names the victim's route
    assert victim["label"] == "Korban-1" and victim["age_band"] == "13-15" and victim["phone"] == "0813-1111-2222"
    assert victim.get("name", "Korban-1") == "Korban-1" and "birth_date" not in victim  # identity: derived
    assert set(suspect) <= {"label", "role", "accounts"} and suspect["accounts"] == []
    assert "transactions" not in received["case"] or all(
        "to_account" not in t for t in received["case"]["transactions"]
    )
    assert received["message"] == "Mohon pendampingan psikologis untuk Korban-1"
    text_of = str(received)
    assert received["case"]["summary"].startswith("Ibu Pelapor-1 melapor: anaknya Korban-1 diperas")
    for clear in ("Putri Lestari", "089912345678", "Akun Mawar99", "Rina", "0857-4444-5555"):
        assert clear not in text_of, clear
    page = sign_in(client.application.test_client(), service).get(f"/referrals/{sent.get_json()['id']}")
    html = page.get_data(as_text=True)
    assert "Korban-1" in html and "0813-1111-2222" in html and "Putri Lestari" not in html


def test_case_record_page(app, client, make_user):
    ngo = make_user("ngo", "member")
    web = sign_in(app.test_client(), ngo)
    token = csrf_token(web, "/cases/new")
    created = web.post(
        "/cases/new",
        data={
            "title": "Pengaduan web",
            "subjects-0-role": "victim",
            "subjects-0-name": "Wulan Sari",
            "subjects-0-province": "bali",
            "csrf_token": token,
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)
    case_url = created.headers["Location"]
    assert "Wulan Sari" in web.get(case_url).get_data(as_text=True)
    form = web.get(f"{case_url}/record")
    assert form.status_code == 200 and 'name="subjects-0-nik"' in form.get_data(as_text=True)
    refused = web.post(
        f"{case_url}/record", data={"subjects-0-role": "victim", "subjects-0-nik": "123", "csrf_token": token}
    )
    assert refused.status_code == 400 and "subjects.0.nik" in refused.get_data(as_text=True)
    recorded = web.post(
        f"{case_url}/record",
        data={
            "transactions-0-tx_id": "TRX-9",
            "transactions-0-timestamp": "2026-09-01T20:05",
            "transactions-0-amount": "75000",
            "transactions-0-channel": "pulsa",
            "transactions-0-to_account": "081399990000",
            "csrf_token": token,
        },
    )
    assert recorded.status_code == 302
    page = web.get(case_url).get_data(as_text=True)
    assert "TRX-9" in page and "081399990000" in page
    assert get_session().scalar(select(func.count(Transaction.id))) == 1
