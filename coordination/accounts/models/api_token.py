from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.accounts.models.user import User
from coordination.core.db import Base, utcnow


class ApiToken(Base):
    """A bearer token for system-to-system use (a PJK's core system posting alerts).

    Shown once at creation; only its keyed hash and a short display prefix are kept.
    """

    __tablename__ = "api_tokens"
    audit_type = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def active(self) -> bool:
        return self.revoked_at is None
