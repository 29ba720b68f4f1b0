"""OWASP ASVS 5.0 Level 2 requirements that had no test (docs/security.md maps every one).

Each test names the requirement it proves. Two of them cover code added for the mapping: the
`__Host-` cookie prefix (3.3.1, 3.3.3) and the absolute session lifetime (7.3.2).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from coordination.accounts.models import Organisation, User, UserSession
from coordination.accounts.operations.sessions import MAX_LIFETIME
from coordination.accounts.passwords import hash_password
from coordination.app import create_app
from coordination.audit.models import AuditEvent
from coordination.core.db import get_session, utcnow
from coordination.core.permissions import public
from coordination.migrations import upgrade_to_head
from tests.conftest import PASSWORD, bearer, csrf_token, sign_in

HTTPS = "https://localhost"
ONE_YEAR = 365 * 24 * 3600


def _own_app(app: Flask, tmp_path: Path, **overrides: object) -> Flask:
    """A second application on its own SQLite file and keyring, for settings the shared test app
    does not have (a secure cookie) or routes it must not get (a failing view)."""
    config = replace(
        app.extensions["simpul.config"],
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'asvs.db'}",
        keyring_path=tmp_path / "keyring.json",
        **overrides,
    )
    own = create_app(config)
    with own.app_context():
        upgrade_to_head()
    return own


def _set_cookies(response) -> list[str]:  # type: ignore[no-untyped-def]
    return response.headers.getlist("Set-Cookie")


# --- V3.3 cookie setup ---------------------------------------------------------------------------


@pytest.fixture
def secure_app(app: Flask, tmp_path: Path) -> Iterator[Flask]:
    own = _own_app(app, tmp_path, cookie_secure=True)
    with own.app_context():
        org = Organisation(name="Bank ASVS", kind="pjk")
        get_session().add(
            User(
                email="demo@bank-asvs.example.id",
                organisation=org,
                role="member",
                is_demo=True,  # MFA off: this test is about the cookie, sign-in is tested in test_login
                password_hash=hash_password(PASSWORD, "fast"),
            )
        )
        get_session().commit()
        yield own


def test_secure_session_cookie_has_the_host_prefix_and_every_flag(secure_app: Flask) -> None:
    """3.3.1 Secure and a `__Host-`/`__Secure-` prefix, 3.3.2 SameSite, 3.3.3 `__Host-`, 3.3.4
    HttpOnly; and the cookie it sets is the one that carries the signed-in session."""
    client = secure_app.test_client()
    page = client.get("/login", base_url=HTTPS)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post(
        "/login",
        base_url=HTTPS,
        headers={"Referer": f"{HTTPS}/login"},  # Flask-WTF checks the referrer of HTTPS posts
        data={"email": "demo@bank-asvs.example.id", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    cookies = _set_cookies(response)
    assert len(cookies) == 1, cookies
    cookie = cookies[0]
    assert cookie.startswith("__Host-simpul_session="), cookie
    attributes = {part.strip().split("=", 1)[0].lower(): part.strip() for part in cookie.split(";")[1:]}
    # `__Host-` is only honoured with Secure, Path=/ and no Domain: check all three.
    assert "secure" in attributes and "httponly" in attributes and "domain" not in attributes, cookie
    assert attributes["path"] == "Path=/" and attributes["samesite"] == "SameSite=Lax", cookie
    assert client.get("/", base_url=HTTPS).status_code == 200  # the prefixed cookie signs in


def test_plain_http_test_servers_keep_the_bare_cookie_name(client) -> None:  # type: ignore[no-untyped-def]
    """Browsers refuse `__Host-` without Secure: with SIMPUL_COOKIE_SECURE=0 (loopback test
    servers) the name stays `simpul_session` and the cookie is still HttpOnly."""
    cookies = _set_cookies(client.get("/login"))
    assert cookies and all(c.startswith("simpul_session=") and "HttpOnly" in c for c in cookies), cookies


# --- V3.4 browser security mechanism headers -----------------------------------------------------


def _responses(app: Flask, make_user, base_url: str = "http://localhost"):  # type: ignore[no-untyped-def]
    """One response of each kind: page, redirect, error page, JSON, JSON error, static file."""
    headers = bearer(make_user("pjk", "member"))
    client = app.test_client()
    origin = {"Origin": "https://evil.example"}
    return {
        "page": client.get("/login", base_url=base_url, headers=origin),
        "redirect": client.get("/", base_url=base_url),
        "error page": client.get("/no-such-page", base_url=base_url),
        "api": client.get("/api/v1/me", base_url=base_url, headers={**headers, **origin}),
        "api error": client.get("/api/v1/me", base_url=base_url, headers=origin),
        "method not allowed": client.delete("/api/v1/me", base_url=base_url, headers=headers),
        "static": client.get("/static/css/simpul.css", base_url=base_url),
    }


def test_every_kind_of_response_carries_csp_framing_nosniff_and_referrer_policy(app, make_user) -> None:  # type: ignore[no-untyped-def]
    """3.4.3 CSP with object-src 'none' and base-uri 'none' and an allowlist; 3.4.6 frame-ancestors
    on every response (X-Frame-Options is only a fallback); 3.4.4 nosniff; 3.4.5 referrer policy;
    3.4.2 no CORS grant to another origin."""
    for kind, response in _responses(app, make_user).items():
        directives = {
            d.strip().split()[0]: d.strip().split()[1:]
            for d in response.headers["Content-Security-Policy"].split(";")
            if d.strip()
        }
        assert directives["object-src"] == ["'none'"] and directives["base-uri"] == ["'none'"], kind
        assert directives["frame-ancestors"] == ["'none'"], kind
        assert directives["default-src"] == ["'self'"] and directives["script-src"] == ["'self'"], kind
        assert not any("unsafe" in value for values in directives.values() for value in values), kind
        assert response.headers["X-Content-Type-Options"] == "nosniff", kind
        assert response.headers["Referrer-Policy"] == "no-referrer", kind
        assert "Access-Control-Allow-Origin" not in response.headers, kind


def test_hsts_for_a_year_with_subdomains_on_every_https_response(app, make_user) -> None:  # type: ignore[no-untyped-def]
    """3.4.1: Strict-Transport-Security, max-age of at least a year, includeSubDomains (L2)."""
    for kind, response in _responses(app, make_user, HTTPS).items():
        value = response.headers.get("Strict-Transport-Security", "")
        max_age = re.search(r"max-age=(\d+)", value)
        assert max_age and int(max_age.group(1)) >= ONE_YEAR and "includeSubDomains" in value, (kind, value)


# --- V14.3 client-side data protection -----------------------------------------------------------


def test_no_store_on_pages_api_answers_errors_and_evidence_downloads(app, signed_in, make_user) -> None:  # type: ignore[no-untyped-def]
    """14.3.2: everything but the public static assets is sent with Cache-Control: no-store,
    including the decrypted evidence file itself."""
    from tests.test_evidence_api import PDF, make_case, upload

    web, user = signed_in("police", "member")
    api = app.test_client()
    headers = bearer(user)
    item = upload(api, user, make_case(api, user), PDF).get_json()
    responses = {
        "dashboard": web.get("/"),
        "account": web.get("/account"),
        "evidence page": web.get(f"/evidence/{item['id']}"),
        "evidence download (page)": web.get(f"/evidence/{item['id']}/download"),
        "evidence content (API)": api.get(f"/api/v1/evidence/{item['id']}/content", headers=headers),
        "api json": api.get("/api/v1/me", headers=headers),
        "api error": api.get("/api/v1/evidence/00000000-0000-0000-0000-000000000000", headers=headers),
        "redirect": app.test_client().get("/"),
    }
    for kind, response in responses.items():
        assert response.status_code in (200, 302, 404), (kind, response.status_code)
        assert response.headers.get("Cache-Control") == "no-store", kind
    assert responses["evidence content (API)"].data == PDF


# --- V6.2 password security ----------------------------------------------------------------------


def _password_step(app: Flask, email: str, password: str) -> int:
    client = app.test_client()
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token}).status_code


def test_long_passwords_of_any_composition_are_kept_exactly(app, signed_in) -> None:  # type: ignore[no-untyped-def]
    """6.2.9 at least 64 characters allowed; 6.2.5 any characters (spaces, punctuation,
    non-ASCII); 6.2.8 verified exactly as typed: no truncation, no case folding, no trimming."""
    client, user = signed_in("ngo", "member")
    new = "  Kalimat sandi panjang: kopi tubruk di Stasiun Gambir — jam 05.45, hujan rintik; ümlaut ok  "
    new = (new * 2)[:200]
    assert len(new) >= 64
    token = csrf_token(client, "/account")
    changed = client.post("/account", data={"current": PASSWORD, "password": new, "confirm": new, "csrf_token": token})
    assert changed.status_code == 302, changed.get_data(as_text=True)
    assert _password_step(app, user.email, new) == 302  # on to the second factor
    # Five variants: each is compared with the password (the lockout starts only after the fifth).
    for variant in (new[:64], new.strip(), new.upper(), new.lower(), new[:-1]):
        assert variant != new
        assert _password_step(app, user.email, variant) == 401, variant[:20]


# --- V7.3 session timeout ------------------------------------------------------------------------


def test_a_session_ends_twelve_hours_after_sign_in_however_active(app, signed_in) -> None:  # type: ignore[no-untyped-def]
    """7.3.2: an absolute maximum session lifetime. Requests keep the idle timer fresh; the
    session still ends once it is MAX_LIFETIME old, and a replay of its cookie is refused."""
    assert timedelta(hours=12) == MAX_LIFETIME
    client, user = signed_in("fiu", "member")
    row = get_session().scalar(select(UserSession).where(UserSession.user_id == user.id))
    row.created_at = utcnow() - MAX_LIFETIME + timedelta(minutes=5)
    row.last_seen_at = utcnow()  # active: the idle timeout is not what ends it
    get_session().commit()
    assert client.get("/").status_code == 200
    with client.session_transaction() as cookie:
        kept = dict(cookie)
    row.created_at = utcnow() - MAX_LIFETIME - timedelta(minutes=1)
    row.last_seen_at = utcnow()
    get_session().commit()
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    get_session().refresh(row)
    assert row.ended_at is not None and row.end_reason == "max_lifetime"
    replay = app.test_client()
    with replay.session_transaction() as cookie:
        cookie.update(kept)
    assert replay.get("/").status_code == 302
    # A fresh sign-in starts a new twelve hours.
    assert sign_in(app.test_client(), user).get("/").status_code == 200


# --- V16 security logging and error handling -----------------------------------------------------


def test_an_unexpected_error_is_generic_logged_and_changes_nothing(app, tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    """16.5.1 a generic message, no stack trace or internals; 16.3.4 the error is logged with its
    traceback; 16.5.3 fails closed: what the request wrote before failing is rolled back."""
    own = _own_app(app, tmp_path)
    secret = "postgresql://simpul:hunter2@db.internal/simpul"

    def fail() -> str:
        get_session().add(Organisation(name="Half Written", kind="ngo"))
        get_session().flush()
        raise RuntimeError(f"cannot reach {secret}")

    # Added to this test's own app before its first request, never to the shared one.
    own.add_url_rule("/asvs-failure", "asvs_failure_page", public(fail))
    own.add_url_rule("/api/v1/asvs-failure", "asvs_failure_api", public(fail))
    client = own.test_client()
    with caplog.at_level(logging.ERROR):
        page = client.get("/asvs-failure")
        api = client.get("/api/v1/asvs-failure")
    for response in (page, api):
        body = response.get_data(as_text=True)
        assert response.status_code == 500
        assert secret not in body and "Traceback" not in body and "RuntimeError" not in body
        assert response.headers["Cache-Control"] == "no-store"
    assert api.get_json()["error"]["code"] == "internal_error"
    assert api.get_json()["error"]["message"] in page.get_data(as_text=True)  # the same generic words
    logged = [r for r in caplog.records if r.getMessage() == "unhandled error"]
    assert len(logged) == 2 and all(r.exc_info and secret in str(r.exc_info[1]) for r in logged)
    with own.app_context():
        assert get_session().scalar(select(func.count()).where(Organisation.name == "Half Written")) == 0


def test_a_forged_line_break_in_a_logged_field_stays_inside_that_field(app) -> None:  # type: ignore[no-untyped-def]
    """16.4.1: audit details are JSON built by the encoder, so CR/LF and quotes in what an
    attacker types cannot start a second event or add a field."""
    forged = 'x@y.id\r\n{"action": "login.success", "outcome": "success"}"'
    before = get_session().scalar(select(func.count(AuditEvent.id)))
    successes = get_session().scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "login.success"))
    assert _password_step(app, forged, "Not-The-Password-123") == 401
    new = get_session().scalars(select(AuditEvent).where(AuditEvent.id > 0).order_by(AuditEvent.id.desc())).first()
    assert get_session().scalar(select(func.count(AuditEvent.id))) == before + 1
    assert new.action == "login.failure" and new.outcome == "failure"
    assert json.loads(new.detail) == {"email": forged, "reason": "unknown_email"}
    assert (
        get_session().scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "login.success")) == successes
    )


# --- V11 cryptography ----------------------------------------------------------------------------

CODE = Path(__file__).resolve().parent.parent / "coordination"
DOC = Path(__file__).resolve().parent.parent / "docs" / "security.md"


def _python_sources() -> dict[Path, str]:
    return {path: path.read_text() for path in CODE.rglob("*.py")}


def test_every_key_the_code_derives_is_in_the_inventory() -> None:
    """11.1.2: the cryptographic inventory in docs/security.md names every purpose for which the
    code derives a key from the root key (`derive("...")`, and `keyed_hash(keyring(), "...")`,
    which derives `hash:<purpose>`). A new purpose without an inventory line fails here."""
    text = DOC.read_text()
    inventory = text[text.index("Cryptographic inventory (11.1.2)") :]
    inventory = inventory[: inventory.index("\n### ")]
    purposes = set()
    for path, source in _python_sources().items():
        for found in re.findall(r'\bderive\(\s*f?"([^"{]*)', source):
            purposes.add((path.name, found))
        for found in re.findall(r'keyed_hash\(\s*keyring\(\)\s*,\s*f?"([^"{]*)', source):
            purposes.add((path.name, f"hash:{found}"))
    assert len(purposes) >= 8, purposes  # the scan itself still finds the derivations
    missing = sorted((name, purpose) for name, purpose in purposes if f"`{purpose}" not in inventory)
    assert missing == [], f"derived keys missing from the inventory in docs/security.md: {missing}"


def test_only_authenticated_encryption_is_used() -> None:
    """11.3.1 and 11.3.2: no raw block-cipher modes (ECB, CBC, CTR), no RSA PKCS#1 v1.5 padding,
    no Fernet (CBC + HMAC) or legacy hashes for security; encryption goes through AES-GCM."""
    forbidden = re.compile(r"\bmodes\.|\bCipher\(|PKCS1v15|\bECB\b|\bFernet\b|hashlib\.(md5|sha1)\b|\bDES\b|\bRC4\b")
    sources = _python_sources()
    offending = [
        f"{path.relative_to(CODE)}: {m.group(0)}" for path, s in sources.items() for m in forbidden.finditer(s)
    ]
    assert offending == []
    users = {path.relative_to(CODE).as_posix() for path, s in sources.items() if "AESGCM(" in s}
    assert users == {"core/keys.py", "evidence/format.py"}, users
