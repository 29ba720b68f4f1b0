"""Screening runs in the platform: accept an export, screen it on a job thread, keep what the
analyst must review (sealed), raise the accounts the analyst confirms, discard the rest.

The export is held in memory from upload to screening; the engine reads it from a file in a
private temporary directory (mode 0700) that is removed as soon as the run ends, whatever the
outcome. Nothing of it but the flagged accounts and their evidence transactions is kept.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

from coordination.accounts.models import User
from coordination.audit.record import record
from coordination.core.context import config
from coordination.core.db import commit, get_session, utcnow
from coordination.core.errors import Conflict, ValidationFailed
from coordination.core.jobs import jobs
from coordination.core.sealing import open_json, seal_json
from coordination.policy.versions import fingerprints
from coordination.screening.models import ScreeningRun
from coordination.screening.operations.raise_alerts import RaiseReport, as_record, raise_for_accounts

log = logging.getLogger(__name__)

FORMATS = ("csv", "parquet", "jsonl")
# A run that has not moved for this long lost its instance (a restart, a crash): shown as failed.
STALE_AFTER = timedelta(minutes=10)


def format_of(filename: str, given: str | None = None) -> str:
    fmt = (given or Path(filename).suffix.lstrip(".")).lower()
    fmt = {"ndjson": "jsonl", "pq": "parquet"}.get(fmt, fmt)
    if fmt not in FORMATS:
        raise ValidationFailed(
            _l("The export was not screened."), {"export": _l("Give a .csv, .parquet or .jsonl file.")}
        )
    return fmt


def start_run(actor: User, data: bytes, filename: str, fmt: str | None, skip_bad_rows: bool) -> ScreeningRun:
    """Record a queued run and hand the export to this instance's job thread (after the commit
    that makes the run visible: the caller passes `submit`)."""
    if not data:
        raise ValidationFailed(_l("The export was not screened."), {"export": _l("The file is empty.")})
    if len(data) > config().screening_max_bytes:
        raise ValidationFailed(
            _l("The export was not screened."),
            {
                "export": _l(
                    "The file is larger than %(mib)d MiB; screen it with `flask screen`.",
                    mib=config().screening_max_bytes // 2**20,
                )
            },
        )
    name = re.sub(r"[^\w.\- ]", "_", Path(filename or "export").name)[:200] or "export"
    run = ScreeningRun(
        id=uuid.uuid4(),
        organisation_id=actor.organisation_id,
        created_by_id=actor.id,
        input_format=format_of(name, fmt),
        input_bytes=len(data),
        skip_bad_rows=skip_bad_rows,
        policy_sha256=_policy_sha256(),
        status="queued",
        stage="queued",
        progress=0,
        raised_count=0,
    )
    run.filename_sealed = seal_json(name, run.context("filename"))
    get_session().add(run)
    get_session().flush()
    record(
        actor, "screening.start", run, {"format": run.input_format, "bytes": len(data), "skip_bad_rows": skip_bad_rows}
    )
    return run


def submit(run: ScreeningRun, data: bytes) -> None:
    jobs().submit(execute_run, run.id, data)


def execute_run(run_id: uuid.UUID, data: bytes) -> None:
    """The job: screen the export, seal the findings, record the outcome."""
    from coordination.screening.engine import screen
    from coordination.screening.reader import ScreeningInputError, read_transactions_by_id

    session = get_session()
    run = session.get(ScreeningRun, run_id)
    if run is None or run.status != "queued":
        return
    _move(run, "running", "reading", 1)
    workdir = Path(tempfile.mkdtemp(prefix="simpul-screening-", dir=_private_tmp()))
    try:
        source = workdir / f"export.{run.input_format}"
        source.write_bytes(data)
        del data
        rejects = workdir / ("rejects.csv" if run.input_format == "csv" else "rejects.jsonl")
        last = [0.0]

        def progress(stage: str, fraction: float) -> None:
            now = time.monotonic()
            if now - last[0] >= 0.5:  # a heartbeat, not a write per row batch
                last[0] = now
                _move(run, "running", stage[:40], max(1, min(99, int(fraction * 100))))

        result = screen(
            source, _screening_policy(), skip_bad_rows=run.skip_bad_rows, reject_path=rejects, progress=progress
        )
        wanted = {t for f in result.flagged for hit in f.indicators for t in hit.tx_ids}
        transactions = {str(r["tx_id"]): _plain(r) for r in read_transactions_by_id(source, wanted)}
        findings = {
            "flagged": [as_record(f) | {"decision": None} for f in result.flagged],
            "transactions": transactions,
            "rejects": _first_rejects(rejects),
        }
        run.results_sealed = seal_json(findings, run.context("results"))
        run.rows_read, run.rows_rejected = result.rows_read, result.rows_rejected
        run.accounts_seen, run.flagged_count = result.accounts_seen, len(result.flagged)
        run.milliseconds = int(result.seconds * 1000)
        run.status, run.stage, run.progress = "done", "done", 100
        record(None, "screening.done", run, {"rows": result.rows_read, "flagged": len(result.flagged)}, session=session)
        commit()
    except ScreeningInputError as exc:
        _fail(run, str(exc))
    except Exception:  # a job must always end its run; the cause goes to the log, not the page
        log.exception("screening run %s failed", run_id)
        _fail(run, "internal error; the operator's log has the details")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _move(run: ScreeningRun, status: str, stage: str, progress: int) -> None:
    run.status, run.stage, run.progress, run.updated_at = status, stage, progress, utcnow()
    commit()


def _fail(run: ScreeningRun, message: str) -> None:
    session = get_session()
    session.rollback()
    run = session.get(ScreeningRun, run.id)
    run.status, run.stage = "failed", "failed"
    run.error_sealed = seal_json(message, run.context("error"))
    record(None, "screening.done", run, {"failed": True}, outcome="failure", session=session)
    commit()


def effective_status(run: ScreeningRun) -> str:
    if run.status in ("queued", "running") and utcnow() - run.updated_at > STALE_AFTER:
        return "failed"
    return run.status


def findings_of(run: ScreeningRun) -> dict[str, Any]:
    if run.results_sealed is None:
        return {"flagged": [], "transactions": {}, "rejects": []}
    return open_json(run.results_sealed, run.context("results"))


def error_of(run: ScreeningRun) -> str | None:
    if run.status in ("queued", "running") and effective_status(run) == "failed":
        return str(_l("The run stopped without finishing (the server restarted). Upload the export again."))
    return None if run.error_sealed is None else open_json(run.error_sealed, run.context("error"))


def filename_of(run: ScreeningRun) -> str:
    return open_json(run.filename_sealed, run.context("filename"))


def raise_confirmed(actor: User, run: ScreeningRun, accounts: list[str]) -> RaiseReport:
    """Raise the accounts the analyst confirmed; each decision is kept in the sealed findings."""
    if run.status != "done":
        raise Conflict(_l("This run has no findings to raise."))
    findings = findings_of(run)
    by_account = {f["account"]: f for f in findings["flagged"]}
    unknown = [a for a in accounts if a not in by_account]
    if not accounts or unknown:
        raise ValidationFailed(_l("No alert was raised."), {"accounts": _l("Choose accounts flagged by this run.")})
    chosen = [by_account[a] for a in dict.fromkeys(accounts) if by_account[a]["decision"] is None]
    report = raise_for_accounts(actor, run.organisation, chosen, findings["transactions"], "unggahan ekspor")
    for account in dict.fromkeys(accounts):  # decided before: answered with the alert it went to
        decided = by_account[account]["decision"]
        if decided is not None:
            report.duplicates.append((account, uuid.UUID(decided.get("alert") or decided["duplicate_of"])))
    for account, alert in report.created:
        by_account[account]["decision"] = {"alert": str(alert.id), "by": actor.email, "at": utcnow().isoformat()}
    for account, alert_id in report.duplicates:
        by_account[account]["decision"] = {"duplicate_of": str(alert_id), "by": actor.email, "at": utcnow().isoformat()}
    run.results_sealed = seal_json(findings, run.context("results"))
    run.raised_count += len(report.created)
    record(actor, "screening.raise", run, {"raised": len(report.created), "duplicates": len(report.duplicates)})
    return report


def discard(actor: User, run: ScreeningRun) -> None:
    """Drop the findings (data minimisation: nothing stays once the analyst is done)."""
    if run.status in ("queued", "running") and effective_status(run) != "failed":
        raise Conflict(_l("The run is still screening; discard it when it has finished."))
    run.results_sealed = None
    run.status, run.stage = "discarded", "discarded"
    record(actor, "screening.discard", run)


def _screening_policy():  # type: ignore[no-untyped-def]
    from coordination.policy import screening_policy

    return screening_policy()


def _policy_sha256() -> str:
    sha256 = fingerprints(config().policies_dir)["red_flags.yaml"]["sha256"]
    return sha256 or ""


def _private_tmp() -> Path:
    path = config().data_dir / "tmp"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def _plain(row: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}


def _first_rejects(path: Path, limit: int = 100) -> list[str]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8", errors="replace") as handle:
        return [line.rstrip("\n")[:500] for _, line in zip(range(limit + 1), handle, strict=False)]
