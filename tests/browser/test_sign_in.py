"""Sign-in with MFA as a person does it, in Chromium."""

from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def submit_login(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")


def sign_out(page: Page) -> None:
    page.click("header form[action='/logout'] button")
    expect(page).to_have_url(re.compile(r"/login$"))


def test_first_sign_in_enrols_mfa_then_recovery_code_signs_in(page: Page, live_server: str, people):  # type: ignore[no-untyped-def]
    email, _ = people.user("fiu", "member")
    submit_login(page, live_server, email)
    expect(page).to_have_url(re.compile(r"/login/mfa/setup$"))
    expect(page.locator("img.qr")).to_be_visible()
    secret = page.locator("[data-testid=totp-secret]").inner_text().strip()
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("main form button[type=submit]")
    codes = page.locator("[data-testid=recovery-codes] li")
    expect(codes).to_have_count(10)
    recovery = codes.first.inner_text().strip()
    page.click("main a.button")
    expect(page.locator("h1")).to_have_text(people.organisation_name(email))

    sign_out(page)
    submit_login(page, live_server, email)
    expect(page).to_have_url(re.compile(r"/login/mfa$"))
    page.fill("#code", "000000")
    page.click("main form button[type=submit]")
    expect(page.locator(".flash.error")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login/mfa$"))
    page.fill("#code", recovery)
    page.click("main form button[type=submit]")
    expect(page.locator("h1")).to_have_text(people.organisation_name(email))


def test_no_csp_violations_on_login_and_dashboard(page: Page, live_server: str, people):  # type: ignore[no-untyped-def]
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    response = page.goto(f"{live_server}/login")
    assert response is not None
    csp = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    email, totp = people.user("police", "member", mfa=True)
    submit_login(page, live_server, email)
    page.fill("#code", totp.now())
    page.click("main form button[type=submit]")
    expect(page.locator("h1")).to_have_text(people.organisation_name(email))
    assert not [m for m in messages if "Content Security Policy" in m]


def test_phone_sized_login_page_has_no_horizontal_scroll(browser, live_server: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server}/login")
    expect(page.locator("main form button[type=submit]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
