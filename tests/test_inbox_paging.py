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


def test_referral_pages_match_the_plain_restricted_order(app, make_user, make_org):
    import uuid

    from coordination.cases.models import Case
    from coordination.referrals.access import restrict_referrals
    from coordination.referrals.models import Referral
    from coordination.referrals.queries import list_referrals

    analyst, police = make_user("fiu", "member"), make_user("police", "member")
    case = Case(id=uuid.uuid4(), organisation_id=analyst.organisation_id, title_sealed=b"x", summary_sealed=b"x")
    get_session().add(case)
    now = utcnow()
    statuses = ["sent", "accepted", "declined", "closed", "revoked"]
    for i in range(140):
        get_session().add(
            Referral(
                id=uuid.uuid4(),
                case_id=case.id,
                from_org_id=analyst.organisation_id,
                to_org_id=police.organisation_id,
                purpose="investigation",
                status=statuses[i % 5],
                projection_sealed=b"x",
                policy_version="t",
                sender_email=analyst.email,
                sender_org_name="x",
                created_at=now - timedelta(minutes=(i * 7919) % 140),
            )
        )
    get_session().flush()
    for viewer, box in ((police, "inbox"), (analyst, "outbox")):
        query = restrict_referrals(select(Referral), viewer, box).order_by(Referral.created_at.desc(), Referral.id)
        expected = [r.id for r in get_session().scalars(query)]
        got = [r.id for number in (1, 2) for r in list_referrals(viewer, box, number).items]
        assert got == expected[:100] and list_referrals(viewer, box, 1).total == len(expected)
    assert len(expected) == 140 and 0 < list_referrals(police, "inbox", 1).total < 140
