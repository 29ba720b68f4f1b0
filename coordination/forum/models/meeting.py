from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, LargeBinary, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.accounts.models import Organisation
from coordination.core.db import Base, utcnow

meeting_invitees = Table(
    "forum_meeting_invitees",
    Base.metadata,
    Column("meeting_id", ForeignKey("forum_meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id"), primary_key=True, index=True),
)


class Meeting(Base):
    """A forum meeting convened by one organisation, attended by the organisations it invited.

    The title is free text that may name people: sealed (context `forum-meeting:<id>:title`).
    `period_start`..`period_end` is the period its statistics pack covers. A meeting may be the
    next of a series (`follows_meeting_id`, at most one successor each): it starts with the open
    action items of the meeting it follows.
    """

    __tablename__ = "forum_meetings"
    audit_type = "forum_meeting"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    title_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    location: Mapped[str] = mapped_column(String(500))
    period_start: Mapped[date]
    period_end: Mapped[date]
    follows_meeting_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("forum_meetings.id"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    invitees: Mapped[list[Organisation]] = relationship(secondary=meeting_invitees, order_by=Organisation.name)
    follows: Mapped[Meeting | None] = relationship(remote_side=[id], foreign_keys=[follows_meeting_id])

    @property
    def attendee_ids(self) -> set[int]:
        """The convening organisation and every invited one."""
        return {self.organisation_id, *(org.id for org in self.invitees)}
