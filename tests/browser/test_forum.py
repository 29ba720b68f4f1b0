"""A PPATK supervisor convenes a forum meeting in the browser, puts a topic on the agenda, writes
the minutes and gives an NGO an action item; the NGO's member sees the meeting and marks the item
in progress, and cannot touch the minutes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_convene_a_meeting_and_the_ngo_works_its_action_item(browser, live_server: str, people):  # type: ignore[no-untyped-def]
    convener_email, convener_totp = people.user("fiu", "supervisor", mfa=True)
    ngo_email, ngo_totp = people.user("ngo", "member", mfa=True)
    ngo_name = people.organisation_name(ngo_email)

    convener = browser.new_context().new_page()
    sign_in(convener, live_server, convener_email, convener_totp)
    convener.get_by_role("link", name="Forum", exact=True).click()
    convener.get_by_role("link", name="New meeting").click()
    convener.fill("#title", "Forum koordinasi uji peramban")
    convener.fill("#starts_at", "2031-02-03T09:30")
    convener.fill("#location", "Gedung PPATK, Jakarta")
    convener.get_by_label(re.compile(re.escape(ngo_name))).check()
    convener.get_by_role("button", name="Create the meeting").click()
    expect(convener).to_have_url(re.compile(r"/forum/meetings/[0-9a-f-]{36}$"))
    meeting_url = convener.url
    expect(convener.get_by_test_id("meeting-facts")).to_contain_text("2031-02-03 09:30 WIB")
    convener.fill("#topic", "Tren hadiah live streaming")
    convener.get_by_role("button", name="Add to the agenda").click()
    expect(convener.locator("main")).to_contain_text("Tren hadiah live streaming")
    convener.fill("#minutes-text", "Peserta sepakat berbagi kata kode terbaru.")
    convener.get_by_role("button", name="Save as a new version").click()
    expect(convener.get_by_test_id("minutes")).to_contain_text("Peserta sepakat berbagi kata kode terbaru.")
    convener.fill("#what", "Kirim daftar kata kode kepada PJK")
    convener.select_option("#owner_org_id", label=ngo_name)
    convener.fill("#due_on", "2031-02-20")
    convener.get_by_role("button", name="Add action item").click()
    expect(convener.get_by_test_id("action-item")).to_contain_text("Kirim daftar kata kode kepada PJK")

    ngo = browser.new_context().new_page()
    sign_in(ngo, live_server, ngo_email, ngo_totp)
    ngo.goto(meeting_url)
    expect(ngo.get_by_test_id("minutes")).to_contain_text("Peserta sepakat")
    expect(ngo.locator("#minutes-text")).to_have_count(0)  # only the convener writes the minutes
    item = ngo.get_by_test_id("action-item")
    item.get_by_label("Status").select_option("in_progress")
    item.get_by_role("button", name="Update").click()
    expect(ngo.get_by_test_id("action-item")).to_contain_text("in progress")
