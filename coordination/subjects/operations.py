"""Turning validated subjects and transactions into sealed rows, for an alert or a case.

Both owners share these steps so that a person recorded by an NGO on a case is sealed, checked
against the catalogue and blind-indexed exactly like one a PJK reports in an alert.
"""

from __future__ import annotations

import uuid

from coordination.core.sealing import seal_json
from coordination.policy import catalogue
from coordination.subjects import sealed
from coordination.subjects.models import Subject, SubjectAccount, Transaction
from coordination.subjects.schemas import SubjectIn, TransactionIn

Identifiers = set[tuple[str, str]]  # (kind, clear value), for the blind index


def catalogue_problems(subjects: list[SubjectIn], transactions: list[TransactionIn]) -> dict[str, str]:
    """Values outside policies/catalogue.yaml, keyed by the field's path in the request body."""
    cat = catalogue()
    problems: dict[str, str] = {}

    def check(path: str, value: str | None, allowed: dict) -> None:
        if value is not None and value not in allowed:
            problems[path] = f"unknown value {value!r}; expected one of {', '.join(sorted(allowed))}"

    for i, subject in enumerate(subjects):
        check(f"subjects.{i}.role", subject.role, cat.subject_roles)
        check(f"subjects.{i}.gender", subject.gender, cat.genders)
        check(f"subjects.{i}.province", subject.province, cat.provinces)
        for j, account in enumerate(subject.accounts):
            check(f"subjects.{i}.accounts.{j}.type", account.type, cat.account_types)
    for i, tx in enumerate(transactions):
        check(f"transactions.{i}.channel", tx.channel, cat.channels)
    return problems


def build_subject(item: SubjectIn, position: int, identifiers: Identifiers) -> Subject:
    subject = Subject(id=uuid.uuid4(), position=position, role=item.role, gender=item.gender, province=item.province)
    personal = item.model_dump(include={"name", "nik", "phone", "email", "address"}, exclude_none=True)
    if item.birth_date:
        personal["birth_date"] = item.birth_date.isoformat()
    subject.personal_sealed = seal_json(personal, sealed.subject_context(subject.id))
    identifiers.update((kind, personal[kind]) for kind in ("nik", "phone", "email") if personal.get(kind))
    for number, acc in enumerate(item.accounts):
        account = SubjectAccount(id=uuid.uuid4(), position=number, type=acc.type, provider=acc.provider)
        account.identifier_sealed = seal_json(acc.identifier, sealed.account_context(account.id))
        identifiers.add(("account", acc.identifier))
        subject.accounts.append(account)
    return subject


def build_transaction(item: TransactionIn, position: int, identifiers: Identifiers) -> Transaction:
    tx = Transaction(
        id=uuid.uuid4(),
        position=position,
        tx_id=item.tx_id,
        occurred_at=item.timestamp,
        amount=item.amount,
        currency=item.currency,
        channel=item.channel,
    )
    details = item.model_dump(include={"from_account", "to_account", "note"}, exclude_none=True)
    tx.details_sealed = seal_json(details, sealed.transaction_context(tx.id))
    identifiers.update(("account", details[k]) for k in ("from_account", "to_account") if details.get(k))
    return tx
