from __future__ import annotations

from flask_login import current_user

from coordination.api.registry import api_endpoint
from coordination.audit.queries import EventFilter, read_events
from coordination.audit.schemas import EventOut, EventPageOut, EventQuery
from coordination.core.db import commit


@api_endpoint(
    "/audit/events",
    permission="audit.read",
    summary="Audit events the caller may read, newest first",
    tag="audit",
    query=EventQuery,
    response=EventPageOut,
)
def list_events(params: EventQuery) -> EventPageOut:
    page = read_events(current_user, EventFilter(params.action, params.outcome, params.actor, params.page))
    commit()
    return EventPageOut(events=[EventOut.of(e) for e in page.items], total=page.total, page=page.page, pages=page.pages)
