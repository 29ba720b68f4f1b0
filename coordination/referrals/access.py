"""Who sees a referral: the recipient organisation (until it declines or the sender revokes),
and the sending organisation."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, and_, or_

from coordination.accounts.access import can, get_visible_or_404
from coordination.accounts.models import User
from coordination.referrals.models import Referral

CLOSED_TO_RECIPIENT = ("declined", "revoked")


def restrict_referrals(query: Select, viewer: User, box: str | None = None) -> Select:
    org = viewer.organisation_id
    inbox = (
        and_(Referral.to_org_id == org, Referral.status.not_in(CLOSED_TO_RECIPIENT))
        if can(viewer, "referral.receive")
        else False
    )
    outbox = (Referral.from_org_id == org) if can(viewer, "referral.send") else False
    if box == "inbox":
        return query.where(inbox)
    if box == "outbox":
        return query.where(outbox)
    return query.where(or_(inbox, outbox))


def get_referral_or_404(referral_id: uuid.UUID | str, viewer: User) -> Referral:
    return get_visible_or_404(Referral, restrict_referrals, referral_id, viewer)


def is_recipient(referral: Referral, user: User) -> bool:
    return referral.to_org_id == user.organisation_id


def is_sender(referral: Referral, user: User) -> bool:
    return referral.from_org_id == user.organisation_id
