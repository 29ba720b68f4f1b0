"""JSON shapes of screening runs and their findings."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ScreeningForm(BaseModel):
    """The text parts of an export upload (multipart/form-data, with the `file` part)."""

    model_config = ConfigDict(extra="forbid")
    format: Literal["csv", "parquet", "jsonl"] | None = Field(
        default=None, description="The export's format; by default from the file name's extension"
    )
    skip_bad_rows: bool = Field(default=False, description="Count and list bad rows instead of refusing the file")


class IndicatorHitOut(BaseModel):
    id: str
    tx_ids: list[str]
    explanation: str
    explanation_id: str | None = Field(default=None, description="The explanation in Bahasa Indonesia")


class DecisionOut(BaseModel):
    alert: uuid.UUID | None = None
    duplicate_of: uuid.UUID | None = None
    by: str
    at: datetime


class FlaggedOut(BaseModel):
    account: str
    name: str | None
    score: int
    indicators: list[IndicatorHitOut]
    decision: DecisionOut | None


class RunOut(BaseModel):
    id: uuid.UUID
    filename: str
    status: Literal["queued", "running", "done", "failed", "discarded"]
    stage: str
    progress: int = Field(ge=0, le=100)
    created_at: datetime
    rows_read: int | None
    rows_rejected: int | None
    accounts_seen: int | None
    flagged_count: int | None
    raised_count: int
    seconds: float | None
    error: str | None


class RunDetail(RunOut):
    flagged: list[FlaggedOut] = Field(description="Highest score first (only when done), a page at a time")
    page: int
    pages: int
    rejects: list[str] = Field(description="The first rejected rows with their errors (with skip_bad_rows)")


class RunList(BaseModel):
    runs: list[RunOut]
    total: int
    page: int
    pages: int


class RunQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    page: int = Field(default=1, ge=1, le=100000)


class RaiseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    accounts: list[str] = Field(min_length=1, max_length=1000, description="Flagged accounts the analyst confirmed")


class RaisedOut(BaseModel):
    account: str
    alert_id: uuid.UUID


class RaiseOut(BaseModel):
    created: list[RaisedOut]
    duplicates: list[RaisedOut] = Field(description="Accounts already held by an open alert, with that alert")
