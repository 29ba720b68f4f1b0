from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from coordination.core.db import Base, utcnow


class AlertNote(Base):
    """Free text written on an alert (a comment, or the reason for a decision), sealed.

    The audit event of the act refers to the note by id, so the audit table itself never
    holds free text about people.
    """

    __tablename__ = "alert_notes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    alert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    text_sealed: Mapped[bytes] = mapped_column(LargeBinary)
