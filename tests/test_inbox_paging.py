"""The fast inbox query returns exactly the pages of the plain restricted, ordered list."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from coordination.alerts.access import restrict_alerts
from coordination.alerts.models import Alert
from coordination.alerts.operations.raise_alert import raise_alert
from coordination.alerts.queries import list_alerts
from coordination.alerts.schemas import AlertIn
from coordination.core.db import get_session, utcnow


def test_pages_match_the_plain_restricted_order(app, make_user, make_org):
    analyst = make_user("fiu", "member")
    banks = [make_user("pjk", "member", org=make_org("pjk")) for _ in range(3)]
    now = utcnow()
    for i in range(130):
        alert = raise_alert(
            banks[i % 3], AlertIn.model_validate({"reference": f"P-{i}", "typologies": ["other"], "narrative": "x"})
        )
        alert.created_at = now - timedelta(minutes=(i * 7919) % 130)  # shuffled times, some equal order
        if i % 4:
            alert.status, alert.escalated_to_id = (
                ("escalated", analyst.organisation_id) if i % 5 else ("dismissed", None)
            )
    get_session().flush()
    for viewer in (analyst, banks[0]):
        for status in (None, "escalated", "dismissed"):
            query = restrict_alerts(select(Alert), viewer)
            if status:
                query = query.where(Alert.status == status)
            expected = [a.id for a in get_session().scalars(query.order_by(Alert.created_at.desc(), Alert.id))]
            got = []
            for number in (1, 2, 3):
                page = list_alerts(viewer, status, number)
                assert page.total == len(expected)
                if number <= page.pages:
                    got += [a.id for a in page.items]
            assert got == expected[: len(got)] and len(got) == min(len(expected), 150), (viewer.email, status)
