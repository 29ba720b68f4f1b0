"""Server-side browser sessions: started after full sign-in, ended by logout, expiry or admin."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update

from coordination.accounts.models import User, UserSession
from coordination.core.context import config, keyring
from coordination.core.db import get_session, utcnow
from coordination.core.keys import keyed_hash

# Writing last_seen on every request would turn every page view into a write; once a minute
# is precise enough for a 30-minute idle timeout.
TOUCH_INTERVAL = timedelta(seconds=60)
# However active, a session ends this long after sign-in (ASVS 5.0 7.3.2): a stolen cookie kept
# alive by an attacker's requests dies within a working day. Twelve hours is NIST SP 800-63B's
# AAL2 re-authentication bound, and covers a long shift without a second sign-in.
MAX_LIFETIME = timedelta(hours=12)


def _hash(token: str) -> str:
    return keyed_hash(keyring(), "session", token)


def start_session(user: User, ip: str | None, user_agent: str | None) -> str:
    token = secrets.token_urlsafe(32)
    get_session().add(
        UserSession(
            token_hash=_hash(token),
            user_id=user.id,
            ip=ip,
            user_agent=(user_agent or "")[:200] or None,
        )
    )
    return token


def load_session(token: str) -> UserSession | None:
    """The live session for a cookie token, or None if it ended, idled out or its user left."""
    session = get_session()
    row = session.scalar(select(UserSession).where(UserSession.token_hash == _hash(token)))
    if row is None or row.ended_at is not None:
        return None
    now = utcnow()
    if now - row.last_seen_at > timedelta(minutes=config().session_idle_minutes):
        row.ended_at, row.end_reason = now, "idle"
        session.commit()
        return None
    if now - row.created_at > MAX_LIFETIME:
        row.ended_at, row.end_reason = now, "max_lifetime"
        session.commit()
        return None
    if not row.user.is_active:
        return None
    if now - row.last_seen_at > TOUCH_INTERVAL:
        row.last_seen_at = now
        session.commit()
    return row


def end_session(token: str, reason: str) -> None:
    get_session().execute(
        update(UserSession)
        .where(UserSession.token_hash == _hash(token), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )


def end_all_sessions(user: User, reason: str, *, except_token: str | None = None) -> None:
    query = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if except_token is not None:
        query = query.where(UserSession.token_hash != _hash(except_token))
    get_session().execute(query.values(ended_at=utcnow(), end_reason=reason))
