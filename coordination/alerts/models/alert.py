from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.accounts.models import Organisation, User
from coordination.core.db import Base, utcnow

if TYPE_CHECKING:
    from coordination.subjects.models import Subject, Transaction

STATUSES = ("new", "in_review", "escalated", "dismissed")


class Alert(Base):
    """A PJK's report of suspicious transactions, with the people and payments involved.

    The narrative is sealed (it names people); subjects' personal data and account identifiers
    are sealed on their own rows. Ids are random UUIDs so that they reveal no volumes.
    """

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("organisation_id", "reference", name="uq_alerts_organisation_id_reference"),
        CheckConstraint("status IN ('new', 'in_review', 'escalated', 'dismissed')", name="status"),
        # The two halves of alert visibility (own PJK; escalated to this PPATK), newest first:
        # counts and pages are answered from these indexes.
        Index("ix_alerts_organisation_id_created_at", "organisation_id", "created_at"),
        Index("ix_alerts_escalated_to_id_status_created_at", "escalated_to_id", "status", "created_at"),
    )
    audit_type = "alert"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    reference: Mapped[str] = mapped_column(String(100))
    typologies: Mapped[list[str]] = mapped_column(JSON)
    indicators: Mapped[list[str]] = mapped_column(JSON)
    narrative_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(12), default="new", index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    escalated_to_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    escalated_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id], lazy="joined")
    escalated_to: Mapped[Organisation | None] = relationship(foreign_keys=[escalated_to_id], lazy="joined")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="joined")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    subjects: Mapped[list[Subject]] = relationship(
        back_populates="alert", order_by="Subject.position", cascade="all, delete-orphan"
    )
    transactions: Mapped[list[Transaction]] = relationship(
        back_populates="alert", order_by="Transaction.position", cascade="all, delete-orphan"
    )

    @property
    def holder_id(self) -> int:
        """The organisation that works the alert now: the PJK, or PPATK once escalated."""
        return self.escalated_to_id if self.status == "escalated" and self.escalated_to_id else self.organisation_id
