"""Who sees a screening run: the users of the organisation that ran it who may screen."""

from __future__ import annotations

import uuid

from sqlalchemy import Select

from coordination.accounts.access import can, get_visible_or_404
from coordination.accounts.models import User
from coordination.screening.models import ScreeningRun


def restrict_runs(query: Select, viewer: User) -> Select:
    if not can(viewer, "screening.run"):
        return query.where(False)
    return query.where(ScreeningRun.organisation_id == viewer.organisation_id)


def get_run_or_404(run_id: uuid.UUID | str, viewer: User) -> ScreeningRun:
    return get_visible_or_404(ScreeningRun, restrict_runs, run_id, viewer)


def may_raise(viewer: User) -> bool:
    return can(viewer, "alert.create")
