"""Append an audit event in the caller's transaction, so the act and its record commit together.

Events that must survive a refused request (a failed login, a permission denial) are committed
by their caller right after recording; everything else rides on the action's own commit.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any, Literal

from flask import g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from coordination.audit.canonical import without_floats
from coordination.audit.log import append
from coordination.audit.models import AuditEvent
from coordination.core.db import get_session, utcnow

if TYPE_CHECKING:
    from coordination.accounts.models import User

Outcome = Literal["success", "failure", "denied"]


def _object_ref(obj: object | tuple[str, object] | None) -> tuple[str | None, str | None]:
    if obj is None:
        return None, None
    if isinstance(obj, tuple):
        kind, ident = obj
        return str(kind), None if ident is None else str(ident)
    kind = getattr(obj, "audit_type", None)
    if kind is None:
        raise TypeError(f"{type(obj).__name__} has no audit_type; cannot be an audit object")
    return kind, str(obj.id)  # type: ignore[attr-defined]


def _owner(obj: object) -> int | None:
    if obj is None or isinstance(obj, tuple):
        return None
    owner = getattr(obj, "organisation_id", None) or getattr(obj, "from_org_id", None)
    return owner if isinstance(owner, int) else None


def record(
    actor: User | None,
    action: str,
    obj: object | tuple[str, object] | None = None,
    detail: dict[str, Any] | None = None,
    *,
    outcome: Outcome = "success",
    session: Session | None = None,
) -> AuditEvent:
    session = session or get_session()
    object_type, object_id = _object_ref(obj)
    event_row = AuditEvent(
        occurred_at=utcnow(),
        actor_user_id=actor.id if actor else None,
        actor_email=actor.email if actor else None,
        actor_org_id=actor.organisation_id if actor else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_org_id=_owner(obj),
        outcome=outcome,
        ip=request.remote_addr if has_request_context() else None,
        request_id=request_id() if has_request_context() else None,
        detail=json.dumps(without_floats(detail or {}), sort_keys=True, ensure_ascii=False, default=str),
    )
    append(session, event_row)  # before add: the tree head's UPDATE autoflushes pending rows
    session.add(event_row)
    return event_row


def request_id() -> str:
    """One id per request, on every event it records and in its X-Request-Id response header."""
    if "request_id" not in g:
        g.request_id = uuid.uuid4().hex
    return g.request_id


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _context: object, _instances: object) -> None:
    """The application never rewrites history: refuse any update or delete of an event."""
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("audit events are append-only")
