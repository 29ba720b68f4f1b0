"""PPATK refers a case to an NGO in the browser: preview, send; the NGO sees the projection."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_refer_a_case_to_an_ngo(browser: Browser, page: Page, live_server: str, live_app, people):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from coordination.accounts.models import User
    from coordination.alerts.operations.raise_alert import raise_alert
    from coordination.alerts.schemas import AlertIn
    from coordination.cases.operations.create_case import create_case
    from coordination.cases.schemas import CaseIn
    from coordination.core.db import commit, get_session
    from tests.test_alerts_api import ALERT

    analyst_email, analyst_totp = people.user("fiu", "member", mfa=True)
    ngo_email, ngo_totp = people.user("ngo", "member", mfa=True)
    bank_email, _ = people.user("pjk", "member")
    with live_app.app_context():
        session = get_session()
        analyst = session.scalar(select(User).where(User.email == analyst_email))
        bank_user = session.scalar(select(User).where(User.email == bank_email))
        alert = raise_alert(bank_user, AlertIn.model_validate({**ALERT, "reference": f"BR-{bank_email}"}))
        alert.status, alert.escalated_to_id = "escalated", analyst.organisation_id
        session.flush()
        case = create_case(analyst, CaseIn(title="Kasus Siti Aminah", alert_ids=[alert.id]))
        ngo_org = session.scalar(select(User).where(User.email == ngo_email)).organisation
        case_id, ngo_org_id = case.id, ngo_org.id
        commit()

    sign_in(page, live_server, analyst_email, analyst_totp)
    page.goto(f"{live_server}/cases/{case_id}")
    page.get_by_role("link", name="Refer this case").click()
    page.select_option("#to_org", str(ngo_org_id))
    page.select_option("#purpose", "victim_support")
    page.fill("#message", "Pendampingan untuk Siti Aminah")
    page.get_by_label("Best-interest exception").check()
    page.fill("#best_interest_reason", "Wali adalah terduga pelaku; anak perlu pendampingan segera")
    page.get_by_role("button", name="Preview what the recipient sees").click()
    preview = page.locator("[data-testid=preview]")
    expect(preview).to_contain_text("Korban-1")
    expect(preview).not_to_contain_text("Siti Aminah")
    expect(preview).not_to_contain_text("3174015506100003")
    page.get_by_role("button", name="Send the referral").click()
    expect(page).to_have_url(re.compile(r"/referrals/[0-9a-f-]{36}$"))
    referral_url = page.url

    ngo_page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    sign_in(ngo_page, live_server, ngo_email, ngo_totp)
    ngo_page.get_by_role("link", name="Referrals", exact=True).click()
    ngo_page.locator("main table a").first.click()
    expect(ngo_page).to_have_url(referral_url)
    expect(ngo_page.locator("[data-testid=withheld]")).to_be_visible()
    expect(ngo_page.locator("main")).not_to_contain_text("Budi Santoso")
    ngo_page.get_by_role("button", name="Accept").click()
    expect(ngo_page.locator("[data-testid=referral-status]")).to_have_text("accepted")
    ngo_page.context.close()
