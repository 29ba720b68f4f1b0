from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.core.db import Base

if TYPE_CHECKING:
    from coordination.alerts.models import Alert
    from coordination.cases.models import Case

# A subject or payment belongs to exactly one alert or one case.
ONE_OWNER = "(alert_id IS NULL) <> (case_id IS NULL)"


class Subject(Base):
    """A person in an alert or a case. Name, NIK, birth date, phone, e-mail and address are sealed
    together; role, gender and province stay plain for statistics."""

    __tablename__ = "subjects"
    __table_args__ = (CheckConstraint(ONE_OWNER, name="one_owner"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    alert_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    role: Mapped[str] = mapped_column(String(20))
    gender: Mapped[str | None] = mapped_column(String(10))
    province: Mapped[str | None] = mapped_column(String(40))
    personal_sealed: Mapped[bytes] = mapped_column(LargeBinary)

    alert: Mapped[Alert | None] = relationship(back_populates="subjects")
    case: Mapped[Case | None] = relationship(back_populates="subjects")
    accounts: Mapped[list[SubjectAccount]] = relationship(
        back_populates="subject", order_by="SubjectAccount.position", cascade="all, delete-orphan"
    )


class SubjectAccount(Base):
    """An account a subject holds: bank, e-wallet, crypto, card, phone credit or game account."""

    __tablename__ = "subject_accounts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    type: Mapped[str] = mapped_column(String(20))
    provider: Mapped[str | None] = mapped_column(String(100))
    identifier_sealed: Mapped[bytes] = mapped_column(LargeBinary)

    subject: Mapped[Subject] = relationship(back_populates="accounts")
