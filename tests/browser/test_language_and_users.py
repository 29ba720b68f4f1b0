"""Switching language and managing a user, in Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_language_switch_persists_after_sign_in(page: Page, live_server: str, people):  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/login")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.locator("label[for=password]")).to_have_text("Kata sandi")
    page.select_option("#lang-select", "en")  # submits on change
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("label[for=password]")).to_have_text("Password")
    email, totp = people.user("ngo", "member", mfa=True)
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")
    page.fill("#code", totp.now())
    page.click("main form button[type=submit]")
    expect(page.get_by_role("link", name="My account")).to_be_visible()
    page.select_option("#lang-select", "id")
    expect(page.get_by_role("link", name="Akun saya")).to_be_visible()


def test_admin_invites_then_deactivates_a_user(browser: Browser, page: Page, live_server: str, people):  # type: ignore[no-untyped-def]
    admin, totp = people.user("pjk", "org_admin", mfa=True)
    page.goto(f"{live_server}/login")
    page.select_option("#lang-select", "en")
    page.fill("#email", admin)
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")
    page.fill("#code", totp.now())
    page.click("main form button[type=submit]")
    page.get_by_role("link", name="Users", exact=True).click()

    newcomer = f"analis.{abs(hash(admin)) % 100000}@pjk.example.id"
    page.fill("#email", newcomer)
    page.select_option("#role", "member")
    page.get_by_role("button", name="Invite", exact=True).click()
    link = page.locator("[data-testid=invitation-link]").inner_text().strip()
    row = page.locator(f"tr[data-email='{newcomer}']")
    expect(row).to_contain_text("invited")

    guest = browser.new_context().new_page()
    guest.goto(link)
    guest.fill("#password", PASSWORD)
    guest.fill("#confirm", PASSWORD)
    guest.click("main form button[type=submit]")
    expect(guest).to_have_url(re.compile(r"/login$"))
    expect(guest.locator(".flash.success")).to_be_visible()

    page.reload()
    row = page.locator(f"tr[data-email='{newcomer}']")
    expect(row).to_contain_text("active")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Deactivate", exact=True).click()
    expect(page.locator(f"tr[data-email='{newcomer}']")).to_contain_text("deactivated")

    guest.goto(f"{live_server}/login")
    guest.fill("#email", newcomer)
    guest.fill("#password", PASSWORD)
    guest.click("main form button[type=submit]")
    expect(guest.locator(".flash.error")).to_be_visible()
    expect(guest).to_have_url(re.compile(r"/login$"))
    guest.context.close()
