"""Reading the trail: filtered, paged, restricted to what the reader may see; reads are audited."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select

from coordination.accounts.access import can
from coordination.accounts.models import Organisation, User
from coordination.audit.access import restrict_events
from coordination.audit.models import AuditEvent
from coordination.audit.record import record
from coordination.core.db import get_session
from coordination.core.paging import Page, paginate
from coordination.core.spreadsheet import neutralise


@dataclass(frozen=True)
class EventFilter:
    action: str | None = None
    outcome: str | None = None
    actor_email: str | None = None
    page: int = 1
    object: str | None = None  # "type:id"
    org: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    def describe(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in self.__dict__.items() if v}


def filtered_events(viewer: User, flt: EventFilter) -> Select:
    """The events the viewer may read that match the filter (newest first)."""
    query = restrict_events(select(AuditEvent), viewer)
    if flt.object:
        kind, _, ident = flt.object.partition(":")
        query = query.where(AuditEvent.object_type == kind, AuditEvent.object_id == ident)
    if flt.org:
        query = query.where(AuditEvent.actor_org_id == flt.org)
    if flt.since:
        query = query.where(AuditEvent.occurred_at >= flt.since)
    if flt.until:
        query = query.where(AuditEvent.occurred_at < flt.until)
    if flt.action:
        query = query.where(AuditEvent.action.startswith(flt.action, autoescape=True))
    if flt.outcome:
        query = query.where(AuditEvent.outcome == flt.outcome)
    if flt.actor_email:
        query = query.where(func.lower(AuditEvent.actor_email) == flt.actor_email.lower())
    return query.order_by(AuditEvent.leaf_index.desc())


def read_events(viewer: User, flt: EventFilter) -> Page[AuditEvent]:
    page = paginate(filtered_events(viewer, flt), flt.page)
    record(viewer, "audit.read", None, {"filter": flt.describe(), "returned": len(page.items)})
    return page


CSV_COLUMNS = (
    "position",
    "at",
    "actor_email",
    "actor_org_id",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "ip",
    "request_id",
    "detail",
)
CSV_LIMIT = 50_000


def events_csv(viewer: User, flt: EventFilter) -> str:
    """The filtered events as CSV (at most CSV_LIMIT, newest first). The caller records and
    commits the `audit.export` event."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for e in get_session().scalars(filtered_events(viewer, flt).limit(CSV_LIMIT)):
        writer.writerow(
            neutralise(cell)
            for cell in (
                e.leaf_index,
                e.occurred_at.isoformat(),
                e.actor_email,
                e.actor_org_id,
                e.action,
                e.object_type,
                e.object_id,
                e.outcome,
                e.ip,
                e.request_id,
                e.detail,
            )
        )
    return buffer.getvalue()


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


@dataclass(frozen=True)
class Act:
    at: datetime
    actor_email: str | None
    actor_org: str | None
    action: str
    outcome: str


WHO_ACTED_LIMIT = 50


def who_acted(viewer: User, obj: object) -> list[Act] | None:
    """Everyone's acts on one object that the viewer may read, newest first (views, exports and
    refusals included): the "who acted" panel of an alert, case or referral page. None when the
    viewer may not read the audit trail at all. The read is itself recorded, in the caller's
    transaction."""
    if not can(viewer, "audit.read"):
        return None
    flt = EventFilter(object=f"{obj.audit_type}:{obj.id}")  # type: ignore[attr-defined]
    query = (
        filtered_events(viewer, flt)
        .outerjoin(Organisation, Organisation.id == AuditEvent.actor_org_id)
        .add_columns(Organisation.name)
        .limit(WHO_ACTED_LIMIT)
    )
    acts = [Act(e.occurred_at, e.actor_email, org, e.action, e.outcome) for e, org in get_session().execute(query)]
    record(viewer, "audit.read", None, {"filter": flt.describe(), "returned": len(acts)})
    return acts
