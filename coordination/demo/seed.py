"""One organisation of every kind and one user of every role in each, with printed passwords.

Demo users are the only accounts allowed to sign in without MFA; their passwords are random,
printed once, and never stored in clear.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from coordination.accounts.models import Organisation
from coordination.accounts.operations.organisations import create_organisation
from coordination.accounts.operations.users import create_user
from coordination.core.db import get_session
from coordination.demo.cases import seed_demo_cases
from coordination.demo.forum import seed_demo_forum

DEMO_ORGANISATIONS = [
    ("operator", "Simpul Operator (Demo)", "operator"),
    ("pjk", "Bank Nusantara (Demo)", "pjk"),
    ("fiu", "PPATK (Demo)", "fiu"),
    ("police", "Bareskrim Polri (Demo)", "police"),
    ("ministry", "KemenPPPA (Demo)", "ministry"),
    ("service", "UPTD PPA DKI Jakarta (Demo)", "service"),
    ("ngo", "ECPAT Indonesia (Demo)", "ngo"),
    ("regulator", "OJK (Demo)", "regulator"),
]
DEMO_ROLES = ("member", "supervisor", "org_admin")
DEMO_DOMAIN = "demo.simpul.id"


@dataclass(frozen=True)
class DemoAccount:
    organisation: str
    kind: str
    role: str
    email: str
    password: str


def demo_password() -> str:
    # Four random words' worth of entropy in a form that is easy to type from a terminal.
    return "-".join(secrets.token_urlsafe(6) for _ in range(3))


def seed_demo() -> list[DemoAccount] | None:
    """Seed on an empty database; returns the accounts, or None when data already exists."""
    session = get_session()
    if session.scalar(select(func.count(Organisation.id))):
        return None
    accounts = []
    for slug, name, kind in DEMO_ORGANISATIONS:
        org = create_organisation(None, name, kind)
        for role in DEMO_ROLES:
            password = demo_password()
            email = f"{role.replace('_', '-')}@{slug}.{DEMO_DOMAIN}"
            create_user(None, email, org, role, password, is_demo=True)
            accounts.append(DemoAccount(name, kind, role, email, password))
    session.flush()
    seed_demo_forum(DEMO_DOMAIN, seed_demo_cases(DEMO_DOMAIN))
    return accounts
