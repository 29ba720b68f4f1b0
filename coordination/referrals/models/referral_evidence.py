"""Which evidence items a referral carries: decided by policies/evidence.yaml when it is sent.

Kept as rows (not only inside the sealed snapshot) so that evidence visibility is a query:
a recipient can open exactly the items its referral carries, while the referral is open to it.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Table

from coordination.core.db import Base

referral_evidence = Table(
    "referral_evidence",
    Base.metadata,
    Column("referral_id", ForeignKey("referrals.id", ondelete="CASCADE"), primary_key=True),
    Column("evidence_id", ForeignKey("evidence.id"), primary_key=True, index=True),
)
