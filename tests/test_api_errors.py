"""Bad input gets a clear JSON error naming the field, and changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from coordination.accounts.models import Organisation
from coordination.core.db import get_session
from tests.conftest import bearer


def org_count() -> int:
    return get_session().scalar(select(func.count(Organisation.id)))


def test_bad_bodies_are_400_with_fields_and_write_nothing(app, make_user):
    headers = bearer(make_user("operator", "org_admin"))
    client = app.test_client()
    before = org_count()
    cases = [
        ({"name": "A valid name", "kind": "bank"}, "kind"),
        ({"name": 42, "kind": "pjk"}, "name"),
        ({"name": "x", "kind": "pjk"}, "name"),
        ({"name": "Bank Baru", "kind": "pjk", "extra": True}, "extra"),
        ({"kind": "pjk"}, "name"),
        ({"name": "n" * 201, "kind": "pjk"}, "name"),
        (["not", "an", "object"], "body"),
    ]
    for body, field in cases:
        response = client.post("/api/v1/orgs", headers=headers, json=body)
        assert response.status_code == 400, body
        error = response.get_json()["error"]
        assert error["code"] == "validation_failed" and error["message"]
        assert any(name == field or name.startswith(field) or field == "body" for name in error["fields"]), (
            body,
            error,
        )
    assert org_count() == before


def test_malformed_json_wrong_type_and_oversize(app, make_user):
    headers = bearer(make_user("operator", "org_admin"))
    client = app.test_client()
    before = org_count()
    broken = client.post("/api/v1/orgs", headers=headers, data=b'{"name": ', content_type="application/json")
    assert broken.status_code == 400 and broken.get_json()["error"]["fields"] == {"body": "not valid JSON"}
    not_utf8 = client.post("/api/v1/orgs", headers=headers, data=b"\xff\xfe", content_type="application/json")
    assert not_utf8.status_code == 400
    form = client.post("/api/v1/orgs", headers=headers, data={"name": "x"})
    assert form.status_code == 415 and form.get_json()["error"]["code"] == "unsupported_media_type"
    huge = client.post(
        "/api/v1/orgs",
        headers=headers,
        data=b'{"name": "' + b"a" * (3 * 1024 * 1024) + b'"}',
        content_type="application/json",
    )
    assert huge.status_code == 413 and huge.get_json()["error"]["code"] == "too_large"
    assert org_count() == before


def test_bad_query_parameters_are_400(app, make_user):
    headers = bearer(make_user("pjk", "org_admin"))
    response = app.test_client().get("/api/v1/audit/events?page=zero&outcome=maybe", headers=headers)
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == {"page", "outcome"}
    unknown = app.test_client().get("/api/v1/audit/events?colour=red", headers=headers)
    assert unknown.status_code == 400 and "colour" in unknown.get_json()["error"]["fields"]


def test_unknown_api_path_and_method_are_json(client, make_user):
    headers = bearer(make_user("pjk", "member"))
    missing = client.get("/api/v1/no-such-thing", headers=headers)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    wrong = client.put("/api/v1/me", headers=headers)
    assert wrong.status_code == 405 and wrong.get_json()["error"]["code"] == "method_not_allowed"


def test_cookie_session_calling_the_api_needs_csrf_for_writes(app, signed_in):
    from tests.conftest import csrf_token

    client, _user = signed_in("pjk", "member")
    assert client.get("/api/v1/me").status_code == 200
    refused = client.post("/api/v1/tokens", json={"name": "from a page"})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf_failed"
    token = csrf_token(client)
    allowed = client.post("/api/v1/tokens", json={"name": "from a page"}, headers={"X-CSRFToken": token})
    assert allowed.status_code == 201


def test_me_matches_the_documented_shape(app, make_user):
    user = make_user("fiu", "supervisor")
    body = app.test_client().get("/api/v1/me", headers=bearer(user)).get_json()
    assert body["email"] == user.email and body["role"] == "supervisor"
    assert body["org"] == {"id": user.organisation_id, "name": user.organisation.name, "kind": "fiu"}
    assert "evidence.view_csam" in body["permissions"] and "users.manage" not in body["permissions"]
