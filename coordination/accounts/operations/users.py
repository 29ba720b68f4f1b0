"""People: creation, invitation, deactivation, MFA reset, password and language changes."""

from __future__ import annotations

import secrets
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from coordination.accounts.models import Invitation, Organisation, RecoveryCode, User
from coordination.accounts.operations.sessions import end_all_sessions
from coordination.accounts.operations.tokens import revoke_all_tokens
from coordination.accounts.passwords import hash_password, password_problem, verify_password
from coordination.audit.record import record
from coordination.core.context import config, keyring
from coordination.core.db import get_session, utcnow
from coordination.core.errors import Conflict, ValidationFailed
from coordination.core.keys import keyed_hash
from coordination.policy import role_policy

INVITATION_LIFETIME = timedelta(hours=72)
LOCALES = ("id", "en")


def normalise_email(email: str) -> str:
    try:
        return validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValidationFailed(
            _l("The e-mail address is not valid."), {"email": _l("Enter a valid e-mail address.")}
        ) from None


def find_user_by_email(email: str) -> User | None:
    return get_session().scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(
    actor: User | None,
    email: str,
    org: Organisation,
    role: str,
    password: str | None = None,
    *,
    is_demo: bool = False,
) -> User:
    email = normalise_email(email)
    problems = {}
    if role not in role_policy().roles:
        problems["role"] = _l("Unknown role.")
    if password is not None and (problem := password_problem(password, email)):
        problems["password"] = problem
    if problems:
        raise ValidationFailed(_l("The user was not created."), problems)
    if find_user_by_email(email):
        raise Conflict(_l("A user with this e-mail already exists."), {"email": _l("Already in use.")})
    user = User(
        email=email,
        organisation=org,
        role=role,
        is_demo=is_demo,
        password_hash=hash_password(password, config().password_hash_profile) if password else None,
    )
    session = get_session()
    session.add(user)
    session.flush()
    record(actor, "user.create", user, {"email": email, "org": org.name, "role": role})
    return user


def invite_user(actor: User, email: str, org: Organisation, role: str) -> tuple[User, str]:
    """Create the account without a password and a one-time link to set it (shown once)."""
    user = create_user(actor, email, org, role)
    token = secrets.token_urlsafe(32)
    get_session().add(
        Invitation(
            user_id=user.id,
            token_hash=keyed_hash(keyring(), "invitation", token),
            created_by_id=actor.id,
            expires_at=utcnow() + INVITATION_LIFETIME,
        )
    )
    record(actor, "user.invite", user, {"expires_in_hours": 72})
    return user, token


def find_invitation(token: str) -> Invitation | None:
    invitation = get_session().scalar(
        select(Invitation).where(Invitation.token_hash == keyed_hash(keyring(), "invitation", token))
    )
    if invitation is None or invitation.used_at is not None or invitation.expires_at < utcnow():
        return None
    if not invitation.user.is_active:
        return None
    return invitation


def accept_invitation(invitation: Invitation, password: str, confirm: str) -> User:
    user = invitation.user
    _check_new_password(user, password, confirm)
    user.password_hash = hash_password(password, config().password_hash_profile)
    invitation.used_at = utcnow()
    record(user, "user.invitation_accepted", user)
    return user


def _check_new_password(user: User, password: str, confirm: str) -> None:
    problems = {}
    if problem := password_problem(password, user.email):
        problems["password"] = problem
    elif password != confirm:
        problems["confirm"] = _l("The two passwords differ.")
    if problems:
        raise ValidationFailed(_l("The password was not changed."), problems)


def change_password(user: User, current: str, password: str, confirm: str) -> None:
    """Change one's own password; every other session of the user ends (a thief's included)."""
    if not verify_password(user.password_hash, current, config().password_hash_profile):
        record(user, "user.password_change", user, {"reason": "wrong_current"}, outcome="failure")
        raise ValidationFailed(_l("The password was not changed."), {"current": _l("The current password is wrong.")})
    _check_new_password(user, password, confirm)
    user.password_hash = hash_password(password, config().password_hash_profile)
    end_all_sessions(user, "password_changed", except_token=user.session_token)
    record(user, "user.password_change", user)


def deactivate_user(actor: User, user: User) -> None:
    if not user.active:
        raise Conflict(_l("This user is already deactivated."))
    user.active = False
    end_all_sessions(user, "deactivated")
    revoke_all_tokens(actor, user)
    record(actor, "user.deactivate", user)


def reactivate_user(actor: User, user: User) -> None:
    if user.active:
        raise Conflict(_l("This user is already active."))
    user.active = True
    user.failed_logins, user.locked_until = 0, None
    record(actor, "user.reactivate", user)


def reset_mfa(actor: User, user: User) -> None:
    """Forget the user's authenticator; they enrol again at their next sign-in."""
    user.totp_secret_sealed = None
    user.totp_last_step = None
    user.mfa_enrolled_at = None
    get_session().execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_all_sessions(user, "mfa_reset")
    record(actor, "user.mfa_reset", user)


USER_ACTIONS = {
    "deactivate": deactivate_user,
    "reactivate": reactivate_user,
    "reset_mfa": reset_mfa,
}


def set_locale(user: User, locale: str) -> None:
    if locale not in LOCALES:
        raise ValidationFailed(_l("Unknown language."), {"locale": _l("Choose id or en.")})
    user.locale = locale
