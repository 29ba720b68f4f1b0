"""Reading cases: the list, one case opened, and cases linked by shared identifiers."""

from __future__ import annotations

from sqlalchemy import Select, Subquery, func, select, union_all

from coordination.accounts.models import User
from coordination.alerts.models import Alert
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


def _case_digests() -> Subquery:
    """(case id, kind, digest) for every identifier a case holds: through its alerts or its own."""
    via_alerts = select(case_alerts.c.case_id, IdentifierDigest.kind, IdentifierDigest.digest).join(
        IdentifierDigest, IdentifierDigest.alert_id == case_alerts.c.alert_id
    )
    own = select(IdentifierDigest.case_id, IdentifierDigest.kind, IdentifierDigest.digest).where(
        IdentifierDigest.case_id.is_not(None)
    )
    return union_all(via_alerts, own).subquery()


def _cases_sharing(mine: Subquery, viewer: User, exclude: Select) -> list[tuple[Case, list[str]]]:
    """Cases the viewer may see holding any (kind, digest) of `mine`, with the kinds shared.

    Each branch starts from `mine` (a handful of digests) through the (kind, digest) index, so the
    cost follows the identifiers shared, not the data: joining `mine` to the union of every case's
    digests made PostgreSQL scan all of them (22 ms at 10,000 alerts, on every alert page and
    every alert raised through the API, growing with the data)."""
    shares = (IdentifierDigest.kind == mine.c.kind) & (IdentifierDigest.digest == mine.c.digest)
    via_alerts = (
        select(case_alerts.c.case_id, IdentifierDigest.kind)
        .select_from(mine)
        .join(IdentifierDigest, shares)
        .join(case_alerts, case_alerts.c.alert_id == IdentifierDigest.alert_id)
    )
    own = (
        select(IdentifierDigest.case_id, IdentifierDigest.kind)
        .select_from(mine)
        .join(IdentifierDigest, shares)
        .where(IdentifierDigest.case_id.is_not(None))
    )
    held = union_all(via_alerts, own).subquery()
    other = select(held.c.case_id, held.c.kind).where(held.c.case_id.not_in(exclude)).distinct().subquery()
    query = restrict_cases(select(Case, other.c.kind), viewer).join(other, other.c.case_id == Case.id)
    found: dict = {}
    for linked, kind in get_session().execute(query.order_by(Case.created_at.desc())):
        found.setdefault(linked.id, (linked, set()))[1].add(kind)
    return [(linked, sorted(kinds)) for linked, kinds in found.values()]


def linked_cases(case: Case, viewer: User) -> list[tuple[Case, list[str]]]:
    """Other cases the viewer may see that share an identifier with this case (its alerts' or its own)."""
    held = _case_digests()
    mine = select(held.c.kind, held.c.digest).where(held.c.case_id == case.id).subquery()
    return _cases_sharing(mine, viewer, select(Case.id).where(Case.id == case.id))


def cases_linked_to_alert(alert: Alert, viewer: User) -> list[tuple[Case, list[str]]]:
    """Cases the viewer may see, not yet holding this alert, that share one of its identifiers:
    how a new alert meets the case already open about the same account."""
    mine = select(IdentifierDigest.kind, IdentifierDigest.digest).where(IdentifierDigest.alert_id == alert.id)
    holding = select(case_alerts.c.case_id).where(case_alerts.c.alert_id == alert.id)
    return _cases_sharing(mine.subquery(), viewer, holding)


def case_notes(case: Case) -> list[tuple[CaseNote, str]]:
    notes = get_session().scalars(select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.created_at))
    return [(note, open_json(note.text_sealed, f"case-note:{note.id}")) for note in notes]
