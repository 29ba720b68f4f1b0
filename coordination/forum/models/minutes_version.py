from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coordination.core.db import Base, utcnow


class MinutesVersion(Base):
    """One version of a meeting's minutes, kept when the convener writes the next one.

    The text is sealed (context `forum-minutes:<id>`); the newest version is the current minutes.
    """

    __tablename__ = "forum_minutes_versions"
    __table_args__ = (UniqueConstraint("meeting_id", "version"),)
    audit_type = "forum_minutes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("forum_meetings.id", ondelete="CASCADE"))
    version: Mapped[int]
    text_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
