"""Whose audit events a reader may see: the operator all, everyone else their organisation's."""

from __future__ import annotations

from sqlalchemy import Select

from coordination.accounts.access import can
from coordination.accounts.models import User
from coordination.audit.models import AuditEvent


def restrict_events(query: Select, viewer: User) -> Select:
    if not can(viewer, "audit.read"):
        return query.where(False)
    if viewer.organisation.is_operator:
        return query
    return query.where(AuditEvent.actor_org_id == viewer.organisation_id)
