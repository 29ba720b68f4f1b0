"""Reading alerts: the inbox list, one alert opened for its viewer, the timeline."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import func, select

from coordination.accounts.models import Organisation, User
from coordination.alerts import sealed
from coordination.alerts.access import restrict_alerts
from coordination.alerts.models import Alert, AlertNote
from coordination.audit.models import AuditEvent
from coordination.core.db import get_session
from coordination.identifiers.index import alerts_sharing_identifiers

PAGE_SIZE = 50
TIMELINE_ACTIONS = (
    "alert.create",
    *(f"alert.{a}" for a in ("assign", "unassign", "start_review", "comment", "escalate", "dismiss")),
)


@dataclass
class AlertPage:
    alerts: list[Alert]
    total: int
    page: int
    pages: int


def list_alerts(viewer: User, status: str | None, page: int) -> AlertPage:
    query = restrict_alerts(select(Alert), viewer)
    if status:
        query = query.where(Alert.status == status)
    session = get_session()
    total = session.scalar(query.with_only_columns(func.count(Alert.id)).order_by(None)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = session.scalars(
        query.order_by(Alert.created_at.desc(), Alert.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    )
    return AlertPage(list(rows), total, page, pages)


def related_alerts(alert: Alert, viewer: User) -> list[tuple[Alert, list[str]]]:
    """Other alerts the viewer may see that share an identifier with this one, and which kinds."""
    shared = alerts_sharing_identifiers(alert.id).subquery()
    query = restrict_alerts(select(Alert, shared.c.kind), viewer).join(shared, shared.c.alert_id == Alert.id)
    found: dict = {}
    for other, kind in get_session().execute(query.order_by(Alert.created_at.desc())):
        found.setdefault(other.id, (other, []))[1].append(kind)
    return [(other, sorted(set(kinds))) for other, kinds in found.values()]


@dataclass(frozen=True)
class TimelineEntry:
    at: object
    actor_email: str | None
    actor_org: str | None
    action: str
    detail: dict


def timeline(alert: Alert) -> list[TimelineEntry]:
    session = get_session()
    rows = session.execute(
        select(AuditEvent, Organisation.name)
        .outerjoin(Organisation, Organisation.id == AuditEvent.actor_org_id)
        .where(
            AuditEvent.object_type == Alert.audit_type,
            AuditEvent.object_id == str(alert.id),
            AuditEvent.action.in_(TIMELINE_ACTIONS),
            AuditEvent.outcome == "success",
        )
        .order_by(AuditEvent.id)
    ).all()
    notes = {str(n.id): n for n in session.scalars(select(AlertNote).where(AlertNote.alert_id == alert.id))}
    entries = []
    for event, org_name in rows:
        detail = json.loads(event.detail)
        for key, label in (("reason_note", "reason"), ("comment_note", "comment")):
            note = notes.get(detail.pop(key, ""))
            if note is not None:
                detail[label] = sealed.open_json(note.text_sealed, f"alert-note:{note.id}")
        entries.append(
            TimelineEntry(event.occurred_at, event.actor_email, org_name, event.action.removeprefix("alert."), detail)
        )
    return entries
