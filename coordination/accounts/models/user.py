from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.accounts.models.organisation import Organisation
from coordination.core.db import Base, utcnow
from coordination.core.permissions import ROLES


class User(UserMixin, Base):
    """A person at one organisation, holding one role there.

    The TOTP seed is stored sealed by the keyring (`coordination.core.keys.seal`), never in
    clear. `is_demo` marks the seeded demonstration users, the only ones allowed to sign in
    without MFA.
    """

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN (" + ", ".join(f"'{r}'" for r in sorted(ROLES)) + ")", name="role"),)
    audit_type = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str | None] = mapped_column(String(5))
    totp_secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_last_step: Mapped[int | None]
    mfa_enrolled_at: Mapped[datetime | None]
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="users", lazy="joined")

    # Flask-Login calls get_id() to put an identifier in the cookie. We put the id of the
    # server-side session instead of the user id (Flask-Login's "alternative tokens"), so that
    # logout, deactivation and idle timeout invalidate the cookie everywhere.
    session_token = None  # set per request by the session loader; not a column

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def is_active(self) -> bool:  # Flask-Login asks this before accepting a login.
        return self.active and self.organisation.active

    @property
    def mfa_enrolled(self) -> bool:
        return self.mfa_enrolled_at is not None

    @property
    def mfa_required(self) -> bool:
        return not self.is_demo

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"
