"""Who sees a case: the organisation that owns it. Recipients see referral projections instead."""

from __future__ import annotations

import uuid

from sqlalchemy import Select

from coordination.accounts.access import can, get_visible_or_404
from coordination.accounts.models import User
from coordination.cases.models import Case


def restrict_cases(query: Select, viewer: User) -> Select:
    if not can(viewer, "case.view"):
        return query.where(False)
    return query.where(Case.organisation_id == viewer.organisation_id)


def get_case_or_404(case_id: uuid.UUID | str, viewer: User) -> Case:
    return get_visible_or_404(Case, restrict_cases, case_id, viewer)
