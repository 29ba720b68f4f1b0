"""Foundation benchmark: what the security layers cost per request, against a baseline.

Serves the real app in-process (Flask test client, no network) on a fresh SQLite database, or
on PostgreSQL with SIMPUL_BENCH_DATABASE_URL. Every figure is a median over many requests, and
each is compared with /healthz measured in the same run (a public endpoint that passes the same
gate, headers and teardown but touches no table), so machine noise cancels in the ratio.

    .venv/bin/python benchmarks/bench_foundation.py [--requests 2000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from coordination.accounts.operations.organisations import create_organisation
from coordination.accounts.operations.sessions import start_session
from coordination.accounts.operations.tokens import create_api_token
from coordination.accounts.operations.users import create_user
from coordination.accounts.passwords import hash_password, verify_password
from coordination.app import create_app
from coordination.config import Config
from coordination.core.db import commit
from coordination.migrations import upgrade_to_head

PASSWORD = "Tiga-Kuda-Berlari-Pagi-2026"


def timed(fn, n: int) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95)] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="simpul-bench-"))
    url = os.environ.get("SIMPUL_BENCH_DATABASE_URL") or f"sqlite:///{data_dir / 'bench.db'}"
    config = replace(
        Config.from_env({"SIMPUL_DATA_DIR": str(data_dir), "SIMPUL_DATABASE_URL": url}),
        cookie_secure=False,
        api_rate_limit="1000000 per minute",
    )
    app = create_app(config)
    with app.app_context():
        upgrade_to_head()
        org = create_organisation(None, f"Bench Bank {time.time_ns()}", "pjk")
        user = create_user(None, f"bench{time.time_ns()}@bank.example.id", org, "org_admin", PASSWORD)
        commit()
        _, secret = create_api_token(user, "bench")
        session_token = start_session(user, "127.0.0.1", "bench")
        commit()
    api = app.test_client()
    web = app.test_client()
    with web.session_transaction() as s:
        s["_user_id"] = session_token
    headers = {"Authorization": f"Bearer {secret}"}
    cases = {
        "GET /healthz (baseline)": lambda: api.get("/healthz"),
        "GET /api/v1/me (bearer token)": lambda: api.get("/api/v1/me", headers=headers),
        "GET /api/v1/users (list, restricted query)": lambda: api.get("/api/v1/users", headers=headers),
        "GET / dashboard page (cookie session)": lambda: web.get("/"),
    }
    for fn in cases.values():  # warm up caches, compiled templates, connection pool
        for _ in range(50):
            assert fn().status_code == 200
    # Interleave rounds so a noisy moment hits every case alike.
    results: dict[str, list[float]] = {name: [] for name in cases}
    rounds = 10
    for _ in range(rounds):
        for name, fn in cases.items():
            results[name] += timed(fn, args.requests // rounds)
    baseline = statistics.median(results["GET /healthz (baseline)"])
    print(f"backend: {url.split(':')[0]}   requests per case: {args.requests}   python {sys.version.split()[0]}")
    print(f"{'case':46} {'median ms':>10} {'p95 ms':>8} {'x baseline':>11}")
    for name, samples in results.items():
        median, p95 = summary(samples)
        print(f"{name:46} {median:10.3f} {p95:8.3f} {statistics.median(samples) / baseline:11.2f}")
    stored = hash_password(PASSWORD, "standard")
    argon = timed(lambda: verify_password(stored, PASSWORD, "standard"), 20)
    print(
        f"{'argon2id verify (RFC 9106 low-memory)':46} {summary(argon)[0]:10.1f} {summary(argon)[1]:8.1f} "
        f"{statistics.median(argon) / baseline:11.0f}"
    )


if __name__ == "__main__":
    main()
