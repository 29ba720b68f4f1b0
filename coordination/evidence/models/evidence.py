from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.accounts.models import Organisation, User
from coordination.cases.models import Case
from coordination.core.db import Base, utcnow


class Evidence(Base):
    """One evidence file of a case: its custody facts in clear, its content encrypted in the store.

    The row is committed only after the stored file is durable. The file's data key is kept only
    wrapped by a key-encryption key (`kek_id`), bound to this id. The original file name and the
    description are sealed: a name like "video_Siti.mp4" identifies a child.
    """

    __tablename__ = "evidence"
    audit_type = "evidence"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    category: Mapped[str] = mapped_column(String(30))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    description_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    format_version: Mapped[int]
    kek_id: Mapped[str] = mapped_column(String(16), index=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_by_email: Mapped[str] = mapped_column(String(254))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    case: Mapped[Case] = relationship()
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    uploaded_by: Mapped[User | None] = relationship()

    @property
    def storage_name(self) -> str:
        return self.id.hex
