"""Reading the trail: filtered, paged, restricted to what the reader may see; reads are audited."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import func, select

from coordination.accounts.models import User
from coordination.audit.access import restrict_events
from coordination.audit.models import AuditEvent
from coordination.audit.record import record
from coordination.core.db import get_session
from coordination.core.paging import Page, paginate


@dataclass(frozen=True)
class EventFilter:
    action: str | None = None
    outcome: str | None = None
    actor_email: str | None = None
    page: int = 1


def read_events(viewer: User, flt: EventFilter) -> Page[AuditEvent]:
    query = restrict_events(select(AuditEvent), viewer)
    if flt.action:
        query = query.where(AuditEvent.action.startswith(flt.action, autoescape=True))
    if flt.outcome:
        query = query.where(AuditEvent.outcome == flt.outcome)
    if flt.actor_email:
        query = query.where(func.lower(AuditEvent.actor_email) == flt.actor_email.lower())
    page = paginate(query.order_by(AuditEvent.id.desc()), flt.page)
    record(viewer, "audit.read", None, {"filter": flt.__dict__, "returned": len(page.items)})
    return page


@dataclass(frozen=True)
class HistoryEntry:
    at: object
    actor_email: str | None
    actor_org: str | None
    action: str
    detail: dict


def object_history(object_type: str, object_id: object, actions: tuple[str, ...]) -> list[HistoryEntry]:
    """The successful acts on one object, oldest first: the timeline of an alert or a referral.

    Read from the audit log itself, so a timeline can never disagree with it.
    """
    from coordination.accounts.models import Organisation

    rows = (
        get_session()
        .execute(
            select(AuditEvent, Organisation.name)
            .outerjoin(Organisation, Organisation.id == AuditEvent.actor_org_id)
            .where(
                AuditEvent.object_type == object_type,
                AuditEvent.object_id == str(object_id),
                AuditEvent.action.in_(actions),
                AuditEvent.outcome == "success",
            )
            .order_by(AuditEvent.id)
        )
        .all()
    )
    return [
        HistoryEntry(e.occurred_at, e.actor_email, org, e.action.split(".", 1)[1], json.loads(e.detail))
        for e, org in rows
    ]
