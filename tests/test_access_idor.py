"""Objects of other organisations (IDOR), with real objects: every object-bearing endpoint of the
URL map, API and pages, read and written by users of organisations that are no party to the
object, answers 404 (or 403 where the role lacks the permission altogether) and changes nothing.

test_access_matrix.py checks every (kind, role) against the policy with ids that do not exist;
this file aims at objects that do exist, owned by a PJK, the FIU, the police and an NGO, and
shared only with the parties the product shares them with (an escalated alert with its FIU, a
referral with its recipient, a meeting with its invitees).
"""

from __future__ import annotations

import copy
import io
import re
from typing import Any

from sqlalchemy import select

from coordination.audit.models import AuditEvent
from coordination.core.db import Base, get_session
from coordination.core.permissions import PUBLIC, required_permission
from coordination.policy import role_policy
from tests.conftest import KINDS, bearer, csrf_token, sign_in
from tests.hostile_world import build_world
from tests.test_alerts_api import ALERT

# Platform-wide by design, not objects of an organisation: organisations (managed by the
# platform operator's administrators) and audit checkpoints (one log for the whole platform).
NOT_ORGANISATION_OBJECTS = {"org_id", "size", "filename", "token"}
# Tables that a refused request may still write: its audit events and the caller's token use.
UNCHANGED_EXCEPT = {"api_tokens", "user_sessions"}
PDF = b"%PDF-1.7\n" + b"x" * 200 + b"\n%%EOF\n"


def api_body(endpoint: str, outsider_org: int) -> dict[str, Any]:
    """A valid request for each API write, so that validation passes and the object is looked up."""
    subject = copy.deepcopy(ALERT["subjects"][0])
    return {
        "api.alerts_act": {"json": {"action": "comment", "comment": "Saya bukan pihaknya"}},
        "api.evidence_upload": {
            "data": {"category": "document", "file": (io.BytesIO(PDF), "bukti.pdf")},
            "content_type": "multipart/form-data",
        },
        "api.cases_add_note": {"json": {"text": "Catatan penyusup"}},
        "api.referrals_create": {"json": {"to_org": outsider_org, "purpose": "investigation", "message": "x"}},
        "api.referrals_preview": {"json": {"to_org": outsider_org, "purpose": "investigation", "message": "x"}},
        "api.cases_add_subjects": {"json": {"subjects": [subject]}},
        "api.cases_add_transactions": {"json": {"transactions": [copy.deepcopy(ALERT["transactions"][0])]}},
        "api.forum_change_action_item": {"json": {"status": "done"}},
        "api.forum_add_action_item": {"json": {"what": "Tugas", "owner_org_id": outsider_org, "due_on": "2030-12-31"}},
        "api.forum_add_to_agenda": {"json": {"topic": "Topik penyusup"}},
        "api.forum_put_minutes": {"json": {"text": "Notulen palsu"}},
        "api.referrals_act": {"json": {"action": "accept"}},
        "api.screening_raise_alerts": {"json": {"accounts": ["8800112233"]}},
        "api.accounts_user_action": {"json": {"action": "deactivate"}},
    }.get(endpoint, {})


