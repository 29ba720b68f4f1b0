"""A live server on loopback and Debian's Chromium driven by Playwright.

The server runs the real app in a thread on its own SQLite file with real commits (no SAVEPOINT
isolation: its threads hold their own connections), so each test makes its own users.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from coordination.accounts.models import User
from coordination.accounts.operations.organisations import create_organisation
from coordination.accounts.operations.users import create_user
from coordination.app import create_app
from coordination.core.context import keyring
from coordination.core.db import commit, utcnow
from coordination.core.keys import seal
from coordination.migrations import upgrade_to_head
from tests.conftest import PASSWORD, make_config

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    data_dir = tmp_path_factory.mktemp("live")
    app = create_app(make_config(data_dir, f"sqlite:///{data_dir / 'simpul.db'}"))
    with app.app_context():
        upgrade_to_head()
    return app


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request drowns failures
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's Chromium is missing at /usr/bin/chromium: install it with `apt-get install chromium`")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    yield opened
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        opened.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report


class People:
    """Creates organisations and users straight in the live server's database."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def user(self, kind: str, role: str, *, mfa: bool = False) -> tuple[str, pyotp.TOTP | None]:
        with self.app.app_context():
            org = create_organisation(None, f"{kind.upper()} {secrets.token_hex(3)}", kind)
            user: User = create_user(None, f"{role}.{secrets.token_hex(4)}@{kind}.example.id", org, role, PASSWORD)
            totp = None
            if mfa:
                secret = pyotp.random_base32()
                user.totp_secret_sealed = seal(keyring(), secret.encode(), f"user:{user.id}:totp")
                user.mfa_enrolled_at = utcnow()
                totp = pyotp.TOTP(secret)
            commit()
            return user.email, totp

    def organisation_name(self, email: str) -> str:
        from sqlalchemy import select

        from coordination.core.db import get_session

        with self.app.app_context():
            return get_session().scalar(select(User).where(User.email == email)).organisation.name


def sign_in(page: Page, base: str, email: str, totp: pyotp.TOTP, lang: str | None = "en") -> None:
    """Sign in through the login page with password and TOTP (in `lang`, or the default language)."""
    page.goto(f"{base}/login")
    if lang:
        page.select_option("#lang-select", lang)
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")
    page.fill("#code", totp.now())
    page.click("main form button[type=submit]")


@pytest.fixture
def people(live_app: Flask) -> People:
    return People(live_app)
