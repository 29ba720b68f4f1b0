from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.accounts.models import Organisation
from coordination.core.db import Base, utcnow

ACTION_STATUSES = ("open", "in_progress", "done", "dropped")
STILL_OPEN = ("open", "in_progress")


class ActionItem(Base):
    """What an attendee organisation agreed to do, by when.

    What and the reason for dropping it are free text: sealed (contexts
    `forum-action:<id>:what|reason`). An item carried over to the next meeting of a series is a
    new item there pointing at the one it continues (`carried_from_id`); the original is kept.
    """

    __tablename__ = "forum_action_items"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in ACTION_STATUSES)})", name="status"),
        CheckConstraint("status != 'dropped' OR reason_sealed IS NOT NULL", name="dropped_reason"),
    )
    audit_type = "forum_action_item"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("forum_meetings.id", ondelete="CASCADE"), index=True)
    what_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(12), default="open")
    reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    carried_from_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("forum_action_items.id"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner_org: Mapped[Organisation] = relationship(lazy="joined")

    @property
    def still_open(self) -> bool:
        return self.status in STILL_OPEN
