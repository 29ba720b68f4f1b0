"""Reading evidence records: a case's list, one record opened, its custody history."""

from __future__ import annotations

from sqlalchemy import select

from coordination.accounts.models import User
from coordination.audit.queries import HistoryEntry, object_history
from coordination.cases.models import Case
from coordination.core.db import get_session
from coordination.core.sealing import open_json
from coordination.evidence.access import restrict_evidence
from coordination.evidence.models import Evidence

CUSTODY_ACTIONS = tuple(f"evidence.{a}" for a in ("upload", "view", "download", "export", "integrity_failed", "rewrap"))


def case_evidence(case: Case, viewer: User) -> list[Evidence]:
    query = restrict_evidence(select(Evidence), viewer).where(Evidence.case_id == case.id)
    return list(get_session().scalars(query.order_by(Evidence.uploaded_at, Evidence.id)))


def filename_of(evidence: Evidence) -> str:
    return open_json(evidence.filename_sealed, f"evidence:{evidence.id}:filename")


def description_of(evidence: Evidence) -> str:
    return open_json(evidence.description_sealed, f"evidence:{evidence.id}:description")


def custody(evidence: Evidence) -> list[HistoryEntry]:
    return object_history(Evidence.audit_type, evidence.id, CUSTODY_ACTIONS)
