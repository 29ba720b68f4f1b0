"""Audit recording: same transaction as the act, append-only, restricted reading, reads audited."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from sqlalchemy import func, select

from coordination.accounts.models import Organisation
from coordination.accounts.operations.organisations import create_organisation
from coordination.audit.models import AuditEvent
from coordination.audit.record import record
from coordination.core.db import get_session
from coordination.policy.versions import policy_files, record_policy_changes
from tests.conftest import bearer, sign_in


def count(action: str) -> int:
    return get_session().scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))


def test_event_commits_and_rolls_back_with_its_action(app, make_user):
    actor = make_user("operator", "org_admin")
    before = count("org.create")
    create_organisation(actor, "Rolled Back Org", "ngo")
    get_session().rollback()
    assert count("org.create") == before
    assert get_session().scalar(select(Organisation).where(Organisation.name == "Rolled Back Org")) is None
    create_organisation(actor, "Kept Org", "ngo")
    get_session().commit()
    assert count("org.create") == before + 1


def test_events_cannot_be_updated_or_deleted_by_the_application(app, make_user):
    actor = make_user("pjk", "member")
    event = record(actor, "test.event", actor, {"k": "v"})
    get_session().commit()
    event.action = "rewritten"
    with pytest.raises(PermissionError):
        get_session().flush()
    get_session().rollback()
    get_session().delete(event)
    with pytest.raises(PermissionError):
        get_session().flush()
    get_session().rollback()


def test_event_fields(app, make_user, client):
    actor = make_user("pjk", "member")
    sign_in(client, actor)
    client.get("/admin/users")  # denied: recorded with who, what, where and outcome
    event = (
        get_session()
        .scalars(select(AuditEvent).where(AuditEvent.actor_user_id == actor.id).order_by(AuditEvent.id.desc()))
        .first()
    )
    assert (event.actor_email, event.actor_org_id, event.outcome, event.ip) == (
        actor.email,
        actor.organisation_id,
        "denied",
        "127.0.0.1",
    )
    assert event.occurred_at.tzinfo is not None


def test_readers_see_their_own_organisation_and_reading_is_audited(app, make_user):
    reader = make_user("pjk", "supervisor")
    colleague = make_user("pjk", "member", org=reader.organisation)
    stranger = make_user("ngo", "member")
    record(colleague, "colleague.act", colleague)
    record(stranger, "stranger.act", stranger)
    get_session().commit()
    body = app.test_client().get("/api/v1/audit/events", headers=bearer(reader)).get_json()
    actions = {e["action"] for e in body["events"]}
    assert "colleague.act" in actions and "stranger.act" not in actions
    assert count("audit.read") >= 1
    operator = make_user("operator", "supervisor")
    everything = app.test_client().get("/api/v1/audit/events?action=stranger.", headers=bearer(operator)).get_json()
    assert [e["action"] for e in everything["events"]] == ["stranger.act"]


def test_audit_page_filters(app, make_user):
    reader = make_user("fiu", "supervisor")
    record(reader, "login.failure", reader, outcome="failure")
    get_session().commit()
    page = sign_in(app.test_client(), reader).get("/audit?outcome=failure&action=login.").get_data(as_text=True)
    assert "login.failure" in page


def test_policy_file_changes_are_recorded_once_with_before_and_after(app, runner, tmp_path):
    source = app.extensions["simpul.config"].policies_dir
    before = count("policy.change")
    assert runner.invoke(args=["init"]).exit_code == 0
    first = count("policy.change")
    assert first == before + len(policy_files(source))  # a new database: every file is recorded once
    assert runner.invoke(args=["init"]).exit_code == 0
    assert count("policy.change") == first  # nothing changed: nothing recorded
    copy = tmp_path / "policies"
    shutil.copytree(source, copy)
    redaction = copy / "redaction.yaml"
    old_version = yaml.safe_load(redaction.read_text())["version"]
    redaction.write_text(redaction.read_text().replace(f'version: "{old_version}"', 'version: "2099-01-01.1"'))
    assert record_policy_changes(get_session(), copy) == ["redaction.yaml"]
    event = (
        get_session()
        .scalars(select(AuditEvent).where(AuditEvent.action == "policy.change").order_by(AuditEvent.id.desc()))
        .first()
    )
    detail = json.loads(event.detail)
    assert (event.object_id, detail["version"], detail["previous_version"]) == (
        "redaction.yaml",
        "2099-01-01.1",
        old_version,
    )


def test_token_uses_and_refusals_are_recorded_without_the_secret(app, make_user):
    user = make_user("pjk", "member")
    headers = bearer(user)
    secret = headers["Authorization"].removeprefix("Bearer ")
    before = count("api_token.use")
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 200
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 200  # same minute: one record
    forged = {"Authorization": "Bearer smpl_" + "x" * 43}
    assert app.test_client().get("/api/v1/me", headers=forged).status_code == 401
    uses = (
        get_session()
        .scalars(select(AuditEvent).where(AuditEvent.action == "api_token.use").order_by(AuditEvent.id))
        .all()[before:]
    )
    assert [(e.outcome, e.actor_user_id) for e in uses] == [("success", user.id), ("failure", None)]
    assert json.loads(uses[0].detail)["prefix"] == secret[:12] and json.loads(uses[1].detail)["reason"] == "unknown"
    assert all(secret[12:20] not in e.detail and "xxxxxxxx" not in e.detail for e in uses)
