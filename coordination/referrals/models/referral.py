from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.accounts.models import Organisation
from coordination.cases.models import Case
from coordination.core.db import Base, utcnow

STATUSES = ("sent", "accepted", "declined", "closed", "revoked")


class Referral(Base):
    """A case referred to another organisation for one purpose.

    What the recipient sees is the projection made and previewed at sending time, sealed as a
    snapshot (context `referral:<id>:projection`): later changes to the case or the policy do not
    change what was sent. Who sent it, from where and under which policy version is copied in,
    as Primero's transitions do. A follow-up (the answer to a recipient's request for more
    information, possibly for a wider purpose) points at the referral it follows.
    """

    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint("status IN ('sent', 'accepted', 'declined', 'closed', 'revoked')", name="status"),
        Index("ix_referrals_to_org_id_status_created_at", "to_org_id", "status", "created_at"),
        Index("ix_referrals_from_org_id_created_at", "from_org_id", "created_at"),
    )
    audit_type = "referral"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    follows_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("referrals.id"), index=True)
    from_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    to_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    purpose: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="sent", index=True)
    consent: Mapped[dict | None] = mapped_column(JSON)
    projection_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    policy_version: Mapped[str] = mapped_column(String(40))
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sender_email: Mapped[str] = mapped_column(String(254))
    sender_org_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    case: Mapped[Case] = relationship()
    follows: Mapped[Referral | None] = relationship(remote_side=[id], foreign_keys=[follows_id])
    from_org: Mapped[Organisation] = relationship(foreign_keys=[from_org_id], lazy="joined")
    to_org: Mapped[Organisation] = relationship(foreign_keys=[to_org_id], lazy="joined")


class ReferralNote(Base):
    """Free text on a referral (message, reason, request, status update), sealed; the audit event
    of the act refers to it by id."""

    __tablename__ = "referral_notes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    text_sealed: Mapped[bytes] = mapped_column(LargeBinary)
