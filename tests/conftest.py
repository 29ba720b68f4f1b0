"""Fixtures: one migrated database per backend, one SAVEPOINT per test, users of every kind.

The suite runs on SQLite always and, when SIMPUL_TEST_DATABASE_URL names a PostgreSQL
database, on PostgreSQL too (SIMPUL_TEST_BACKENDS=postgresql runs PostgreSQL only). Each test
runs inside an outer transaction that is rolled back afterwards; the application's own commits
only release SAVEPOINTs, so tests never see each other's data and nothing is monkeypatched.
"""

from __future__ import annotations

import contextvars
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from coordination.accounts.models import Organisation, User
from coordination.accounts.operations.sessions import start_session
from coordination.accounts.operations.tokens import create_api_token
from coordination.app import create_app
from coordination.config import Config
from coordination.core.context import keyring
from coordination.core.db import get_session, utcnow
from coordination.core.keys import seal
from coordination.migrations import upgrade_to_head

PASSWORD = "Tiga-Kuda-Berlari-Pagi-2026"
PG_URL = os.environ.get("SIMPUL_TEST_DATABASE_URL", "")
KINDS = ("pjk", "fiu", "police", "ministry", "service", "ngo", "regulator", "operator")
ROLES = ("member", "supervisor", "org_admin")


def _backends() -> list[str]:
    chosen = os.environ.get("SIMPUL_TEST_BACKENDS")
    if chosen:
        return [b.strip() for b in chosen.split(",") if b.strip()]
    return ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


def reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def make_config(data_dir: Path, database_url: str, **overrides: object) -> Config:
    config = Config.from_env({"SIMPUL_DATA_DIR": str(data_dir), "SIMPUL_DATABASE_URL": database_url})
    return replace(
        config,
        testing=True,
        cookie_secure=False,
        password_hash_profile="fast",
        login_rate_limit="100000 per minute",
        api_rate_limit="100000 per minute",
        **overrides,
    )


@pytest.fixture(scope="session", params=_backends())
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "postgresql":
        if not PG_URL:
            pytest.fail("SIMPUL_TEST_BACKENDS asks for postgresql but SIMPUL_TEST_DATABASE_URL is not set")
        reset_postgres(PG_URL)
        return PG_URL
    return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'simpul.db'}"


class RequestClient(FlaskClient):
    """Runs each request in a fresh context, as a server does.

    The test body holds an application context open (for fixtures and direct queries); without
    this, Flask would reuse it for every request and share `g` (the signed-in user, the database
    session) between requests, which no real deployment does.
    """

    def open(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def,override]
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    application = create_app(make_config(tmp_path_factory.mktemp("data"), database_url))
    application.test_client_class = RequestClient
    with application.app_context():
        upgrade_to_head()
    return application


@pytest.fixture(autouse=True)
def _isolated(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test that uses the app runs in a transaction rolled back at its end."""
    if "app" not in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    database = app.extensions["simpul.db"]
    connection = database.engine.connect()
    outer = connection.begin()
    database.bind = connection
    try:
        with app.app_context():
            yield
    finally:
        database.bind = database.engine
        outer.rollback()
        connection.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


@pytest.fixture
def make_org(app: Flask) -> Callable[..., Organisation]:
    def make(kind: str, name: str | None = None) -> Organisation:
        org = Organisation(name=name or f"{kind.upper()} {secrets.token_hex(3)}", kind=kind)
        get_session().add(org)
        get_session().flush()
        return org

    return make


@pytest.fixture
def make_user(app: Flask, make_org: Callable[..., Organisation]) -> Callable[..., User]:
    """A user with a password and, unless mfa=False, an enrolled authenticator (`user.totp`)."""
    from coordination.accounts.passwords import hash_password

    orgs: dict[str, Organisation] = {}

    def make(
        kind: str = "pjk",
        role: str = "member",
        *,
        org: Organisation | None = None,
        mfa: bool = True,
        demo: bool = False,
        email: str | None = None,
    ) -> User:
        if org is None:
            org = orgs.get(kind) or make_org(kind)
            orgs[kind] = org
        user = User(
            email=email or f"{role}.{secrets.token_hex(3)}@{kind}.example.id",
            organisation=org,
            role=role,
            is_demo=demo,
            password_hash=hash_password(PASSWORD, "fast"),
        )
        get_session().add(user)
        get_session().flush()
        if mfa:
            secret = pyotp.random_base32()
            user.totp_secret_sealed = seal(keyring(), secret.encode(), f"user:{user.id}:totp")
            user.mfa_enrolled_at = utcnow()
            user.totp = pyotp.TOTP(secret)  # type: ignore[attr-defined]
        get_session().commit()
        return user

    return make


def sign_in(client: FlaskClient, user: User) -> FlaskClient:
    """Put a live server-side session in the client's cookie, as a completed sign-in would.

    The sign-in flow itself (password, TOTP, lockout, rotation) is tested end to end in
    test_login.py; other tests start signed in.
    """
    token = start_session(user, "127.0.0.1", "pytest")
    get_session().commit()
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = token
        flask_session["_fresh"] = True
    return client


def bearer(user: User) -> dict[str, str]:
    _, secret = create_api_token(user, "pytest")
    get_session().commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def signed_in(app: Flask, make_user: Callable[..., User]) -> Callable[..., tuple[FlaskClient, User]]:
    def make(kind: str = "pjk", role: str = "member", **kwargs: object) -> tuple[FlaskClient, User]:
        user = make_user(kind, role, **kwargs)
        return sign_in(app.test_client(), user), user

    return make


def csrf_token(client: FlaskClient, path: str = "/account") -> str:
    """The CSRF token of the client's session, read from a form the way a browser would."""
    import re

    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)
