"""Password hashing (argon2id) and the rules a new password must pass."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 256

# argon2-cffi's RFC 9106 low-memory profile (argon2id, 64 MiB, t=3, p=4) in service; the test
# suite's "fast" profile keeps argon2id but with minimal cost.
_HASHERS = {
    "standard": PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY),
    "fast": PasswordHasher.from_parameters(profiles.CHEAPEST),
}
# A hash of a random password, verified when the e-mail is unknown so that timing does not
# tell which addresses have accounts.
_DUMMY = {name: h.hash("not-a-real-password-0000") for name, h in _HASHERS.items()}


def hasher(profile: str) -> PasswordHasher:
    return _HASHERS[profile]


def hash_password(password: str, profile: str) -> str:
    return hasher(profile).hash(password)


def verify_password(stored_hash: str | None, password: str, profile: str) -> bool:
    try:
        return hasher(profile).verify(stored_hash or _DUMMY[profile], password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("coordination.accounts").joinpath("data/common-passwords.txt").read_text()
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why a new password is refused, as a translatable message, or None when it is fine."""
    if len(password) < MIN_LENGTH:
        return str(_l("Use at least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        return str(_l("Use at most %(n)d characters.", n=MAX_LENGTH))
    lowered = password.lower()
    # "Sunshine2024!" is "sunshine" with decoration: refuse the decorated forms too.
    stem = re.sub(r"[\d\W_]+$", "", re.sub(r"^[\d\W_]+", "", lowered))
    if lowered in common_passwords() or stem in common_passwords():
        return str(_l("This password is too common; choose another."))
    if email and email.split("@")[0].lower() in lowered and len(email.split("@")[0]) >= 4:
        return str(_l("The password must not contain your e-mail name."))
    if len(set(password)) < 5:
        return str(_l("This password repeats too few characters; choose another."))
    return None
