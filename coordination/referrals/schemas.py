from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from coordination.alerts.schemas import OrgRef
from coordination.core.ids import RowId

Purpose = Literal["analysis", "investigation", "victim_protection", "victim_support", "information"]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Consent(Request):
    given_by: Literal["victim", "guardian"]
    method: str = Field(min_length=2, max_length=200, description="How consent was given, e.g. 'signed form'")
    at: AwareDatetime
    contact_route: Literal["phone", "email", "address"] | None = Field(
        default=None, description="The one way the recipient may contact the victim, as agreed in the consent"
    )


class BestInterest(Request):
    best_interest_exception: str = Field(
        min_length=10, max_length=2000, description="Why the child's best interest requires the handoff without consent"
    )


class ReferralIn(Request):
    to_org: RowId | str = Field(description="The recipient organisation: its id or exact name")
    purpose: Purpose
    message: str = Field(default="", max_length=5000)
    consent: Consent | BestInterest | None = None
    follows: uuid.UUID | None = Field(
        default=None,
        description="A referral of the same case to the same recipient that this one follows up, "
        "e.g. answering its request for more information with a wider purpose",
    )


class ReferralAction(Request):
    action: Literal["accept", "decline", "request_info", "update", "close", "revoke", "reply"]
    reason: str | None = Field(default=None, max_length=2000)
    text: str | None = Field(
        default=None,
        max_length=5000,
        description="What is asked (request_info), the status note (update) or the sender's answer (reply)",
    )


class ReferralListQuery(Request):
    box: Literal["inbox", "outbox"] = "inbox"
    page: int = Field(default=1, ge=1, le=100000)


class ReferralSummary(BaseModel):
    id: uuid.UUID
    purpose: str
    status: str
    from_org: OrgRef
    to_org: OrgRef
    sender_email: str
    created_at: datetime
    updated_at: datetime


class ReferralOut(ReferralSummary):
    follows: uuid.UUID | None = Field(description="The referral this one follows up, if any")
    follow_ups: list[uuid.UUID] = Field(description="Later referrals following this one up, that the caller may see")
    case: dict[str, Any]
    withheld: dict[str, int]
    policy_version: str
    message: str
    consent: dict[str, Any] | None


class Preview(BaseModel):
    case: dict[str, Any]
    withheld: dict[str, int]
    policy_version: str
    message: str


class ReferralList(BaseModel):
    referrals: list[ReferralSummary]
    total: int
    page: int
    pages: int
