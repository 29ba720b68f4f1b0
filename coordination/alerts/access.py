"""Who sees an alert: its PJK, and the PPATK organisation it was escalated to. No one else."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, and_, or_, select

from coordination.accounts.access import can, refuse_invisible
from coordination.accounts.models import User
from coordination.alerts.models import Alert
from coordination.core.db import get_session


def restrict_alerts(query: Select, viewer: User) -> Select:
    if not can(viewer, "alert.view"):
        return query.where(False)
    org = viewer.organisation_id
    return query.where(
        or_(Alert.organisation_id == org, and_(Alert.escalated_to_id == org, Alert.status == "escalated"))
    )


def get_alert_or_404(alert_id: uuid.UUID | str, viewer: User) -> Alert:
    try:
        key = alert_id if isinstance(alert_id, uuid.UUID) else uuid.UUID(str(alert_id))
    except ValueError:
        raise refuse_invisible(viewer, Alert.audit_type, str(alert_id)[:64]) from None
    alert = get_session().scalar(restrict_alerts(select(Alert), viewer).where(Alert.id == key))
    if alert is None:
        raise refuse_invisible(viewer, Alert.audit_type, key)
    return alert


def holds(alert: Alert, user: User) -> bool:
    """The user's organisation is the one working the alert now."""
    return alert.holder_id == user.organisation_id
