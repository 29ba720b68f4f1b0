"""Upload and download 1 GiB of evidence through the real HTTP server; the server's memory.

Sets up a throw-away installation (SQLite, local store), starts `flask run` in a subprocess,
streams a multipart upload of SIZE bytes over a socket, downloads it back, and reads the
server's resident memory (VmRSS, and its peak VmHWM) from /proc before and after.

    .venv/bin/python -m benchmarks.evidence_http [--size-mib 1024]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = secrets.token_urlsafe(18)  # a throw-away installation


def flask(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def memory_mib(pid: int) -> tuple[float, float]:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=1024)
    args = parser.parse_args()
    total = args.size_mib * 1024 * 1024
    data_dir = Path(tempfile.mkdtemp(prefix="simpul-http-bench-"))
    env = {
        "PATH": os.environ["PATH"],
        "SIMPUL_DATA_DIR": str(data_dir),
        "SIMPUL_COOKIE_SECURE": "0",
        "SIMPUL_EVIDENCE_MAX_BYTES": str(total + 1),
        "SIMPUL_API_RATE_LIMIT": "100000 per minute",
    }
    flask(env, "init")
    flask(env, "org", "create", "--name", "Bench Polri", "--kind", "police")
    flask(
        env,
        "user",
        "create",
        "--email",
        "bench@polri.example.id",
        "--org",
        "Bench Polri",
        "--role",
        "member",
        stdin=PASSWORD + "\n",
    )
    token = flask(env, "token", "create", "--email", "bench@polri.example.id").strip().splitlines()[-1]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
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
        auth = {"Authorization": f"Bearer {token}"}
        request = urllib.request.Request(  # noqa: S310
            f"{base}/cases",
            data=json.dumps({"title": "Bench"}).encode(),
            method="POST",
            headers={**auth, "Content-Type": "application/json"},
        )
        case_id = json.loads(urllib.request.urlopen(request).read())["id"]  # noqa: S310
        rss_before, _ = memory_mib(server.pid)
        boundary = "simpulbench"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="category"\r\n\r\nother\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n\r\n'
        ).encode() + b"%PDF-1.7\n"
        tail = f"\r\n--{boundary}--\r\n".encode()
        block = os.urandom(1024 * 1024)
        body_len = len(head) + total - 9 + len(tail)
        digest = hashlib.sha256(b"%PDF-1.7\n")
        start = time.perf_counter()
        with socket.create_connection(("127.0.0.1", port)) as conn:
            conn.sendall(
                f"POST /api/v1/cases/{case_id}/evidence HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
                f"Content-Length: {body_len}\r\nConnection: close\r\n\r\n".encode()
                + head
            )
            left = total - 9
            while left:
                piece = block[: min(len(block), left)]
                conn.sendall(piece)
                digest.update(piece)
                left -= len(piece)
            conn.sendall(tail)
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
        upload_s = time.perf_counter() - start
        reply = json.loads(answer.split(b"\r\n\r\n", 1)[1])
        assert reply["sha256"] == digest.hexdigest(), reply
        rss_after_upload, _ = memory_mib(server.pid)
        start = time.perf_counter()
        download = hashlib.sha256()
        with urllib.request.urlopen(  # noqa: S310
            urllib.request.Request(f"{base}/evidence/{reply['id']}/content", headers=auth)  # noqa: S310
        ) as stream:
            while chunk := stream.read(1024 * 1024):
                download.update(chunk)
        download_s = time.perf_counter() - start
        assert download.hexdigest() == reply["sha256"]
        rss_end, peak = memory_mib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=10)
    mib = total / 1024 / 1024
    print(f"{args.size_mib} MiB through HTTP (flask run, SQLite, local store)")
    print(f"upload   : {mib / upload_s:7.0f} MiB/s   download: {mib / download_s:7.0f} MiB/s (hash verified both ways)")
    print(
        f"server RSS: {rss_before:.0f} MiB before, {rss_after_upload:.0f} after upload, {rss_end:.0f} after download; "
        f"peak {peak:.0f} MiB (growth {peak - rss_before:.0f} MiB)"
    )


if __name__ == "__main__":
    main()
