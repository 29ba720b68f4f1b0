"""Reading cases: the list, one case opened, and cases linked by shared identifiers."""

from __future__ import annotations

from sqlalchemy import func, select

from coordination.accounts.models import User
from coordination.cases.access import restrict_cases
from coordination.cases.models import Case, CaseNote, case_alerts
from coordination.core.db import get_session
from coordination.core.paging import Page, paginate
from coordination.core.sealing import open_json
from coordination.identifiers.models import IdentifierDigest


def case_title(case: Case) -> str:
    return open_json(case.title_sealed, f"case:{case.id}:title")


def case_summary(case: Case) -> str:
    return open_json(case.summary_sealed, f"case:{case.id}:summary")


def list_cases(viewer: User, page: int) -> Page[tuple[Case, int]]:
    counts = select(case_alerts.c.case_id, func.count().label("n")).group_by(case_alerts.c.case_id).subquery()
    query = restrict_cases(select(Case, func.coalesce(counts.c.n, 0)), viewer).outerjoin(
        counts, counts.c.case_id == Case.id
    )
    return paginate(query.order_by(Case.created_at.desc(), Case.id), page, rows=True)


def linked_cases(case: Case, viewer: User) -> list[tuple[Case, list[str]]]:
    """Other cases the viewer may see whose alerts share an identifier with this case's alerts."""
    mine = (
        select(IdentifierDigest.kind, IdentifierDigest.digest)
        .join(case_alerts, case_alerts.c.alert_id == IdentifierDigest.alert_id)
        .where(case_alerts.c.case_id == case.id)
        .subquery()
    )
    other = (
        select(case_alerts.c.case_id, IdentifierDigest.kind)
        .join(IdentifierDigest, IdentifierDigest.alert_id == case_alerts.c.alert_id)
        .join(mine, (mine.c.kind == IdentifierDigest.kind) & (mine.c.digest == IdentifierDigest.digest))
        .where(case_alerts.c.case_id != case.id)
        .distinct()
        .subquery()
    )
    query = restrict_cases(select(Case, other.c.kind), viewer).join(other, other.c.case_id == Case.id)
    found: dict = {}
    for linked, kind in get_session().execute(query):
        found.setdefault(linked.id, (linked, set()))[1].add(kind)
    return [(linked, sorted(kinds)) for linked, kinds in found.values()]


def case_notes(case: Case) -> list[tuple[CaseNote, str]]:
    notes = get_session().scalars(select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.created_at))
    return [(note, open_json(note.text_sealed, f"case-note:{note.id}")) for note in notes]
