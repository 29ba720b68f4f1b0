"""Who sees a case: the organisation that owns it. Recipients see referral projections instead."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select

from coordination.accounts.access import can, refuse_invisible
from coordination.accounts.models import User
from coordination.cases.models import Case
from coordination.core.db import get_session


def restrict_cases(query: Select, viewer: User) -> Select:
    if not can(viewer, "case.view"):
        return query.where(False)
    return query.where(Case.organisation_id == viewer.organisation_id)


def get_case_or_404(case_id: uuid.UUID | str, viewer: User) -> Case:
    try:
        key = case_id if isinstance(case_id, uuid.UUID) else uuid.UUID(str(case_id))
    except ValueError:
        raise refuse_invisible(viewer, Case.audit_type, str(case_id)[:64]) from None
    case = get_session().scalar(restrict_cases(select(Case), viewer).where(Case.id == key))
    if case is None:
        raise refuse_invisible(viewer, Case.audit_type, key)
    return case
