"""Raise an alert from validated input: check it against the catalogue, seal, index, audit."""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coordination.accounts.models import User
from coordination.alerts import sealed
from coordination.alerts.models import Alert, AlertSubject, AlertTransaction, SubjectAccount
from coordination.alerts.schemas import AlertIn
from coordination.audit import record
from coordination.core.db import get_session
from coordination.core.errors import Conflict, ValidationFailed
from coordination.identifiers.index import index_alert
from coordination.policy import catalogue


def catalogue_problems(data: AlertIn) -> dict[str, str]:
    """Values outside policies/catalogue.yaml and red_flags.yaml, keyed by the field's path."""
    cat = catalogue()
    problems: dict[str, str] = {}

    def check(path: str, value: str | None, allowed: dict) -> None:
        if value is not None and value not in allowed:
            problems[path] = f"unknown value {value!r}; expected one of {', '.join(sorted(allowed))}"

    for i, value in enumerate(data.typologies):
        check(f"typologies.{i}", value, cat.typologies)
    for i, value in enumerate(data.indicators):
        check(f"indicators.{i}", value, cat.indicators)
    for i, subject in enumerate(data.subjects):
        check(f"subjects.{i}.role", subject.role, cat.subject_roles)
        check(f"subjects.{i}.gender", subject.gender, cat.genders)
        check(f"subjects.{i}.province", subject.province, cat.provinces)
        for j, account in enumerate(subject.accounts):
            check(f"subjects.{i}.accounts.{j}.type", account.type, cat.account_types)
    for i, tx in enumerate(data.transactions):
        check(f"transactions.{i}.channel", tx.channel, cat.channels)
    return problems


def raise_alert(actor: User, data: AlertIn) -> Alert:
    problems = catalogue_problems(data)
    if problems:
        raise ValidationFailed(_l("The alert was not raised."), problems)
    session = get_session()
    taken = select(Alert.id).where(Alert.organisation_id == actor.organisation_id, Alert.reference == data.reference)
    if session.scalar(taken):
        raise Conflict(
            _l("Your organisation already raised an alert with this reference."), {"reference": _l("Already in use.")}
        )
    alert = Alert(
        id=uuid.uuid4(),
        organisation_id=actor.organisation_id,
        reference=data.reference,
        typologies=list(dict.fromkeys(data.typologies)),
        indicators=list(dict.fromkeys(data.indicators)),
        created_by_id=actor.id,
    )
    alert.narrative_sealed = sealed.seal_json(data.narrative, sealed.narrative_context(alert))
    identifiers: set[tuple[str, str]] = set()
    for position, item in enumerate(data.subjects):
        subject = AlertSubject(
            id=uuid.uuid4(), position=position, role=item.role, gender=item.gender, province=item.province
        )
        personal = item.model_dump(include={"name", "nik", "phone", "email", "address"}, exclude_none=True)
        if item.birth_date:
            personal["birth_date"] = item.birth_date.isoformat()
        subject.personal_sealed = sealed.seal_json(personal, sealed.subject_context(subject))
        for kind in ("nik", "phone", "email"):
            if personal.get(kind):
                identifiers.add((kind, personal[kind]))
        for number, acc in enumerate(item.accounts):
            account = SubjectAccount(id=uuid.uuid4(), position=number, type=acc.type, provider=acc.provider)
            account.identifier_sealed = sealed.seal_json(acc.identifier, sealed.account_context(account))
            identifiers.add(("account", acc.identifier))
            subject.accounts.append(account)
        alert.subjects.append(subject)
    for position, item in enumerate(data.transactions):
        tx = AlertTransaction(
            id=uuid.uuid4(),
            position=position,
            tx_id=item.tx_id,
            occurred_at=item.timestamp,
            amount=item.amount,
            currency=item.currency,
            channel=item.channel,
        )
        details = item.model_dump(include={"from_account", "to_account", "note"}, exclude_none=True)
        tx.details_sealed = sealed.seal_json(details, sealed.transaction_context(tx))
        identifiers |= {("account", details[k]) for k in ("from_account", "to_account") if details.get(k)}
        alert.transactions.append(tx)
    session.add(alert)
    session.flush()
    index_alert(alert.id, identifiers)
    record(
        actor,
        "alert.create",
        alert,
        {"reference": data.reference, "subjects": len(data.subjects), "transactions": len(data.transactions)},
    )
    return alert
