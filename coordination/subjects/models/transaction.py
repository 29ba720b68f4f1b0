from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.core.db import Base
from coordination.subjects.models.subject import ONE_OWNER

if TYPE_CHECKING:
    from coordination.alerts.models import Alert
    from coordination.cases.models import Case


class Transaction(Base):
    """One payment in an alert or a case. Account identifiers and the transfer note are sealed."""

    __tablename__ = "transactions"
    __table_args__ = (CheckConstraint(ONE_OWNER, name="one_owner"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    alert_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    tx_id: Mapped[str] = mapped_column(String(100))
    occurred_at: Mapped[datetime]
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))
    channel: Mapped[str] = mapped_column(String(20))
    # from/to account and note, sealed together
    details_sealed: Mapped[bytes] = mapped_column(LargeBinary)

    alert: Mapped[Alert | None] = relationship(back_populates="transactions")
    case: Mapped[Case | None] = relationship(back_populates="transactions")
