"""Raise an alert from validated input: check it against the catalogue, seal, index, audit."""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coordination.accounts.models import Organisation, User
from coordination.alerts import sealed
from coordination.alerts.models import Alert
from coordination.alerts.schemas import AlertIn
from coordination.audit.record import record
from coordination.core.db import get_session
from coordination.core.errors import Conflict, ValidationFailed
from coordination.core.sealing import seal_json
from coordination.identifiers.index import index_identifiers
from coordination.policy import catalogue
from coordination.statistics.categories import record_new_alert
from coordination.subjects.operations import Identifiers, build_subject, build_transaction
from coordination.subjects.operations import catalogue_problems as parties_problems


def catalogue_problems(data: AlertIn) -> dict[str, str]:
    """Values outside policies/catalogue.yaml and red_flags.yaml, keyed by the field's path."""
    cat = catalogue()
    problems: dict[str, str] = {}
    for field, values, allowed in (
        ("typologies", data.typologies, cat.typologies),
        ("indicators", data.indicators, cat.indicators),
    ):
        for i, value in enumerate(values):
            if value not in allowed:
                problems[f"{field}.{i}"] = f"unknown value {value!r}; expected one of {', '.join(sorted(allowed))}"
    return problems | parties_problems(data.subjects, data.transactions)


def raise_alert(actor: User | None, data: AlertIn, *, organisation: Organisation | None = None) -> Alert:
    """An alert of the actor's organisation; or, with no actor (the platform's own screening run
    by an operator), of `organisation`."""
    owner = organisation if organisation is not None else actor.organisation if actor else None
    if owner is None:
        raise ValueError("an alert needs an actor or an organisation")
    problems = catalogue_problems(data)
    if problems:
        raise ValidationFailed(_l("The alert was not raised."), problems)
    session = get_session()
    taken = select(Alert.id).where(Alert.organisation_id == owner.id, Alert.reference == data.reference)
    if session.scalar(taken):
        raise Conflict(
            _l("Your organisation already raised an alert with this reference."), {"reference": _l("Already in use.")}
        )
    alert = Alert(
        id=uuid.uuid4(),
        organisation_id=owner.id,
        reference=data.reference,
        typologies=list(dict.fromkeys(data.typologies)),
        indicators=list(dict.fromkeys(data.indicators)),
        created_by_id=actor.id if actor else None,
    )
    alert.narrative_sealed = seal_json(data.narrative, sealed.narrative_context(alert.id))
    identifiers: Identifiers = set()
    alert.subjects = [build_subject(item, i, identifiers) for i, item in enumerate(data.subjects)]
    alert.transactions = [build_transaction(item, i, identifiers) for i, item in enumerate(data.transactions)]
    session.add(alert)
    session.flush()
    index_identifiers(identifiers, alert_id=alert.id)
    record_new_alert(alert)
    record(
        actor,
        "alert.create",
        alert,
        {"reference": data.reference, "subjects": len(data.subjects), "transactions": len(data.transactions)},
    )
    return alert
