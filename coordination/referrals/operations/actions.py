"""The recipient's actions (accept, decline, request_info, update, close) and the sender's
reply and revoke.

sent -> accepted -> closed; sent -> declined; anything but revoked -> revoked (by the sender).
After decline or revoke the recipient can no longer open the referral; after close it keeps its
record of what it received.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from coordination.accounts.access import can
from coordination.accounts.models import User
from coordination.audit.record import record
from coordination.core.db import utcnow
from coordination.core.errors import Conflict, Forbidden, ValidationFailed
from coordination.referrals.access import is_recipient, is_sender
from coordination.referrals.models import Referral
from coordination.referrals.operations.send import add_note
from coordination.referrals.schemas import ReferralAction


@dataclass(frozen=True)
class Rule:
    side: str  # "recipient" or "sender"
    from_states: frozenset[str]
    to_state: str | None
    needs: str | None  # "reason" or "text"


RULES = {
    "accept": Rule("recipient", frozenset({"sent"}), "accepted", None),
    "decline": Rule("recipient", frozenset({"sent"}), "declined", "reason"),
    "request_info": Rule("recipient", frozenset({"sent", "accepted"}), None, "text"),
    "update": Rule("recipient", frozenset({"accepted"}), None, "text"),
    "close": Rule("recipient", frozenset({"accepted"}), "closed", None),
    "revoke": Rule("sender", frozenset({"sent", "accepted", "declined", "closed"}), "revoked", "reason"),
    # An answer in words to a request for information (a wider answer is a follow-up referral).
    "reply": Rule("sender", frozenset({"sent", "accepted"}), None, "text"),
}


def _may(referral: Referral, user: User, rule: Rule) -> bool:
    if rule.side == "recipient":
        return is_recipient(referral, user) and can(user, "referral.receive")
    # The sender, or a supervisor of the sending organisation.
    return (
        is_sender(referral, user)
        and can(user, "referral.send")
        and (referral.sender_id == user.id or user.role in ("supervisor", "org_admin"))
    )


def referral_may_be_followed_up(referral: Referral, user: User) -> bool:
    """Whether the user may send a follow-up referral: the sending organisation's referrers,
    while the case is theirs and the recipient still holds the first referral."""
    return (
        is_sender(referral, user)
        and can(user, "referral.send")
        and referral.case.organisation_id == user.organisation_id
        and referral.status in ("sent", "accepted")
    )


def allowed_actions(referral: Referral, user: User) -> list[str]:
    return [name for name, rule in RULES.items() if _may(referral, user, rule) and referral.status in rule.from_states]


def act_on_referral(actor: User, referral: Referral, data: ReferralAction) -> None:
    rule = RULES[data.action]
    if not _may(referral, actor, rule):
        raise Forbidden(_l("You may not do this on this referral."))
    if referral.status not in rule.from_states:
        raise Conflict(_l("This referral is %(status)s; that action is not possible now.", status=referral.status))
    text = data.reason if rule.needs == "reason" else data.text
    if rule.needs and not text:
        raise ValidationFailed(_l("The action was refused."), {rule.needs: _l("This action needs it.")})
    detail = {"from_status": referral.status}
    if text:
        detail["note"] = add_note(referral, actor, text)
    if rule.to_state:
        referral.status = rule.to_state
    referral.updated_at = utcnow()
    detail["to_status"] = referral.status
    record(actor, f"referral.{data.action}", referral, detail)
