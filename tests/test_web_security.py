"""Security headers, cookie flags and the login rate limit."""

from __future__ import annotations

from dataclasses import replace

from coordination.app import create_app
from coordination.migrations import upgrade_to_head
from tests.conftest import csrf_token


def test_security_headers_on_pages_and_api(client):
    for path in ("/login", "/api/v1/openapi.json", "/static/css/simpul.css"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/login").headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script_or_style(client):
    page = client.get("/login").get_data(as_text=True)
    assert "<script>" not in page and "<style" not in page and " style=" not in page and "onclick" not in page
    assert "http://" not in page.replace("http://localhost", "") and "https://" not in page  # no CDN


def test_session_cookie_flags(app, make_user):
    user = make_user("pjk", "member", mfa=False, demo=True)
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        client = app.test_client()
        token = csrf_token(client, "/login")
        response = client.post(
            "/login", data={"email": user.email, "password": "Tiga-Kuda-Berlari-Pagi-2026", "csrf_token": token}
        )
        cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and "simpul_session" in v)
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False


def test_login_is_rate_limited_per_address(app, tmp_path):
    config = replace(
        app.extensions["simpul.config"],
        login_rate_limit="3 per minute",
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'rl.db'}",
        keyring_path=tmp_path / "keyring.json",
    )
    limited = create_app(config)
    with limited.app_context():
        upgrade_to_head()
    client = limited.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    token = csrf_token(client, "/login")
    statuses = [
        client.post("/login", data={"email": "a@b.id", "password": "x" * 12, "csrf_token": token}).status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    other = limited.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.8"
    assert other.post("/login", data={"email": "a@b.id", "password": "x" * 12, "csrf_token": token}).status_code != 429


def test_sign_in_is_still_served_and_limited_while_redis_is_down(app, tmp_path):
    """Rate limits live in Redis across instances; with Redis unreachable each instance limits
    in its own memory instead of failing every request."""
    config = replace(
        app.extensions["simpul.config"],
        login_rate_limit="3 per minute",
        redis_url="redis://127.0.0.1:9/0",  # the discard port: nothing answers there
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'rl.db'}",
        keyring_path=tmp_path / "keyring.json",
    )
    limited = create_app(config)
    with limited.app_context():
        upgrade_to_head()
    client = limited.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    token = csrf_token(client, "/login")
    statuses = [
        client.post("/login", data={"email": "a@b.id", "password": "x" * 12, "csrf_token": token}).status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
