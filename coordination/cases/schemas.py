from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from coordination.alerts.schemas import AlertSummary, OrgRef
from coordination.subjects.schemas import SubjectIn, SubjectOut, TransactionIn, TransactionOut


class CaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    title: str = Field(min_length=3, max_length=200)
    alert_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)
    summary: str = Field(default="", max_length=20000)
    subjects: list[SubjectIn] = Field(
        default_factory=list, max_length=50, description="People the case owner learnt of itself (not via alerts)"
    )
    transactions: list[TransactionIn] = Field(default_factory=list, max_length=2000)


class SubjectsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subjects: list[SubjectIn] = Field(min_length=1, max_length=50)


class TransactionsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    transactions: list[TransactionIn] = Field(min_length=1, max_length=2000)


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    text: str = Field(min_length=1, max_length=5000)


class NoteOut(BaseModel):
    at: datetime
    author: str
    text: str


class CaseListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    page: int = Field(default=1, ge=1, le=100000)


class LinkedCase(BaseModel):
    id: uuid.UUID
    title: str
    shared: list[str] = Field(description="Kinds of identifier shared (nik, phone, email, account)")


class CaseSummary(BaseModel):
    id: uuid.UUID
    title: str
    status: str
    org: OrgRef
    alerts: int
    created_at: datetime


class CaseOut(CaseSummary):
    summary: str
    alert_list: list[AlertSummary]
    subjects: list[SubjectOut] = Field(description="People recorded on the case itself, in full (owner's view)")
    transactions: list[TransactionOut] = Field(description="Payments recorded on the case itself")
    linked_cases: list[LinkedCase]
    notes: list[NoteOut] = Field(description="Working notes of the owning organisation; never referred")


class CaseList(BaseModel):
    cases: list[CaseSummary]
    total: int
    page: int
    pages: int
