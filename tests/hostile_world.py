"""A small world of real objects in several organisations, built through the API as users build
it: the fixture of the hostile-input tests (schemathesis, IDOR, injection).

PJK A raises an alert and escalates it to the FIU; the FIU opens a case on it, uploads evidence,
refers it to the police and convenes a forum meeting with an action item; PJK A screens an export;
an NGO keeps a case of its own. Every object id is returned by name so tests can aim at it.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from coordination.accounts.models import Organisation, User
from tests.conftest import RequestClient, bearer
from tests.test_alerts_api import ALERT
from tests.test_screening_runs import export_csv

PDF = b"%PDF-1.7\n" + b"Rekening koran Bank Nusantara, Siti Aminah. " * 50 + b"\n%%EOF\n"


@dataclass
class World:
    users: dict[str, User]
    tokens: dict[str, dict[str, str]]
    ids: dict[str, Any] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        return self.tokens[who]


def _ok(response, what: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code in (200, 201, 202), (what, response.status_code, response.get_data(as_text=True))
    return response.get_json()


def build_world(
    app: Flask,
    make_user: Callable[..., User],
    make_org: Callable[..., Organisation],
    *,
    text: str = "Kronologi: korban dihubungi lewat WhatsApp.",
    filename: str = "rekening.pdf",
    org_names: str | None = None,
) -> World:
    """`text` goes into every free-text field (titles, narratives, notes, comments, messages,
    minutes, descriptions, token names), `filename` is the evidence file's name, and `org_names`,
    when given, ends the name of each organisation of the world."""

    def org(kind: str) -> Organisation:
        return make_org(kind, f"{kind.upper()} {org_names}") if org_names else make_org(kind)

    pjk = org("pjk")
    fiu = org("fiu")
    police = org("police")
    ngo = org("ngo")
    users = {
        "pjk_member": make_user("pjk", "member", org=pjk),
        "pjk_supervisor": make_user("pjk", "supervisor", org=pjk),
        "pjk_admin": make_user("pjk", "org_admin", org=pjk),
        "fiu_supervisor": make_user("fiu", "supervisor", org=fiu),
        "police_supervisor": make_user("police", "supervisor", org=police),
        "ngo_supervisor": make_user("ngo", "supervisor", org=ngo),
        "operator_admin": make_user("operator", "org_admin"),
        # Objects of organisations nobody above belongs to: the targets of user/org actions, so
        # that a generated "deactivate" never locks a caller out mid-run.
        "bystander": make_user("pjk", "member", org=make_org("pjk")),
    }
    tokens = {name: bearer(user) for name, user in users.items()}
    world = World(users, tokens)
    client = RequestClient(app, app.response_class)  # each request in its own context
    ids = world.ids

    alert = copy.deepcopy(ALERT)
    alert["narrative"] = text
    alert["reference"] = "STR-HOSTILE-1"
    ids["alert_id"] = _ok(client.post("/api/v1/alerts", headers=tokens["pjk_member"], json=alert), "alert")["id"]
    for action in ({"action": "start_review"}, {"action": "escalate", "to_org": fiu.id, "comment": text}):
        _ok(
            client.post(f"/api/v1/alerts/{ids['alert_id']}/actions", headers=tokens["pjk_supervisor"], json=action),
            "escalate",
        )
    case = {"title": text, "summary": text, "alert_ids": [ids["alert_id"]]}
    ids["case_id"] = _ok(client.post("/api/v1/cases", headers=tokens["fiu_supervisor"], json=case), "case")["id"]
    _ok(
        client.post(f"/api/v1/cases/{ids['case_id']}/notes", headers=tokens["fiu_supervisor"], json={"text": text}),
        "case note",
    )
    ids["evidence_id"] = _ok(
        client.post(
            f"/api/v1/cases/{ids['case_id']}/evidence",
            headers=tokens["fiu_supervisor"],
            data={"category": "document", "description": text, "file": (io.BytesIO(PDF), filename)},
            content_type="multipart/form-data",
        ),
        "evidence",
    )["id"]
    referral = {"to_org": police.id, "purpose": "investigation", "message": text}
    ids["referral_id"] = _ok(
        client.post(f"/api/v1/cases/{ids['case_id']}/referrals", headers=tokens["fiu_supervisor"], json=referral),
        "referral",
    )["id"]
    meeting = {
        "title": text,
        "starts_at": "2030-12-03T09:00:00+07:00",
        "location": text,
        "invited_org_ids": [pjk.id, police.id, ngo.id],
    }
    ids["meeting_id"] = _ok(
        client.post("/api/v1/forum/meetings", headers=tokens["fiu_supervisor"], json=meeting), "meeting"
    )["id"]
    for item in ({"case_id": ids["case_id"]}, {"topic": text}):  # a case or a topic, one per item
        _ok(
            client.post(
                f"/api/v1/forum/meetings/{ids['meeting_id']}/agenda", headers=tokens["fiu_supervisor"], json=item
            ),
            "agenda",
        )
    _ok(
        client.put(
            f"/api/v1/forum/meetings/{ids['meeting_id']}/minutes", headers=tokens["fiu_supervisor"], json={"text": text}
        ),
        "minutes",
    )
    ids["item_id"] = _ok(
        client.post(
            f"/api/v1/forum/meetings/{ids['meeting_id']}/action-items",
            headers=tokens["fiu_supervisor"],
            json={"what": text, "owner_org_id": police.id, "due_on": "2030-12-31"},
        ),
        "action item",
    )["id"]
    _ok(
        client.post(
            f"/api/v1/referrals/{ids['referral_id']}/actions",
            headers=tokens["police_supervisor"],
            json={"action": "request_info", "text": text},
        ),
        "referral request for information",
    )
    _ok(
        client.patch(
            f"/api/v1/forum/action-items/{ids['item_id']}",
            headers=tokens["police_supervisor"],
            json={"status": "in_progress", "reason": text},
        ),
        "action item progress",
    )
    _ok(client.post("/api/v1/tokens", headers=tokens["pjk_supervisor"], json={"name": text[:100]}), "named token")
    run = client.post(
        "/api/v1/screening",
        headers=tokens["pjk_supervisor"],
        data={"file": (io.BytesIO(export_csv()), "export.csv")},
        content_type="multipart/form-data",
    )
    ids["run_id"] = _ok(run, "screening")["id"]
    app.extensions["simpul.jobs"].wait(timeout=120)
    ngo_case = {"title": text, "summary": text}
    ids["ngo_case_id"] = _ok(client.post("/api/v1/cases", headers=tokens["ngo_supervisor"], json=ngo_case), "ngo case")[
        "id"
    ]
    ids["user_id"] = users["bystander"].id
    ids["org_id"] = users["bystander"].organisation_id
    # The PJK member's own token: any other caller deleting it must get a 404.
    ids["token_id"] = _ok(client.get("/api/v1/tokens", headers=tokens["pjk_member"]), "tokens")["tokens"][0]["id"]
    ids["orgs"] = {"pjk": pjk.id, "fiu": fiu.id, "police": police.id, "ngo": ngo.id}
    return world
