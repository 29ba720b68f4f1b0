"""Action items: the convener assigns them to attendees; the owner organisation or the convener
moves them along. Dropping an item needs a reason."""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l

from coordination.accounts.models import User
from coordination.audit.record import record
from coordination.core.db import get_session
from coordination.core.errors import Forbidden, ValidationFailed
from coordination.core.sealing import seal_json
from coordination.forum.access import is_convener, may_change_action_item
from coordination.forum.models import ActionItem, Meeting
from coordination.forum.schemas import ActionItemIn, ActionItemUpdate


def create_action_item(actor: User, meeting: Meeting, data: ActionItemIn) -> ActionItem:
    if not is_convener(meeting, actor):
        raise Forbidden(_l("Only the convener assigns action items."))
    if data.owner_org_id not in meeting.attendee_ids:
        raise ValidationFailed(
            _l("The action item was not added."), {"owner_org_id": _l("Choose an attendee organisation.")}
        )
    item = ActionItem(
        id=uuid.uuid4(),
        meeting_id=meeting.id,
        owner_org_id=data.owner_org_id,
        due_on=data.due_on,
        status="open",
        created_by_id=actor.id,
    )
    item.what_sealed = seal_json(data.what, f"forum-action:{item.id}:what")
    get_session().add(item)
    get_session().flush()
    record(actor, "forum.action_item.create", item, {"meeting": str(meeting.id), "owner_org": data.owner_org_id})
    return item


def update_action_item(actor: User, meeting: Meeting, item: ActionItem, data: ActionItemUpdate) -> ActionItem:
    if not may_change_action_item(meeting, item, actor):
        raise Forbidden(_l("Only the owner organisation or the convener changes this item."))
    if data.due_on is not None and data.due_on != item.due_on and not is_convener(meeting, actor):
        raise Forbidden(_l("Only the convener changes the due date."))
    not_changed = _l("The action item was not changed.")
    if data.status is None and data.due_on is None:
        raise ValidationFailed(not_changed, {"status": _l("Choose a new status or a due date.")})
    reason = (data.reason or "").strip()
    if data.status == "dropped" and not reason:
        raise ValidationFailed(not_changed, {"reason": _l("Say why the item is dropped.")})
    detail = {"from": item.status, "to": data.status or item.status, "reason_given": bool(reason)}
    if data.due_on is not None:
        detail |= {"due_on_from": item.due_on.isoformat(), "due_on": data.due_on.isoformat()}
        item.due_on = data.due_on
    if data.status is not None:
        item.status = data.status
        item.reason_sealed = seal_json(reason, f"forum-action:{item.id}:reason") if reason else None
    get_session().flush()
    record(actor, "forum.action_item.update", item, detail)
    return item
