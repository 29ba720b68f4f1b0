"""Default deny, checked from the URL map and the role policy rather than from a hand-kept list.

Every endpoint must declare a permission; every (organisation kind, role) gets exactly what
`policies/roles.yaml` grants on every endpoint; objects of other organisations answer 404.
"""

from __future__ import annotations

import re

import pytest

from coordination.core.permissions import PERMISSIONS, PUBLIC, required_permission
from coordination.policy import role_policy
from tests.conftest import KINDS, ROLES, bearer, csrf_token, sign_in

PARAM_VALUES = {"int": "987654", "default": "nothing-here"}


def endpoint_cases(app):  # type: ignore[no-untyped-def]
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            url = re.sub(
                r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>",
                lambda m: PARAM_VALUES.get(m.group(1) or "default", PARAM_VALUES["default"]),
                rule.rule,
            )
            yield rule, method, url, required_permission(view)


def test_every_endpoint_declares_a_known_permission(app):
    undeclared = [rule.rule for rule, _m, _u, perm in endpoint_cases(app) if perm is None]
    assert undeclared == []
    unknown = {perm for *_rest, perm in endpoint_cases(app) if perm not in PERMISSIONS | {PUBLIC}}
    assert unknown == set()


def test_public_endpoints_are_only_the_expected_ones(app):
    public = {rule.endpoint for rule, _m, _u, perm in endpoint_cases(app) if perm == PUBLIC}
    assert public == {
        "static",
        "accounts.login",
        "accounts.second_factor",
        "accounts.enrol",
        "accounts.switch_language",
        "accounts.accept_invitation",
        "dashboard.health",
        "api.meta_openapi",
    }


def test_openapi_describes_every_api_endpoint(client):
    document = client.get("/api/v1/openapi.json").get_json()
    described = {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
    actual = set()
    for rule in client.application.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            actual |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert described == actual
    for path, ops in document["paths"].items():
        for op in ops.values():
            assert op["x-permission"] in PERMISSIONS | {PUBLIC}, path


@pytest.mark.parametrize("kind", KINDS)
def test_authorization_matrix(app, make_user, kind):
    """Each role of this kind, on every endpoint: refused (403) exactly when the policy says so."""
    policy = role_policy()
    failures = []
    for role in ROLES:
        user = make_user(kind, role)
        headers = bearer(user)
        web = sign_in(app.test_client(), user)
        for rule, method, url, permission in endpoint_cases(app):
            if permission == PUBLIC:
                continue
            expected_denied = not policy.allows(kind, role, permission)
            if url.startswith("/api/"):
                response = app.test_client().open(url, method=method, headers=headers, json={})
            else:
                if rule.endpoint == "accounts.logout":
                    continue  # would end the session the rest of the loop uses; tested in test_login
                response = web.open(url, method=method, data={})
            denied = response.status_code == 403
            if denied != expected_denied:
                failures.append((role, method, url, permission, response.status_code))
    assert failures == []


def test_anonymous_requests_are_refused_everywhere(app, client):
    for _rule, method, url, permission in endpoint_cases(app):
        if permission == PUBLIC:
            continue
        response = client.open(url, method=method)
        if url.startswith("/api/"):
            assert response.status_code == 401, url
            assert response.get_json()["error"]["code"] == "unauthorised"
        else:
            assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_denial_is_audited(app, signed_in):
    from sqlalchemy import select

    from coordination.audit.models import AuditEvent
    from coordination.core.db import get_session

    client, user = signed_in("ngo", "member")
    assert client.get("/admin/organisations").status_code == 403
    event = (
        get_session()
        .scalars(select(AuditEvent).where(AuditEvent.actor_user_id == user.id).order_by(AuditEvent.id.desc()))
        .first()
    )
    assert event.action == "permission.denied" and event.outcome == "denied"
    assert "orgs.manage" in event.detail


def test_objects_of_other_organisations_answer_404(app, make_user):
    admin_a = make_user("pjk", "org_admin")
    other_org_user = make_user("ngo", "member")
    own_token = bearer(make_user("pjk", "member", org=admin_a.organisation))
    headers = bearer(admin_a)
    client = app.test_client()
    assert client.get(f"/api/v1/users/{other_org_user.id}", headers=headers).status_code == 404
    response = client.post(f"/api/v1/users/{other_org_user.id}/actions", headers=headers, json={"action": "deactivate"})
    assert response.status_code == 404
    assert other_org_user.active
    # An API token of another user, even in the same organisation, is not the caller's to revoke.
    other_token_id = client.get("/api/v1/tokens", headers=own_token).get_json()["tokens"][0]["id"]
    assert client.delete(f"/api/v1/tokens/{other_token_id}", headers=headers).status_code == 404
    from sqlalchemy import select

    from coordination.audit.models import AuditEvent
    from coordination.core.db import get_session

    probes = (
        get_session()
        .scalars(
            select(AuditEvent).where(AuditEvent.action == "access.not_visible", AuditEvent.actor_user_id == admin_a.id)
        )
        .all()
    )
    assert {(e.object_type, e.object_id) for e in probes} >= {("user", str(other_org_user.id))}
    web = sign_in(app.test_client(), admin_a)
    token = csrf_token(web, "/admin/users")
    assert web.post(f"/admin/users/{other_org_user.id}/deactivate", data={"csrf_token": token}).status_code == 404
    assert other_org_user.active


def test_openapi_document_is_valid_openapi_3_1(client):
    from openapi_spec_validator import validate

    validate(client.get("/api/v1/openapi.json").get_json())


def test_responses_match_their_documented_schemas(app, make_user):
    from openapi_schema_validator import OAS31Validator

    document = app.test_client().get("/api/v1/openapi.json").get_json()
    policy = role_policy()
    callers = {}
    checked = 0
    for path, operations in document["paths"].items():
        operation = operations.get("get")
        if operation is None or "{" in path or path.endswith("openapi.json"):
            continue
        if "application/json" not in operation["responses"]["200"].get("content", {}):
            continue  # a file (CSV, evidence content)
        if any(p["in"] == "query" and p["required"] for p in operation["parameters"]):
            continue  # needs arguments: covered by its own tests
        kind, role = next(key for key, perms in sorted(policy.grants.items()) if operation["x-permission"] in perms)
        if (kind, role) not in callers:
            callers[(kind, role)] = bearer(make_user(kind, role))
        response = app.test_client().get(path, headers=callers[(kind, role)])
        assert response.status_code == 200, path
        schema = {
            **operation["responses"]["200"]["content"]["application/json"]["schema"],
            "components": document["components"],
        }
        OAS31Validator(schema).validate(response.get_json())
        checked += 1
    assert checked >= 4
