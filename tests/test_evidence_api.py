"""Evidence upload, metadata, custody and download through the API: encrypted at rest, refused
cleanly, released only whole and verified, CSAM only to police and PPATK with a stated reason."""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from coordination.core.db import get_session
from coordination.evidence.models import Evidence
from tests.conftest import bearer

PDF = b"%PDF-1.7\n" + b"Rekening koran Bank Nusantara, 081234567890, Siti Aminah. " * 300 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + secrets.token_bytes(5000)


@pytest.fixture
def store(app):  # type: ignore[no-untyped-def]
    return app.extensions["simpul.evidence_store"]


def make_case(client, user) -> str:  # type: ignore[no-untyped-def]
    return client.post("/api/v1/cases", headers=bearer(user), json={"title": "Kasus bukti"}).get_json()["id"]


def upload(client, user, case_id, content, name="bukti.pdf", category="document", **fields):  # type: ignore[no-untyped-def]
    data = {"category": category, **fields, "file": (io.BytesIO(content), name)}
    return client.post(
        f"/api/v1/cases/{case_id}/evidence", headers=bearer(user), data=data, content_type="multipart/form-data"
    )


def state(store) -> tuple[int, list[str], list[str]]:  # type: ignore[no-untyped-def]
    return get_session().scalar(select(func.count(Evidence.id))), list(store.names()), list(store.pending())


def test_upload_is_encrypted_at_rest_and_downloads_verified(client, make_user, store):
    police = make_user("police", "member")
    case_id = make_case(client, police)
    response = upload(client, police, case_id, PDF, name="../../rekening\x07 Siti.pdf", description="Dari bank")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest() and body["size"] == len(PDF)
    assert body["content_type"] == "application/pdf" and body["filename"] == "rekening Siti.pdf"
    with store.open(Evidence.__table__.c.id.type.python_type(body["id"]).hex) as stored:
        raw = stored.read()
    assert not any(PDF[i : i + 64] in raw for i in range(0, len(PDF) - 64, 13))  # no 64-byte window of it
    detail = client.get(f"/api/v1/evidence/{body['id']}", headers=bearer(police)).get_json()
    assert [e["action"] for e in detail["custody"]] == ["upload", "view"]
    assert detail["custody"][0]["actor"]["email"] == police.email
    content = client.get(f"/api/v1/evidence/{body['id']}/content", headers=bearer(police))
    assert content.status_code == 200 and content.data == PDF
    assert "attachment" in content.headers["Content-Disposition"]
    listed = client.get(f"/api/v1/cases/{case_id}/evidence", headers=bearer(police)).get_json()
    assert [e["id"] for e in listed["evidence"]] == [body["id"]]
    actions = [
        e["action"] for e in client.get(f"/api/v1/evidence/{body['id']}", headers=bearer(police)).get_json()["custody"]
    ]
    assert actions == ["upload", "view", "download", "view"]


@pytest.mark.parametrize(
    ("content", "category", "field"),
    [
        (PDF, "not_a_category", "category"),
        (b"", "document", "file"),
        (PNG, "bank_statement", "file"),  # a picture is not a bank statement, whatever its name
        (b"\x00\x01\x02binary junk" * 50, "other", "file"),
    ],
)
def test_bad_uploads_are_refused_by_field_and_leave_nothing(client, make_user, store, content, category, field):
    police = make_user("police", "member")
    case_id = make_case(client, police)
    before = state(store)
    response = upload(client, police, case_id, content, name="statement.pdf", category=category)
    assert response.status_code == 400 and field in response.get_json()["error"]["fields"], response.get_json()
    assert state(store) == before


def test_an_oversized_upload_is_refused_with_413_and_leaves_nothing(app, client, make_user, store):
    police = make_user("police", "member")
    case_id = make_case(client, police)
    before = state(store)
    config = app.extensions["simpul.config"]
    app.extensions["simpul.config"] = replace(config, evidence_max_bytes=4096)
    try:
        response = upload(client, police, case_id, PDF)
    finally:
        app.extensions["simpul.config"] = config
    assert response.status_code == 413
    assert state(store) == before


