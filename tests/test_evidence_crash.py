"""Kill the server with SIGKILL in the middle of an evidence upload: afterwards nothing counts
as evidence, and `evidence fsck` finds and removes the half-written upload."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import PASSWORD
from tests.servers import ROOT, flask_cli, free_port


@pytest.fixture
def installation(tmp_path):  # type: ignore[no-untyped-def]
    env = {
        "PATH": os.environ["PATH"],
        "SIMPUL_DATA_DIR": str(tmp_path),
        "SIMPUL_PASSWORD_HASH_PROFILE": "fast",
        "SIMPUL_COOKIE_SECURE": "0",
    }
    assert flask_cli(env, "init").returncode == 0
    assert flask_cli(env, "org", "create", "--name", "Polri Uji", "--kind", "police").returncode == 0
    created = flask_cli(
        env,
        "user",
        "create",
        "--email",
        "penyidik@polri.example.id",
        "--org",
        "Polri Uji",
        "--role",
        "member",
        stdin=PASSWORD + "\n",
    )
    assert created.returncode == 0, created.stderr
    token = flask_cli(env, "token", "create", "--email", "penyidik@polri.example.id").stdout.strip().splitlines()[-1]
    return env, token, tmp_path


def test_sigkill_mid_upload_leaves_nothing_counted_as_evidence(installation):
    env, token, data_dir = installation
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "run", "--port", str(port), "--no-reload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/openapi.json", timeout=1)  # noqa: S310 (loopback)
                break
            except OSError:
                time.sleep(0.1)
        request = urllib.request.Request(  # noqa: S310
            f"{base}/cases",
            data=json.dumps({"title": "Kasus uji"}).encode(),
            method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        case_id = json.loads(urllib.request.urlopen(request, timeout=10).read())["id"]  # noqa: S310
        boundary = "simpulcrash"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="category"\r\n\r\ndocument\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
        ).encode()
        total = 50 * 1024 * 1024
        with socket.create_connection(("127.0.0.1", port)) as conn:
            conn.sendall(
                f"POST /api/v1/cases/{case_id}/evidence HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
                f"Content-Length: {len(head) + total}\r\n\r\n".encode()
                + head
            )
            block = b"x" * (1024 * 1024)
            for _ in range(8):  # 8 of 50 MiB, then the server dies
                conn.sendall(block)
            time.sleep(0.5)
            os.kill(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
    finally:
        if server.poll() is None:
            server.kill()
    parts = list((data_dir / "evidence" / "tmp").glob("*.part"))
    assert parts, "the upload should have been under way when the server died"
    assert all(b"x" * 64 not in part.read_bytes() for part in parts)  # even a half upload is ciphertext
    report = flask_cli(env, "evidence", "fsck")
    assert report.returncode == 1 and "half-written upload" in report.stdout
    assert "0 missing" in report.stdout and "checked 0 files" in report.stdout  # no evidence row, no file
    repaired = flask_cli(env, "evidence", "fsck", "--repair")
    assert "(repaired)" in repaired.stdout
    assert flask_cli(env, "evidence", "fsck").returncode == 0
    assert not list((data_dir / "evidence").glob("??/??/*.smev"))
