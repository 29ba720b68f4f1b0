"""JSON shapes of alerts. Input models bound every field; catalogue values are checked by the
operation against `policies/catalogue.yaml`, which the compliance team may extend."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from coordination.core.ids import RowId
from coordination.subjects.schemas import Request, SubjectIn, SubjectOut, TransactionIn, TransactionOut


class AlertIn(Request):
    reference: str = Field(min_length=1, max_length=100, description="The PJK's own id for this alert")
    typologies: list[str] = Field(min_length=1, max_length=6)
    indicators: list[str] = Field(default_factory=list, max_length=30)
    narrative: str = Field(min_length=1, max_length=20000)
    subjects: list[SubjectIn] = Field(default_factory=list, max_length=50)
    transactions: list[TransactionIn] = Field(default_factory=list, max_length=2000)


class AlertAction(Request):
    action: Literal["assign", "unassign", "start_review", "comment", "escalate", "dismiss"]
    reason: str | None = Field(default=None, max_length=2000)
    comment: str | None = Field(default=None, max_length=5000)
    assignee: str | None = Field(
        default=None, max_length=254, description="E-mail of a user of the holding organisation"
    )
    to_org: RowId | str | None = Field(default=None, description="PPATK organisation: its id or exact name")


class AlertListQuery(Request):
    status: Literal["new", "in_review", "escalated", "dismissed"] | None = None
    page: int = Field(default=1, ge=1, le=100000)


class OrgRef(BaseModel):
    id: int
    name: str
    kind: str


class AlertSummary(BaseModel):
    id: uuid.UUID
    reference: str
    status: str
    org: OrgRef
    typologies: list[str]
    indicators: list[str]
    assignee: str | None
    escalated_to: OrgRef | None
    created_at: datetime
    updated_at: datetime


class AlertOut(AlertSummary):
    narrative: str
    subjects: list[SubjectOut]
    transactions: list[TransactionOut]
    related_alerts: list[uuid.UUID] = Field(description="Alerts visible to the caller sharing an identifier")
    linked_cases: list[uuid.UUID] = Field(
        default_factory=list,
        description="The caller's cases, not holding this alert, that share an identifier with it",
    )


class AlertList(BaseModel):
    alerts: list[AlertSummary]
    total: int
    page: int
    pages: int
