"""A PJK supervisor raises an alert, reads who acted on it, follows it into the audit trail and
exports the selection as CSV; in Indonesian the panel speaks Indonesian."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_who_acted_on_an_alert_and_the_audit_trail(page: Page, live_server: str, people):  # type: ignore[no-untyped-def]
    email, totp = people.user("pjk", "supervisor", mfa=True)
    sign_in(page, live_server, email, totp)
    page.goto(f"{live_server}/alerts/new")
    page.fill("#reference", "STR-AUDIT-1")
    page.get_by_label("Sextortion").check()
    page.fill("#narrative", "Pembayaran berulang ke akun yang sama.")
    page.select_option("#subjects-0-role", "suspect")
    page.fill("#subjects-0-name", "Budi")
    page.fill("#transactions-0-tx_id", "A1")
    page.fill("#transactions-0-timestamp", "2026-06-01T22:05")
    page.fill("#transactions-0-amount", "50000")
    page.select_option("#transactions-0-channel", "e_wallet")
    page.get_by_role("button", name="Raise the alert").click()
    expect(page).to_have_url(re.compile(r"/alerts/[0-9a-f-]{36}$"))
    alert_id = page.url.rsplit("/", 1)[1]

    panel = page.locator("[data-testid=who-acted]")
    expect(panel.get_by_role("heading", name="Who acted")).to_be_visible()
    expect(panel).to_contain_text("alert.create")
    expect(panel).to_contain_text("alert.view")
    expect(panel).to_contain_text(email)

    panel.get_by_role("link", name="All events on this item in the audit trail").click()
    expect(page).to_have_url(re.compile(rf"/audit\?object=alert(%3A|:){alert_id}$"))
    rows = page.locator("table.audit tbody tr")
    expect(rows.first).to_contain_text("alert.")
    assert all(f"alert #{alert_id}" in text for text in rows.all_inner_texts())
    with page.expect_download() as download:
        page.get_by_test_id("audit-csv").click()
    csv = download.value.path().read_text()
    assert csv.startswith("position,at,") and "alert.create" in csv and alert_id in csv

    page.select_option("#lang-select", "id")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    page.goto(f"{live_server}/alerts/{alert_id}")
    expect(page.locator("[data-testid=who-acted]").get_by_role("heading", name="Siapa yang bertindak")).to_be_visible()
