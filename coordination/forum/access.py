"""Who sees a meeting: the convening organisation and the organisations it invited, nobody else.

Lists, detail pages, the API and the dashboard all load through `restrict_meetings`, so a list
never shows what a detail refuses. Within a meeting, the convener (forum.manage in the convening
organisation) writes the minutes and action items; an action item's owner organisation reports
on its own item.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Select, or_, select

from coordination.accounts.access import can, get_visible_or_404
from coordination.accounts.models import User
from coordination.forum.models import ActionItem, Meeting, meeting_invitees


def restrict_meetings(query: Select, viewer: User) -> Select:
    if not can(viewer, "forum.view"):
        return query.where(False)
    org = viewer.organisation_id
    invited = select(meeting_invitees.c.meeting_id).where(meeting_invitees.c.organisation_id == org)
    return query.where(or_(Meeting.organisation_id == org, Meeting.id.in_(invited)))


def get_meeting_or_404(meeting_id: uuid.UUID | str, viewer: User) -> Meeting:
    return get_visible_or_404(Meeting, restrict_meetings, meeting_id, viewer)


def restrict_action_items(query: Select, viewer: User) -> Select:
    return query.where(ActionItem.meeting_id.in_(restrict_meetings(select(Meeting.id), viewer)))


def get_action_item_or_404(item_id: uuid.UUID | str, viewer: User) -> ActionItem:
    return get_visible_or_404(ActionItem, restrict_action_items, item_id, viewer)


def is_convener(meeting: Meeting, user: User) -> bool:
    return can(user, "forum.manage") and meeting.organisation_id == user.organisation_id


def may_change_action_item(meeting: Meeting, item: ActionItem, user: User) -> bool:
    """The convener changes any item of its meeting; the owner organisation reports on its own."""
    return is_convener(meeting, user) or (can(user, "forum.view") and item.owner_org_id == user.organisation_id)
