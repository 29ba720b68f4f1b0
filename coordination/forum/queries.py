"""Reading meetings: lists, one meeting opened (agenda projected for the viewer), minutes,
action items, and what the dashboard shows an organisation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from coordination.accounts.models import Organisation, User
from coordination.audit.record import record
from coordination.cases.models import Case
from coordination.core.db import get_session, utcnow
from coordination.core.paging import Page, paginate
from coordination.core.sealing import open_json
from coordination.forum.access import restrict_action_items, restrict_meetings
from coordination.forum.models import ActionItem, AgendaItem, Meeting, MinutesVersion
from coordination.forum.models.action_item import STILL_OPEN
from coordination.forum.wib import today_wib
from coordination.redaction import project_case_for

# Forum meetings show cases as a referral for this purpose would: no second projection path.
CASE_ITEM_PURPOSE = "information"


def meeting_title(meeting: Meeting) -> str:
    return open_json(meeting.title_sealed, f"forum-meeting:{meeting.id}:title")


def list_meetings(viewer: User, page: int) -> Page[Meeting]:
    query = restrict_meetings(select(Meeting), viewer).order_by(Meeting.starts_at.desc(), Meeting.id)
    return paginate(query, page)


def upcoming_meetings(viewer: User, limit: int = 5) -> list[Meeting]:
    query = restrict_meetings(select(Meeting), viewer).where(Meeting.starts_at >= utcnow())
    return list(get_session().scalars(query.order_by(Meeting.starts_at, Meeting.id).limit(limit)))


def next_meeting_of(meeting: Meeting, viewer: User) -> Meeting | None:
    query = restrict_meetings(select(Meeting), viewer).where(Meeting.follows_meeting_id == meeting.id)
    return get_session().scalar(query)


@dataclass
class ShownAgendaItem:
    item: AgendaItem
    topic: str | None = None
    case: dict[str, Any] | None = None
    withheld: dict[str, int] | None = None
    policy_version: str | None = None
    own_case: bool = False


def show_agenda(viewer: User, meeting: Meeting) -> list[ShownAgendaItem]:
    """The agenda as the viewer's organisation may see it: each case through that organisation's
    `information` projection. Every case item shown is recorded, in the caller's transaction."""
    rows = get_session().execute(
        select(AgendaItem, Case)
        .outerjoin(Case, Case.id == AgendaItem.case_id)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(AgendaItem.position)
    )
    shown = []
    for item, case in rows:
        if case is None:
            shown.append(ShownAgendaItem(item, topic=open_json(item.topic_sealed, f"forum-agenda:{item.id}:topic")))
            continue
        projection = project_case_for(viewer.organisation, CASE_ITEM_PURPOSE, case)
        record(
            viewer,
            "forum.case_item.view",
            item,
            {"meeting": str(meeting.id), "case": str(case.id), "policy_version": projection.policy_version},
        )
        own = case.organisation_id == viewer.organisation_id
        shown.append(ShownAgendaItem(item, None, projection.case, projection.withheld, projection.policy_version, own))
    return shown


def minutes_history(meeting: Meeting) -> list[tuple[MinutesVersion, str]]:
    """Every version of the minutes, newest (the current minutes) first."""
    versions = get_session().scalars(
        select(MinutesVersion).where(MinutesVersion.meeting_id == meeting.id).order_by(MinutesVersion.version.desc())
    )
    return [(v, open_json(v.text_sealed, f"forum-minutes:{v.id}")) for v in versions]


@dataclass
class OpenedActionItem:
    item: ActionItem
    what: str
    reason: str | None
    carried_to: uuid.UUID | None = None  # the meeting it was carried over to

    @property
    def overdue(self) -> bool:
        return self.item.still_open and self.item.due_on < today_wib()


def open_action_item(item: ActionItem, carried_to: uuid.UUID | None = None) -> OpenedActionItem:
    reason = open_json(item.reason_sealed, f"forum-action:{item.id}:reason") if item.reason_sealed else None
    return OpenedActionItem(item, open_json(item.what_sealed, f"forum-action:{item.id}:what"), reason, carried_to)


def action_items_of(meeting: Meeting) -> list[OpenedActionItem]:
    """The meeting's items, those carried over from the previous meeting first."""
    successor = aliased(ActionItem)
    rows = get_session().execute(
        select(ActionItem, successor.meeting_id)
        .outerjoin(successor, successor.carried_from_id == ActionItem.id)
        .where(ActionItem.meeting_id == meeting.id)
        .order_by(ActionItem.carried_from_id.is_(None), ActionItem.due_on, ActionItem.created_at)
    )
    return [open_action_item(item, carried_to) for item, carried_to in rows]


def overdue_action_items(viewer: User, limit: int = 20) -> list[tuple[OpenedActionItem, Meeting]]:
    """Open items of the viewer's organisation past their due date (WIB), not since carried over."""
    successor = aliased(ActionItem)
    query = (
        restrict_action_items(select(ActionItem, Meeting), viewer)
        .join(Meeting, Meeting.id == ActionItem.meeting_id)
        .where(
            ActionItem.owner_org_id == viewer.organisation_id,
            ActionItem.status.in_(STILL_OPEN),
            ActionItem.due_on < today_wib(),
            ~exists().where(successor.carried_from_id == ActionItem.id),
        )
        .order_by(ActionItem.due_on, ActionItem.id)
        .limit(limit)
    )
    return [(open_action_item(item), meeting) for item, meeting in get_session().execute(query)]


def attendees(meeting: Meeting) -> list[Organisation]:
    return [meeting.organisation, *meeting.invitees]
