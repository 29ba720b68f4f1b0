from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.core.db import Base, utcnow
from coordination.core.permissions import OPERATOR_KIND, ORG_KINDS

if TYPE_CHECKING:
    from coordination.accounts.models.user import User


class Organisation(Base):
    """A member institution: a PJK, PPATK, a police unit, a ministry, a service unit, an NGO..."""

    __tablename__ = "organisations"
    __table_args__ = (CheckConstraint("kind IN (" + ", ".join(f"'{k}'" for k in sorted(ORG_KINDS)) + ")", name="kind"),)
    audit_type = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="organisation")

    @property
    def is_operator(self) -> bool:
        return self.kind == OPERATOR_KIND

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.kind} {self.name!r}>"
