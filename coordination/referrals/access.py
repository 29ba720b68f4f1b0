"""Who sees a referral: the recipient organisation (until it declines or the sender revokes),
and the sending organisation."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, Select, and_, or_

from coordination.accounts.access import can, get_visible_or_404
from coordination.accounts.models import User
from coordination.referrals.models import Referral

# After decline or revoke the recipient loses access; after close it keeps its record.
OPEN_TO_RECIPIENT = ("sent", "accepted", "closed")


def referral_visibility(viewer: User, box: str | None = None) -> list[ColumnElement[bool]]:
    """Each way a referral can be visible: received and still open to the recipient (one
    condition per status, so each is an ordered index scan), or sent by the viewer's organisation."""
    org = viewer.organisation_id
    inbox = (
        [and_(Referral.to_org_id == org, Referral.status == status) for status in OPEN_TO_RECIPIENT]
        if can(viewer, "referral.receive")
        else []
    )
    outbox = [Referral.from_org_id == org] if can(viewer, "referral.send") else []
    return {"inbox": inbox, "outbox": outbox}.get(box or "", inbox + outbox)


def restrict_referrals(query: Select, viewer: User, box: str | None = None) -> Select:
    conditions = referral_visibility(viewer, box)
    return query.where(or_(*conditions)) if conditions else query.where(False)


def get_referral_or_404(referral_id: uuid.UUID | str, viewer: User) -> Referral:
    return get_visible_or_404(Referral, restrict_referrals, referral_id, viewer)


def is_recipient(referral: Referral, user: User) -> bool:
    return referral.to_org_id == user.organisation_id


def is_sender(referral: Referral, user: User) -> bool:
    return referral.from_org_id == user.organisation_id
