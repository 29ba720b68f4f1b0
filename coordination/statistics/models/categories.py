"""The categories each alert and case falls in, kept as they are written, for the statistics pack.

A record's categories for a multi-valued dimension (typologies, indicators, payment channels,
provinces) are a *set* of values. Sets are stored once (`ValueSet`, keyed by dimension and a
digest of the sorted values, with their members) and each record points to its four sets
(`RecordCategories`). A pack then groups records by (quarter, organisation kind, set ids): a few
thousand groups instead of re-deriving every record's lists from people and payments.

These rows are derived data, written by `coordination.statistics.categories` whenever an alert
is raised or a case gains alerts, people or payments; a record without a row is filled in when
a pack is next built. They hold category codes only, no personal data.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coordination.core.db import Base

DIMENSIONS = ("typology", "indicator", "channel", "province")


class ValueSet(Base):
    __tablename__ = "stats_value_sets"
    __table_args__ = (UniqueConstraint("digest", "dim"),)  # digest first: looked up by digest

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dim: Mapped[str] = mapped_column(String(10))
    # SHA-256 of the sorted values joined by U+001F: equal sets share one row.
    digest: Mapped[str] = mapped_column(String(64))


class ValueSetMember(Base):
    __tablename__ = "stats_value_set_members"

    set_id: Mapped[int] = mapped_column(ForeignKey("stats_value_sets.id", ondelete="CASCADE"), primary_key=True)
    value: Mapped[str] = mapped_column(String(100), primary_key=True)


class RecordCategories(Base):
    """One alert's or one case's sets (a referral falls in its case's)."""

    __tablename__ = "stats_record_categories"
    # Covering: a pack reads a record's four sets with one index lookup, not two.
    __table_args__ = (
        Index(
            "ix_stats_record_categories_sets",
            "record_id",
            "typology_set_id",
            "indicator_set_id",
            "channel_set_id",
            "province_set_id",
        ),
    )

    record_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # an alert's or a case's id
    kind: Mapped[str] = mapped_column(String(5))  # "alert" or "case"
    typology_set_id: Mapped[int] = mapped_column(ForeignKey("stats_value_sets.id"))
    indicator_set_id: Mapped[int] = mapped_column(ForeignKey("stats_value_sets.id"))
    channel_set_id: Mapped[int] = mapped_column(ForeignKey("stats_value_sets.id"))
    province_set_id: Mapped[int] = mapped_column(ForeignKey("stats_value_sets.id"))
