"""The forum API: convene and list meetings, read one (case items projected for the caller,
audited), add to the agenda, write minutes, assign and move action items."""

from __future__ import annotations

from flask_login import current_user

from coordination.alerts.schemas import OrgRef
from coordination.api.registry import api_endpoint
from coordination.audit.record import record
from coordination.core.db import commit
from coordination.forum import schemas as s
from coordination.forum.access import get_action_item_or_404, get_meeting_or_404
from coordination.forum.models import Meeting
from coordination.forum.operations.action_items import create_action_item, update_action_item
from coordination.forum.operations.agenda import add_agenda_item
from coordination.forum.operations.meetings import create_meeting
from coordination.forum.operations.minutes import write_minutes
from coordination.forum.queries import (
    OpenedActionItem,
    action_items_of,
    list_meetings,
    meeting_title,
    minutes_history,
    open_action_item,
    show_agenda,
)

TAG = "forum"


def _org(org) -> OrgRef:  # type: ignore[no-untyped-def]
    return OrgRef(id=org.id, name=org.name, kind=org.kind)


def summary(m: Meeting) -> s.MeetingSummary:
    return s.MeetingSummary(
        id=m.id,
        title=meeting_title(m),
        starts_at=m.starts_at,
        location=m.location,
        convener=_org(m.organisation),
        invitees=[_org(o) for o in m.invitees],
        period_start=m.period_start,
        period_end=m.period_end,
        follows_meeting_id=m.follows_meeting_id,
    )


def action_out(opened: OpenedActionItem) -> s.ActionItemOut:
    item = opened.item
    return s.ActionItemOut(
        id=item.id,
        meeting_id=item.meeting_id,
        what=opened.what,
        owner=_org(item.owner_org),
        due_on=item.due_on,
        status=item.status,  # type: ignore[arg-type]
        reason=opened.reason,
        overdue=opened.overdue,
        carried_from=item.carried_from_id,
        updated_at=item.updated_at,
    )


def full(m: Meeting) -> s.MeetingOut:
    """The meeting as the caller's organisation may see it; records each case item shown."""
    items = [action_out(a) for a in action_items_of(m)]
    agenda = [
        s.AgendaItemOut(
            id=a.item.id,
            position=a.item.position,
            kind=a.item.kind,  # type: ignore[arg-type]
            proposed_by=_org(a.item.proposed_by_org),
            topic=a.topic,
            case=a.case,
            withheld=a.withheld,
            policy_version=a.policy_version,
        )
        for a in show_agenda(current_user, m)
    ]
    history = [
        s.MinutesOut(version=v.version, text=t, author=v.author_email, at=v.created_at) for v, t in minutes_history(m)
    ]
    return s.MeetingOut(
        **summary(m).model_dump(),
        carried_over=[i for i in items if i.carried_from is not None],
        agenda=agenda,
        minutes=history[0] if history else None,
        minutes_history=history,
        action_items=[i for i in items if i.carried_from is None],
    )


@api_endpoint(
    "/forum/meetings",
    method="POST",
    permission="forum.manage",
    summary="Convene a meeting (the next of a series carries over its open action items)",
    tag=TAG,
    body=s.MeetingIn,
    response=s.MeetingOut,
    status=201,
)
def create(payload: s.MeetingIn) -> s.MeetingOut:
    meeting = create_meeting(current_user, payload)
    out = full(meeting)
    commit()
    return out


@api_endpoint(
    "/forum/meetings",
    permission="forum.view",
    summary="Meetings the caller's organisation convenes or is invited to, latest first",
    tag=TAG,
    query=s.MeetingListQuery,
    response=s.MeetingList,
)
def index(params: s.MeetingListQuery) -> s.MeetingList:
    page = list_meetings(current_user, params.page)
    return s.MeetingList(meetings=[summary(m) for m in page.items], total=page.total, page=page.page, pages=page.pages)


@api_endpoint(
    "/forum/meetings/<meeting_id>",
    permission="forum.view",
    summary="One meeting: agenda (cases projected for the caller), minutes, action items",
    tag=TAG,
    response=s.MeetingOut,
)
def show(meeting_id: str) -> s.MeetingOut:
    meeting = get_meeting_or_404(meeting_id, current_user)
    out = full(meeting)
    record(current_user, "forum.meeting.view", meeting)
    commit()
    return out


@api_endpoint(
    "/forum/meetings/<meeting_id>/agenda",
    method="POST",
    permission="forum.view",
    summary="Add a topic, or put forward a case of the caller's organisation",
    tag=TAG,
    body=s.AgendaItemIn,
    response=s.MeetingOut,
    status=201,
)
def add_to_agenda(meeting_id: str, payload: s.AgendaItemIn) -> s.MeetingOut:
    meeting = get_meeting_or_404(meeting_id, current_user)
    add_agenda_item(current_user, meeting, payload)
    out = full(meeting)
    commit()
    return out


@api_endpoint(
    "/forum/meetings/<meeting_id>/minutes",
    method="PUT",
    permission="forum.manage",
    summary="Write a new version of the minutes (the convener; earlier versions are kept)",
    tag=TAG,
    body=s.MinutesIn,
    response=s.MinutesOut,
)
def put_minutes(meeting_id: str, payload: s.MinutesIn) -> s.MinutesOut:
    meeting = get_meeting_or_404(meeting_id, current_user)
    version = write_minutes(current_user, meeting, payload.text)
    commit()
    return s.MinutesOut(
        version=version.version, text=payload.text.strip(), author=version.author_email, at=version.created_at
    )


@api_endpoint(
    "/forum/meetings/<meeting_id>/action-items",
    permission="forum.view",
    summary="The meeting's action items, carried-over ones first",
    tag=TAG,
    response=s.ActionItemList,
)
def action_items(meeting_id: str) -> s.ActionItemList:
    meeting = get_meeting_or_404(meeting_id, current_user)
    return s.ActionItemList(action_items=[action_out(a) for a in action_items_of(meeting)])


@api_endpoint(
    "/forum/meetings/<meeting_id>/action-items",
    method="POST",
    permission="forum.manage",
    summary="Assign an action item to an attendee organisation (the convener)",
    tag=TAG,
    body=s.ActionItemIn,
    response=s.ActionItemOut,
    status=201,
)
def add_action_item(meeting_id: str, payload: s.ActionItemIn) -> s.ActionItemOut:
    meeting = get_meeting_or_404(meeting_id, current_user)
    item = create_action_item(current_user, meeting, payload)
    commit()
    return action_out(open_action_item(item))


@api_endpoint(
    "/forum/action-items/<item_id>",
    method="PATCH",
    permission="forum.view",
    summary="Change an item's status (owner organisation or convener; dropped needs a reason) or due date (convener)",
    tag=TAG,
    body=s.ActionItemUpdate,
    response=s.ActionItemOut,
)
def change_action_item(item_id: str, payload: s.ActionItemUpdate) -> s.ActionItemOut:
    item = get_action_item_or_404(item_id, current_user)
    meeting = get_meeting_or_404(item.meeting_id, current_user)
    update_action_item(current_user, meeting, item, payload)
    commit()
    return action_out(open_action_item(item))
