"""Turn flagged accounts into alerts of the PJK that screened them.

One alert per account: the account holder as subject, the evidence transactions, the indicators
that fired, the typologies they point to, and a narrative written from the explanations. An
account already held by an open alert of that PJK (found by its blind index, then confirmed on
the alert's sealed subject accounts) is not raised again: it is reported with that alert.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coordination.accounts.models import Organisation, User
from coordination.alerts.models import Alert
from coordination.alerts.operations.raise_alert import raise_alert
from coordination.alerts.schemas import AlertIn
from coordination.core.db import get_session, utcnow
from coordination.core.errors import NotFound, ValidationFailed
from coordination.core.sealing import open_json
from coordination.identifiers.index import digest
from coordination.identifiers.models import IdentifierDigest
from coordination.identifiers.normalise import normalise
from coordination.policy import catalogue, role_policy, screening_policy
from coordination.subjects.sealed import account_context

MAX_TRANSACTIONS = 500  # an alert carries the most recent evidence; the rest stays in the PJK's systems
ACCOUNT_TYPE_OF_CHANNEL = {
    "e_wallet": "e_wallet",
    "crypto": "crypto",
    "card": "card",
    "pulsa": "phone_credit",
    "game_topup": "game",
    "live_gift": "e_wallet",
}


@dataclass
class RaiseReport:
    created: list[tuple[str, Alert]] = field(default_factory=list)
    duplicates: list[tuple[str, uuid.UUID]] = field(default_factory=list)


def as_record(flagged: Any) -> dict:
    """A FlaggedAccount as the plain dict that screening runs keep (and this module reads)."""
    return {
        "account": flagged.account,
        "score": flagged.score,
        "name": flagged.name,
        "country": flagged.country,
        "birth_date": flagged.birth_date.isoformat() if flagged.birth_date else None,
        "indicators": [
            {
                "id": hit.id,
                "tx_ids": list(hit.tx_ids),
                "explanation": hit.explanation,
                "explanation_id": getattr(hit, "explanation_id", None) or hit.explanation,
            }
            for hit in flagged.indicators
        ],
    }


def open_alert_holding(organisation_id: int, account: str) -> uuid.UUID | None:
    """An open alert of the organisation whose subjects hold `account`, if any."""
    wanted = normalise("account", account)
    candidates = get_session().scalars(
        select(Alert)
        .join(IdentifierDigest, IdentifierDigest.alert_id == Alert.id)
        .where(
            Alert.organisation_id == organisation_id,
            Alert.status != "dismissed",
            IdentifierDigest.kind == "account",
            IdentifierDigest.digest == digest("account", account),
        )
        .order_by(Alert.created_at)
    )
    for alert in candidates:
        for subject in alert.subjects:
            for held in subject.accounts:
                if normalise("account", open_json(held.identifier_sealed, account_context(held.id))) == wanted:
                    return alert.id
    return None


def raise_for_accounts(
    actor: User | None, organisation: Organisation, flagged: Iterable[dict], transactions: dict[str, dict], source: str
) -> RaiseReport:
    """Raise an alert for each flagged account (a dict from `as_record`) not already held by an
    open alert of `organisation`. The caller commits."""
    if not role_policy().kind_may(organisation.kind, "alert.create"):
        raise ValidationFailed(_l("No alert was raised."), {"org": _l("This organisation does not raise alerts.")})
    report = RaiseReport()
    for item in flagged:
        existing = open_alert_holding(organisation.id, item["account"])
        if existing is not None:
            report.duplicates.append((item["account"], existing))
            continue
        data = alert_input(item, transactions, source)
        report.created.append((item["account"], raise_alert(actor, data, organisation=organisation)))
    return report


def raise_screening_alerts(org_name: str, flagged: list, transactions: dict[str, dict]) -> RaiseReport:
    """The CLI's `screen --raise-alerts --org NAME`: alerts of that PJK, raised by the platform."""
    organisation = get_session().scalar(select(Organisation).where(Organisation.name == org_name))
    if organisation is None or not organisation.active:
        raise NotFound(_l("No active organisation of that name."))
    return raise_for_accounts(None, organisation, [as_record(f) for f in flagged], transactions, "flask screen")


def alert_input(item: dict, transactions: dict[str, dict], source: str) -> AlertIn:
    policy, known = screening_policy(), catalogue().indicators
    hits = item["indicators"]
    tx_ids = sorted({t for hit in hits for t in hit["tx_ids"] if t in transactions})
    rows = sorted((transactions[t] for t in tx_ids), key=lambda r: _moment(r["timestamp"]), reverse=True)
    channels = Counter(r["channel"] for r in rows)
    now = utcnow()
    typologies = list(dict.fromkeys(t for hit in hits for t in policy.typologies_of(hit["id"]))) or ["other"]
    return AlertIn.model_validate(
        {
            "reference": f"SCR-{now:%Y%m%d%H%M%S}-{digest('account', item['account'])[:10].upper()}",
            "typologies": typologies[:6],
            "indicators": [hit["id"] for hit in hits if hit["id"] in known],
            "narrative": narrative(item, source, len(rows), now),
            "subjects": [
                {
                    "role": "account_holder",
                    "name": item.get("name") or None,
                    "birth_date": item.get("birth_date"),
                    "accounts": [
                        {
                            "type": ACCOUNT_TYPE_OF_CHANNEL.get(channels.most_common(1)[0][0], "bank")
                            if channels
                            else "bank",
                            "identifier": item["account"],
                        }
                    ],
                }
            ],
            "transactions": [_transaction(r) for r in rows[:MAX_TRANSACTIONS]],
        }
    )


def narrative(item: dict, source: str, transactions: int, when: datetime) -> str:
    """Written in Bahasa Indonesia, the analysts' working language; the explanations say what
    the engine saw, in numbers an analyst can check against the listed transactions."""
    labels = catalogue().indicators
    lines = [
        f"Dibuat otomatis dari penyaringan red flag ({source}) pada {when.astimezone(UTC):%Y-%m-%d %H:%M} UTC.",
        f"Rekening {item['account']} mendapat skor {item['score']} dari {len(item['indicators'])} indikator:",
    ]
    for hit in item["indicators"]:
        label = labels[hit["id"]].labels.id if hit["id"] in labels else hit["id"]
        lines.append(f"- {label}: {hit.get('explanation_id') or hit['explanation']}")
    shown = min(transactions, MAX_TRANSACTIONS)
    lines.append(f"Transaksi bukti terlampir: {shown} dari {transactions}.")
    lines.append("Mohon ditelaah analis sebelum diteruskan ke PPATK.")
    return "\n".join(lines)


def _transaction(row: dict) -> dict:
    amount = Decimal(str(row["amount"])).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return {
        "tx_id": str(row["tx_id"])[:100],
        "timestamp": _moment(row["timestamp"]).isoformat(),
        "amount": str(max(amount, Decimal("0.01"))),
        "currency": (row.get("currency") or "IDR").upper(),
        "channel": row["channel"],
        "from_account": row.get("sender_account") or None,
        "to_account": row.get("receiver_account") or None,
        "note": (row.get("note") or None) and str(row["note"])[:500],
    }


def _moment(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
