"""A PJK analyst uploads a transaction export in the browser, watches the run finish, reads why
an account was flagged (in Indonesian) and raises it as an alert."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.test_screening_runs import COLLECTOR, export_csv

pytestmark = pytest.mark.browser


def test_screen_an_export_and_raise_the_flagged_account(page: Page, live_server: str, people, tmp_path):  # type: ignore[no-untyped-def]
    email, totp = people.user("pjk", "member", mfa=True)
    export = tmp_path / "ekspor-juni.csv"
    export.write_bytes(export_csv())
    sign_in(page, live_server, email, totp, lang=None)  # Bahasa Indonesia, the default
    page.get_by_role("link", name="Penyaringan", exact=True).click()
    page.set_input_files("#export", str(export))
    page.get_by_role("button", name="Saring", exact=True).click()
    expect(page).to_have_url(re.compile(r"/screening/[0-9a-f-]{36}$"))
    expect(page.get_by_test_id("screening-status")).to_have_text("selesai", timeout=30_000)  # the page refreshes itself
    row = page.locator(f"tr[data-account='{COLLECTOR}']")
    expect(row).to_contain_text("Banyak pengirim ke satu penerima")
    row.get_by_role("checkbox").check()
    page.get_by_role("button", name="Buat peringatan untuk rekening yang dipilih").click()
    expect(page.locator("p.flash")).to_contain_text("1 peringatan dibuat")
    page.locator(f"tr[data-account='{COLLECTOR}']").get_by_role("link", name="Peringatan dibuat").click()
    expect(page).to_have_url(re.compile(r"/alerts/[0-9a-f-]{36}$"))
    expect(page.locator("main")).to_contain_text(COLLECTOR)
