"""A small hand-built data set for the statistics tests: every figure below is counted by hand."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from coordination.accounts.models import Organisation
from coordination.alerts.models import Alert
from coordination.audit.models import AuditEvent
from coordination.cases.models import Case
from coordination.core.db import get_session
from coordination.referrals.models import Referral
from coordination.subjects.models import Subject, Transaction

START, END = date(2026, 1, 1), date(2026, 12, 31)
FEB = datetime(2026, 2, 10, 3, 0, tzinfo=UTC)  # 2026-Q1
MAY = datetime(2026, 5, 2, 3, 0, tzinfo=UTC)  # 2026-Q2
# 31 March 18:00 UTC is 1 April 01:00 WIB: the second quarter in WIB.
QUARTER_EDGE = datetime(2026, 3, 31, 18, 0, tzinfo=UTC)
LAST_YEAR = datetime(2025, 11, 1, tzinfo=UTC)


def add_alert(
    org: Organisation,
    typologies: list[str],
    amounts: list[tuple[str, int]],
    provinces: list[str],
    at: datetime,
    *,
    indicators: list[str] | None = None,
    escalated_to: Organisation | None = None,
) -> Alert:
    alert = Alert(
        organisation_id=org.id,
        reference=f"R-{uuid.uuid4().hex[:10]}",
        typologies=typologies,
        indicators=indicators or ["fan_in"],
        narrative_sealed=b"-",
        status="escalated" if escalated_to else "new",
        escalated_to_id=escalated_to.id if escalated_to else None,
        created_at=at,
    )
    session = get_session()
    session.add(alert)
    session.flush()
    for position, province in enumerate(provinces):
        session.add(
            Subject(alert_id=alert.id, position=position, role="victim", province=province, personal_sealed=b"-")
        )
    for position, (channel, amount) in enumerate(amounts):
        session.add(
            Transaction(
                alert_id=alert.id,
                position=position,
                tx_id=f"T{position}",
                occurred_at=at,
                amount=Decimal(amount),
                currency="IDR",
                channel=channel,
                details_sealed=b"-",
            )
        )
    session.flush()
    return alert


def add_case(org: Organisation, alerts: list[Alert], at: datetime, own: list[tuple[str, int]] = ()) -> Case:
    case = Case(organisation_id=org.id, title_sealed=b"-", summary_sealed=b"-", created_at=at, alerts=alerts)
    session = get_session()
    session.add(case)
    session.flush()
    for position, (channel, amount) in enumerate(own):
        session.add(
            Transaction(
                case_id=case.id,
                position=position,
                tx_id=f"C{position}",
                occurred_at=at,
                amount=Decimal(amount),
                currency="IDR",
                channel=channel,
                details_sealed=b"-",
            )
        )
    session.flush()
    return case


def add_referral(case: Case, to: Organisation, at: datetime, answer: tuple[str, datetime] | None = None) -> Referral:
    referral = Referral(
        case_id=case.id,
        from_org_id=case.organisation_id,
        to_org_id=to.id,
        purpose="investigation",
        status={None: "sent", "referral.accept": "accepted", "referral.decline": "declined"}.get(
            answer and answer[0], "sent"
        ),
        projection_sealed=b"-",
        policy_version="test",
        sender_email="sender@example.id",
        sender_org_name="x",
        created_at=at,
    )
    session = get_session()
    session.add(referral)
    session.flush()
    if answer:
        from coordination.audit.record import record

        event = record(None, answer[0], referral, {})
        event.occurred_at = answer[1]
        session.flush()
        assert isinstance(event, AuditEvent)
    return referral
