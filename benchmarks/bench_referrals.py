"""Inbox listing and referral projection on a seeded national-scale data set.

Seeds 100,000 alerts (2 people, 2 payments each), 20,000 cases and 50,000 referrals (scale with
--scale), then measures, interleaved, the alerts inbox page (50 rows), the referrals inbox API
and `project_case_for` per referral, against /healthz in the same run.

    .venv/bin/python -m benchmarks.bench_referrals [--scale 1.0] [--requests 300]
    SIMPUL_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/simpul_bench \\
        .venv/bin/python -m benchmarks.bench_referrals
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from flask import Flask
from sqlalchemy import create_engine, select, text

from coordination.app import create_app
from coordination.cases.models import Case
from coordination.config import Config
from coordination.core.db import commit, get_session
from coordination.migrations import upgrade_to_head


def open_app() -> Flask:
    data_dir = Path(tempfile.mkdtemp(prefix="simpul-bench-"))
    url = os.environ.get("SIMPUL_BENCH_DATABASE_URL") or f"sqlite:///{data_dir / 'bench.db'}"
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    config = replace(
        Config.from_env({"SIMPUL_DATA_DIR": str(data_dir), "SIMPUL_DATABASE_URL": url}),
        cookie_secure=False,
        api_rate_limit="1000000 per minute",
    )
    app = create_app(config)
    with app.app_context():
        upgrade_to_head()
    return app


def timed(fn, n: int) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    from benchmarks.referral_dataset import generate
    from coordination.accounts.models import User
    from coordination.accounts.operations.sessions import start_session
    from coordination.accounts.operations.tokens import create_api_token
    from coordination.cases.contents import open_case_contents
    from coordination.redaction import project_case_for

    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    app = open_app()
    with app.app_context():
        start = time.perf_counter()
        world = generate(int(100_000 * args.scale), int(20_000 * args.scale), int(50_000 * args.scale))
        seeded = time.perf_counter() - start
        # Production databases keep statistics current (autovacuum); a bulk load leaves them stale.
        get_session().execute(text("ANALYZE"))
        commit()
        analyst = world["analyst"]
        police_user = User(email="police.bench@bench.example.id", organisation=world["others"]["police"], role="member")
        get_session().add(police_user)
        get_session().flush()
        session_token = start_session(analyst, "127.0.0.1", "bench")
        _, police_token = create_api_token(police_user, "bench")
        commit()
        case_ids = world["case_ids"]
        police_org, ngo_org = world["others"]["police"], world["others"]["ngo"]
    web, api = app.test_client(), app.test_client()
    with web.session_transaction() as s:
        s["_user_id"] = session_token
    police = {"Authorization": f"Bearer {police_token}"}
    rnd = random.Random(1)

    def project(org, purpose):  # type: ignore[no-untyped-def]
        def run() -> None:
            with app.app_context():
                case = get_session().scalar(select(Case).where(Case.id == rnd.choice(case_ids)))
                project_case_for(org, purpose, case)

        return run

    def load():  # type: ignore[no-untyped-def]
        def run() -> None:
            with app.app_context():
                case = get_session().scalar(select(Case).where(Case.id == rnd.choice(case_ids)))
                open_case_contents(case)

        return run

    cases = {
        "GET /healthz (baseline)": lambda: api.get("/healthz"),
        "GET /alerts (PPATK inbox page, 50 rows)": lambda: web.get("/alerts"),
        "GET /api/v1/alerts (50 rows)": lambda: web.get("/api/v1/alerts"),
        "GET /api/v1/referrals?box=inbox (police)": lambda: api.get("/api/v1/referrals?box=inbox", headers=police),
        "project_case_for police/investigation": project(police_org, "investigation"),
        "project_case_for ngo/victim_support": project(ngo_org, "victim_support"),
        "open_case_contents (loading alone)": load(),
    }
    for fn in cases.values():
        for _ in range(10):
            fn()
    results: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(5):
        for name, fn in cases.items():
            results[name] += timed(fn, args.requests // 5)
    baseline = statistics.median(results["GET /healthz (baseline)"])
    url = app.extensions["simpul.config"].database_url
    print(
        f"backend: {url.split(':')[0]}  seeded {int(100_000 * args.scale)} alerts, {int(20_000 * args.scale)} "
        f"cases, {int(50_000 * args.scale)} referrals in {seeded:.0f} s; {args.requests} samples per case"
    )
    print(f"{'case':46} {'median ms':>10} {'p95 ms':>8} {'x baseline':>11}")
    for name, samples in results.items():
        ordered = sorted(samples)
        print(
            f"{name:46} {statistics.median(ordered):10.2f} {ordered[int(len(ordered) * 0.95)]:8.2f} "
            f"{statistics.median(ordered) / baseline:11.1f}"
        )


if __name__ == "__main__":
    main()
