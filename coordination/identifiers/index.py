"""Blind-index entries for an alert, and the alerts that share an identifier with it."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select

from coordination.core.context import keyring
from coordination.core.db import get_session
from coordination.core.keys import keyed_hash
from coordination.identifiers.models import IdentifierDigest
from coordination.identifiers.normalise import normalise


def digest(kind: str, value: str) -> str:
    return keyed_hash(keyring(), f"blind-index:{kind}", normalise(kind, value))


def index_alert(alert_id: uuid.UUID, identifiers: set[tuple[str, str]]) -> None:
    """Record one digest per distinct (kind, value) of the alert."""
    session = get_session()
    for kind, value in sorted({(k, digest(k, v)) for k, v in identifiers if v and normalise(k, v)}):
        session.add(IdentifierDigest(kind=kind, digest=value, alert_id=alert_id))


def alerts_sharing_identifiers(alert_id: uuid.UUID) -> Select:
    """(alert id, identifier kind) of other alerts sharing an identifier; callers restrict visibility."""
    mine = (
        select(IdentifierDigest.kind, IdentifierDigest.digest).where(IdentifierDigest.alert_id == alert_id).subquery()
    )
    return (
        select(IdentifierDigest.alert_id, IdentifierDigest.kind)
        .join(mine, (IdentifierDigest.kind == mine.c.kind) & (IdentifierDigest.digest == mine.c.digest))
        .where(IdentifierDigest.alert_id != alert_id)
        .distinct()
    )
