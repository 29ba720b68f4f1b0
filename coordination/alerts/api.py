"""The alerts API: raise, list, read, act, timeline. Reads of an alert are audited."""

from __future__ import annotations

from flask_login import current_user

from coordination.alerts import schemas as s
from coordination.alerts.access import get_alert_or_404
from coordination.alerts.models import Alert
from coordination.alerts.operations.actions import act_on_alert
from coordination.alerts.operations.raise_alert import raise_alert
from coordination.alerts.queries import list_alerts, related_alerts, timeline
from coordination.alerts.sealed import open_narrative
from coordination.api.registry import api_endpoint
from coordination.audit.record import record
from coordination.audit.schemas import Timeline
from coordination.cases.queries import cases_linked_to_alert
from coordination.core.db import commit
from coordination.subjects.sealed import open_subject, open_transaction

TAG = "alerts"


def _org(org) -> s.OrgRef | None:  # type: ignore[no-untyped-def]
    return s.OrgRef(id=org.id, name=org.name, kind=org.kind) if org is not None else None


def summary(alert: Alert) -> s.AlertSummary:
    return s.AlertSummary(
        id=alert.id,
        reference=alert.reference,
        status=alert.status,
        org=_org(alert.organisation),
        typologies=alert.typologies,
        indicators=alert.indicators,
        assignee=alert.assignee.email if alert.assignee else None,
        escalated_to=_org(alert.escalated_to),
        created_at=alert.created_at,
        updated_at=alert.updated_at,
    )


def full(alert: Alert) -> s.AlertOut:
    return s.AlertOut(
        **summary(alert).model_dump(),
        narrative=open_narrative(alert),
        subjects=[open_subject(subject).out() for subject in alert.subjects],
        transactions=[open_transaction(tx).out() for tx in alert.transactions],
        related_alerts=[other.id for other, _kinds in related_alerts(alert, current_user)],
        linked_cases=[case.id for case, _kinds in cases_linked_to_alert(alert, current_user)],
    )


@api_endpoint(
    "/alerts",
    method="POST",
    permission="alert.create",
    summary="Raise an alert",
    tag=TAG,
    body=s.AlertIn,
    response=s.AlertOut,
    status=201,
)
def create(payload: s.AlertIn) -> s.AlertOut:
    alert = raise_alert(current_user, payload)
    commit()
    return full(alert)


@api_endpoint(
    "/alerts",
    permission="alert.view",
    summary="Alerts the caller may see, newest first (inbox)",
    tag=TAG,
    query=s.AlertListQuery,
    response=s.AlertList,
)
def index(params: s.AlertListQuery) -> s.AlertList:
    page = list_alerts(current_user, params.status, params.page)
    return s.AlertList(alerts=[summary(a) for a in page.items], total=page.total, page=page.page, pages=page.pages)


@api_endpoint("/alerts/<alert_id>", permission="alert.view", summary="One alert, in full", tag=TAG, response=s.AlertOut)
def show(alert_id: str) -> s.AlertOut:
    alert = get_alert_or_404(alert_id, current_user)
    out = full(alert)
    record(current_user, "alert.view", alert)
    commit()
    return out


@api_endpoint(
    "/alerts/<alert_id>/actions",
    method="POST",
    permission="alert.view",
    summary="Assign, unassign, start review, comment, escalate or dismiss",
    tag=TAG,
    body=s.AlertAction,
    response=s.AlertSummary,
)
def act(alert_id: str, payload: s.AlertAction) -> s.AlertSummary:
    alert = get_alert_or_404(alert_id, current_user)
    act_on_alert(current_user, alert, payload)
    commit()
    return summary(alert)


@api_endpoint(
    "/alerts/<alert_id>/timeline",
    permission="alert.view",
    summary="Who did what, when, with the reason",
    tag=TAG,
    response=Timeline,
)
def show_timeline(alert_id: str) -> Timeline:
    alert = get_alert_or_404(alert_id, current_user)
    out = Timeline.of(timeline(alert))  # comments and reasons are sensitive: the read is recorded
    record(current_user, "alert.view", alert, {"part": "timeline"})
    commit()
    return out
