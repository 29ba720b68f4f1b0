"""Evidence travels with a referral by policy: the recipient sees and may open the items its
kind and purpose allow, learns how many were withheld, and loses access with the referral."""

from __future__ import annotations

from tests.conftest import bearer, sign_in
from tests.test_evidence_api import PDF, PNG, make_case, upload


def refer(client, sender, case_id, recipient, purpose, **extra):  # type: ignore[no-untyped-def]
    body = {"to_org": recipient.organisation_id, "purpose": purpose, **extra}
    response = client.post(f"/api/v1/cases/{case_id}/referrals", headers=bearer(sender), json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_evidence_follows_policy_per_recipient_and_purpose(app, client, make_user):
    analyst = make_user("fiu", "member")
    case_id = make_case(client, analyst)
    items = {
        category: upload(client, analyst, case_id, content, name=name, category=category).get_json()["id"]
        for category, content, name in (
            ("csam", PNG, "x.png"),
            ("bank_statement", PDF, "rk.pdf"),
            ("document", PDF, "surat.pdf"),
        )
    }
    police, ngo = make_user("police", "member"), make_user("ngo", "member")
    to_police = refer(client, analyst, case_id, police, "investigation")
    consent = {"best_interest_exception": "Anak membutuhkan pendampingan segera tanpa menunggu wali"}
    to_ngo = refer(client, analyst, case_id, ngo, "victim_support", consent=consent)

    seen = client.get(f"/api/v1/referrals/{to_police}", headers=bearer(police)).get_json()
    assert {e["category"] for e in seen["case"]["evidence"]} == {"csam", "bank_statement", "document"}
    assert "filename" not in str(seen["case"]["evidence"]) and "surat.pdf" not in str(seen)
    assert client.get(f"/api/v1/evidence/{items['document']}", headers=bearer(police)).status_code == 200
    reason = "?reason=Penyidikan+LP%2F9"
    assert client.get(f"/api/v1/evidence/{items['csam']}/content{reason}", headers=bearer(police)).data == PNG

    received = client.get(f"/api/v1/referrals/{to_ngo}", headers=bearer(ngo)).get_json()
    assert [e["category"] for e in received["case"]["evidence"]] == ["document"]
    assert received["withheld"]["evidence"] == 2
    # NGO members see what arrived; downloading is for its supervisors (policies/roles.yaml).
    assert client.get(f"/api/v1/evidence/{items['document']}/content", headers=bearer(ngo)).status_code == 403
    ngo_supervisor = make_user("ngo", "supervisor", org=ngo.organisation)
    content = client.get(f"/api/v1/evidence/{items['document']}/content", headers=bearer(ngo_supervisor))
    assert content.data == PDF
    for withheld in ("csam", "bank_statement"):
        assert client.get(f"/api/v1/evidence/{items[withheld]}", headers=bearer(ngo)).status_code == 404
    page = sign_in(app.test_client(), ngo).get(f"/referrals/{to_ngo}").get_data(as_text=True)
    assert f"/evidence/{items['document']}" in page and f"/evidence/{items['csam']}" not in page

    revoked = client.post(
        f"/api/v1/referrals/{to_ngo}/actions",
        headers=bearer(analyst),
        json={"action": "revoke", "reason": "Dikirim ke lembaga yang salah"},
    )
    assert revoked.status_code == 200
    assert client.get(f"/api/v1/evidence/{items['document']}", headers=bearer(ngo)).status_code == 404
