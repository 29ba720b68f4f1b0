"""Who sees an alert: its PJK, and the PPATK organisation it was escalated to. No one else."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, Select, and_, or_

from coordination.accounts.access import can, get_visible_or_404
from coordination.accounts.models import User
from coordination.alerts.models import Alert


def alert_visibility(viewer: User) -> list[ColumnElement[bool]]:
    """Each way an alert can be visible to the viewer; an alert is visible if any holds."""
    if not can(viewer, "alert.view"):
        return []
    org = viewer.organisation_id
    return [Alert.organisation_id == org, and_(Alert.escalated_to_id == org, Alert.status == "escalated")]


def restrict_alerts(query: Select, viewer: User) -> Select:
    conditions = alert_visibility(viewer)
    return query.where(or_(*conditions)) if conditions else query.where(False)


def get_alert_or_404(alert_id: uuid.UUID | str, viewer: User) -> Alert:
    return get_visible_or_404(Alert, restrict_alerts, alert_id, viewer)


def holds(alert: Alert, user: User) -> bool:
    """The user's organisation is the one working the alert now."""
    return alert.holder_id == user.organisation_id
