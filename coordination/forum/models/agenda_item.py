from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.accounts.models import Organisation
from coordination.core.db import Base, utcnow


class AgendaItem(Base):
    """A topic (sealed free text, context `forum-agenda:<id>:topic`) or a case put forward by the
    organisation that owns it. A case item stores only the reference: each attendee sees the
    case through its own `information` projection, made when the item is shown."""

    __tablename__ = "forum_agenda_items"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'topic' AND topic_sealed IS NOT NULL AND case_id IS NULL)"
            " OR (kind = 'case' AND case_id IS NOT NULL)",
            name="kind",
        ),
    )
    audit_type = "forum_agenda_item"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("forum_meetings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))
    topic_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"), index=True)
    proposed_by_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposed_by_org: Mapped[Organisation] = relationship(lazy="joined")
