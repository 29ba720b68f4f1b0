"""Two instances, nothing shared but the services: what happens on one is true on the other.

Two gunicorn instances (deploy/gunicorn.conf.py, 2 workers each), each with a data directory of
its own, share what a multi-instance deployment shares: one PostgreSQL database (created for
this test), one Redis (rate-limit counters), one S3-compatible evidence bucket (moto's server
on loopback) and one keyring file. The test shows that

- a sign-in started on A (password) is finished on B (second factor), and the session cookie
  is then valid on both; signing out on B ends it on A;
- the sign-in rate limit counts across both: the attempts allowed are spent on A, and B answers
  the next one with 429, while another address is still served;
- an alert raised on A is escalated on B, a case built from it on A, a referral sent on B is
  in the recipient's inbox on A, and evidence uploaded on A downloads, verified, from B.

The client address is a random one per run, sent in X-Forwarded-For (the instances trust one
proxy, as behind nginx), so parallel runs never share a rate-limit counter in Redis.

PostgreSQL is required: the module holds its test only when the suite runs on PostgreSQL
(`SIMPUL_TEST_DATABASE_URL`, `make test-postgres`), and an unreachable PostgreSQL or Redis then
fails it, naming the service.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import PASSWORD, _backends
from tests.servers import (
    Gunicorn,
    csrf_of,
    pg_server_url,
    populate,
    require_redis,
    running,
    throwaway_database,
)
from tests.test_alerts_api import ALERT

REDIS_URL = os.environ.get("SIMPUL_TEST_REDIS_URL") or "redis://127.0.0.1:6379/14"
LOGIN_LIMIT = 6


@pytest.fixture
def s3_bucket() -> Iterator[dict[str, str]]:
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    credentials = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}
    bucket = f"simpul-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).create_bucket(Bucket=bucket)
    yield {
        **credentials,
        "SIMPUL_EVIDENCE_STORE": "s3",
        "SIMPUL_S3_BUCKET": bucket,
        "SIMPUL_S3_ENDPOINT_URL": endpoint,
    }
    server.stop()


def _check(response: requests.Response, status: int) -> dict:
    assert response.status_code == status, (
        f"{response.request.method} {response.url}: {response.status_code} {response.text[:500]}"
    )
    return response.json() if "json" in response.headers.get("Content-Type", "") else {}


def _two_instances(tmp_path: Path, database_url: str, s3: dict[str, str]) -> tuple[Gunicorn, Gunicorn, dict]:
    people = populate(tmp_path / "setup", database_url)
    instances = []
    for name in ("a", "b"):
        env = {
            "PATH": os.environ["PATH"],
            "LANG": "C.UTF-8",
            "SIMPUL_DATA_DIR": str(tmp_path / name),  # nothing of it is shared
            "SIMPUL_DATABASE_URL": database_url,
            "SIMPUL_KEYRING_PATH": str(tmp_path / "setup" / "keyring.json"),
            "SIMPUL_REDIS_URL": REDIS_URL,
            "SIMPUL_PROXY_HOPS": "1",
            "SIMPUL_COOKIE_SECURE": "0",
            "SIMPUL_PASSWORD_HASH_PROFILE": "fast",
            "SIMPUL_LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per minute",
            **s3,
        }
        instances.append(Gunicorn(env, workers=2, threads=2, log_path=tmp_path / f"{name}.log"))
    return instances[0], instances[1], people


if "postgresql" in _backends():

    def test_two_instances_share_sessions_rate_limits_and_data(tmp_path: Path, s3_bucket: dict[str, str]) -> None:
        began = time.monotonic()
        require_redis(REDIS_URL)
        with throwaway_database(pg_server_url(), "simpul_multi") as database_url:
            a, b, people = _two_instances(tmp_path, database_url, s3_bucket)
            with running(a, b):
                started = time.monotonic() - began
                client_ip = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
                _session_made_on_a_is_valid_on_b(a.url, b.url, people["fiu"], client_ip)
                _login_rate_limit_counts_across_instances(a.url, b.url, client_ip)
                _data_written_on_one_is_read_on_the_other(a.url, b.url, people)
        elapsed = time.monotonic() - began
        print(f"\nmulti-instance: 2 instances x 2 workers ready in {started:.1f} s; whole test {elapsed:.1f} s")


def _session_made_on_a_is_valid_on_b(a: str, b: str, fiu, client_ip: str) -> None:  # type: ignore[no-untyped-def]
    browser = requests.Session()
    browser.headers["X-Forwarded-For"] = client_ip
    page = browser.get(f"{a}/login")
    password_step = browser.post(
        f"{a}/login",
        data={"email": fiu.email, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        allow_redirects=False,
    )
    assert password_step.status_code == 302 and password_step.headers["Location"].endswith("/login/mfa")
    # The second factor on the other instance: the pending sign-in travels in the signed cookie.
    mfa_page = browser.get(f"{b}/login/mfa")
    assert mfa_page.status_code == 200, mfa_page.text[:300]
    done = browser.post(
        f"{b}/login/mfa", data={"code": fiu.totp.now(), "csrf_token": csrf_of(mfa_page.text)}, allow_redirects=False
    )
    assert done.status_code == 302 and "/login" not in done.headers["Location"]
    cookie = browser.cookies.get("simpul_session")
    assert cookie

    # The same cookie, presented by a fresh client to each instance: signed in on both.
    for base in (a, b):
        other = requests.Session()
        other.headers["X-Forwarded-For"] = client_ip
        other.cookies.set("simpul_session", cookie)
        me = other.get(f"{base}/api/v1/me")
        assert me.status_code == 200 and me.json()["email"] == fiu.email, (base, me.status_code, me.text[:200])

    # Signing out on B ends the server-side session: A refuses the replayed cookie.
    account = browser.get(f"{b}/account")
    assert browser.post(
        f"{b}/logout", data={"csrf_token": csrf_of(account.text)}, allow_redirects=False
    ).status_code in (
        302,
        303,
    )
    replay = requests.Session()
    replay.cookies.set("simpul_session", cookie)
    assert replay.get(f"{a}/api/v1/me").status_code == 401


def _login_rate_limit_counts_across_instances(a: str, b: str, client_ip: str) -> None:
    attacker = requests.Session()
    attacker.headers["X-Forwarded-For"] = client_ip
    token = csrf_of(attacker.get(f"{a}/login").text)
    wrong = {"email": "nobody@example.id", "password": "Salah-Sandi-1234", "csrf_token": token}
    # The sign-in above spent one attempt of this address's budget on A's /login.
    statuses = [attacker.post(f"{a}/login", data=wrong).status_code for _ in range(LOGIN_LIMIT - 1)]
    assert statuses == [401] * (LOGIN_LIMIT - 1), statuses
    on_b = attacker.post(f"{b}/login", data=wrong)
    assert on_b.status_code == 429, f"B did not see A's attempts: {on_b.status_code}"
    elsewhere = requests.Session()
    elsewhere.headers["X-Forwarded-For"] = f"192.0.2.{secrets.randbelow(250) + 1}"
    fresh = csrf_of(elsewhere.get(f"{b}/login").text)
    assert elsewhere.post(f"{b}/login", data={**wrong, "csrf_token": fresh}).status_code == 401  # per address


def _data_written_on_one_is_read_on_the_other(a: str, b: str, people: dict) -> None:  # type: ignore[type-arg]
    def api(base: str, who: str, method: str, path: str, status: int, **kwargs: object) -> dict:  # type: ignore[type-arg]
        headers = {"Authorization": f"Bearer {people[who].token}"}
        return _check(requests.request(method, f"{base}/api/v1{path}", headers=headers, timeout=30, **kwargs), status)

    alert = api(a, "pjk", "POST", "/alerts", 201, json={**ALERT, "reference": f"STR-MI-{secrets.token_hex(3)}"})
    assert api(b, "pjk", "GET", f"/alerts/{alert['id']}", 200)["reference"] == alert["reference"]
    api(b, "pjk_supervisor", "POST", f"/alerts/{alert['id']}/actions", 200, json={"action": "start_review"})
    escalate = {"action": "escalate", "to_org": people["fiu"].org_id}
    api(a, "pjk_supervisor", "POST", f"/alerts/{alert['id']}/actions", 200, json=escalate)
    case = api(b, "fiu", "POST", "/cases", 201, json={"title": "Kasus lintas instans", "alert_ids": [alert["id"]]})

    content = b"%PDF-1.7\n" + secrets.token_bytes(200_000) + b"\n%%EOF\n"
    files = {"file": ("bukti.pdf", content, "application/pdf")}
    evidence = api(a, "fiu", "POST", f"/cases/{case['id']}/evidence", 201, data={"category": "document"}, files=files)
    downloaded = requests.get(
        f"{b}/api/v1/evidence/{evidence['id']}/content",
        headers={"Authorization": f"Bearer {people['fiu'].token}"},
        timeout=30,
    )
    assert downloaded.status_code == 200 and hashlib.sha256(downloaded.content).hexdigest() == evidence["sha256"]

    referral = {"to_org": people["police"].org_id, "purpose": "investigation", "message": "Untuk penyidikan"}
    sent = api(b, "fiu", "POST", f"/cases/{case['id']}/referrals", 201, json=referral)
    inbox = api(a, "police", "GET", "/referrals", 200)
    assert sent["id"] in {r["id"] for r in inbox["referrals"]}, inbox
    assert api(a, "police", "GET", f"/referrals/{sent['id']}", 200)["id"] == sent["id"]
