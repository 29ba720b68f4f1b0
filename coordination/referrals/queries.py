"""Reading referrals: inbox/outbox, one referral as its recipient or sender sees it, its history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from coordination.accounts.models import User
from coordination.audit.queries import HistoryEntry, object_history
from coordination.core.db import get_session
from coordination.core.paging import Page, newest_first
from coordination.core.sealing import open_json
from coordination.referrals.access import referral_visibility, restrict_referrals
from coordination.referrals.models import Referral, ReferralNote

HISTORY_ACTIONS = tuple(
    f"referral.{a}"
    for a in ("send", "accept", "decline", "request_info", "update", "close", "revoke", "reply", "follow_up")
)


def list_referrals(viewer: User, box: str, page: int) -> Page[Referral]:
    query = restrict_referrals(select(Referral), viewer, box)
    return newest_first(Referral, query, referral_visibility(viewer, box), page)


def opened_projection(referral: Referral) -> dict[str, Any]:
    """The projection exactly as it was sent: `{"case": ..., "withheld": ...}`."""
    return open_json(referral.projection_sealed, f"referral:{referral.id}:projection")


def history(referral: Referral) -> list[HistoryEntry]:
    entries = object_history(Referral.audit_type, referral.id, HISTORY_ACTIONS)
    notes = {
        str(n.id): n for n in get_session().scalars(select(ReferralNote).where(ReferralNote.referral_id == referral.id))
    }
    for entry in entries:
        for key, label in (("message_note", "message"), ("note", "text")):
            note = notes.get(entry.detail.pop(key, ""))
            if note is not None:
                entry.detail[label] = open_json(note.text_sealed, f"referral-note:{note.id}")
    return entries


def follow_ups(referral: Referral, viewer: User) -> list[Referral]:
    """Later referrals following this one up, as far as the viewer may see them."""
    query = select(Referral).where(Referral.follows_id == referral.id).order_by(Referral.created_at)
    return list(get_session().scalars(restrict_referrals(query, viewer)))


def message_of(entries: list[HistoryEntry]) -> str:
    return next((e.detail.get("message", "") for e in entries if e.action == "send"), "")