def test_csam_only_for_police_and_fiu_with_a_reason(client, make_user, make_org):
    police = make_user("police", "member")
    case_id = make_case(client, police)
    refused = upload(
        client, make_user("ngo", "member"), make_case(client, make_user("ngo", "member")), PNG, category="csam"
    )
    assert refused.status_code == 400 and "category" in refused.get_json()["error"]["fields"]
    item = upload(client, police, case_id, PNG, name="x.png", category="csam").get_json()
    assert item["reason_required"] and not item["preview"]
    no_reason = client.get(f"/api/v1/evidence/{item['id']}/content", headers=bearer(police))
    assert no_reason.status_code == 400 and "reason" in no_reason.get_json()["error"]["fields"]
    ok = client.get(f"/api/v1/evidence/{item['id']}/content?reason=Penyidikan+LP%2F123", headers=bearer(police))
    assert ok.status_code == 200 and ok.data == PNG
    download = [
        e
        for e in client.get(f"/api/v1/evidence/{item['id']}", headers=bearer(police)).get_json()["custody"]
        if e["action"] == "download"
    ]
    assert download[0]["detail"]["reason"] == "Penyidikan LP/123"
    other_police = make_user("police", "member", org=make_org("police"))
    for path in (f"/api/v1/evidence/{item['id']}", f"/api/v1/evidence/{item['id']}/content?reason=x"):
        assert client.get(path, headers=bearer(other_police)).status_code == 404
    assert upload(client, other_police, case_id, PDF).status_code == 404


def test_a_tampered_file_is_refused_whole(app, client, make_user, store):
    police = make_user("police", "member")
    item = upload(client, police, make_case(client, police), PDF).get_json()
    name = item["id"].replace("-", "")
    path = next(app.extensions["simpul.config"].evidence_dir.glob(f"??/??/{name}.smev"))
    damaged = bytearray(path.read_bytes())
    damaged[-40] ^= 0x01
    path.write_bytes(bytes(damaged))
    response = client.get(f"/api/v1/evidence/{item['id']}/content", headers=bearer(police))
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "integrity_failed"
    assert PDF[:20] not in response.data


def test_evidence_pages_upload_show_and_download(app, client, make_user, store):
    from tests.conftest import csrf_token, sign_in

    police = make_user("police", "member")
    case_id = make_case(client, police)
    web = sign_in(app.test_client(), police)
    page = web.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'data-testid="evidence-upload"' in page and 'value="csam"' in page
    token = csrf_token(web, f"/cases/{case_id}")
    before = state(store)
    forged = web.post(
        f"/cases/{case_id}/evidence",
        data={"csrf_token": "forged", "category": "document", "file": (io.BytesIO(PDF), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert forged.status_code == 302 and state(store) == before  # refused, and the file discarded
    stored = web.post(
        f"/cases/{case_id}/evidence",
        data={
            "csrf_token": token,
            "category": "document",
            "description": "Surat",
            "file": (io.BytesIO(PDF), "surat.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert stored.status_code == 302 and "/evidence/" in stored.headers["Location"]
    shown = web.get(stored.headers["Location"]).get_data(as_text=True)
    assert "surat.pdf" in shown and hashlib.sha256(PDF).hexdigest() in shown
    download = web.get(stored.headers["Location"] + "/download")
    assert download.status_code == 200 and download.data == PDF
    ngo_web = sign_in(app.test_client(), make_user("ngo", "member"))
    ngo_case = make_case(client, make_user("ngo", "member"))
    assert 'value="csam"' not in ngo_web.get(f"/cases/{ngo_case}").get_data(as_text=True)
    assert ngo_web.get(stored.headers["Location"]).status_code == 404


SAMPLES = {
    "csam": (PNG, "x.png"),
    "chat_log": (PNG, "chat.png"),
    "bank_statement": (PDF, "statement.pdf"),
    "transaction_export": (b"tanggal,jumlah,ke\n2026-05-01,150000,0812\n2026-05-02,250000,0812\n", "tx.csv"),
    "screenshot": (PNG, "layar.png"),
    "document": (PDF, "surat.pdf"),
    "other": (PDF, "lain.pdf"),
}


@pytest.mark.parametrize("kind", ["fiu", "police", "ministry", "service", "ngo"])
def test_every_category_for_every_kind_that_holds_cases(client, make_user, kind):
    """The spec: CSAM only ever reaches police and PPATK; every other category, every case owner."""
    member = make_user(kind, "member")
    case_id = make_case(client, member)
    stored = []
    for category, (content, name) in SAMPLES.items():
        response = upload(client, member, case_id, content, name=name, category=category)
        allowed = category != "csam" or kind in ("police", "fiu")
        assert (response.status_code == 201) == allowed, (kind, category, response.get_json())
        if allowed:
            stored.append(response.get_json()["id"])
    listed = {
        e["category"]
        for e in client.get(f"/api/v1/cases/{case_id}/evidence", headers=bearer(member)).get_json()["evidence"]
    }
    assert ("csam" in listed) == (kind in ("police", "fiu"))
    assert listed - {"csam"} == set(SAMPLES) - {"csam"}
    supervisor = make_user(kind, "supervisor", org=member.organisation)
    for evidence_id in stored:
        assert client.get(f"/api/v1/evidence/{evidence_id}", headers=bearer(supervisor)).status_code == 200
