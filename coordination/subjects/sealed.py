"""Sealing and opening subjects, their accounts and transactions.

The contexts bind each ciphertext to its row id. Their prefixes date from when only alerts had
subjects; they are kept because every stored row was sealed under them.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from coordination.core.sealing import open_json
from coordination.subjects.models import Subject, Transaction
from coordination.subjects.schemas import SubjectOut, TransactionOut


def subject_context(subject_id: uuid.UUID) -> str:
    return f"alert-subject:{subject_id}"


def account_context(account_id: uuid.UUID) -> str:
    return f"subject-account:{account_id}"


def transaction_context(tx_id: uuid.UUID) -> str:
    return f"alert-transaction:{tx_id}"


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

    def out(self) -> SubjectOut:
        return SubjectOut.model_validate(asdict(self))


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

    def out(self) -> TransactionOut:
        return TransactionOut.model_validate(asdict(self))


def open_account(account_id: uuid.UUID, type_: str, provider: str | None, sealed: bytes) -> OpenAccount:
    return OpenAccount(type_, provider, open_json(sealed, account_context(account_id)))


def open_person(
    subject_id: uuid.UUID,
    role: str,
    gender: str | None,
    province: str | None,
    sealed: bytes,
    accounts: list[OpenAccount],
) -> OpenSubject:
    """A subject from its stored columns (an ORM object or a plain row)."""
    personal = open_json(sealed, subject_context(subject_id))
    birth = personal.get("birth_date")
    return OpenSubject(
        role=role,
        gender=gender,
        province=province,
        name=personal.get("name"),
        nik=personal.get("nik"),
        birth_date=date.fromisoformat(birth) if birth else None,
        phone=personal.get("phone"),
        email=personal.get("email"),
        address=personal.get("address"),
        accounts=accounts,
    )


def open_payment(
    tx_id: uuid.UUID,
    reference: str,
    occurred_at: datetime,
    amount: Decimal,
    currency: str,
    channel: str,
    sealed: bytes,
) -> OpenTransaction:
    """A transaction from its stored columns (an ORM object or a plain row)."""
    details = open_json(sealed, transaction_context(tx_id))
    return OpenTransaction(
        tx_id=reference,
        timestamp=occurred_at.astimezone(UTC),  # as stored: the same on creation and on reading
        amount=Decimal(amount).quantize(Decimal("0.01")),  # SQLite drops trailing zeros
        currency=currency,
        channel=channel,
        from_account=details.get("from_account"),
        to_account=details.get("to_account"),
        note=details.get("note"),
    )


def open_subject(subject: Subject) -> OpenSubject:
    accounts = [open_account(a.id, a.type, a.provider, a.identifier_sealed) for a in subject.accounts]
    return open_person(subject.id, subject.role, subject.gender, subject.province, subject.personal_sealed, accounts)


def open_transaction(tx: Transaction) -> OpenTransaction:
    return open_payment(tx.id, tx.tx_id, tx.occurred_at, tx.amount, tx.currency, tx.channel, tx.details_sealed)
