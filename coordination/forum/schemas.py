"""JSON shapes of forum meetings. Inputs forbid unknown fields; cross-field and database checks
(invitees, the case put forward, the owner of an action item) are made by the operations."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from coordination.alerts.schemas import OrgRef
from coordination.core.ids import RowId

ActionStatus = Literal["open", "in_progress", "done", "dropped"]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class MeetingIn(Request):
    title: str = Field(min_length=3, max_length=200)
    starts_at: AwareDatetime = Field(description="Date and time with its offset, e.g. 2026-12-03T09:00:00+07:00 (WIB)")
    location: str = Field(min_length=2, max_length=500, description="A place, or a link to the video call")
    invited_org_ids: list[RowId] = Field(min_length=1, max_length=100, description="Active organisations invited")
    period_start: date | None = Field(
        default=None, description="Start of the statistics period (default: 90 days before)"
    )
    period_end: date | None = Field(
        default=None, description="End of the statistics period (default: the meeting date)"
    )
    follows_meeting_id: uuid.UUID | None = Field(
        default=None, description="The previous meeting of the series: its open action items are carried over"
    )


class AgendaItemIn(Request):
    topic: str | None = Field(default=None, max_length=2000, description="A free-text topic")
    case_id: uuid.UUID | None = Field(default=None, description="A case of the caller's organisation, for discussion")


class MinutesIn(Request):
    text: str = Field(min_length=1, max_length=50000)


class ActionItemIn(Request):
    what: str = Field(min_length=3, max_length=2000)
    owner_org_id: RowId = Field(description="The attendee organisation that does it")
    due_on: date


class ActionItemUpdate(Request):
    status: ActionStatus | None = None
    reason: str | None = Field(default=None, max_length=2000, description="Required when the status is dropped")
    due_on: date | None = Field(default=None, description="The convener only")


class MeetingListQuery(Request):
    page: int = Field(default=1, ge=1, le=100000)


class MeetingSummary(BaseModel):
    id: uuid.UUID
    title: str
    starts_at: datetime
    location: str
    convener: OrgRef
    invitees: list[OrgRef]
    period_start: date
    period_end: date
    follows_meeting_id: uuid.UUID | None


class AgendaItemOut(BaseModel):
    id: uuid.UUID
    position: int
    kind: Literal["topic", "case"]
    proposed_by: OrgRef
    topic: str | None = None
    case: dict[str, Any] | None = Field(default=None, description="The case as the caller's organisation may see it")
    withheld: dict[str, int] | None = None
    policy_version: str | None = None


class MinutesOut(BaseModel):
    version: int
    text: str
    author: str
    at: datetime


class ActionItemOut(BaseModel):
    id: uuid.UUID
    meeting_id: uuid.UUID
    what: str
    owner: OrgRef
    due_on: date
    status: ActionStatus
    reason: str | None
    overdue: bool
    carried_from: uuid.UUID | None = Field(description="The item of the previous meeting this one continues")
    updated_at: datetime


class MeetingOut(MeetingSummary):
    carried_over: list[ActionItemOut] = Field(description="Open items of the previous meeting, carried over")
    agenda: list[AgendaItemOut]
    minutes: MinutesOut | None
    minutes_history: list[MinutesOut] = Field(description="Every version, newest first")
    action_items: list[ActionItemOut]


class MeetingList(BaseModel):
    meetings: list[MeetingSummary]
    total: int
    page: int
    pages: int


class ActionItemList(BaseModel):
    action_items: list[ActionItemOut]
