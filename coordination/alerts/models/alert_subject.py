from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.core.db import Base

if TYPE_CHECKING:
    from coordination.alerts.models.alert import Alert


class AlertSubject(Base):
    """A person in an alert. Name, NIK, birth date, phone, e-mail and address are sealed together
    (context `alert-subject:<id>`); role, gender and province are plain for statistics."""

    __tablename__ = "alert_subjects"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    alert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    role: Mapped[str] = mapped_column(String(20))
    gender: Mapped[str | None] = mapped_column(String(10))
    province: Mapped[str | None] = mapped_column(String(40))
    personal_sealed: Mapped[bytes] = mapped_column(LargeBinary)

    alert: Mapped[Alert] = relationship(back_populates="subjects")
    accounts: Mapped[list[SubjectAccount]] = relationship(
        back_populates="subject", order_by="SubjectAccount.position", cascade="all, delete-orphan"
    )


class SubjectAccount(Base):
    """An account a subject holds: bank, e-wallet, crypto, card, phone credit or game account."""

    __tablename__ = "subject_accounts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alert_subjects.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    type: Mapped[str] = mapped_column(String(20))
    provider: Mapped[str | None] = mapped_column(String(100))
    identifier_sealed: Mapped[bytes] = mapped_column(LargeBinary)

    subject: Mapped[AlertSubject] = relationship(back_populates="accounts")
