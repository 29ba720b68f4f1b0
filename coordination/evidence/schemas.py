from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from coordination.audit.schemas import TimelineEntry


class EvidenceForm(BaseModel):
    """The text parts of an evidence upload (multipart/form-data, with the `file` part)."""

    model_config = ConfigDict(extra="forbid")
    category: str = Field(description="csam, chat_log, bank_statement, transaction_export, screenshot, document, other")
    description: str = Field(default="", max_length=2000)


class ContentQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str | None = Field(default=None, max_length=500, description="Required for categories that ask for one")


class EvidenceListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EvidenceOut(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    category: str
    content_type: str
    size: int
    sha256: str
    filename: str
    description: str
    uploaded_by: str
    uploaded_at: datetime
    reason_required: bool
    preview: bool


class EvidenceDetail(EvidenceOut):
    custody: list[TimelineEntry] = Field(description="Every upload, view and download of the file, oldest first")


class EvidenceList(BaseModel):
    evidence: list[EvidenceOut]
