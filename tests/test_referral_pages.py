"""Referral pages: compose with preview, send, the recipient's page with withheld counts and actions."""

from __future__ import annotations

from sqlalchemy import func, select

from coordination.core.db import get_session
from coordination.referrals.models import Referral
from tests.conftest import csrf_token, sign_in
from tests.test_referrals import world  # noqa: F401  (fixture)


def test_compose_preview_send_and_receive(app, world):  # noqa: F811
    sender = sign_in(app.test_client(), world["analyst"])
    path = f"/cases/{world['case']}/refer"
    token = csrf_token(sender, path)
    form = {
        "to_org": str(world["ngo"].organisation_id),
        "purpose": "victim_support",
        "message": "Untuk Siti Aminah",
        "consent_kind": "consent",
        "consent_given_by": "guardian",
        "consent_method": "formulir",
        "consent_at": "2026-06-01T10:00",
        "csrf_token": token,
    }
    preview = sender.post(path, data={**form, "intent": "preview"})
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert 'data-testid="preview"' in page and "Korban-1" in page and "Siti Aminah</p>" not in page
    assert get_session().scalar(select(func.count(Referral.id))) == 0
    sent = sender.post(path, data={**form, "intent": "send"})
    assert sent.status_code == 302
    recipient = sign_in(app.test_client(), world["ngo"])
    assert sent.headers["Location"] in recipient.get("/referrals").get_data(as_text=True)
    received = recipient.get(sent.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="withheld"' in received and "3174015506100003" not in received
    token = csrf_token(recipient, sent.headers["Location"])
    assert recipient.post(sent.headers["Location"], data={"action": "accept", "csrf_token": token}).status_code == 302
    after = recipient.get(sent.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="referral-status">diterima<' in after


def test_compose_refuses_victim_support_without_consent(app, world):  # noqa: F811
    sender = sign_in(app.test_client(), world["analyst"])
    path = f"/cases/{world['case']}/refer"
    response = sender.post(
        path,
        data={
            "to_org": str(world["ngo"].organisation_id),
            "purpose": "victim_support",
            "intent": "send",
            "csrf_token": csrf_token(sender, path),
        },
    )
    assert response.status_code == 400
    assert get_session().scalar(select(func.count(Referral.id))) == 0


def test_pages_404_for_other_recipients(app, world, client):  # noqa: F811
    from tests.conftest import bearer

    rid = client.post(
        f"/api/v1/cases/{world['case']}/referrals",
        headers=bearer(world["analyst"]),
        json={"to_org": world["police"].organisation_id, "purpose": "investigation"},
    ).get_json()["id"]
    other = sign_in(app.test_client(), world["other_ngo"])
    assert other.get(f"/referrals/{rid}").status_code == 404
    police = sign_in(app.test_client(), world["police"])
    assert police.get(f"/referrals/{rid}").status_code == 200
    assert police.get(f"/cases/{world['case']}/refer").status_code in (403, 404)
