"""Everything a case holds, opened: its alerts (narrative, people, payments) and the people and
payments recorded on the case itself.

Read with three plain column queries rather than the ORM graph: a referral projects the whole
case, and building ORM objects for every person and account cost more than the projection.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import bindparam, or_, select

from coordination.accounts.models import Organisation
from coordination.alerts.models import Alert
from coordination.alerts.sealed import narrative_context
from coordination.cases.models import Case, case_alerts
from coordination.core.db import get_session
from coordination.core.sealing import open_json
from coordination.subjects.models import Subject, SubjectAccount, Transaction
from coordination.subjects.sealed import (
    OpenAccount,
    OpenSubject,
    OpenTransaction,
    open_account,
    open_payment,
    open_person,
)


@dataclass
class OpenAlert:
    id: uuid.UUID
    organisation_id: int
    organisation_name: str
    organisation_kind: str
    reference: str
    typologies: list[str]
    indicators: list[str]
    narrative: str
    subjects: list[OpenSubject] = field(default_factory=list)
    transactions: list[OpenTransaction] = field(default_factory=list)


@dataclass
class CaseContents:
    alerts: list[OpenAlert]
    subjects: list[OpenSubject]  # recorded on the case itself
    transactions: list[OpenTransaction]


# Built once: the case id is a bound parameter, so each projection only executes them.
_CASE = bindparam("case_id")
_HELD_BY_ALERTS = select(case_alerts.c.alert_id).where(case_alerts.c.case_id == _CASE)
_ALERTS = (
    select(
        Alert.id,
        Alert.organisation_id,
        Organisation.name,
        Organisation.kind,
        Alert.reference,
        Alert.typologies,
        Alert.indicators,
        Alert.narrative_sealed,
    )
    .join(case_alerts, case_alerts.c.alert_id == Alert.id)
    .join(Organisation, Organisation.id == Alert.organisation_id)
    .where(case_alerts.c.case_id == _CASE)
    .order_by(Alert.created_at, Alert.id)
)
# People with their accounts: one row per account (or one with no account), in order.
_PEOPLE = (
    select(
        Subject.id,
        Subject.alert_id,
        Subject.role,
        Subject.gender,
        Subject.province,
        Subject.personal_sealed,
        SubjectAccount.id.label("account_id"),
        SubjectAccount.type,
        SubjectAccount.provider,
        SubjectAccount.identifier_sealed,
    )
    .outerjoin(SubjectAccount, SubjectAccount.subject_id == Subject.id)
    .where(or_(Subject.alert_id.in_(_HELD_BY_ALERTS), Subject.case_id == _CASE))
    .order_by(Subject.position, SubjectAccount.position)  # grouped by owner below
)
_PAYMENTS = (
    select(
        Transaction.id,
        Transaction.alert_id,
        Transaction.tx_id,
        Transaction.occurred_at,
        Transaction.amount,
        Transaction.currency,
        Transaction.channel,
        Transaction.details_sealed,
    )
    .where(or_(Transaction.alert_id.in_(_HELD_BY_ALERTS), Transaction.case_id == _CASE))
    .order_by(Transaction.position)
)


def open_case_contents(case: Case) -> CaseContents:
    session = get_session()
    params = {"case_id": case.id}
    alerts = {
        row.id: OpenAlert(
            row.id,
            row.organisation_id,
            row.name,
            row.kind,
            row.reference,
            row.typologies,
            row.indicators,
            open_json(row.narrative_sealed, narrative_context(row.id)),
        )
        for row in session.execute(_ALERTS, params)
    }
    own = CaseContents(list(alerts.values()), [], [])
    people = session.execute(_PEOPLE, params).all()
    accounts: dict[uuid.UUID, list[OpenAccount]] = defaultdict(list)
    for row in people:
        if row.account_id is not None:
            accounts[row.id].append(open_account(row.account_id, row.type, row.provider, row.identifier_sealed))
    seen: set[uuid.UUID] = set()
    for row in people:
        if row.id in seen:
            continue
        seen.add(row.id)
        person = open_person(row.id, row.role, row.gender, row.province, row.personal_sealed, accounts[row.id])
        (alerts[row.alert_id].subjects if row.alert_id else own.subjects).append(person)
    for row in session.execute(_PAYMENTS, params):
        payment = open_payment(
            row.id, row.tx_id, row.occurred_at, row.amount, row.currency, row.channel, row.details_sealed
        )
        (alerts[row.alert_id].transactions if row.alert_id else own.transactions).append(payment)
    return own
