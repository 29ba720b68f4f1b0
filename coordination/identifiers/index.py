"""Blind-index entries for an alert or a case, and the alerts that share an identifier."""

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


def index_identifiers(
    identifiers: set[tuple[str, str]], *, alert_id: uuid.UUID | None = None, case_id: uuid.UUID | None = None
) -> None:
    """Record one digest per distinct (kind, value) for the alert or the case that holds them."""
    session = get_session()
    known = set()
    if case_id is not None:  # a case gains people over time: index each identifier once
        query = select(IdentifierDigest.kind, IdentifierDigest.digest).where(IdentifierDigest.case_id == case_id)
        known = {(kind, value) for kind, value in session.execute(query)}
    for kind, value in sorted({(k, digest(k, v)) for k, v in identifiers if v and normalise(k, v)} - known):
        session.add(IdentifierDigest(kind=kind, digest=value, alert_id=alert_id, case_id=case_id))


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
