"""Build a case from alerts the creator can see and people it learnt of itself; keep its notes."""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coordination.accounts.models import User
from coordination.alerts.access import restrict_alerts
from coordination.alerts.models import Alert
from coordination.audit.record import record
from coordination.cases.models import Case, CaseNote
from coordination.cases.operations.record_on_case import add_to_case
from coordination.cases.schemas import CaseIn
from coordination.core.db import get_session
from coordination.core.errors import ValidationFailed
from coordination.core.sealing import seal_json
from coordination.subjects.operations import catalogue_problems


def create_case(actor: User, data: CaseIn) -> Case:
    wanted = list(dict.fromkeys(data.alert_ids))
    visible = {
        a.id: a for a in get_session().scalars(restrict_alerts(select(Alert), actor).where(Alert.id.in_(wanted)))
    }
    problems = {
        f"alert_ids.{i}": _l("No such alert, or not visible to you.") for i, a in enumerate(wanted) if a not in visible
    } | catalogue_problems(data.subjects, data.transactions)
    if problems:
        raise ValidationFailed(_l("The case was not created."), problems)
    case = Case(id=uuid.uuid4(), organisation_id=actor.organisation_id, created_by_id=actor.id)
    case.title_sealed = seal_json(data.title, f"case:{case.id}:title")
    case.summary_sealed = seal_json(data.summary, f"case:{case.id}:summary")
    case.alerts = [visible[a] for a in wanted]
    get_session().add(case)
    add_to_case(case, data.subjects, data.transactions)
    record(
        actor,
        "case.create",
        case,
        {"alerts": [str(a) for a in wanted], "subjects": len(data.subjects), "transactions": len(data.transactions)},
    )
    return case


def add_case_note(actor: User, case: Case, text: str) -> CaseNote:
    text = (text or "").strip()
    if not 1 <= len(text) <= 5000:
        raise ValidationFailed(_l("The note was not added."), {"text": _l("Write 1 to 5000 characters.")})
    note = CaseNote(id=uuid.uuid4(), case_id=case.id, author_id=actor.id, author_email=actor.email)
    note.text_sealed = seal_json(text, f"case-note:{note.id}")
    get_session().add(note)
    get_session().flush()
    record(actor, "case.note", case, {"note": str(note.id)})
    return note
