"""Organisation admins manage their people; the platform admin manages organisations."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from coordination.accounts.models import ApiToken, Organisation, User, UserSession
from coordination.audit.models import AuditEvent
from coordination.core.db import get_session
from tests.conftest import PASSWORD, bearer, csrf_token, sign_in


def test_invitation_flow_from_invite_to_first_sign_in(app, signed_in):
    admin_client, admin = signed_in("pjk", "org_admin")
    token = csrf_token(admin_client, "/admin/users")
    page = admin_client.post(
        "/admin/users", data={"email": "Analis.Baru@Bank.example.id", "role": "member", "csrf_token": token}
    ).get_data(as_text=True)
    link = re.search(r'data-testid="invitation-link">([^<]+)<', page).group(1)
    invited = get_session().scalar(select(User).where(User.email == "analis.baru@bank.example.id"))
    assert invited.organisation_id == admin.organisation_id and invited.password_hash is None
    path = link.replace("http://localhost", "")
    newcomer = app.test_client()
    form_token = csrf_token(newcomer, path)
    weak = newcomer.post(path, data={"password": "password1234", "confirm": "password1234", "csrf_token": form_token})
    assert weak.status_code == 400 and invited.password_hash is None
    done = newcomer.post(path, data={"password": PASSWORD, "confirm": PASSWORD, "csrf_token": form_token})
    assert done.status_code == 302
    # The link works once.
    assert newcomer.get(path).status_code == 404
    login_token = csrf_token(newcomer, "/login")
    response = newcomer.post("/login", data={"email": invited.email, "password": PASSWORD, "csrf_token": login_token})
    assert response.headers["Location"].endswith("/login/mfa/setup")


def test_deactivate_ends_sessions_and_tokens_and_is_audited(app, signed_in, make_user):
    admin_client, admin = signed_in("fiu", "org_admin")
    member = make_user("fiu", "member", org=admin.organisation)
    member_client = sign_in(app.test_client(), member)
    headers = bearer(member)
    token = csrf_token(admin_client, "/admin/users")
    assert admin_client.post(f"/admin/users/{member.id}/deactivate", data={"csrf_token": token}).status_code == 302
    assert member_client.get("/").status_code == 302
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    get_session().expire_all()
    assert not get_session().get(User, member.id).active
    assert (
        get_session().scalar(
            select(func.count(UserSession.id)).where(UserSession.user_id == member.id, UserSession.ended_at.is_(None))
        )
        == 0
    )
    assert (
        get_session().scalar(
            select(func.count(ApiToken.id)).where(ApiToken.user_id == member.id, ApiToken.revoked_at.is_(None))
        )
        == 0
    )
    event = get_session().scalar(select(AuditEvent).where(AuditEvent.action == "user.deactivate"))
    assert event.actor_user_id == admin.id and event.object_id == str(member.id)


def test_reset_mfa_forces_enrolment_again(app, signed_in, make_user):
    _admin_client, admin = signed_in("police", "org_admin")
    member = make_user("police", "member", org=admin.organisation)
    headers = bearer(admin)
    response = app.test_client().post(
        f"/api/v1/users/{member.id}/actions", headers=headers, json={"action": "reset_mfa"}
    )
    assert response.status_code == 200 and response.get_json()["mfa_enrolled"] is False
    client = app.test_client()
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": member.email, "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"].endswith("/login/mfa/setup")


def test_admin_cannot_deactivate_themselves(app, make_user):
    admin = make_user("ngo", "org_admin")
    response = app.test_client().post(
        f"/api/v1/users/{admin.id}/actions", headers=bearer(admin), json={"action": "deactivate"}
    )
    assert response.status_code == 404
    assert admin.active


def test_user_list_shows_only_own_organisation(app, make_user):
    admin = make_user("ministry", "org_admin")
    colleague = make_user("ministry", "member", org=admin.organisation)
    stranger = make_user("service", "member")
    emails = {u["email"] for u in app.test_client().get("/api/v1/users", headers=bearer(admin)).get_json()["users"]}
    assert colleague.email in emails and stranger.email not in emails
    page = sign_in(app.test_client(), admin).get("/admin/users").get_data(as_text=True)
    assert colleague.email in page and stranger.email not in page


def test_platform_admin_creates_organisation_and_invites_its_admin(app, make_user):
    operator = make_user("operator", "org_admin")
    headers = bearer(operator)
    client = app.test_client()
    created = client.post("/api/v1/orgs", headers=headers, json={"name": "Dompet Digital Sejahtera", "kind": "pjk"})
    assert created.status_code == 201
    org_id = created.get_json()["id"]
    duplicate = client.post("/api/v1/orgs", headers=headers, json={"name": "dompet digital sejahtera", "kind": "pjk"})
    assert duplicate.status_code == 409 and duplicate.get_json()["error"]["fields"]["name"]
    # The platform may invite the first administrator, but not ordinary members.
    member = client.post(
        "/api/v1/users", headers=headers, json={"email": "x@dds.example.id", "role": "member", "org_id": org_id}
    )
    assert member.status_code == 403
    invited = client.post(
        "/api/v1/users", headers=headers, json={"email": "admin@dds.example.id", "role": "org_admin", "org_id": org_id}
    )
    assert invited.status_code == 201
    assert "/invitation/" in invited.get_json()["invitation_url"]
    assert invited.get_json()["user"]["org"]["id"] == org_id


def test_deactivating_an_organisation_signs_out_its_people(app, make_user):
    operator = make_user("operator", "org_admin")
    member = make_user("ngo", "member")
    member_client = sign_in(app.test_client(), member)
    response = app.test_client().post(
        f"/api/v1/orgs/{member.organisation_id}/actions", headers=bearer(operator), json={"action": "deactivate"}
    )
    assert response.status_code == 200 and response.get_json()["active"] is False
    assert member_client.get("/").status_code == 302
    operator_org = get_session().get(Organisation, operator.organisation_id)
    response = app.test_client().post(
        f"/api/v1/orgs/{operator_org.id}/actions", headers=bearer(operator), json={"action": "deactivate"}
    )
    assert response.status_code == 400


def test_org_admin_pages_render(app, signed_in, make_user):
    client, _admin = signed_in("operator", "org_admin")
    other = make_user("pjk", "member")
    for path in (
        "/admin/users",
        "/admin/organisations",
        f"/admin/organisations/{other.organisation_id}",
        "/audit",
        "/account",
        "/",
    ):
        assert client.get(path).status_code == 200, path
