"""The alert's own sealed text: its narrative. People and payments are sealed by `subjects`."""

from __future__ import annotations

import uuid

from coordination.alerts.models import Alert
from coordination.core.sealing import open_json


def narrative_context(alert_id: uuid.UUID) -> str:
    return f"alert:{alert_id}:narrative"


def open_narrative(alert: Alert) -> str:
    return open_json(alert.narrative_sealed, narrative_context(alert.id))
