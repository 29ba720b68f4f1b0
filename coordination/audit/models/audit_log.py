"""The Merkle tree over the audit events: stored nodes, the tree head, signed checkpoints."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coordination.core.db import Base, utcnow


class AuditNode(Base):
    """A perfect subtree of the log: level 0 holds leaf hashes (index = leaf index), level l the
    root of leaves [index * 2^l, (index + 1) * 2^l). Written once, when the subtree completes, so
    any proof is a handful of lookups."""

    __tablename__ = "audit_nodes"

    level: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditTreeHead(Base):
    """The one row every append locks: the log's size, root and frontier (the roots of its
    perfect subtrees, hex, left to right). Serialising appends on it keeps the log from forking."""

    __tablename__ = "audit_tree_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)
    root: Mapped[str] = mapped_column(String(64))
    frontier: Mapped[str] = mapped_column(Text)


class AuditCheckpoint(Base):
    """A signed tree head in the C2SP tlog-checkpoint signed-note format."""

    __tablename__ = "audit_checkpoints"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditWitnessSignature(Base):
    """A partner's co-signature of a checkpoint: its signed-note signature line, as received."""

    __tablename__ = "audit_witness_signatures"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    witness: Mapped[str] = mapped_column(String(120), primary_key=True)
    signature_line: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
