"""The cases API: create, list, read (audited), and add notes, people and payments."""

from __future__ import annotations

from flask_login import current_user

from coordination.alerts.api import summary as alert_summary
from coordination.alerts.schemas import OrgRef
from coordination.api.registry import api_endpoint
from coordination.audit.record import record
from coordination.cases import schemas as s
from coordination.cases.access import get_case_or_404
from coordination.cases.models import Case
from coordination.cases.operations.create_case import add_case_note, create_case
from coordination.cases.operations.record_on_case import record_on_case
from coordination.cases.queries import case_notes, case_summary, case_title, linked_cases, list_cases
from coordination.core.db import commit
from coordination.subjects.sealed import open_subject, open_transaction

TAG = "cases"


def _summary(case: Case, alerts: int) -> s.CaseSummary:
    org = case.organisation
    return s.CaseSummary(
        id=case.id,
        title=case_title(case),
        status=case.status,
        org=OrgRef(id=org.id, name=org.name, kind=org.kind),
        alerts=alerts,
        created_at=case.created_at,
    )


def full(case: Case) -> s.CaseOut:
    return s.CaseOut(
        **_summary(case, len(case.alerts)).model_dump(),
        summary=case_summary(case),
        alert_list=[alert_summary(a) for a in case.alerts],
        subjects=[open_subject(subject).out() for subject in case.subjects],
        transactions=[open_transaction(tx).out() for tx in case.transactions],
        notes=[s.NoteOut(at=n.created_at, author=n.author_email, text=text) for n, text in case_notes(case)],
        linked_cases=[
            s.LinkedCase(id=c.id, title=case_title(c), shared=kinds) for c, kinds in linked_cases(case, current_user)
        ],
    )


@api_endpoint(
    "/cases",
    method="POST",
    permission="case.create",
    summary="Create a case from visible alerts",
    tag=TAG,
    body=s.CaseIn,
    response=s.CaseOut,
    status=201,
)
def create(payload: s.CaseIn) -> s.CaseOut:
    case = create_case(current_user, payload)
    commit()
    return full(case)


@api_endpoint(
    "/cases",
    permission="case.view",
    summary="The organisation's cases, newest first",
    tag=TAG,
    query=s.CaseListQuery,
    response=s.CaseList,
)
def index(params: s.CaseListQuery) -> s.CaseList:
    page = list_cases(current_user, params.page)
    return s.CaseList(cases=[_summary(c, n) for c, n in page.items], total=page.total, page=page.page, pages=page.pages)


@api_endpoint("/cases/<case_id>", permission="case.view", summary="One case", tag=TAG, response=s.CaseOut)
def show(case_id: str) -> s.CaseOut:
    case = get_case_or_404(case_id, current_user)
    out = full(case)
    record(current_user, "case.view", case)
    commit()
    return out


@api_endpoint(
    "/cases/<case_id>/notes",
    method="POST",
    permission="case.create",
    summary="Add a working note to a case (kept by the owner, never referred)",
    tag=TAG,
    body=s.NoteIn,
    response=s.CaseOut,
    status=201,
)
def add_note(case_id: str, payload: s.NoteIn) -> s.CaseOut:
    case = get_case_or_404(case_id, current_user)
    add_case_note(current_user, case, payload.text)
    commit()
    return full(case)


@api_endpoint(
    "/cases/<case_id>/subjects",
    method="POST",
    permission="case.create",
    summary="Record people on the case itself (sealed, blind-indexed, referred by policy)",
    tag=TAG,
    body=s.SubjectsIn,
    response=s.CaseOut,
    status=201,
)
def add_subjects(case_id: str, payload: s.SubjectsIn) -> s.CaseOut:
    case = get_case_or_404(case_id, current_user)
    record_on_case(current_user, case, payload.subjects, [])
    commit()
    return full(case)


@api_endpoint(
    "/cases/<case_id>/transactions",
    method="POST",
    permission="case.create",
    summary="Record payments on the case itself",
    tag=TAG,
    body=s.TransactionsIn,
    response=s.CaseOut,
    status=201,
)
def add_transactions(case_id: str, payload: s.TransactionsIn) -> s.CaseOut:
    case = get_case_or_404(case_id, current_user)
    record_on_case(current_user, case, [], payload.transactions)
    commit()
    return full(case)
