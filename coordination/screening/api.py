"""The screening API: upload an export (screened in the background), poll the run, read the
findings, raise the confirmed accounts as alerts, discard. Reads of findings are audited."""

from __future__ import annotations

from flask import request
from flask_login import current_user
from pydantic import ValidationError

from coordination.api.registry import api_endpoint
from coordination.audit.record import record
from coordination.core.context import config
from coordination.core.db import commit
from coordination.core.errors import ValidationFailed, problems_of
from coordination.screening import schemas as s
from coordination.screening.access import get_run_or_404
from coordination.screening.models import ScreeningRun
from coordination.screening.operations import run as runs
from coordination.screening.queries import findings_page, list_runs

TAG = "screening"
UPLOAD_OVERHEAD = 64 * 1024


def out(run: ScreeningRun) -> s.RunOut:
    return s.RunOut(
        id=run.id,
        filename=runs.filename_of(run),
        status=runs.effective_status(run),  # type: ignore[arg-type]
        stage=run.stage,
        progress=run.progress,
        created_at=run.created_at,
        rows_read=run.rows_read,
        rows_rejected=run.rows_rejected,
        accounts_seen=run.accounts_seen,
        flagged_count=run.flagged_count,
        raised_count=run.raised_count,
        seconds=None if run.milliseconds is None else run.milliseconds / 1000,
        error=runs.error_of(run),
    )


@api_endpoint(
    "/screening",
    method="POST",
    permission="screening.run",
    summary="Upload a transaction export to screen (multipart: file, format, skip_bad_rows); answers at once",
    tag=TAG,
    form=s.ScreeningForm,
    response=s.RunOut,
    status=202,
)
def upload() -> s.RunOut:
    request.max_content_length = config().screening_max_bytes + UPLOAD_OVERHEAD
    export = request.files.get("file")
    if export is None:
        raise ValidationFailed("The export was not screened.", {"file": "missing"})
    try:
        fields = s.ScreeningForm.model_validate(request.form.to_dict())
    except ValidationError as exc:  # an unknown or malformed field is the caller's mistake, not a 500
        raise ValidationFailed("The export was not screened.", problems_of(exc)) from None
    data = export.read()
    run = runs.start_run(current_user, data, export.filename or "export", fields.format, fields.skip_bad_rows)
    commit()
    runs.submit(run, data)
    return out(run)


@api_endpoint(
    "/screening",
    permission="screening.run",
    summary="The organisation's screening runs, newest first",
    tag=TAG,
    query=s.RunQuery,
    response=s.RunList,
)
def index(params: s.RunQuery) -> s.RunList:
    page = list_runs(current_user, params.page)
    return s.RunList(runs=[out(r) for r in page.items], total=page.total, page=page.page, pages=page.pages)


@api_endpoint(
    "/screening/<run_id>",
    permission="screening.run",
    summary="One run: progress, or the flagged accounts with explanations (50 a page); reading them is audited",
    tag=TAG,
    query=s.RunQuery,
    response=s.RunDetail,
)
def show(run_id: str, params: s.RunQuery) -> s.RunDetail:
    run = get_run_or_404(run_id, current_user)
    done = runs.effective_status(run) == "done"
    findings = runs.findings_of(run) if done else {"flagged": [], "rejects": []}
    found = findings_page(findings["flagged"], params.page)
    if done:
        record(current_user, "screening.view", run, {"page": found.page})
        commit()
    return s.RunDetail(
        **out(run).model_dump(),
        flagged=[s.FlaggedOut.model_validate(f) for f in found.items],
        page=found.page,
        pages=found.pages,
        rejects=findings["rejects"],
    )


@api_endpoint(
    "/screening/<run_id>/raise",
    method="POST",
    permission="alert.create",
    summary="Raise alerts for flagged accounts the analyst confirmed (deduplicated against open alerts)",
    tag=TAG,
    body=s.RaiseIn,
    response=s.RaiseOut,
)
def raise_alerts(run_id: str, payload: s.RaiseIn) -> s.RaiseOut:
    run = get_run_or_404(run_id, current_user)
    report = runs.raise_confirmed(current_user, run, payload.accounts)
    commit()
    return s.RaiseOut(
        created=[s.RaisedOut(account=a, alert_id=alert.id) for a, alert in report.created],
        duplicates=[s.RaisedOut(account=a, alert_id=alert_id) for a, alert_id in report.duplicates],
    )


@api_endpoint(
    "/screening/<run_id>/discard",
    method="POST",
    permission="screening.run",
    summary="Drop a finished run's findings",
    tag=TAG,
    response=s.RunOut,
)
def discard(run_id: str) -> s.RunOut:
    run = get_run_or_404(run_id, current_user)
    runs.discard(current_user, run)
    commit()
    return out(run)