def page_form(endpoint: str, outsider_org: int) -> dict[str, Any]:
    return {
        "alerts.show": {"action": "comment", "comment": "Saya bukan pihaknya"},
        "evidence.upload": {"category": "document", "file": (io.BytesIO(PDF), "bukti.pdf")},
        "cases.add_note": {"text": "Catatan penyusup"},
        "cases.record_parties": {"subjects-0-role": "victim", "subjects-0-name": "Siti"},
        "referrals.compose": {"to_org": str(outsider_org), "purpose": "investigation", "message": "x"},
        "referrals.show": {"action": "accept"},
        "forum.change_action_item": {"status": "done"},
        "forum.add_action_item": {"what": "Tugas", "owner_org_id": str(outsider_org), "due_on": "2030-12-31"},
        "forum.add_to_agenda": {"topic": "Topik penyusup"},
        "forum.save_minutes": {"text": "Notulen palsu"},
        "screening.raise_alerts": {"accounts": "8800112233"},
    }.get(endpoint, {})


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table but the audit log's and the callers' token/session bookkeeping."""
    session = get_session()
    return {
        table.name: sorted(map(tuple, session.execute(select(table)).all()), key=repr)
        for table in Base.metadata.sorted_tables
        if not table.name.startswith("audit") and table.name not in UNCHANGED_EXCEPT
    }


def targets(app, ids: dict[str, Any]):  # type: ignore[no-untyped-def]
    """(rule, method, url, permission) for every object-bearing endpoint, once per real object."""
    values = {
        "alert_id": [ids["alert_id"]],
        "case_id": [ids["case_id"], ids["ngo_case_id"]],
        "evidence_id": [ids["evidence_id"]],
        "referral_id": [ids["referral_id"]],
        "meeting_id": [ids["meeting_id"]],
        "item_id": [ids["item_id"]],
        "run_id": [ids["run_id"]],
        "user_id": [ids["user_id"]],
        "token_id": [ids["token_id"]],
        "action": ["deactivate"],
    }
    for rule in app.url_map.iter_rules():
        params = rule.arguments - set(rule.defaults or {})
        if not params or params & NOT_ORGANISATION_OBJECTS:
            continue
        permission = required_permission(app.view_functions[rule.endpoint])
        assert permission not in (None, PUBLIC), rule.rule
        missing = params - set(values)
        assert not missing, f"{rule.rule}: no real object for {missing}; add one to tests/hostile_world.py"
        (name,) = params - {"action"}
        for value in values[name]:
            url = re.sub(
                r"<(?:\w+:)?(\w+)>",
                lambda m, v=value: str(values["action"][0] if m.group(1) == "action" else v),
                rule.rule,
            )
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method, url, permission


def test_real_objects_of_other_organisations_answer_404_everywhere(app, make_user, make_org):
    world = build_world(app, make_user, make_org)
    policy = role_policy()
    # Outsiders: a supervisor and an administrator of a new organisation of every kind, none of
    # them party to anything in the world.
    outsiders = []
    for kind in KINDS:
        org = make_org(kind)
        for role in ("supervisor", "org_admin"):
            user = make_user(kind, role, org=org)
            outsiders.append((user, bearer(user), sign_in(app.test_client(), user)))
    cases = list(targets(app, world.ids))
    assert len({rule.endpoint for rule, *_ in cases}) >= 45  # every object-bearing endpoint but orgs/cosign
    before = snapshot()
    probes_before = len(
        get_session().scalars(select(AuditEvent.id).where(AuditEvent.action == "access.not_visible")).all()
    )
    failures = []
    checked = 0
    for user, headers, web in outsiders:
        kind, role = user.organisation.kind, user.role
        token = csrf_token(web)
        for rule, method, url, permission in cases:
            allowed = policy.allows(kind, role, permission)
            if "user_id" in rule.arguments and policy.allows(kind, role, "orgs.manage"):
                continue  # platform administrators manage every organisation's people, by design
            if url.startswith("/api/"):
                extra = api_body(rule.endpoint, user.organisation_id)
                response = app.test_client().open(url, method=method, headers=headers, **copy.deepcopy(extra))
            else:
                form = {**copy.deepcopy(page_form(rule.endpoint, user.organisation_id)), "csrf_token": token}
                response = web.open(url, method=method, data=form if method == "POST" else None)
            expected = 404 if allowed else 403
            checked += 1
            if response.status_code != expected:
                failures.append((kind, role, method, url, expected, response.status_code))
    assert failures == [], "\n".join(map(str, failures))
    endpoints = len({rule.endpoint for rule, *_ in cases})
    print(f"IDOR: {checked} requests, {endpoints} endpoints, {len(outsiders)} outsiders")
    assert checked >= 800
    # Nothing changed, and every probe of a permitted endpoint was recorded.
    assert snapshot() == before
    probes = len(get_session().scalars(select(AuditEvent.id).where(AuditEvent.action == "access.not_visible")).all())
    assert probes - probes_before >= 100


def test_audit_trail_of_other_organisations_objects_is_not_readable(app, make_user, make_org):
    world = build_world(app, make_user, make_org)
    ids = world.ids
    client = app.test_client()
    fiu_events = (
        get_session()
        .scalars(select(AuditEvent.id).where(AuditEvent.actor_user_id == world.users["fiu_supervisor"].id))
        .all()
    )
    assert fiu_events
    for kind in ("pjk", "fiu", "police", "ngo"):
        outsider = bearer(make_user(kind, "supervisor", org=make_org(kind)))
        for obj in (
            f"alert:{ids['alert_id']}",
            f"case:{ids['case_id']}",
            f"referral:{ids['referral_id']}",
            f"evidence:{ids['evidence_id']}",
        ):
            listed = client.get("/api/v1/audit", headers=outsider, query_string={"object": obj})
            assert listed.status_code == 200 and listed.get_json()["total"] == 0, (kind, obj)
            exported = client.get("/api/v1/audit/export.csv", headers=outsider, query_string={"object": obj})
            assert exported.status_code == 200 and len(exported.get_data(as_text=True).splitlines()) == 1
        for event_id in fiu_events[:5]:
            proof = client.get("/api/v1/audit/proof/inclusion", headers=outsider, query_string={"event": event_id})
            assert proof.status_code == 404, (kind, event_id, proof.status_code)
        everything = client.get("/api/v1/audit", headers=outsider).get_json()["events"]
        assert world.users["fiu_supervisor"].email not in str(everything)
