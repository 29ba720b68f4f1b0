"""Audit log benchmark: what auditing costs a write request, how fast the whole log verifies,
and how large and how quick proofs are, on a log of a million events.

Serves the real app in-process (Flask test client, no network) on a fresh SQLite database, or
on PostgreSQL with SIMPUL_BENCH_DATABASE_URL (its public schema is dropped first). In one run:

1. Seeds `--events` audit events (default 1,000,000) with bulk inserts, built exactly as
   `audit/log.py:append` builds them: canonical form, leaf hash, the perfect subtrees each leaf
   completes, the tree head, and a signed checkpoint every SIMPUL_AUDIT_CHECKPOINT_EVERY events.
2. Times `verify_log` over the whole log (`--verify-runs` times) and checks that it is intact.
3. Inclusion and consistency proofs at the seeded size: their size (hashes, and the JSON body
   the API returns) and the median time of `log.prove_inclusion`.
4. Requests per second of two audited write endpoints (raising an alert; commenting on one)
   against the same endpoints with the audit append stubbed out (the event still gets a leaf
   index from a counter and is inserted; no tree-head lock, no hashing, no nodes), interleaved
   in rounds so machine noise hits both alike. The stub breaks the log, so this runs last.

    .venv/bin/python -m benchmarks.bench_audit [--events 1000000] [--requests 2000] [--writes-only]
    SIMPUL_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/simpul_bench_audit \\
        .venv/bin/python -m benchmarks.bench_audit
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from flask import Flask
from sqlalchemy import create_engine, insert, select, text, update

import coordination.audit.record as audit_record
from coordination.accounts.operations.organisations import create_organisation
from coordination.accounts.operations.tokens import create_api_token
from coordination.accounts.operations.users import create_user
from coordination.app import create_app
from coordination.audit import log, signed_note
from coordination.audit.canonical import canonical_bytes, without_floats
from coordination.audit.merkle import Frontier, leaf_hash, verify_consistency, verify_inclusion
from coordination.audit.models import AuditCheckpoint, AuditEvent, AuditNode, AuditTreeHead
from coordination.config import Config
from coordination.core.context import config
from coordination.core.db import commit, get_session, utcnow
from coordination.migrations import upgrade_to_head

PASSWORD = "Tiga-Kuda-Berlari-Pagi-2026"
BATCH = 20_000
ALERT = {
    "reference": "BENCH-0",
    "typologies": ["grooming_payments", "live_streaming"],
    "indicators": ["fan_in", "coded_note"],
    "narrative": "Rekening e-wallet menerima 43 transfer kecil dari 31 pengirim dalam 10 hari, berita 'buat jajan ya'.",
    "subjects": [
        {
            "role": "victim",
            "name": "Siti Aminah",
            "nik": "3174015506100003",
            "birth_date": "2010-06-15",
            "gender": "female",
            "phone": "0812-3456-7890",
            "province": "dki_jakarta",
            "accounts": [{"type": "e_wallet", "provider": "DompetKita", "identifier": "081234567890"}],
        },
        {
            "role": "suspect",
            "name": "Budi Santoso",
            "email": "budi.s@example.com",
            "gender": "male",
            "accounts": [{"type": "bank", "provider": "Bank Nusantara", "identifier": "1234-5678-90"}],
        },
    ],
    "transactions": [
        {
            "tx_id": "TX1",
            "timestamp": "2026-05-01T21:14:00+07:00",
            "amount": "150000",
            "channel": "e_wallet",
            "from_account": "1234567890",
            "to_account": "081234567890",
            "note": "buat jajan ya",
        },
    ],
}


def open_app() -> tuple[Flask, str, Path]:
    data_dir = Path(tempfile.mkdtemp(prefix="simpul-bench-audit-"))
    url = os.environ.get("SIMPUL_BENCH_DATABASE_URL") or f"sqlite:///{data_dir / 'bench.db'}"
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app(
        replace(
            Config.from_env({"SIMPUL_DATA_DIR": str(data_dir), "SIMPUL_DATABASE_URL": url}),
            cookie_secure=False,
            api_rate_limit="1000000 per minute",
        )
    )
    with app.app_context():
        upgrade_to_head()
    return app, url, data_dir


def timed(fn, n: int) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    return sorted(samples)[int(len(samples) * 0.95)]


def random_event(rnd: random.Random, at: datetime, user_ids: list[int], org_id: int) -> dict:
    """A plausible event, shaped as record() shapes it (detail as sorted JSON text)."""
    kind = rnd.random()
    actor = rnd.choice(user_ids)
    row = {
        "occurred_at": at,
        "actor_user_id": actor,
        "actor_email": f"user{actor}@bank.example.id",
        "actor_org_id": org_id,
        "object_org_id": org_id,
        "outcome": "success",
        "ip": f"10.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}",
        "request_id": uuid.UUID(int=rnd.getrandbits(128)).hex,
    }
    if kind < 0.6:
        detail: dict = {} if kind < 0.4 else {"part": "timeline"}
        row.update(action="alert.view", object_type="alert", object_id=str(uuid.UUID(int=rnd.getrandbits(128))))
    elif kind < 0.85:
        status = rnd.choice(["new", "in_review", "escalated"])
        note = str(uuid.UUID(int=rnd.getrandbits(128)))
        detail = {"comment_note": note, "from_status": status, "to_status": status}
        row.update(action="alert.comment", object_type="alert", object_id=str(uuid.UUID(int=rnd.getrandbits(128))))
    elif kind < 0.95:
        detail = {"method": "password+totp"}
        row.update(action="auth.login", object_type=None, object_id=None, object_org_id=None)
    else:
        detail = {"reason": "bad_password"}
        row.update(action="auth.login", object_type=None, object_id=None, object_org_id=None, outcome="failure")
    row["detail"] = json.dumps(without_floats(detail), sort_keys=True, ensure_ascii=False, default=str)
    return row


def seed(total: int, user_ids: list[int], org_id: int) -> tuple[int, float]:
    """Append events until the log holds `total`, as append() would but in bulk: the first
    seeded position and the seconds taken."""
    start = time.perf_counter()
    session = get_session()
    head = session.get(AuditTreeHead, log.HEAD_ID)
    frontier = Frontier(head.size, [bytes.fromhex(h) for h in json.loads(head.frontier)])
    first = frontier.size
    every = config().audit_checkpoint_every
    name, key = log.origin(), log.signing_key()
    rnd = random.Random(11)
    at = utcnow() - timedelta(seconds=total)
    events, nodes, checkpoints = [], [], []

    def flush() -> None:
        if events:
            session.execute(insert(AuditEvent), events)
            session.execute(insert(AuditNode), nodes)
        if checkpoints:
            session.execute(insert(AuditCheckpoint), checkpoints)
        commit()
        events.clear(), nodes.clear(), checkpoints.clear()

    while frontier.size < total:
        row = random_event(rnd, at + timedelta(microseconds=frontier.size * 997), user_ids, org_id)
        row["leaf_index"] = frontier.size
        completed = frontier.append(leaf_hash(canonical_bytes(log.entry_of(SimpleNamespace(**row)))))
        events.append(row)
        nodes += [{"level": lvl, "idx": i, "hash": h} for lvl, i, h in completed]
        if frontier.size % every == 0:
            root = frontier.root()
            note = signed_note.sign(signed_note.checkpoint_text(name, frontier.size, root), name, key)
            checkpoints.append({"size": frontier.size, "root": root.hex(), "note": note, "created_at": utcnow()})
        if len(events) >= BATCH:
            flush()
    session.execute(
        update(AuditTreeHead)
        .where(AuditTreeHead.id == log.HEAD_ID)
        .values(
            size=frontier.size,
            root=frontier.root().hex(),
            frontier=json.dumps([h.hex() for h in frontier.hashes]),
        )
    )
    flush()
    return first, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=2000, help="per case, audited and stubbed alike")
    parser.add_argument("--verify-runs", type=int, default=3)
    parser.add_argument(
        "--writes-only", action="store_true", help="only part 4 (audited vs stubbed writes), on a log of --events"
    )
    args = parser.parse_args()
    app, url, data_dir = open_app()
    print(f"backend: {url.split(':')[0]}   events: {args.events:,}   python {sys.version.split()[0]}")
    with app.app_context():
        org = create_organisation(None, f"Bench Bank {time.time_ns()}", "pjk")
        user = create_user(None, f"bench{time.time_ns()}@bank.example.id", org, "supervisor", PASSWORD)
        commit()
        _, secret = create_api_token(user, "bench")
        commit()
        user_id, org_id = user.id, org.id
        first, seconds = seed(args.events, [user_id], org_id)
        size = log.tree_size(get_session())
        print(f"seeded {size:,} events in {seconds:.1f} s")

        # --- 2. verify_log over the whole log
        runs = []
        for _ in range(0 if args.writes_only else args.verify_runs):
            get_session().close()
            start = time.perf_counter()
            result = log.verify_log(get_session())
            runs.append(time.perf_counter() - start)
            if not result.intact or result.events != size:
                sys.exit(f"verify_log did not find the seeded log intact: {result}")
    if not args.writes_only:
        verify_and_prove(app, secret, runs, result, size, first)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    bench_writes(client, headers, args.requests)
    shutil.rmtree(data_dir, ignore_errors=True)  # a million events take ~0.5 GB on SQLite


def verify_and_prove(
    app: Flask, secret: str, runs: list[float], result: log.Verification, size: int, first: int
) -> None:
    with app.app_context():
        best, median = min(runs), statistics.median(runs)
        print(
            f"\nverify_log: {result.events:,} events, {result.checkpoints:,} checkpoints; "
            f"runs {', '.join(f'{r:.2f}' for r in runs)} s; median {median:.2f} s = "
            f"{result.events / median:,.0f} events/s (best {result.events / best:,.0f})"
        )

        # --- 3. proofs at the seeded size
        session = get_session()
        rnd = random.Random(5)
        # Seeded events are visible to the bench user (its organisation acted on them).
        positions = sorted({first, first + 1, size // 3, size // 2, size - 2, size - 1})
        found = select(AuditEvent.leaf_index, AuditEvent.id).where(AuditEvent.leaf_index.in_(positions))
        ids = dict(session.execute(found).all())
        commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    print(f"\n{'proof':42} {'hashes':>6} {'hash bytes':>10} {'JSON body bytes':>16}")
    for index in positions:
        body = client.get(f"/api/v1/audit/proof/inclusion?event={ids[index]}&size={size}", headers=headers)
        assert body.status_code == 200, body.get_json()
        data = body.get_json()
        proof = [bytes.fromhex(p) for p in data["proof"]]
        assert verify_inclusion(bytes.fromhex(data["leaf_hash"]), index, size, proof, bytes.fromhex(data["root"]))
        n = len(data["proof"])
        print(f"{f'inclusion of leaf {index:,} in {size:,}':42} {n:6} {n * 32:10} {len(body.data):16}")
    for old in sorted({1, 1000, size // 2, size - 1, size - 1000} & set(range(1, size))):
        body = client.get(f"/api/v1/audit/proof/consistency?from={old}&to={size}", headers=headers)
        assert body.status_code == 200, body.get_json()
        data = body.get_json()
        proof = [bytes.fromhex(p) for p in data["proof"]]
        assert verify_consistency(old, size, bytes.fromhex(data["from_root"]), bytes.fromhex(data["to_root"]), proof)
        n = len(data["proof"])
        print(f"{f'consistency {old:,} -> {size:,}':42} {n:6} {n * 32:10} {len(body.data):16}")
    with app.app_context():
        session = get_session()
        leaves = [rnd.randrange(size) for _ in range(500)]
        inclusion = timed(lambda: log.prove_inclusion(session, leaves.pop(), size), 500)
        olds = [rnd.randrange(1, size) for _ in range(200)]
        consistency = timed(lambda: log.prove_consistency(session, olds.pop(), size), 200)
        commit()
    for label, samples in (("prove_inclusion, random leaf", inclusion), ("prove_consistency, random", consistency)):
        print(f"{label}: median {statistics.median(samples):.3f} ms, p95 {p95(samples):.3f} ms")


def bench_writes(client, headers: dict, requests: int) -> None:  # type: ignore[no-untyped-def]

    # --- 1. audited write requests against the same with the append stubbed out
    counter = itertools.count(10**12)  # far beyond the log: the stubbed events' leaf indexes

    def stub(_session, event) -> None:  # type: ignore[no-untyped-def]
        event.leaf_index = next(counter)

    references = itertools.count(1)

    def raise_alert():  # type: ignore[no-untyped-def]
        # Identifiers differ per alert: identical ones would match every earlier bench alert.
        n = next(references)
        body = copy.deepcopy(ALERT)
        body["reference"] = f"BENCH-{n}"
        victim, suspect = body["subjects"]
        victim["nik"] = f"3174{n:012d}"
        victim["phone"] = f"0812{n:08d}"
        victim["accounts"][0]["identifier"] = f"0813{n:08d}"
        suspect["email"] = f"suspect{n}@example.com"
        suspect["accounts"][0]["identifier"] = f"99{n:08d}"
        body["transactions"][0].update(from_account=f"99{n:08d}", to_account=f"0813{n:08d}")
        response = client.post("/api/v1/alerts", headers=headers, json=body)
        assert response.status_code == 201, response.get_json()
        return response

    alert_id = raise_alert().get_json()["id"]

    def comment():  # type: ignore[no-untyped-def]
        response = client.post(
            f"/api/v1/alerts/{alert_id}/actions", headers=headers, json={"action": "comment", "comment": "Dicocokkan"}
        )
        assert response.status_code == 200, response.get_json()
        return response

    endpoints = {"POST /api/v1/alerts (raise)": raise_alert, "POST /api/v1/alerts/<id>/actions (comment)": comment}
    real_append = audit_record.append
    for fn in endpoints.values():  # warm up both paths
        timed(fn, 30)
        audit_record.append = stub
        timed(fn, 30)
        audit_record.append = real_append
    results: dict[tuple[str, bool], list[float]] = {(name, s): [] for name in endpoints for s in (False, True)}
    rounds = 10
    for _ in range(rounds):
        for (name, stubbed), samples in results.items():
            audit_record.append = stub if stubbed else real_append
            try:
                samples += timed(endpoints[name], requests // rounds)
            finally:
                audit_record.append = real_append
    print(f"\n{'endpoint':44} {'audit':>7} {'median ms':>10} {'p95 ms':>8} {'req/s':>8} {'throughput cost':>16}")
    for name in endpoints:
        bare = statistics.median(results[(name, True)])
        for stubbed in (True, False):
            samples = results[(name, stubbed)]
            median = statistics.median(samples)
            cost = "" if stubbed else f"{(1 - bare / median) * 100:15.1f}%"
            label = "stubbed" if stubbed else "real"
            print(f"{name:44} {label:>7} {median:10.3f} {p95(samples):8.3f} {1000 / median:8.0f} {cost:>16}")


if __name__ == "__main__":
    main()
