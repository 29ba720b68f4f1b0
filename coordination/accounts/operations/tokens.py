"""API tokens for system-to-system calls: shown once, stored as a keyed hash, revocable."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coordination.accounts.models import ApiToken, User
from coordination.audit.record import record
from coordination.core.context import keyring
from coordination.core.db import get_session, utcnow
from coordination.core.errors import Conflict, ValidationFailed
from coordination.core.keys import keyed_hash

LAST_USED_PRECISION = timedelta(seconds=60)
TOKEN_PREFIX = "smpl_"  # noqa: S105  (a public prefix, not a secret)


def _hash(token: str) -> str:
    return keyed_hash(keyring(), "api-token", token)


def create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    name = " ".join((name or "").split())
    if not 1 <= len(name) <= 100:
        raise ValidationFailed(_l("The token was not created."), {"name": _l("Give a name of 1 to 100 characters.")})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=secret[:12], token_hash=_hash(secret))
    session = get_session()
    session.add(token)
    session.flush()
    record(user, "api_token.create", token, {"name": name, "prefix": token.prefix})
    return token, secret


def revoke_api_token(actor: User, token: ApiToken) -> None:
    if token.revoked_at is not None:
        raise Conflict(_l("This token is already revoked."))
    token.revoked_at = utcnow()
    record(actor, "api_token.revoke", token, {"prefix": token.prefix, "owner": token.user.email})


def revoke_all_tokens(actor: User | None, user: User) -> None:
    for token in get_session().scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ):
        token.revoked_at = utcnow()
        record(actor, "api_token.revoke", token, {"prefix": token.prefix, "owner": user.email})


def authenticate_bearer(secret: str) -> ApiToken | None:
    """The live token for `secret`, or None. Uses are recorded (at most once a minute per token,
    with the address: who called the API with what) and so is every refusal; the caller commits
    either way. A refused secret is never written down, not even its prefix."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        record(None, "api_token.use", None, {"reason": "malformed"}, outcome="failure")
        return None
    token = get_session().scalar(select(ApiToken).where(ApiToken.token_hash == _hash(secret)))
    if token is None:
        record(None, "api_token.use", None, {"reason": "unknown"}, outcome="failure")
        return None
    if token.revoked_at is not None or not token.user.is_active:
        reason = "revoked" if token.revoked_at is not None else "user_inactive"
        record(token.user, "api_token.use", token, {"prefix": token.prefix, "reason": reason}, outcome="denied")
        return None
    now = utcnow()
    # A write per API call would make every read a write; to the minute is what people need.
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        token.last_used_at = now
        record(token.user, "api_token.use", token, {"prefix": token.prefix})
    return token
