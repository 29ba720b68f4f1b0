"""The triage actions: which state and which permission allow each, and what each changes.

new -> in_review -> escalated | dismissed. The PJK that raised the alert triages it; once
escalated, the receiving PPATK organisation holds it (assigns its analysts, comments).
A refused action raises before anything is written.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from coordination.accounts.access import can
from coordination.accounts.models import Organisation, User
from coordination.alerts.access import holds
from coordination.alerts.models import Alert, AlertNote
from coordination.alerts.schemas import AlertAction
from coordination.audit.record import record
from coordination.core.db import get_session, utcnow
from coordination.core.errors import Conflict, Forbidden, ValidationFailed
from coordination.core.sealing import seal_json

ALL = frozenset({"new", "in_review", "escalated", "dismissed"})


@dataclass(frozen=True)
class Rule:
    from_states: frozenset[str]
    to_state: str | None
    permission: str
    holder_only: bool  # only the organisation working the alert now
    owner_only: bool = False  # only the PJK that raised it


RULES = {
    "assign": Rule(frozenset({"new", "in_review", "escalated"}), None, "alert.triage", holder_only=True),
    "unassign": Rule(frozenset({"new", "in_review", "escalated"}), None, "alert.triage", holder_only=True),
    "start_review": Rule(frozenset({"new"}), "in_review", "alert.triage", holder_only=True, owner_only=True),
    "comment": Rule(ALL, None, "alert.view", holder_only=False),
    "escalate": Rule(frozenset({"in_review"}), "escalated", "alert.triage", holder_only=True, owner_only=True),
    "dismiss": Rule(frozenset({"new", "in_review"}), "dismissed", "alert.triage", holder_only=True, owner_only=True),
}


def allowed_actions(alert: Alert, user: User) -> list[str]:
    """The actions this user may take on this alert now (what the page offers)."""
    return [name for name, rule in RULES.items() if _refusal(alert, user, rule) is None]


def _refusal(alert: Alert, user: User, rule: Rule) -> str | None:
    if not can(user, rule.permission):
        return "permission"
    if rule.owner_only and alert.organisation_id != user.organisation_id:
        return "permission"
    if rule.holder_only and not holds(alert, user):
        return "permission"
    if alert.status not in rule.from_states:
        return "state"
    return None


def _note(alert: Alert, actor: User, text: str) -> str:
    note = AlertNote(id=uuid.uuid4(), alert_id=alert.id, author_id=actor.id)
    note.text_sealed = seal_json(text, f"alert-note:{note.id}")
    get_session().add(note)
    return str(note.id)


def _assignee(alert: Alert, email: str | None) -> User:
    user = get_session().scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))
    if user is None or user.organisation_id != alert.holder_id or not user.is_active or not can(user, "alert.view"):
        raise ValidationFailed(
            _l("The action was refused."),
            {"assignee": _l("Give the e-mail of an active user of the organisation holding the alert.")},
        )
    return user


def _fiu(to_org: int | str | None) -> Organisation:
    session = get_session()
    query = select(Organisation).where(Organisation.kind == "fiu", Organisation.active.is_(True))
    if to_org is None:
        candidates = list(session.scalars(query))
        if len(candidates) == 1:
            return candidates[0]
        org = None
    elif isinstance(to_org, int) or str(to_org).isdigit():
        org = session.scalar(query.where(Organisation.id == int(to_org)))
    else:
        org = session.scalar(query.where(Organisation.name == to_org))
    if org is None:
        raise ValidationFailed(
            _l("The action was refused."),
            {"to_org": _l("Name an active PPATK (fiu) organisation by id or exact name.")},
        )
    return org


def act_on_alert(actor: User, alert: Alert, data: AlertAction) -> None:
    rule = RULES[data.action]
    refusal = _refusal(alert, actor, rule)
    if refusal == "permission":
        raise Forbidden(_l("You may not do this on this alert."))
    if refusal == "state":
        raise Conflict(_l("This alert is %(status)s; that action is not possible now.", status=alert.status))
    detail: dict[str, str] = {"from_status": alert.status}
    if data.action == "dismiss" and not data.reason:
        raise ValidationFailed(_l("The action was refused."), {"reason": _l("Give the reason for dismissing.")})
    if data.action == "comment" and not data.comment:
        raise ValidationFailed(_l("The action was refused."), {"comment": _l("Write the comment.")})
    if data.action == "assign":
        assignee = _assignee(alert, data.assignee)
        alert.assignee = assignee
        detail["assignee"] = assignee.email
    elif data.action == "unassign":
        alert.assignee = None
    elif data.action == "escalate":
        fiu = _fiu(data.to_org)
        alert.escalated_to, alert.escalated_at = fiu, utcnow()
        alert.assignee = None  # PPATK assigns its own analyst
        detail["to_org"] = fiu.name
    if data.reason:
        detail["reason_note"] = _note(alert, actor, data.reason)
    if data.comment:
        detail["comment_note"] = _note(alert, actor, data.comment)
    if rule.to_state:
        alert.status = rule.to_state
    alert.updated_at = utcnow()
    detail["to_status"] = alert.status
    record(actor, f"alert.{data.action}", alert, detail)
