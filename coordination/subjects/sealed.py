"""Sealing and opening subjects, their accounts and transactions.

The contexts bind each ciphertext to its row id. Their prefixes date from when only alerts had
subjects; they are kept because every stored row was sealed under them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from coordination.core.sealing import open_json
from coordination.subjects.models import Subject, SubjectAccount, Transaction
from coordination.subjects.schemas import SubjectOut, TransactionOut


def subject_context(subject: Subject) -> str:
    return f"alert-subject:{subject.id}"


def account_context(account: SubjectAccount) -> str:
    return f"subject-account:{account.id}"


def transaction_context(tx: Transaction) -> str:
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


def open_subject(subject: Subject) -> OpenSubject:
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


def open_transaction(tx: Transaction) -> OpenTransaction:
    details = open_json(tx.details_sealed, transaction_context(tx))
    return OpenTransaction(
        tx_id=tx.tx_id,
        timestamp=tx.occurred_at.astimezone(UTC),  # as stored: the same on creation and on reading
        amount=Decimal(tx.amount).quantize(Decimal("0.01")),  # SQLite drops trailing zeros
        currency=tx.currency,
        channel=tx.channel,
        from_account=details.get("from_account"),
        to_account=details.get("to_account"),
        note=details.get("note"),
    )
