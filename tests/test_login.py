"""Sign-in end to end: password, second factor, enrolment, lockout, sessions, logout."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pyotp
from sqlalchemy import select

from coordination.accounts.models import RecoveryCode, User, UserSession
from coordination.audit.models import AuditEvent
from coordination.core.db import get_session, utcnow
from tests.conftest import PASSWORD, csrf_token


def login_form(client, email, password=PASSWORD):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def mfa_form(client, code):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/login/mfa")
    return client.post("/login/mfa", data={"code": code, "csrf_token": token})


def events(user, action):  # type: ignore[no-untyped-def]
    query = select(AuditEvent).where(AuditEvent.action == action, AuditEvent.actor_user_id == user.id)
    return list(get_session().scalars(query))


def test_password_then_totp_signs_in_and_is_audited(client, make_user):
    user = make_user("fiu", "member")
    response = login_form(client, user.email)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/mfa")
    assert client.get("/").status_code == 302  # not signed in until the second factor
    response = mfa_form(client, user.totp.now())
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert len(events(user, "login.success")) == 1


def test_wrong_password_is_refused_audited_and_generic(client, make_user):
    user = make_user("pjk", "member")
    response = login_form(client, user.email, "Not-The-Password-123")
    assert response.status_code == 401
    unknown = login_form(client, "nobody@example.id", "Not-The-Password-123")
    assert unknown.status_code == 401
    # The same message whether or not the account exists.
    strip = lambda r: re.sub(r'value="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(response) == strip(unknown)
    failure = events(user, "login.failure")
    assert failure and json.loads(failure[0].detail)["reason"] == "bad_password"
    unknown_event = (
        get_session()
        .scalars(select(AuditEvent).where(AuditEvent.action == "login.failure", AuditEvent.actor_user_id.is_(None)))
        .all()
    )
    assert any(json.loads(e.detail)["email"] == "nobody@example.id" for e in unknown_event)


def test_five_failures_lock_the_account_for_fifteen_minutes(client, make_user):
    user = make_user("pjk", "member")
    for _ in range(5):
        login_form(client, user.email, "Not-The-Password-123")
    get_session().refresh(user)
    assert user.locked_until is not None
    assert timedelta(minutes=14) < user.locked_until - utcnow() <= timedelta(minutes=15)
    # Even the right password is refused while locked.
    assert login_form(client, user.email).status_code == 401
    assert len(events(user, "login.locked")) == 1
    user.locked_until = utcnow() - timedelta(seconds=1)
    get_session().commit()
    assert login_form(client, user.email).status_code == 302


def test_wrong_second_factor_counts_towards_lockout(client, make_user):
    user = make_user("pjk", "member")
    for _ in range(5):
        login_form(client, user.email)
        assert mfa_form(client, "000000").status_code in (302, 401)
    get_session().refresh(user)
    assert user.locked_until is not None and user.locked_until > utcnow()


def test_totp_code_cannot_be_replayed(app, make_user):
    user = make_user("police", "member")
    code = user.totp.now()
    first = app.test_client()
    login_form(first, user.email)
    assert mfa_form(first, code).status_code == 302
    second = app.test_client()
    login_form(second, user.email)
    assert mfa_form(second, code).status_code == 401


def test_first_sign_in_enrols_mfa_and_recovery_codes_work_once(app, make_user):
    user = make_user("ngo", "member", mfa=False)
    client = app.test_client()
    response = login_form(client, user.email)
    assert response.headers["Location"].endswith("/login/mfa/setup")
    page = client.get("/login/mfa/setup").get_data(as_text=True)
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page).group(1)
    assert 'src="data:image/svg+xml' in page  # the QR code, as an image the CSP allows
    # The seed is stored sealed, never in clear.
    get_session().refresh(user)
    assert secret.encode() not in user.totp_secret_sealed
    token = csrf_token(client, "/login/mfa/setup")
    wrong = client.post("/login/mfa/setup", data={"code": "123456", "csrf_token": token})
    assert wrong.status_code == 400
    done = client.post("/login/mfa/setup", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    assert done.status_code == 200
    codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", done.get_data(as_text=True))
    assert len(codes) == 10
    assert client.get("/").status_code == 200
    stored = get_session().scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and not any(c.replace("-", "") in h for c in codes for h in stored)
    # A recovery code signs in once.
    for expected in (302, 401):
        other = app.test_client()
        login_form(other, user.email)
        assert mfa_form(other, codes[0]).status_code == expected


def test_demo_users_sign_in_without_mfa_but_others_cannot(app, make_user):
    demo = make_user("pjk", "member", mfa=False, demo=True)
    client = app.test_client()
    assert login_form(client, demo.email).headers["Location"] == "/"
    real = make_user("pjk", "member", mfa=False)
    assert login_form(app.test_client(), real.email).headers["Location"].endswith("/login/mfa/setup")


def test_session_id_is_rotated_at_sign_in(app, make_user):
    user = make_user("fiu", "member")
    client = app.test_client()
    with client.session_transaction() as s:
        s["planted"] = "by an attacker before sign-in"
    login_form(client, user.email)
    mfa_form(client, user.totp.now())
    with client.session_transaction() as s:
        assert "planted" not in s
        token = s["_user_id"]
    row = get_session().scalar(select(UserSession).where(UserSession.user_id == user.id))
    assert row is not None and token not in row.token_hash  # only a keyed hash is stored


def test_logout_invalidates_the_session_even_if_the_cookie_is_replayed(app, make_user):
    user = make_user("fiu", "member")
    client = app.test_client()
    login_form(client, user.email)
    mfa_form(client, user.totp.now())
    with client.session_transaction() as s:
        stolen = dict(s)
    token = csrf_token(client, "/account")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    replay = app.test_client()
    with replay.session_transaction() as s:
        s.update(stolen)
    assert replay.get("/").status_code == 302
    assert len(events(user, "logout")) == 1


def test_idle_session_expires_after_thirty_minutes(app, signed_in):
    client, user = signed_in("pjk", "member")
    assert client.get("/").status_code == 200
    row = get_session().scalar(select(UserSession).where(UserSession.user_id == user.id))
    row.last_seen_at = utcnow() - timedelta(minutes=31)
    get_session().commit()
    assert client.get("/").status_code == 302
    get_session().refresh(row)
    assert row.end_reason == "idle"


def test_deactivation_ends_sessions_immediately(app, signed_in, make_user):
    client, user = signed_in("pjk", "member")
    user.active = False
    get_session().commit()
    assert client.get("/").status_code == 302


def test_open_redirect_after_login_is_refused(client, make_user):
    user = make_user("pjk", "member", mfa=False, demo=True)
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token, "next": "//evil.example/phish"}
    )
    assert response.headers["Location"] == "/"


def test_login_form_without_csrf_token_is_refused(client, make_user):
    user = make_user("pjk", "member")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert get_session().scalar(select(User.failed_logins).where(User.id == user.id)) == 0


def test_password_change_ends_other_sessions_but_keeps_this_one(app, make_user):
    from tests.conftest import sign_in

    user = make_user("pjk", "member")
    here = sign_in(app.test_client(), user)
    elsewhere = sign_in(app.test_client(), user)
    token = csrf_token(here, "/account")
    new = "Empat-Kucing-Tidur-Siang-77"
    response = here.post("/account", data={"current": PASSWORD, "password": new, "confirm": new, "csrf_token": token})
    assert response.status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    wrong = here.post(
        "/account", data={"current": "nope-nope-nope", "password": new, "confirm": new, "csrf_token": token}
    )
    assert wrong.status_code == 400
    assert len(events(user, "user.password_change")) == 2  # one success, one refused attempt
