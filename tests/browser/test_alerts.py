"""A PJK analyst raises an alert in the browser, adding a second person with the page's button."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_raise_an_alert_with_two_people(page: Page, live_server: str, people):  # type: ignore[no-untyped-def]
    email, totp = people.user("pjk", "member", mfa=True)
    sign_in(page, live_server, email, totp)
    page.get_by_role("link", name="Alerts", exact=True).click()
    page.get_by_role("link", name="Raise an alert").click()
    page.fill("#reference", "STR-BROWSER-1")
    page.get_by_label("Sextortion").check()
    page.fill("#narrative", "Korban dipaksa transfer via e-wallet.")
    page.select_option("#subjects-0-role", "victim")
    page.fill("#subjects-0-name", "Ani")
    page.get_by_role("button", name="Add a person").click()
    page.select_option("#subjects-1-role", "suspect")
    page.fill("#subjects-1-email", "pelaku@example.com")
    page.fill("#transactions-0-tx_id", "B1")
    page.fill("#transactions-0-timestamp", "2026-06-01T22:05")
    page.fill("#transactions-0-amount", "75000")
    page.select_option("#transactions-0-channel", "e_wallet")
    page.get_by_role("button", name="Raise the alert").click()
    expect(page).to_have_url(re.compile(r"/alerts/[0-9a-f-]{36}$"))
    expect(page.locator("[data-testid=alert-status]")).to_have_text("new")
    expect(page.locator("main")).to_contain_text("pelaku@example.com")
    expect(page.locator("[data-testid=timeline]")).to_contain_text("create")
