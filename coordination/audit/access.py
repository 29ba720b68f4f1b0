"""Whose audit events a reader may see: the operator all; everyone else their organisation's own
acts and what anyone did to the objects their organisation owns (a PJK sees PPATK open its alert)."""

from __future__ import annotations

from sqlalchemy import Select, or_

from coordination.accounts.access import can
from coordination.accounts.models import User
from coordination.audit.models import AuditEvent


def restrict_events(query: Select, viewer: User) -> Select:
    if not can(viewer, "audit.read"):
        return query.where(False)
    if viewer.organisation.is_operator:
        return query
    org = viewer.organisation_id
    return query.where(or_(AuditEvent.actor_org_id == org, AuditEvent.object_org_id == org))
