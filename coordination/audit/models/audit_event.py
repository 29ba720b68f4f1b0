from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coordination.core.db import Base, utcnow


class AuditEvent(Base):
    """One recorded act. Append-only: the application never updates or deletes a row.

    Actor e-mail and organisation are copied in, not only referenced, so the record still says
    who acted after a user is renamed or an organisation is reorganised.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_object", "object_type", "object_id"),
        Index("ix_audit_events_actor_org_id_occurred_at", "actor_org_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Position in the Merkle tree (audit/log.py), assigned under the tree head's lock.
    leaf_index: Mapped[int] = mapped_column(BigInteger, unique=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_email: Mapped[str | None] = mapped_column(String(254))
    actor_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    # The organisation that owns the object (an alert's PJK, a case's owner, a referral's
    # sender), so that it can read what others did to its objects.
    object_org_id: Mapped[int | None] = mapped_column(index=True)
    outcome: Mapped[str] = mapped_column(String(10))
    ip: Mapped[str | None] = mapped_column(String(45))
    request_id: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="{}")
