"""Screening pages: upload an export, watch the run, review flagged accounts, raise confirmed ones."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import ValidationError as CSRFInvalid
from flask_wtf.csrf import validate_csrf
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from coordination.audit.record import record
from coordination.core.context import config
from coordination.core.db import commit, get_session
from coordination.core.errors import DomainError, ValidationFailed, problems_of
from coordination.core.extensions import csrf
from coordination.core.permissions import requires
from coordination.policy import catalogue
from coordination.screening.access import get_run_or_404, may_raise
from coordination.screening.operations import run as runs
from coordination.screening.queries import findings_page, list_runs

UPLOAD_OVERHEAD = 64 * 1024  # multipart boundaries and the small form fields


@requires("screening.run")
def index() -> str:
    page = list_runs(current_user, request.args.get("page", 1, type=int) or 1)
    return render_template(
        "screening/index.html",
        page=page,
        max_mib=config().screening_max_bytes // 2**20,
        status_of=runs.effective_status,
        filename_of=runs.filename_of,
    )


@csrf.exempt  # checked below, after the size limit for exports is in force
@requires("screening.run")
def upload() -> Response:
    request.max_content_length = config().screening_max_bytes + UPLOAD_OVERHEAD
    try:
        validate_csrf(request.form.get("csrf_token"))
        export = request.files.get("export")
        if export is None or not export.filename:
            raise ValidationFailed(_("The export was not screened."), {"export": _("Choose a file.")})
        data = export.read()
        run = runs.start_run(current_user, data, export.filename, None, request.form.get("skip_bad_rows") == "on")
        commit()
    except CSRFInvalid:
        flash(_("The form has expired; reload the page and try again."), "error")
        return redirect(url_for("screening.index"))
    except RequestEntityTooLarge:
        flash(_("The export was not screened: the file is too large."), "error")
        return redirect(url_for("screening.index"))
    except DomainError as exc:
        get_session().rollback()
        flash(_("The export was not screened: %(problems)s", problems="; ".join(problems_of(exc).values())), "error")
        return redirect(url_for("screening.index"))
    runs.submit(run, data)
    return redirect(url_for("screening.show", run_id=run.id))


@requires("screening.run")
def show(run_id: str) -> str:
    run = get_run_or_404(run_id, current_user)
    status = runs.effective_status(run)
    findings = runs.findings_of(run) if status == "done" else {"flagged": [], "rejects": []}
    if status == "done":
        record(current_user, "screening.view", run)  # flagged accounts are personal data
        commit()
    return render_template(
        "screening/show.html",
        run=run,
        status=status,
        filename=runs.filename_of(run),
        error=runs.error_of(run),
        found=findings_page(findings["flagged"], request.args.get("page", 1, type=int) or 1),
        rejects=findings["rejects"],
        indicators=catalogue().indicators,
        may_raise=may_raise(current_user),
    )


@requires("alert.create")
def raise_alerts(run_id: str) -> Response:
    run = get_run_or_404(run_id, current_user)
    try:
        report = runs.raise_confirmed(current_user, run, request.form.getlist("accounts"))
        commit()
    except DomainError as exc:
        get_session().rollback()
        flash(_("No alert was raised: %(problems)s", problems="; ".join(problems_of(exc).values())), "error")
        return redirect(url_for("screening.show", run_id=run.id))
    flash(
        _(
            "%(raised)d alerts raised; %(duplicates)d accounts already had an open alert.",
            raised=len(report.created),
            duplicates=len(report.duplicates),
        ),
        "success",
    )
    return redirect(url_for("screening.show", run_id=run.id, page=request.form.get("page", 1, type=int)))


@requires("screening.run")
def discard(run_id: str) -> Response:
    run = get_run_or_404(run_id, current_user)
    try:
        runs.discard(current_user, run)
        commit()
    except DomainError as exc:
        get_session().rollback()
        flash("; ".join(problems_of(exc).values()), "error")
        return redirect(url_for("screening.show", run_id=run.id))
    flash(_("The findings of this run were discarded."), "success")
    return redirect(url_for("screening.index"))
