"""Alert pages: raise through the form, the inbox, the alert page with its actions and timeline."""

from __future__ import annotations

from sqlalchemy import func, select

from coordination.alerts.models import Alert
from coordination.core.db import get_session
from tests.conftest import csrf_token, sign_in

FORM = {
    "reference": "STR-WEB-1",
    "typologies": ["sextortion"],
    "indicators": ["minor_payer_escalation"],
    "narrative": "Anak membayar nominal yang terus meningkat ke akun baru.",
    "subjects-0-role": "victim",
    "subjects-0-name": "Rina",
    "subjects-0-birth_date": "2011-02-03",
    "subjects-0-account_type": "e_wallet",
    "subjects-0-account_identifier": "0856-1111-2222",
    "subjects-1-role": "",  # an untouched fieldset
    "transactions-0-tx_id": "W1",
    "transactions-0-timestamp": "2026-06-01T22:05",
    "transactions-0-amount": "50000",
    "transactions-0-channel": "e_wallet",
    "transactions-0-from_account": "0856-1111-2222",
    "transactions-1-channel": "",
}


def raise_via_form(client, form=None):  # type: ignore[no-untyped-def]
    data = dict(form or FORM)
    data["csrf_token"] = csrf_token(client, "/alerts/new")
    return client.post("/alerts/new", data=data)


def test_raise_alert_through_the_form(app, signed_in):
    client, user = signed_in("pjk", "member")
    response = raise_via_form(client)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    alert = get_session().scalar(select(Alert).where(Alert.reference == "STR-WEB-1"))
    assert alert.organisation_id == user.organisation_id
    assert len(alert.subjects) == 1 and len(alert.transactions) == 1
    # The form's WIB time is stored as UTC.
    assert alert.transactions[0].occurred_at.hour == 15
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Rina" in page and "0856-1111-2222" in page and 'data-testid="timeline"' in page


def test_invalid_form_shows_the_fields_and_keeps_input(app, signed_in):
    client, _user = signed_in("pjk", "member")
    bad = dict(FORM, **{"subjects-0-nik": "123", "transactions-0-amount": "-1"})
    response = raise_via_form(client, bad)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "subjects.0.nik" in page and "transactions.0.amount" in page
    assert 'value="STR-WEB-1"' in page
    assert get_session().scalar(select(func.count(Alert.id))) == 0


def test_triage_through_the_page_and_inbox(app, signed_in, make_user):
    member_client, member = signed_in("pjk", "member")
    raise_via_form(member_client)
    alert = get_session().scalar(select(Alert).where(Alert.reference == "STR-WEB-1"))
    supervisor = make_user("pjk", "supervisor", org=member.organisation)
    fiu = make_user("fiu", "member")
    client = sign_in(app.test_client(), supervisor)
    page = f"/alerts/{alert.id}"
    token = csrf_token(client, page)
    member_page = member_client.get(page).get_data(as_text=True)
    assert 'value="escalate"' not in member_page  # a member may not triage
    assert client.post(page, data={"action": "start_review", "csrf_token": token}).status_code == 302
    refused = client.post(page, data={"action": "dismiss", "csrf_token": token})
    assert refused.status_code == 400
    assert (
        client.post(
            page,
            data={"action": "escalate", "to_org": str(fiu.organisation_id), "reason": "Pemerasan", "csrf_token": token},
        ).status_code
        == 302
    )
    inbox = sign_in(app.test_client(), fiu).get("/alerts").get_data(as_text=True)
    assert "STR-WEB-1" in inbox
    timeline = client.get(page).get_data(as_text=True)
    assert "Pemerasan" in timeline and "escalate" in timeline


def test_alert_page_of_another_bank_is_404(app, signed_in, make_org, make_user):
    client, _ = signed_in("pjk", "member")
    raise_via_form(client)
    alert = get_session().scalar(select(Alert).where(Alert.reference == "STR-WEB-1"))
    stranger = sign_in(app.test_client(), make_user("pjk", "supervisor", org=make_org("pjk")))
    assert stranger.get(f"/alerts/{alert.id}").status_code == 404
    assert "STR-WEB-1" not in stranger.get("/alerts").get_data(as_text=True)
