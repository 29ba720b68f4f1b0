"""Everything a case holds, opened: its alerts (narrative, people, payments) and the people and
payments recorded on the case itself.

Read with three plain column queries rather than the ORM graph: a referral projects the whole
case, and building ORM objects for every person and account cost more than the projection.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import bindparam, select, union_all

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
# People with their accounts (one row per account, or one with none), and payments: the alerts'
# and the case's own as two index lookups joined by UNION ALL (an OR of the two owners made
# PostgreSQL scan whole tables).
_PEOPLE_COLUMNS = (
    Subject.id,
    Subject.alert_id,
    Subject.position,
    Subject.role,
    Subject.gender,
    Subject.province,
    Subject.personal_sealed,
    SubjectAccount.id.label("account_id"),
    SubjectAccount.position.label("account_position"),
    SubjectAccount.type,
    SubjectAccount.provider,
    SubjectAccount.identifier_sealed,
)
_PEOPLE = union_all(
    select(*_PEOPLE_COLUMNS)
    .join(case_alerts, case_alerts.c.alert_id == Subject.alert_id)
    .outerjoin(SubjectAccount, SubjectAccount.subject_id == Subject.id)
    .where(case_alerts.c.case_id == _CASE),
    select(*_PEOPLE_COLUMNS)
    .outerjoin(SubjectAccount, SubjectAccount.subject_id == Subject.id)
    .where(Subject.case_id == _CASE),
)
_PAYMENT_COLUMNS = (
    Transaction.id,
    Transaction.alert_id,
    Transaction.position,
    Transaction.tx_id,
    Transaction.occurred_at,
    Transaction.amount,
    Transaction.currency,
    Transaction.channel,
    Transaction.details_sealed,
)
_PAYMENTS = union_all(
    select(*_PAYMENT_COLUMNS)
    .join(case_alerts, case_alerts.c.alert_id == Transaction.alert_id)
    .where(case_alerts.c.case_id == _CASE),
    select(*_PAYMENT_COLUMNS).where(Transaction.case_id == _CASE),
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
    people = sorted(
        session.execute(_PEOPLE, params),
        key=lambda r: (r.position, r.account_position is not None, r.account_position or 0),
    )
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
    for row in sorted(session.execute(_PAYMENTS, params), key=lambda r: r.position):
        payment = open_payment(
            row.id, row.tx_id, row.occurred_at, row.amount, row.currency, row.channel, row.details_sealed
        )
        (alerts[row.alert_id].transactions if row.alert_id else own.transactions).append(payment)
    return own
