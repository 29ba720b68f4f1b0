"""Stored XSS, checked in Chromium: script in every free-text field a user can set, shown on every
page that shows it, never runs, and reads back as the text that was typed.

The world of tests/hostile_world.py is built through the API with the payloads in every free
text (alert narrative and comment, case title, summary and note, evidence description and file
name, referral message and request for information, meeting title, location, agenda topic,
minutes, action item and its progress note, token name, organisation names). Each page is then
visited twice: with the site's Content-Security-Policy, where an injected script would be blocked
and reported (a `securitypolicyviolation` event), and with the policy bypassed, where it would
run. Either way `window.__xss` must stay undefined and the payload must be visible as text.
"""

from __future__ import annotations

import secrets

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext

from coordination.accounts.models import Organisation, User
from coordination.accounts.operations.organisations import create_organisation
from coordination.accounts.operations.users import create_user
from coordination.core.context import keyring
from coordination.core.db import commit, utcnow
from coordination.core.keys import seal
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.hostile_world import build_world

pytestmark = pytest.mark.browser

PAYLOAD = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">"><svg onload=window.__xss=1>'
FILENAME = "<img src=x onerror=window.__xss=1><svg onload=window.__xss=1>.pdf"  # no "/": names keep their last part
ORG = "<img src=x onerror=window.__xss=1>"

# Registered before any of the page's own code runs: collects CSP reports of blocked script.
WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
    e => window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || e.sample)));
"""
CHECK = """() => ({
    xss: typeof window.__xss,
    violations: window.__violations,
    injected: document.querySelectorAll('img[src="x"], svg[onload], [onerror], [onload], script:not([src])').length,
    text: document.body.innerText,
})"""


def seed(app: Flask) -> tuple[dict[str, tuple[str, pyotp.TOTP]], dict[str, object]]:
    """The hostile world in the live server's database, with real commits."""
    totps: dict[str, pyotp.TOTP] = {}

    def make_org(kind: str, name: str | None = None) -> Organisation:
        org = create_organisation(None, name or f"{kind.upper()} {secrets.token_hex(3)}", kind)
        commit()
        return org

    def make_user(kind: str = "pjk", role: str = "member", *, org: Organisation | None = None, **_: object) -> User:
        user = create_user(
            None, f"{role}.{secrets.token_hex(4)}@{kind}.example.id", org or make_org(kind), role, PASSWORD
        )
        secret = pyotp.random_base32()
        user.totp_secret_sealed = seal(keyring(), secret.encode(), f"user:{user.id}:totp")
        user.mfa_enrolled_at = utcnow()
        commit()
        totps[user.email] = pyotp.TOTP(secret)
        return user

    with app.app_context():
        world = build_world(
            app, make_user, make_org, text=PAYLOAD, filename=FILENAME, org_names=f"{ORG} {secrets.token_hex(3)}"
        )
        people = {name: (user.email, totps[user.email]) for name, user in world.users.items()}
        return people, dict(world.ids)


def test_stored_script_never_runs_and_shows_as_text(browser: Browser, live_server: str, live_app: Flask):
    people, ids = seed(live_app)
    meeting = f"/forum/meetings/{ids['meeting_id']}"
    # (who, page, what must be visible on it as text)
    visits = {
        "pjk_supervisor": [
            ("/", None),
            ("/alerts", None),
            (f"/alerts/{ids['alert_id']}", PAYLOAD),
            ("/screening", None),
            (f"/screening/{ids['run_id']}", None),
            ("/forum/meetings", PAYLOAD),
            (meeting, PAYLOAD),
            ("/account/tokens", PAYLOAD[:100]),
            ("/audit", None),
        ],
        "fiu_supervisor": [
            ("/", None),
            ("/cases", PAYLOAD),
            (f"/cases/{ids['case_id']}", PAYLOAD),
            (f"/evidence/{ids['evidence_id']}", FILENAME),
            (f"/alerts/{ids['alert_id']}", PAYLOAD),
            ("/referrals?box=outbox", ORG),
            (f"/referrals/{ids['referral_id']}", PAYLOAD),
            (f"/cases/{ids['case_id']}/refer", ORG),
            (meeting, PAYLOAD),
            (f"{meeting}/statistics", None),
            ("/audit", None),
        ],
        "police_supervisor": [
            ("/", None),
            ("/referrals", ORG),
            (f"/referrals/{ids['referral_id']}", PAYLOAD),
            (meeting, PAYLOAD),
        ],
        "ngo_supervisor": [("/cases", PAYLOAD), (f"/cases/{ids['ngo_case_id']}", PAYLOAD), (meeting, PAYLOAD)],
        "operator_admin": [("/admin/organisations", ORG), (f"/admin/organisations/{ids['orgs']['pjk']}", ORG)],
        "pjk_admin": [("/admin/users", None), ("/audit", None)],
    }
    problems = []
    visited = 0

    def visit(context: BrowserContext, who: str, bypass_csp: bool) -> None:
        nonlocal visited
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(10_000)
        for path, expected in visits[who]:
            response = page.goto(f"{live_server}{path}")
            assert response is not None and response.ok, (who, path, response and response.status)
            seen = page.evaluate(CHECK)
            visited += 1
            where = (who, path, "csp bypassed" if bypass_csp else "csp enforced")
            if seen["xss"] != "undefined":
                problems.append((*where, "script ran"))
            if seen["injected"]:
                problems.append((*where, f"{seen['injected']} injected elements"))
            if seen["violations"]:
                problems.append((*where, f"CSP violations {seen['violations']}"))
            if expected is not None and expected not in seen["text"]:
                problems.append((*where, f"payload not shown as text: {expected!r}"))

    for who in visits:
        # Sign in once (a TOTP code is single-use), then reuse the session with the policy bypassed.
        enforced = browser.new_context(viewport={"width": 1366, "height": 768})
        enforced.add_init_script(WATCH)
        email, totp = people[who]
        page = enforced.new_page()
        sign_in(page, live_server, email, totp)
        page.wait_for_url(f"{live_server}/")
        visit(enforced, who, bypass_csp=False)
        bypassed = browser.new_context(storage_state=enforced.storage_state(), bypass_csp=True)
        bypassed.add_init_script(WATCH)
        visit(bypassed, who, bypass_csp=True)
        enforced.close()
        bypassed.close()
    assert problems == [], "\n".join(map(str, problems))
    assert visited == 2 * sum(len(pages) for pages in visits.values())
