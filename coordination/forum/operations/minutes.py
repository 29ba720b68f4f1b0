"""The convener writes the minutes; every version is kept, sealed, and its writing recorded."""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from coordination.accounts.models import User
from coordination.audit.record import record
from coordination.core.db import get_session
from coordination.core.errors import Forbidden, ValidationFailed
from coordination.core.sealing import seal_json
from coordination.forum.access import is_convener
from coordination.forum.models import Meeting, MinutesVersion

MAX_MINUTES = 50000


def write_minutes(actor: User, meeting: Meeting, text: str) -> MinutesVersion:
    if not is_convener(meeting, actor):
        raise Forbidden(_l("Only the convener writes the minutes."))
    text = (text or "").strip()
    if not 1 <= len(text) <= MAX_MINUTES:
        raise ValidationFailed(_l("The minutes were not saved."), {"text": _l("Write 1 to 50000 characters.")})
    last = get_session().scalar(select(func.max(MinutesVersion.version)).where(MinutesVersion.meeting_id == meeting.id))
    minutes = MinutesVersion(
        id=uuid.uuid4(),
        meeting_id=meeting.id,
        version=(last or 0) + 1,
        author_id=actor.id,
        author_email=actor.email,
    )
    minutes.text_sealed = seal_json(text, f"forum-minutes:{minutes.id}")
    get_session().add(minutes)
    get_session().flush()
    record(actor, "forum.minutes.write", meeting, {"version": minutes.version, "minutes": str(minutes.id)})
    return minutes
