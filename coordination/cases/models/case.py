from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Column, ForeignKey, LargeBinary, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.accounts.models import Organisation, User
from coordination.alerts.models import Alert
from coordination.core.db import Base, utcnow

if TYPE_CHECKING:
    from coordination.subjects.models import Subject, Transaction

case_alerts = Table(
    "case_alerts",
    Base.metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("alert_id", ForeignKey("alerts.id"), primary_key=True, index=True),
)


class Case(Base):
    """A case collects alerts (from several PJKs) under one organisation that works it, and may
    record people and payments of its own (an NGO's case starts from a complaint, not an alert).

    Title and summary are free text about people: sealed (context `case:<id>:title|summary`).
    """

    __tablename__ = "cases"
    __table_args__ = (CheckConstraint("status IN ('open', 'closed')", name="status"),)
    audit_type = "case"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    title_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    summary_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()
    alerts: Mapped[list[Alert]] = relationship(secondary=case_alerts, order_by=Alert.created_at)
    subjects: Mapped[list[Subject]] = relationship(
        back_populates="case", order_by="Subject.position", cascade="all, delete-orphan"
    )
    transactions: Mapped[list[Transaction]] = relationship(
        back_populates="case", order_by="Transaction.position", cascade="all, delete-orphan"
    )
