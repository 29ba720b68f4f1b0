"""Reading alerts: the inbox list, one alert opened for its viewer, the timeline."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from coordination.accounts.models import User
from coordination.alerts import sealed
from coordination.alerts.access import restrict_alerts
from coordination.alerts.models import Alert, AlertNote
from coordination.audit.queries import HistoryEntry, object_history
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


def timeline(alert: Alert) -> list[HistoryEntry]:
    """The alert's history with the sealed comments and reasons opened."""
    entries = object_history(Alert.audit_type, alert.id, TIMELINE_ACTIONS)
    notes = {str(n.id): n for n in get_session().scalars(select(AlertNote).where(AlertNote.alert_id == alert.id))}
    for entry in entries:
        for key, label in (("reason_note", "reason"), ("comment_note", "comment")):
            note = notes.get(entry.detail.pop(key, ""))
            if note is not None:
                entry.detail[label] = sealed.open_json(note.text_sealed, f"alert-note:{note.id}")
    return entries
