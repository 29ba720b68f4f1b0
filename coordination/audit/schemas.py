from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from coordination.audit.models import AuditEvent
from coordination.core.ids import ID_MAX


class EventQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    object: str | None = Field(
        default=None,
        pattern=r"^[a-z_]{1,40}:[A-Za-z0-9._-]{1,64}$",
        description="type:id, e.g. alert:6f1c...; the events about one object",
    )
    action: str | None = Field(default=None, max_length=64, description="Prefix, e.g. 'login.'")
    outcome: Literal["success", "failure", "denied"] | None = None
    actor: str | None = Field(default=None, max_length=254, description="Actor e-mail")
    org: int | None = Field(default=None, ge=1, le=ID_MAX, description="The acting organisation's id")
    since: AwareDatetime | None = Field(default=None, description="From this time (ISO 8601 with offset)")
    until: AwareDatetime | None = Field(default=None, description="Before this time")
    page: int = Field(default=1, ge=1, le=1_000_000)

    def to_filter(self):  # type: ignore[no-untyped-def]
        from coordination.audit.queries import EventFilter

        return EventFilter(
            action=self.action,
            outcome=self.outcome,
            actor_email=self.actor,
            page=self.page,
            object=self.object,
            org=self.org,
            since=self.since,
            until=self.until,
        )


class EventOut(BaseModel):
    id: int
    at: datetime
    actor: dict[str, Any] | None
    action: str
    object: dict[str, str | None] | None
    outcome: str
    ip: str | None
    detail: dict[str, Any]

    @classmethod
    def of(cls, e: AuditEvent) -> EventOut:
        return cls(
            id=e.id,
            at=e.occurred_at,
            actor={"email": e.actor_email, "org_id": e.actor_org_id} if e.actor_email else None,
            action=e.action,
            object={"type": e.object_type, "id": e.object_id} if e.object_type else None,
            outcome=e.outcome,
            ip=e.ip,
            detail=json.loads(e.detail),
        )


class EventPageOut(BaseModel):
    events: list[EventOut]
    total: int
    page: int
    pages: int


class TimelineEntry(BaseModel):
    at: datetime
    actor: dict[str, str | None] | None = Field(description='{"email", "org"} of who acted')
    action: str
    detail: dict[str, Any]


class Timeline(BaseModel):
    timeline: list[TimelineEntry]

    @classmethod
    def of(cls, entries: list) -> Timeline:  # type: ignore[type-arg]
        """From `audit.queries.object_history` entries (notes already opened by the caller)."""
        return cls(
            timeline=[
                TimelineEntry(
                    at=e.at,
                    actor={"email": e.actor_email, "org": e.actor_org} if e.actor_email else None,
                    action=e.action,
                    detail=e.detail,
                )
                for e in entries
            ]
        )
