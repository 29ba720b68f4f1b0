"""Convene a meeting: invitees, the statistics period, and the open items carried over from the
previous meeting of its series."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coordination.accounts.access import can
from coordination.accounts.models import Organisation, User
from coordination.audit.record import record
from coordination.core.db import get_session
from coordination.core.errors import Forbidden, ValidationFailed
from coordination.core.sealing import open_json, seal_json
from coordination.forum.access import restrict_meetings
from coordination.forum.models import ActionItem, Meeting
from coordination.forum.models.action_item import STILL_OPEN
from coordination.forum.schemas import MeetingIn
from coordination.forum.wib import in_wib
from coordination.policy import role_policy


def _invitees(actor: User, wanted: list[int]) -> tuple[list[Organisation], dict[str, str]]:
    """Active organisations other than the convener's whose people may view forum meetings."""
    found = {
        org.id: org
        for org in get_session().scalars(
            select(Organisation).where(Organisation.id.in_(wanted), Organisation.active.is_(True))
        )
    }
    problems: dict[str, str] = {}
    for i, org_id in enumerate(wanted):
        org = found.get(org_id)
        if org is None or org_id == actor.organisation_id or not role_policy().kind_may(org.kind, "forum.view"):
            problems[f"invited_org_ids.{i}"] = str(_l("Name another active organisation that takes part in forums."))
    return [found[o] for o in dict.fromkeys(wanted) if o in found], problems


def _previous(actor: User, meeting_id: uuid.UUID) -> tuple[Meeting | None, dict[str, str]]:
    previous = get_session().scalar(restrict_meetings(select(Meeting), actor).where(Meeting.id == meeting_id))
    if previous is None or previous.organisation_id != actor.organisation_id:
        return None, {"follows_meeting_id": str(_l("No meeting convened by your organisation."))}
    if get_session().scalar(select(Meeting.id).where(Meeting.follows_meeting_id == previous.id)) is not None:
        return None, {"follows_meeting_id": str(_l("That meeting already has a next meeting."))}
    return previous, {}


def open_items_of(meeting: Meeting) -> list[ActionItem]:
    query = select(ActionItem).where(ActionItem.meeting_id == meeting.id, ActionItem.status.in_(STILL_OPEN))
    return list(get_session().scalars(query.order_by(ActionItem.due_on, ActionItem.created_at)))


def create_meeting(actor: User, data: MeetingIn) -> Meeting:
    if not can(actor, "forum.manage"):
        raise Forbidden(_l("You may not convene forum meetings."))
    invitees, problems = _invitees(actor, data.invited_org_ids)
    period_end = data.period_end or in_wib(data.starts_at).date()
    period_start = data.period_start or period_end - timedelta(days=90)
    if period_start > period_end:
        problems["period_start"] = str(_l("The period must start on or before its end."))
    previous = None
    if data.follows_meeting_id is not None:
        previous, found = _previous(actor, data.follows_meeting_id)
        problems |= found
    if problems:
        raise ValidationFailed(_l("The meeting was not created."), problems)
    carried = open_items_of(previous) if previous else []
    # The owners of open items are invited to the next meeting, to report on them.
    owners = [item.owner_org for item in carried if item.owner_org_id != actor.organisation_id]
    meeting = Meeting(
        id=uuid.uuid4(),
        organisation_id=actor.organisation_id,
        starts_at=data.starts_at,
        location=data.location,
        period_start=period_start,
        period_end=period_end,
        follows_meeting_id=previous.id if previous else None,
        created_by_id=actor.id,
    )
    meeting.title_sealed = seal_json(data.title, f"forum-meeting:{meeting.id}:title")
    meeting.invitees = list({org.id: org for org in [*invitees, *owners]}.values())
    get_session().add(meeting)
    get_session().flush()
    copies = [carry_over(actor, meeting, item) for item in carried]
    record(
        actor,
        "forum.meeting.create",
        meeting,
        {
            "invited": sorted(org.id for org in meeting.invitees),
            "follows": str(previous.id) if previous else None,
            "carried_over": [str(item.id) for item in copies],
        },
    )
    return meeting


def carry_over(actor: User, meeting: Meeting, original: ActionItem) -> ActionItem:
    """A copy of an open item in the next meeting, pointing at the original (which is kept)."""
    item = ActionItem(
        id=uuid.uuid4(),
        meeting_id=meeting.id,
        owner_org_id=original.owner_org_id,
        due_on=original.due_on,
        status=original.status,
        carried_from_id=original.id,
        created_by_id=actor.id,
    )
    what = open_json(original.what_sealed, f"forum-action:{original.id}:what")
    item.what_sealed = seal_json(what, f"forum-action:{item.id}:what")
    get_session().add(item)
    get_session().flush()
    record(actor, "forum.action_item.create", item, {"meeting": str(meeting.id), "carried_from": str(original.id)})
    return item
