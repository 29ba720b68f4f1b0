"""Sign-in: password check with lockout, second factor (TOTP or recovery code), enrolment.

Every attempt, good or bad, is audited. Five failures lock the account for fifteen minutes;
a wrong second factor counts as a failure too, so a stolen password alone cannot be used to
guess TOTP codes.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

import pyotp
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coordination.accounts.models import RecoveryCode, User
from coordination.accounts.operations.users import find_user_by_email
from coordination.accounts.passwords import verify_password
from coordination.audit.record import record
from coordination.core.context import config, keyring
from coordination.core.db import get_session, utcnow
from coordination.core.errors import ValidationFailed
from coordination.core.keys import keyed_hash, seal, unseal

MAX_FAILURES = 5
LOCK_DURATION = timedelta(minutes=15)
RECOVERY_CODE_COUNT = 10
ISSUER = "Simpul"


@dataclass(frozen=True)
class PasswordCheck:
    user: User | None
    reason: str | None = None  # why it failed: unknown_email, bad_password, locked, inactive, ...


def _is_locked(user: User) -> bool:
    return user.locked_until is not None and user.locked_until > utcnow()


def _count_failure(user: User) -> None:
    user.failed_logins += 1
    if user.failed_logins >= MAX_FAILURES:
        user.locked_until = utcnow() + LOCK_DURATION
        user.failed_logins = 0
        record(user, "login.locked", user, {"minutes": 15})


def check_password(email: str, password: str) -> PasswordCheck:
    """First factor. The caller commits, so failures are kept even though sign-in stops."""
    user = find_user_by_email(email or "")
    profile = config().password_hash_profile
    ok = verify_password(user.password_hash if user else None, password or "", profile)
    if user is None:
        reason = "unknown_email"
    elif _is_locked(user):
        reason = "locked"
    elif not user.is_active:
        reason = "inactive"
    elif not ok:
        reason = "bad_password"
        _count_failure(user)
    else:
        return PasswordCheck(user)
    record(
        user,
        "login.failure",
        user if user else None,
        {"email": (email or "")[:254], "reason": reason},
        outcome="failure",
    )
    return PasswordCheck(None, reason)


def _totp(user: User) -> pyotp.TOTP | None:
    if user.totp_secret_sealed is None:
        return None
    secret = unseal(keyring(), user.totp_secret_sealed, f"user:{user.id}:totp").decode()
    return pyotp.TOTP(secret)


def _check_totp(user: User, code: str) -> bool:
    totp = _totp(user)
    if totp is None or not code.isdigit() or len(code) != 6:
        return False
    now = int(time.time())
    # Accept the previous, current and next 30-second step (clock drift), never a step that
    # was already used: a code seen over a shoulder cannot be replayed.
    for offset in (-1, 0, 1):
        step = now // 30 + offset
        if secrets.compare_digest(totp.at(step * 30), code) and step > (user.totp_last_step or -1):
            user.totp_last_step = step
            return True
    return False


def _use_recovery_code(user: User, code: str) -> bool:
    normalised = code.replace("-", "").replace(" ", "").lower()
    row = get_session().scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == keyed_hash(keyring(), "recovery-code", normalised),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = utcnow()
    record(user, "mfa.recovery_code_used", user)
    return True


def check_second_factor(user: User, code: str) -> bool:
    code = (code or "").strip()
    if _is_locked(user) or not user.is_active:
        ok = False
    else:
        ok = _check_totp(user, code.replace(" ", "")) or (len(code) >= 10 and _use_recovery_code(user, code))
    if not ok:
        if not _is_locked(user):
            _count_failure(user)
        record(user, "login.failure", user, {"email": user.email, "reason": "bad_second_factor"}, outcome="failure")
    return ok


def complete_login(user: User) -> None:
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    record(user, "login.success", user, {"mfa": user.mfa_enrolled})


def begin_enrolment(user: User) -> str:
    """A fresh TOTP seed, stored sealed until the user proves their authenticator has it."""
    if user.mfa_enrolled:
        raise ValidationFailed(_l("Two-factor authentication is already set up."))
    secret = pyotp.random_base32()
    user.totp_secret_sealed = seal(keyring(), secret.encode(), f"user:{user.id}:totp")
    return secret


def enrolment_secret(user: User) -> str | None:
    totp = _totp(user)
    return totp.secret if totp and not user.mfa_enrolled else None


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Turn MFA on once the first code checks out; returns the recovery codes (shown once)."""
    if user.mfa_enrolled or user.totp_secret_sealed is None:
        raise ValidationFailed(_l("Start the set-up again."))
    if not _check_totp(user, (code or "").strip().replace(" ", "")):
        record(user, "mfa.enrol", user, {"reason": "bad_code"}, outcome="failure")
        raise ValidationFailed(
            _l("The code is not correct."), {"code": _l("Enter the 6-digit code your app shows now.")}
        )
    user.mfa_enrolled_at = utcnow()
    codes = []
    session = get_session()
    for _ in range(RECOVERY_CODE_COUNT):
        raw = secrets.token_hex(5)  # 40 bits each; single use, and guesses lock the account
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(user_id=user.id, code_hash=keyed_hash(keyring(), "recovery-code", raw)))
    record(user, "mfa.enrol", user)
    return codes
