"""A police investigator uploads evidence from the case page in a real browser (the form is read
as a stream, its CSRF token checked from the stream), then opens its custody record."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_referrals import sign_in

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.7\n" + b"Rekening koran Mei: transfer ke 089912345678. " * 200 + b"\n%%EOF\n"


def test_upload_evidence_from_the_case_page(page: Page, live_server: str, people, tmp_path):  # type: ignore[no-untyped-def]
    email, totp = people.user("police", "member", mfa=True)
    sign_in(page, live_server, email, totp)
    page.goto(f"{live_server}/cases/new")
    page.fill("#title", "Kasus dengan bukti")
    page.get_by_role("button", name="Create the case").click()
    evidence = page.locator("[data-testid=case-evidence]")
    expect(evidence).to_contain_text("No evidence yet.")
    statement = tmp_path / "rekening Mei.pdf"
    statement.write_bytes(PDF)
    page.select_option("#evidence-category", "bank_statement")
    page.fill("#evidence-description", "Dari Bank Nusantara")
    page.set_input_files("#evidence-file", str(statement))
    page.get_by_role("button", name="Upload, encrypted").click()
    facts = page.locator("[data-testid=evidence-facts]")
    expect(facts).to_contain_text("rekening Mei.pdf")
    expect(facts).to_contain_text("application/pdf")
    expect(page.locator("[data-testid=custody]")).to_contain_text("uploaded")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()
    assert download.value.path().read_bytes() == PDF
