"""An NGO builds a case from a hotline complaint in the browser, refers it for victim support,
the service unit asks for more, and the NGO answers with a follow-up referral."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_ngo_complaint_case_referral_request_and_follow_up(browser: Browser, page: Page, live_server: str, people):  # type: ignore[no-untyped-def]
    ngo_email, ngo_totp = people.user("ngo", "member", mfa=True)
    service_email, service_totp = people.user("service", "member", mfa=True)
    service_org = people.organisation_name(service_email)

    sign_in(page, live_server, ngo_email, ngo_totp)
    page.goto(f"{live_server}/cases/new")
    page.fill("#title", "Pengaduan hotline Wulan")
    page.fill("#summary", "Ibu Rina Wati melapor pemerasan terhadap Wulan Sari.")
    page.select_option("#subjects-0-role", "victim")
    page.fill("#subjects-0-name", "Wulan Sari")
    page.fill("#subjects-0-birth_date", "2012-02-10")
    page.fill("#subjects-0-phone", "0813-1111-2222")
    page.fill("#subjects-0-address", "Jl. Kenanga 3, Semarang")
    page.get_by_role("button", name="Add a person").click()  # the second fieldset is a clone
    page.select_option("#subjects-1-role", "reporter")
    page.fill("#subjects-1-name", "Rina Wati")
    page.select_option("#transactions-0-channel", "e_wallet")
    page.fill("#transactions-0-tx_id", "BUKTI-1")
    page.fill("#transactions-0-timestamp", "2026-09-01T20:05")
    page.fill("#transactions-0-amount", "300000")
    page.fill("#transactions-0-to_account", "089912345678")
    page.get_by_role("button", name="Create the case").click()
    people_panel = page.locator("[data-testid=case-people]")
    expect(people_panel).to_contain_text("Wulan Sari")
    expect(people_panel).to_contain_text("Rina Wati")
    expect(page.locator("[data-testid=case-transactions]")).to_contain_text("089912345678")

    page.get_by_role("link", name="Refer this case").click()
    page.select_option("#to_org", page.locator("#to_org option", has_text=service_org).get_attribute("value"))
    page.select_option("#purpose", "victim_support")
    page.get_by_label("Consent given").check()
    page.select_option("#consent_given_by", "guardian")
    page.fill("#consent_method", "persetujuan lisan lewat hotline")
    page.select_option("#consent_contact_route", "phone")
    page.fill("#consent_at", "2026-09-02T10:00")
    page.get_by_role("button", name="Preview what the recipient sees").click()
    preview = page.locator("[data-testid=preview]")
    expect(preview).to_contain_text("Pelapor-1 melapor pemerasan terhadap Korban-1")
    expect(preview).to_contain_text("0813-1111-2222")  # the route named in the consent
    for hidden in ("Wulan", "Rina", "Kenanga", "089912345678"):
        expect(preview).not_to_contain_text(hidden)
    page.get_by_role("button", name="Send the referral").click()
    expect(page).to_have_url(re.compile(r"/referrals/[0-9a-f-]{36}$"))
    referral_url = page.url

    unit = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    sign_in(unit, live_server, service_email, service_totp)
    unit.goto(referral_url)
    expect(unit.locator("main")).not_to_contain_text("Wulan")
    unit.get_by_role("button", name="Accept").click()
    unit.fill("#request_info-text", "Mohon alamat untuk kunjungan rumah.")
    unit.get_by_role("button", name="Request more information").click()
    expect(unit.locator("[data-testid=referral-history]")).to_contain_text("Mohon alamat")

    page.goto(referral_url)
    expect(page.locator("[data-testid=referral-history]")).to_contain_text("Mohon alamat")
    page.locator("[data-testid=follow-up]").click()
    expect(page.locator("[data-testid=follow-up-of]")).to_be_visible()
    page.select_option("#purpose", "victim_protection")
    page.get_by_role("button", name="Preview what the recipient sees").click()
    expect(page.locator("[data-testid=preview]")).to_contain_text("Jl. Kenanga 3, Semarang")
    page.get_by_role("button", name="Send the referral").click()
    expect(page.locator("[data-testid=follows]")).to_be_visible()

    unit.goto(referral_url)
    expect(unit.locator("[data-testid=follow-ups]")).to_contain_text("victim protection", ignore_case=True)
    unit.context.close()
