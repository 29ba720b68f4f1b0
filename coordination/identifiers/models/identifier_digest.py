from __future__ import annotations

import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from coordination.core.db import Base


class IdentifierDigest(Base):
    """A keyed digest of one identifier seen in an alert, or recorded on a case itself
    (a blind index entry)."""

    __tablename__ = "identifier_digests"
    __table_args__ = (
        Index("ix_identifier_digests_kind_digest", "kind", "digest"),
        CheckConstraint("(alert_id IS NULL) <> (case_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    digest: Mapped[str] = mapped_column(String(64))
    alert_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
