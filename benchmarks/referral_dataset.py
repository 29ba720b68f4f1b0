"""Generate a realistic data set for the referral benchmarks: alerts, cases and referrals.

Rows are sealed exactly as the application seals them (same contexts, same keyring), but are
written with bulk inserts so that 100,000 alerts take minutes, not hours.

    .venv/bin/python benchmarks/referral_dataset.py --alerts 100000 --cases 20000 --referrals 50000
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert

from coordination.accounts.models import Organisation, User
from coordination.alerts.models import Alert
from coordination.cases.models import Case, case_alerts
from coordination.core.db import commit, get_session
from coordination.core.sealing import seal_json
from coordination.identifiers.index import digest
from coordination.identifiers.models import IdentifierDigest
from coordination.referrals.models import Referral
from coordination.subjects.models import Subject, SubjectAccount, Transaction

KINDS = ["fiu", "police", "ministry", "service", "ngo"]
TYPOLOGIES = ["csam_purchase", "live_streaming", "open_bo", "sextortion", "grooming_payments", "other"]
CHANNELS = ["bank_transfer", "e_wallet", "payment_gateway", "remittance", "game_topup", "live_gift", "pulsa"]
FIRST = ["Siti", "Budi", "Agus", "Dewi", "Rina", "Joko", "Putri", "Andi", "Wulan", "Hendra"]
LAST = ["Santoso", "Aminah", "Wijaya", "Lestari", "Saputra", "Hidayat", "Kusuma", "Pratama"]


def organisations(session, pjks: int) -> tuple[list[Organisation], dict[str, Organisation]]:  # type: ignore[no-untyped-def]
    banks = [Organisation(name=f"Bench PJK {i} {uuid.uuid4().hex[:4]}", kind="pjk") for i in range(pjks)]
    others = {k: Organisation(name=f"Bench {k} {uuid.uuid4().hex[:4]}", kind=k) for k in KINDS}
    session.add_all([*banks, *others.values()])
    session.flush()
    return banks, others


def generate(n_alerts: int, n_cases: int, n_referrals: int, pjks: int = 50, seed: int = 7) -> dict[str, object]:
    rnd = random.Random(seed)
    session = get_session()
    banks, others = organisations(session, pjks)
    fiu = others["fiu"]
    analyst = User(email=f"analyst.{uuid.uuid4().hex[:6]}@bench.example.id", organisation=fiu, role="member")
    session.add(analyst)
    session.flush()
    now = datetime.now(UTC)
    alerts, subjects, accounts, txs, digests = [], [], [], [], []
    escalated: list[uuid.UUID] = []
    for i in range(n_alerts):
        alert_id = uuid.uuid4()
        bank = banks[i % len(banks)]
        status = rnd.choice(["new", "in_review", "escalated", "escalated", "dismissed"])
        alerts.append(
            {
                "id": alert_id,
                "organisation_id": bank.id,
                "reference": f"B-{i}",
                "status": status,
                "typologies": [rnd.choice(TYPOLOGIES)],
                "indicators": ["fan_in"],
                "narrative_sealed": seal_json(f"Narasi {i}", f"alert:{alert_id}:narrative"),
                "escalated_to_id": fiu.id if status == "escalated" else None,
                "created_at": now - timedelta(minutes=i),
                "updated_at": now,
            }
        )
        if status == "escalated":
            escalated.append(alert_id)
        for position, role in enumerate(("victim", "suspect")):
            subject_id = uuid.uuid4()
            phone = f"08{rnd.randrange(10**9, 10**10)}"
            name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
            personal = {"name": name, "phone": phone, "nik": f"{rnd.randrange(10**15, 10**16)}"}
            subjects.append(
                {
                    "id": subject_id,
                    "alert_id": alert_id,
                    "position": position,
                    "role": role,
                    "gender": "female" if role == "victim" else "male",
                    "province": "dki_jakarta",
                    "personal_sealed": seal_json(personal, f"alert-subject:{subject_id}"),
                }
            )
            account_id = uuid.uuid4()
            identifier = f"{rnd.randrange(10**9, 10**12)}"
            accounts.append(
                {
                    "id": account_id,
                    "subject_id": subject_id,
                    "position": 0,
                    "type": "e_wallet",
                    "provider": "Bench",
                    "identifier_sealed": seal_json(identifier, f"subject-account:{account_id}"),
                }
            )
            digests.append({"kind": "account", "digest": digest("account", identifier), "alert_id": alert_id})
        for position in range(2):
            tx_id = uuid.uuid4()
            txs.append(
                {
                    "id": tx_id,
                    "alert_id": alert_id,
                    "position": position,
                    "tx_id": f"T{i}-{position}",
                    "occurred_at": now - timedelta(hours=rnd.randrange(1, 5000)),
                    "amount": Decimal(rnd.randrange(10_000, 5_000_000)),
                    "currency": "IDR",
                    "channel": rnd.choice(CHANNELS),
                    "details_sealed": seal_json(
                        {"note": "buat jajan ya", "to_account": "081200000000"}, f"alert-transaction:{tx_id}"
                    ),
                }
            )
        if len(alerts) >= 5000 or i == n_alerts - 1:
            for model, rows in (
                (Alert, alerts),
                (Subject, subjects),
                (SubjectAccount, accounts),
                (Transaction, txs),
                (IdentifierDigest, digests),
            ):
                session.execute(insert(model), rows)
                rows.clear()
            commit()
    cases, links = [], []
    own_subjects: list[dict] = []
    own_accounts: list[dict] = []
    own_txs: list[dict] = []
    own_digests: list[dict] = []
    case_ids = []
    for i in range(n_cases):
        case_id = uuid.uuid4()
        case_ids.append(case_id)
        cases.append(
            {
                "id": case_id,
                "organisation_id": fiu.id,
                "status": "open",
                "title_sealed": seal_json(f"Kasus {i}", f"case:{case_id}:title"),
                "summary_sealed": seal_json("Ringkasan", f"case:{case_id}:summary"),
                "created_at": now - timedelta(minutes=i),
                "updated_at": now,
            }
        )
        for alert_id in rnd.sample(escalated, k=min(3, len(escalated))):
            links.append({"case_id": case_id, "alert_id": alert_id})
        if i % 5 == 0:  # one case in five also records a person and a payment of its own
            own_people(rnd, case_id, now, own_subjects, own_accounts, own_txs, own_digests)
    for start in range(0, len(cases), 5000):
        session.execute(insert(Case), cases[start : start + 5000])
    for start in range(0, len(links), 10000):
        session.execute(insert(case_alerts), links[start : start + 10000])
    for model, rows in (
        (Subject, own_subjects),
        (SubjectAccount, own_accounts),
        (Transaction, own_txs),
        (IdentifierDigest, own_digests),
    ):
        for start in range(0, len(rows), 5000):
            session.execute(insert(model), rows[start : start + 5000])
    commit()
    referrals = []
    for i in range(n_referrals):
        referral_id = uuid.uuid4()
        recipient = others[rnd.choice(KINDS[1:])]
        referrals.append(
            {
                "id": referral_id,
                "case_id": rnd.choice(case_ids),
                "from_org_id": fiu.id,
                "to_org_id": recipient.id,
                "purpose": "information",
                "status": "sent",
                "projection_sealed": seal_json({"case": {}, "withheld": {}}, f"referral:{referral_id}:projection"),
                "policy_version": "bench",
                "sender_email": analyst.email,
                "sender_org_name": fiu.name,
                "created_at": now - timedelta(minutes=i),
                "updated_at": now,
            }
        )
        if len(referrals) >= 5000 or i == n_referrals - 1:
            session.execute(insert(Referral), referrals)
            referrals.clear()
    commit()
    return {"analyst": analyst, "fiu": fiu, "others": others, "banks": banks, "case_ids": case_ids}


def own_people(rnd, case_id, now, subjects, accounts, txs, digests) -> None:  # type: ignore[no-untyped-def]
    """A victim and a payment recorded on the case itself, as an NGO records a complaint."""
    subject_id, account_id, tx_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    identifier = f"08{rnd.randrange(10**9, 10**10)}"
    personal = {"name": f"{rnd.choice(FIRST)} {rnd.choice(LAST)}", "phone": identifier, "birth_date": "2011-04-02"}
    subjects.append(
        {
            "id": subject_id,
            "alert_id": None,
            "case_id": case_id,
            "position": 0,
            "role": "victim",
            "gender": "female",
            "province": "jawa_timur",
            "personal_sealed": seal_json(personal, f"alert-subject:{subject_id}"),
        }
    )
    accounts.append(
        {
            "id": account_id,
            "subject_id": subject_id,
            "position": 0,
            "type": "e_wallet",
            "provider": "Bench",
            "identifier_sealed": seal_json(identifier, f"subject-account:{account_id}"),
        }
    )
    txs.append(
        {
            "id": tx_id,
            "alert_id": None,
            "case_id": case_id,
            "position": 0,
            "tx_id": f"C-{case_id.hex[:8]}",
            "occurred_at": now - timedelta(hours=rnd.randrange(1, 5000)),
            "amount": Decimal(rnd.randrange(10_000, 500_000)),
            "currency": "IDR",
            "channel": "pulsa",
            "details_sealed": seal_json({"to_account": identifier, "note": "jajan"}, f"alert-transaction:{tx_id}"),
        }
    )
    for kind in ("account", "phone"):
        digests.append({"kind": kind, "digest": digest(kind, identifier), "alert_id": None, "case_id": case_id})


def main() -> None:
    from benchmarks.bench_referrals import open_app

    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--referrals", type=int, default=50_000)
    args = parser.parse_args()
    app = open_app()
    with app.app_context():
        start = time.perf_counter()
        generate(args.alerts, args.cases, args.referrals)
        print(
            f"generated {args.alerts} alerts, {args.cases} cases, {args.referrals} referrals "
            f"in {time.perf_counter() - start:.1f} s"
        )


if __name__ == "__main__":
    main()
