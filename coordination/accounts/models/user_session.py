from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.accounts.models.user import User
from coordination.core.db import Base, utcnow


class UserSession(Base):
    """A signed-in browser session, kept server-side so every instance sees logout and expiry.

    Only a keyed hash of the token is stored; the token itself lives in the signed cookie.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(20))

    user: Mapped[User] = relationship(lazy="joined")
