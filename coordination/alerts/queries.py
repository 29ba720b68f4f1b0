"""Reading alerts: the inbox list, one alert opened for its viewer, the timeline."""

from __future__ import annotations

from sqlalchemy import and_, select

from coordination.accounts.models import User
from coordination.alerts.access import alert_visibility, restrict_alerts
from coordination.alerts.models import Alert, AlertNote
from coordination.audit.queries import HistoryEntry, object_history
from coordination.core.db import get_session
from coordination.core.paging import Page, newest_first
from coordination.core.sealing import open_json
from coordination.identifiers.index import alerts_sharing_identifiers

TIMELINE_ACTIONS = (
    "alert.create",
    *(f"alert.{a}" for a in ("assign", "unassign", "start_review", "comment", "escalate", "dismiss")),
)


def list_alerts(viewer: User, status: str | None, page: int) -> Page[Alert]:
    """A page of the viewer's inbox, newest first."""
    conditions = alert_visibility(viewer)
    if status:
        conditions = [and_(condition, Alert.status == status) for condition in conditions]
    query = restrict_alerts(select(Alert), viewer)
    if status:
        query = query.where(Alert.status == status)
    return newest_first(Alert, query, conditions, page)


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
                entry.detail[label] = open_json(note.text_sealed, f"alert-note:{note.id}")
    return entries
