"""Each kind of organisation lands on a dashboard suited to it."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from coordination.dashboard.summary import PURPOSE
from tests.conftest import KINDS, csrf_token
from tests.test_referrals import world  # noqa: F401  (fixture)


@pytest.mark.parametrize("kind", KINDS)
def test_dashboard_states_the_organisations_part(app, signed_in, kind):
    client, user = signed_in(kind, "member")
    client.post("/language", data={"lang": "en", "next": "/", "csrf_token": csrf_token(client)})
    page = client.get("/").get_data(as_text=True)
    with force_locale("en"):
        expected = str(PURPOSE[kind])
    assert expected.replace("'", "&#39;") in page
    assert user.organisation.name in page


def test_admin_tiles_follow_permissions(app, signed_in):
    member, _ = signed_in("pjk", "member")
    admin, _ = signed_in("pjk", "org_admin")
    operator, _ = signed_in("operator", "org_admin")
    assert "/admin/users" not in member.get("/").get_data(as_text=True)
    assert "/admin/users" in admin.get("/").get_data(as_text=True)
    assert "/admin/organisations" in operator.get("/").get_data(as_text=True)
    assert "/admin/organisations" not in admin.get("/").get_data(as_text=True)


def test_sign_in_history_is_shown_to_its_owner(app, make_user):
    from coordination.audit.record import record
    from coordination.core.db import get_session
    from tests.conftest import sign_in

    user = make_user("fiu", "member")
    record(user, "login.failure", user, {"reason": "bad_password"}, outcome="failure")
    get_session().commit()
    page = sign_in(app.test_client(), user).get("/").get_data(as_text=True)
    assert "failed attempt" in page or "percobaan gagal" in page.lower()


def test_recipients_see_their_referral_counts(app, client, world):  # noqa: F811
    from tests.conftest import sign_in
    from tests.test_referrals import refer

    refer(client, world, world["police"], "investigation")
    page = sign_in(app.test_client(), world["police"]).get("/").get_data(as_text=True)
    counts = page.split('data-testid="referral-counts"')[1].split("</dl>")[0]
    assert counts.count("<dd>1</dd>") == 1 and counts.count("<dd>0</dd>") == 2
    analyst_page = sign_in(app.test_client(), world["analyst"]).get("/").get_data(as_text=True)
    assert "/cases" in analyst_page
