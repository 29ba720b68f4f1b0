"""Prepare a database for the load test and write the credentials locust will use.

Run with the same SIMPUL_* environment as the server (same database, same keyring):

    python -m benchmarks.load.seed OUT.json [--alerts 10000 --cases 1000 --evidence 20 --desks 16]

It migrates the database, bulk-loads background data (benchmarks/referral_dataset.py: PJK
alerts, a third of them escalated to PPATK, PPATK cases of three alerts, referrals), then makes
`desks`: each desk is a PJK compliance officer with an API token, a PPATK analyst with a live
server-side session (the signed cookie a completed password + TOTP sign-in would have set, and
its CSRF token) and a PPATK API token for evidence. Sign-in itself is not part of the mix: it
costs ~0.12 s of argon2id by design and happens once a working day, not once a request.
Some evidence files are stored on PPATK cases through the same operation uploads use.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
import uuid
from pathlib import Path

from flask import Flask, g, session
from flask_login import login_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select, text

from benchmarks.load.mix import EVIDENCE_BYTES, statement_pdf
from benchmarks.referral_dataset import generate
from coordination.accounts.models import Organisation, User
from coordination.accounts.operations.sessions import start_session
from coordination.accounts.operations.tokens import create_api_token
from coordination.alerts.models import Alert
from coordination.app import create_app
from coordination.cases.models import Case
from coordination.core.db import commit, get_database, get_session
from coordination.evidence.backend import evidence_store
from coordination.evidence.operations.store import IncomingFile, store_evidence
from coordination.migrations import upgrade_to_head


def session_cookie(app: Flask, user: User) -> tuple[str, str]:
    """(cookie value, CSRF token) of a fresh server-side session for `user`.

    Exactly what `accounts/controllers/login.py:_finish` leaves after password and TOTP: a row in
    user_sessions and Flask-Login's keys in the signed cookie; the CSRF token is generated now so
    that pages with forms do not rewrite the cookie on every request of the run.
    """
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        user.session_token = start_session(user, "127.0.0.1", "locust load test")
        commit()
        login_user(user)
        # generate_csrf caches its token in `g`, which lives as long as the seeding's
        # application context: without this, every desk after the first would get the first
        # desk's token and no token in its session.
        g.pop("csrf_token", None)
        csrf = generate_csrf()
        serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
        assert serializer is not None
        return serializer.dumps(dict(session)), csrf


def seed(alerts: int, cases: int, evidence: int, desks: int) -> dict[str, object]:
    app = create_app()
    rnd = random.Random(11)
    with app.app_context():
        upgrade_to_head()
        start = time.perf_counter()
        data = generate(alerts, cases, cases, pjks=max(desks, 10))
        fiu: Organisation = data["fiu"]  # type: ignore[assignment]
        banks: list[Organisation] = data["banks"]  # type: ignore[assignment]
        db = get_session()
        out_desks = []
        analysts = []
        for i in range(desks):
            officer = User(email=f"compliance{i}@pjk{i}.load.example.id", organisation=banks[i], role="member")
            analyst = User(email=f"analyst{i}@ppatk.load.example.id", organisation=fiu, role="member")
            db.add_all([officer, analyst])
            db.flush()
            _, pjk_token = create_api_token(officer, "core banking alert feed")
            _, fiu_token = create_api_token(analyst, "case management evidence sync")
            commit()
            cookie, csrf = session_cookie(app, analyst)
            analysts.append(analyst)
            out_desks.append({"pjk_token": pjk_token, "fiu_token": fiu_token, "cookie": cookie, "csrf": csrf})
        case_ids = [str(c) for c in data["case_ids"]]  # type: ignore[attr-defined]
        evidence_ids = []
        for i in range(evidence):
            case = db.get(Case, uuid.UUID(case_ids[i % len(case_ids)]))
            incoming = IncomingFile(evidence_store(), f"rekening-koran-{i}.pdf", EVIDENCE_BYTES * 2)
            incoming.write(statement_pdf(rnd))
            item = store_evidence(analysts[i % len(analysts)], case, incoming, "bank_statement", "Rekening koran")
            commit()
            evidence_ids.append({"id": str(item.id), "sha256": item.sha256})
        escalated = db.scalars(
            select(Alert.id).where(Alert.escalated_to_id == fiu.id).order_by(Alert.created_at.desc()).limit(2000)
        ).all()
        if get_database().dialect == "postgresql":
            # The statistics autovacuum would keep in production; without them the planner
            # guesses on freshly bulk-loaded tables.
            with get_database().engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        elapsed = time.perf_counter() - start
    return {
        "desks": out_desks,
        "alert_ids": [str(a) for a in escalated],
        "case_ids": case_ids[:2000],
        "evidence": evidence_ids,
        "seeded": {"alerts": alerts, "cases": cases, "referrals": cases, "evidence": evidence, "desks": desks},
        "seed_seconds": round(elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--cases", type=int, default=1_000)
    parser.add_argument("--evidence", type=int, default=20)
    parser.add_argument("--desks", type=int, default=16)
    args = parser.parse_args()
    result = seed(args.alerts, args.cases, args.evidence, args.desks)
    # The file holds live credentials of a throw-away installation: readable by its owner only.
    fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
