"""API tokens: shown once, stored hashed, revocable, last use recorded."""

from __future__ import annotations

import re

from sqlalchemy import select, text

from coordination.accounts.models import ApiToken
from coordination.core.db import get_session
from tests.conftest import csrf_token


def test_token_from_ui_works_once_shown_and_is_stored_hashed(app, signed_in):
    client, user = signed_in("pjk", "member")
    token = csrf_token(client, "/account/tokens")
    page = client.post("/account/tokens", data={"name": "core banking", "csrf_token": token}).get_data(as_text=True)
    secret = re.search(r'data-testid="new-token">(smpl_[\w-]+)<', page).group(1)
    assert secret not in client.get("/account/tokens").get_data(as_text=True)
    dump = "\n".join(str(row) for row in get_session().execute(text("SELECT * FROM api_tokens")))
    assert secret not in dump
    api = app.test_client()
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.get_json()["email"] == user.email
    row = get_session().scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    get_session().refresh(row)
    assert row.last_used_at is not None


def test_revoked_token_is_refused(app, make_user):
    user = make_user("pjk", "supervisor")
    api = app.test_client()
    created = api.post("/api/v1/tokens", headers=_bootstrap(user), json={"name": "nightly export"})
    assert created.status_code == 201
    body = created.get_json()
    headers = {"Authorization": f"Bearer {body['secret']}"}
    assert api.get("/api/v1/me", headers=headers).status_code == 200
    assert api.delete(f"/api/v1/tokens/{body['token']['id']}", headers=headers).status_code == 200
    assert api.get("/api/v1/me", headers=headers).status_code == 401
    again = api.delete(f"/api/v1/tokens/{body['token']['id']}", headers=_bootstrap(user))
    assert again.status_code == 409


def test_malformed_or_unknown_bearer_is_401(client):
    for value in ("Bearer smpl_unknown", "Bearer ", "Basic abc", "Bearer " + "x" * 5000):
        response = client.get("/api/v1/me", headers={"Authorization": value})
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorised"


def _bootstrap(user):  # type: ignore[no-untyped-def]
    from tests.conftest import bearer

    return bearer(user)
