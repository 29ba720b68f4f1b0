"""Creating and (de)activating organisations: the platform operator's work."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from coordination.accounts.models import Organisation, User
from coordination.audit.record import record
from coordination.core.db import get_session
from coordination.core.errors import Conflict, ValidationFailed
from coordination.policy import role_policy


def create_organisation(actor: User | None, name: str, kind: str) -> Organisation:
    name = " ".join((name or "").split())
    problems = {}
    if not 2 <= len(name) <= 200:
        problems["name"] = _l("Give a name of 2 to 200 characters.")
    if kind not in role_policy().kinds:
        problems["kind"] = _l("Unknown organisation kind.")
    if problems:
        raise ValidationFailed(_l("The organisation was not created."), problems)
    session = get_session()
    if session.scalar(select(Organisation.id).where(func.lower(Organisation.name) == name.lower())):
        raise Conflict(_l("An organisation with this name already exists."), {"name": _l("Already in use.")})
    org = Organisation(name=name, kind=kind)
    session.add(org)
    session.flush()
    record(actor, "org.create", org, {"name": name, "kind": kind})
    return org


def set_organisation_active(actor: User, org: Organisation, active: bool) -> None:
    if org.is_operator and not active:
        raise ValidationFailed(_l("The platform operator cannot be deactivated."))
    if org.active == active:
        return
    org.active = active
    record(actor, "org.activate" if active else "org.deactivate", org)
    if not active:
        from coordination.accounts.operations.sessions import end_all_sessions

        for user in org.users:
            end_all_sessions(user, "org_deactivated")
    get_session().flush()
