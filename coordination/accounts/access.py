"""Who may do what: permission checks on users, and the visibility of accounts objects.

`can(user, permission)` asks the role policy; `restrict_*` narrows a query to what the user may
see, so a list can never show what a detail page would refuse; `get_*_or_404` load one object
through the same restriction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from coordination.accounts.models import ApiToken, Organisation, User
from coordination.core.db import get_session
from coordination.core.errors import NotFound
from coordination.policy import role_policy


def can(user: User | None, permission: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return role_policy().allows(user.organisation.kind, user.role, permission)


def permissions_of(user: User) -> list[str]:
    return sorted(role_policy().permissions_of(user.organisation.kind, user.role))


def restrict_organisations(query: Select, viewer: User) -> Select:
    if can(viewer, "orgs.manage"):
        return query
    return query.where(Organisation.id == viewer.organisation_id)


def restrict_users(query: Select, viewer: User) -> Select:
    # Platform administrators see the people of every organisation (to bootstrap its first
    # administrator); everyone else only their own organisation's.
    if can(viewer, "orgs.manage"):
        return query
    return query.where(User.organisation_id == viewer.organisation_id)


def restrict_tokens(query: Select, viewer: User) -> Select:
    return query.where(ApiToken.user_id == viewer.id)


def refuse_invisible(viewer: User, object_type: str, object_id: object) -> NotFound:
    """Record a request for an object the viewer may not see (or that does not exist), then 404.

    The same answer for both cases keeps existence secret; the audit record makes probing for
    other organisations' objects visible to the people who read the trail.
    """
    from coordination.audit.record import record
    from coordination.core.db import commit

    record(viewer, "access.not_visible", (object_type, object_id), outcome="denied")
    commit()
    return NotFound(_l("Not found."))


def get_organisation_or_404(org_id: int, viewer: User) -> Organisation:
    org = get_session().scalar(restrict_organisations(select(Organisation), viewer).where(Organisation.id == org_id))
    if org is None:
        raise refuse_invisible(viewer, Organisation.audit_type, org_id)
    return org


def get_user_or_404(user_id: int, viewer: User) -> User:
    user = get_session().scalar(restrict_users(select(User), viewer).where(User.id == user_id))
    if user is None:
        raise refuse_invisible(viewer, User.audit_type, user_id)
    return user


def get_token_or_404(token_id: int, viewer: User) -> ApiToken:
    token = get_session().scalar(restrict_tokens(select(ApiToken), viewer).where(ApiToken.id == token_id))
    if token is None:
        raise refuse_invisible(viewer, ApiToken.audit_type, token_id)
    return token


def can_manage_user(actor: User, target: User) -> bool:
    """Org admins manage their own organisation's people; platform admins any organisation's."""
    if actor.id == target.id:
        return False
    if can(actor, "orgs.manage"):
        return True
    return can(actor, "users.manage") and actor.organisation_id == target.organisation_id


def can_invite(actor: User, org: Organisation, role: str) -> bool:
    if can(actor, "users.manage") and actor.organisation_id == org.id:
        return True
    # A new organisation has nobody to invite its people: the platform invites its first admin.
    return can(actor, "orgs.manage") and role == "org_admin"


def get_visible_or_404(model: type, restrict: Callable[[Select, User], Select], object_id: object, viewer: User):  # type: ignore[no-untyped-def]
    """Load one object by UUID through the same restriction its lists use; anything else is 404.

    A malformed id and an invisible object get the same answer, and both are audited.
    """
    try:
        key = object_id if isinstance(object_id, uuid.UUID) else uuid.UUID(str(object_id))
    except ValueError:
        raise refuse_invisible(viewer, model.audit_type, str(object_id)[:64]) from None
    found = get_session().scalar(restrict(select(model), viewer).where(model.id == key))
    if found is None:
        raise refuse_invisible(viewer, model.audit_type, key)
    return found
