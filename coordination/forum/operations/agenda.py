"""Put a topic or a case on a meeting's agenda.

Any attendee may propose a topic. A case is put forward only by the organisation that owns it;
what each attendee then sees of it is that attendee's `information` projection.
"""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from coordination.accounts.models import User
from coordination.audit.record import record
from coordination.cases.access import restrict_cases
from coordination.cases.models import Case
from coordination.core.db import get_session
from coordination.core.errors import Forbidden, ValidationFailed
from coordination.core.sealing import seal_json
from coordination.forum.models import AgendaItem, Meeting
from coordination.forum.schemas import AgendaItemIn

NOT_ADDED = _l("Nothing was added to the agenda.")


def _own_case(actor: User, meeting: Meeting, case_id: uuid.UUID) -> Case:
    case = get_session().scalar(restrict_cases(select(Case), actor).where(Case.id == case_id))
    if case is None or case.organisation_id != actor.organisation_id:
        raise ValidationFailed(NOT_ADDED, {"case_id": _l("No case of your organisation.")})
    listed = select(AgendaItem.id).where(AgendaItem.meeting_id == meeting.id, AgendaItem.case_id == case.id)
    if get_session().scalar(listed) is not None:
        raise ValidationFailed(NOT_ADDED, {"case_id": _l("This case is already on the agenda.")})
    return case


def add_agenda_item(actor: User, meeting: Meeting, data: AgendaItemIn) -> AgendaItem:
    if actor.organisation_id not in meeting.attendee_ids:
        raise Forbidden(_l("Only attendees add to the agenda."))
    topic = (data.topic or "").strip()
    if bool(topic) == (data.case_id is not None):
        raise ValidationFailed(NOT_ADDED, {"topic": _l("Give either a topic or a case.")})
    case = _own_case(actor, meeting, data.case_id) if data.case_id is not None else None
    last = get_session().scalar(select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id))
    item = AgendaItem(
        id=uuid.uuid4(),
        meeting_id=meeting.id,
        position=(last or 0) + 1,
        kind="case" if case else "topic",
        case_id=case.id if case else None,
        proposed_by_org_id=actor.organisation_id,
        proposed_by_id=actor.id,
    )
    if topic:
        item.topic_sealed = seal_json(topic, f"forum-agenda:{item.id}:topic")
    get_session().add(item)
    get_session().flush()
    record(actor, "forum.agenda.add", meeting, {"item": str(item.id), "kind": item.kind, "case": str(item.case_id)})
    return item
