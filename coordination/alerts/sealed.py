"""Sealing and opening the personal parts of alerts; the one place alerts touch `seal`/`unseal`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from coordination.alerts.models import Alert, AlertSubject, AlertTransaction, SubjectAccount
from coordination.core.context import keyring
from coordination.core.keys import seal, unseal


def seal_json(value: dict | str, context: str) -> bytes:
    return seal(keyring(), json.dumps(value, ensure_ascii=False, sort_keys=True).encode(), context)


def open_json(blob: bytes, context: str):  # type: ignore[no-untyped-def]
    return json.loads(unseal(keyring(), blob, context))


def narrative_context(alert: Alert) -> str:
    return f"alert:{alert.id}:narrative"


def subject_context(subject: AlertSubject) -> str:
    return f"alert-subject:{subject.id}"


def account_context(account: SubjectAccount) -> str:
    return f"subject-account:{account.id}"


def transaction_context(tx: AlertTransaction) -> str:
    return f"alert-transaction:{tx.id}"


@dataclass(frozen=True)
class OpenAccount:
    type: str
    provider: str | None
    identifier: str


@dataclass(frozen=True)
class OpenSubject:
    role: str
    gender: str | None
    province: str | None
    name: str | None
    nik: str | None
    birth_date: date | None
    phone: str | None
    email: str | None
    address: str | None
    accounts: list[OpenAccount]


@dataclass(frozen=True)
class OpenTransaction:
    tx_id: str
    timestamp: datetime
    amount: Decimal
    currency: str
    channel: str
    from_account: str | None
    to_account: str | None
    note: str | None


def open_narrative(alert: Alert) -> str:
    return open_json(alert.narrative_sealed, narrative_context(alert))


def open_subject(subject: AlertSubject) -> OpenSubject:
    personal = open_json(subject.personal_sealed, subject_context(subject))
    birth = personal.get("birth_date")
    return OpenSubject(
        role=subject.role,
        gender=subject.gender,
        province=subject.province,
        name=personal.get("name"),
        nik=personal.get("nik"),
        birth_date=date.fromisoformat(birth) if birth else None,
        phone=personal.get("phone"),
        email=personal.get("email"),
        address=personal.get("address"),
        accounts=[
            OpenAccount(a.type, a.provider, open_json(a.identifier_sealed, account_context(a)))
            for a in subject.accounts
        ],
    )


def open_transaction(tx: AlertTransaction) -> OpenTransaction:
    details = open_json(tx.details_sealed, transaction_context(tx))
    return OpenTransaction(
        tx_id=tx.tx_id,
        timestamp=tx.occurred_at,
        amount=Decimal(tx.amount).quantize(Decimal("0.01")),  # SQLite drops trailing zeros
        currency=tx.currency,
        channel=tx.channel,
        from_account=details.get("from_account"),
        to_account=details.get("to_account"),
        note=details.get("note"),
    )
