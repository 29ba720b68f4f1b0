"""Reading referrals: inbox/outbox, one referral as its recipient or sender sees it, its history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from coordination.accounts.models import User
from coordination.alerts.sealed import open_json
from coordination.audit.queries import HistoryEntry, object_history
from coordination.core.db import get_session
from coordination.referrals.access import restrict_referrals
from coordination.referrals.models import Referral, ReferralNote

PAGE_SIZE = 50
HISTORY_ACTIONS = tuple(
    f"referral.{a}" for a in ("send", "accept", "decline", "request_info", "update", "close", "revoke")
)


@dataclass
class ReferralPage:
    referrals: list[Referral]
    total: int
    page: int
    pages: int


def list_referrals(viewer: User, box: str, page: int) -> ReferralPage:
    query = restrict_referrals(select(Referral), viewer, box)
    session = get_session()
    total = session.scalar(query.with_only_columns(func.count(Referral.id)).order_by(None)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = session.scalars(
        query.order_by(Referral.created_at.desc(), Referral.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    )
    return ReferralPage(list(rows), total, page, pages)


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


def message_of(entries: list[HistoryEntry]) -> str:
    return next((e.detail.get("message", "") for e in entries if e.action == "send"), "")
