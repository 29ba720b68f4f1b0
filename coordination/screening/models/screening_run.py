from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.accounts.models import Organisation, User
from coordination.core.db import Base, utcnow

STATUSES = ("queued", "running", "done", "failed", "discarded")


class ScreeningRun(Base):
    """One transaction export screened in the platform for a PJK.

    The export itself is never kept: it is held in memory while it is screened and then
    dropped. What stays is what an analyst reviews, sealed (context `screening-run:<id>:…`):
    the flagged accounts with their indicators and evidence transactions, and what was decided
    for each (raised as an alert, or already covered by an open one). Discarding a run drops
    that too.
    """

    __tablename__ = "screening_runs"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="status"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),
    )
    audit_type = "screening_run"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    stage: Mapped[str] = mapped_column(String(40), default="")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    input_format: Mapped[str] = mapped_column(String(10))
    input_bytes: Mapped[int] = mapped_column(BigInteger)
    skip_bad_rows: Mapped[bool] = mapped_column(default=False)
    filename_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    policy_sha256: Mapped[str] = mapped_column(String(64))
    rows_read: Mapped[int | None] = mapped_column(BigInteger)
    rows_rejected: Mapped[int | None] = mapped_column(BigInteger)
    accounts_seen: Mapped[int | None] = mapped_column(BigInteger)
    flagged_count: Mapped[int | None] = mapped_column(Integer)
    raised_count: Mapped[int] = mapped_column(Integer, default=0)
    milliseconds: Mapped[int | None] = mapped_column(BigInteger)
    # An input error names a row and column and may quote a value: sealed like the results.
    error_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    results_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()

    def context(self, part: str) -> str:
        return f"screening-run:{self.id}:{part}"

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed", "discarded")
