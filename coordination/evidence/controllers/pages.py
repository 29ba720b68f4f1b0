"""Evidence pages: upload from the case page, one item with its custody, the download."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response
from wtforms import ValidationError as CSRFInvalid

from coordination.audit.record import record
from coordination.cases.access import get_case_or_404
from coordination.core.db import commit, get_session
from coordination.core.errors import DomainError, ValidationFailed, problems_of
from coordination.core.extensions import csrf
from coordination.core.permissions import requires
from coordination.evidence.access import get_evidence_or_404
from coordination.evidence.api import download_response
from coordination.evidence.operations.read import open_content
from coordination.evidence.queries import custody, description_of, filename_of
from coordination.evidence.upload import receive_into_case
from coordination.policy import evidence_policy


def _check_csrf(fields: dict[str, str]) -> None:
    try:
        validate_csrf(fields.get("csrf_token"))
    except CSRFInvalid:
        raise ValidationFailed(
            _("The form has expired; reload the page and try again."), {"csrf_token": _("Expired.")}
        ) from None


@csrf.exempt  # the body is streamed, never parsed as a form; the token is checked from the stream
@requires("evidence.upload")
def upload(case_id: str) -> Response:
    case = get_case_or_404(case_id, current_user)
    try:
        evidence = receive_into_case(case, _check_csrf)
        commit()
    except DomainError as exc:
        get_session().rollback()
        flash(_("The evidence was not stored: %(problems)s", problems="; ".join(problems_of(exc).values())), "error")
        return redirect(url_for("cases.show", case_id=case.id, _anchor="evidence"))
    except RequestEntityTooLarge:
        flash(_("The evidence was not stored: the file is too large."), "error")
        return redirect(url_for("cases.show", case_id=case.id, _anchor="evidence"))
    flash(_("Evidence stored, encrypted."), "success")
    return redirect(url_for("evidence.show", evidence_id=evidence.id))


@requires("evidence.view")
def show(evidence_id: str) -> str:
    evidence = get_evidence_or_404(evidence_id, current_user)
    record(current_user, "evidence.view", evidence)
    commit()
    return render_template(
        "evidence/show.html",
        evidence=evidence,
        category=evidence_policy().categories[evidence.category],
        filename=filename_of(evidence),
        description=description_of(evidence),
        custody=custody(evidence),
    )


@requires("evidence.download")
def download(evidence_id: str) -> Response:
    evidence = get_evidence_or_404(evidence_id, current_user)
    try:
        segments = open_content(current_user, evidence, request.args.get("reason"))
    except DomainError as exc:
        get_session().rollback()
        flash(" ".join(problems_of(exc).values()) or str(exc), "error")
        return redirect(url_for("evidence.show", evidence_id=evidence.id))
    commit()
    return download_response(evidence, segments)
