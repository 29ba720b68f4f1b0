"""Case pages: the list, creating a case from alerts, one case."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import ValidationError
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from coordination.alerts.queries import list_alerts
from coordination.audit.queries import who_acted
from coordination.audit.record import record
from coordination.cases.access import get_case_or_404
from coordination.cases.operations.create_case import add_case_note, create_case
from coordination.cases.operations.record_on_case import record_on_case
from coordination.cases.queries import case_notes, case_summary, case_title, linked_cases, list_cases
from coordination.cases.schemas import CaseIn
from coordination.core.db import commit
from coordination.core.errors import DomainError, problems_of
from coordination.core.permissions import requires
from coordination.evidence.access import visible_categories
from coordination.evidence.queries import case_evidence, filename_of
from coordination.policy import catalogue
from coordination.subjects.forms import parties_from_form, row_count
from coordination.subjects.schemas import PartiesIn
from coordination.subjects.sealed import open_subject, open_transaction


def _fieldsets(form: MultiDict, people: int, payments: int) -> dict[str, Any]:
    return {
        "cat": catalogue(),
        "subject_rows": row_count(form, "subjects", people),
        "tx_rows": row_count(form, "transactions", payments),
    }


@requires("case.view")
def index() -> str:
    page = list_cases(current_user, request.args.get("page", 1, type=int) or 1)
    return render_template("cases/index.html", page=page, title_of=case_title)


@requires("case.create")
def new() -> Response | tuple[str, int] | str:
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            data = CaseIn.model_validate(
                {
                    "title": request.form.get("title", ""),
                    "summary": request.form.get("summary", ""),
                    "alert_ids": request.form.getlist("alert_ids"),
                    **parties_from_form(request.form),
                }
            )
            case = create_case(current_user, data)
            commit()
            flash(_("Case created."), "success")
            return redirect(url_for("cases.show", case_id=case.id))
        except (ValidationError, DomainError) as exc:
            errors = problems_of(exc)
        flash(_("The case was not created."), "error")
    candidates = list_alerts(current_user, None, 1).items if request.method == "GET" or errors else []
    return render_template(
        "cases/new.html", form=request.form, errors=errors, alerts=candidates, **_fieldsets(request.form, 1, 1)
    ), 400 if errors else 200


@requires("case.view")
def show(case_id: str) -> str:
    case = get_case_or_404(case_id, current_user)
    record(current_user, "case.view", case)
    acted = who_acted(current_user, case)
    commit()
    return render_template(
        "cases/show.html",
        case=case,
        title=case_title(case),
        summary=case_summary(case),
        linked=linked_cases(case, current_user),
        title_of=case_title,
        notes=case_notes(case),
        acted=acted,
        acted_object=f"case:{case.id}",
        subjects=[open_subject(s) for s in case.subjects],
        transactions=[open_transaction(t) for t in case.transactions],
        evidence=case_evidence(case, current_user),
        evidence_name=filename_of,
        upload_categories=visible_categories(current_user),
    )


@requires("case.create")
def add_note(case_id: str) -> Response:
    case = get_case_or_404(case_id, current_user)
    try:
        add_case_note(current_user, case, request.form.get("text", ""))
        commit()
        flash(_("Note added."), "success")
    except DomainError as exc:
        flash(" ".join(problems_of(exc).values()), "error")
    return redirect(url_for("cases.show", case_id=case.id))


@requires("case.create")
def record_parties(case_id: str) -> Response | tuple[str, int] | str:
    case = get_case_or_404(case_id, current_user)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            data = PartiesIn.model_validate(parties_from_form(request.form))
            record_on_case(current_user, case, data.subjects, data.transactions)
            commit()
            flash(_("Recorded on the case."), "success")
            return redirect(url_for("cases.show", case_id=case.id))
        except (ValidationError, DomainError) as exc:
            errors = problems_of(exc)
        flash(_("Nothing was added to the case."), "error")
    return render_template(
        "cases/record.html",
        case=case,
        title=case_title(case),
        form=request.form,
        errors=errors,
        **_fieldsets(request.form, 1, 1),
    ), 400 if errors else 200
