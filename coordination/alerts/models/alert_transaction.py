from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, LargeBinary, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.core.db import Base

if TYPE_CHECKING:
    from coordination.alerts.models.alert import Alert


class AlertTransaction(Base):
    """One payment in an alert. Account identifiers and the transfer note are sealed."""

    __tablename__ = "alert_transactions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    alert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    tx_id: Mapped[str] = mapped_column(String(100))
    occurred_at: Mapped[datetime]
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))
    channel: Mapped[str] = mapped_column(String(20))
    # from/to account and note, sealed together (context `alert-transaction:<id>`)
    details_sealed: Mapped[bytes] = mapped_column(LargeBinary)

    alert: Mapped[Alert] = relationship(back_populates="transactions")
