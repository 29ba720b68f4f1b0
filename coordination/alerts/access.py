"""Who sees an alert: its PJK, and the PPATK organisation it was escalated to. No one else."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, union

from coordination.accounts.access import can, get_visible_or_404
from coordination.accounts.models import User
from coordination.alerts.models import Alert


def _visibility(viewer: User) -> list[ColumnElement[bool]]:
    """Each way an alert can be visible to the viewer; an alert is visible if any holds."""
    if not can(viewer, "alert.view"):
        return []
    org = viewer.organisation_id
    return [Alert.organisation_id == org, and_(Alert.escalated_to_id == org, Alert.status == "escalated")]


def restrict_alerts(query: Select, viewer: User) -> Select:
    conditions = _visibility(viewer)
    return query.where(or_(*conditions)) if conditions else query.where(False)


def newest_visible_alert_ids(viewer: User, status: str | None, limit: int) -> Select:
    """The ids of the `limit` newest alerts the viewer may see: the same visibility as
    `restrict_alerts`, written as one index scan per condition (newest first, stopping after
    `limit`) so that an inbox page never sorts all of a busy PPATK inbox."""
    branches = []
    for condition in _visibility(viewer) or [false()]:
        branch = select(Alert.id, Alert.created_at).where(condition)
        if status:
            branch = branch.where(Alert.status == status)
        branches.append(branch.order_by(Alert.created_at.desc()).limit(limit).subquery().select())
    return union(*branches) if len(branches) > 1 else branches[0]


def get_alert_or_404(alert_id: uuid.UUID | str, viewer: User) -> Alert:
    return get_visible_or_404(Alert, restrict_alerts, alert_id, viewer)


def holds(alert: Alert, user: User) -> bool:
    """The user's organisation is the one working the alert now."""
    return alert.holder_id == user.organisation_id
