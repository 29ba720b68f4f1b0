"""`flask --app app audit ...`: sign, verify, export and check exports of the audit log."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, time
from pathlib import Path

import click

from coordination.core.db import commit, get_session

audit = click.Group("audit", help="The tamper-evident audit log.")


def _moment(value: str | None, param: str) -> datetime | None:
    """A date (a whole day, starting at 00:00 WIB) or an ISO 8601 date-time with offset."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            from zoneinfo import ZoneInfo

            return datetime.combine(date.fromisoformat(value), time(), ZoneInfo("Asia/Jakarta"))
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("expected YYYY-MM-DD or an ISO 8601 date-time", param_hint=param) from None
    if moment.tzinfo is None:
        raise click.BadParameter("a date-time needs its UTC offset (e.g. +07:00 or Z)", param_hint=param)
    return moment.astimezone(UTC)


@audit.command("checkpoint")
def checkpoint() -> None:
    """Sign the current tree head now (a checkpoint is also signed every N events)."""
    from coordination.audit.log import checkpoint_now

    try:
        signed = checkpoint_now(get_session())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    commit()
    click.echo(signed.note, nl=False)


@audit.command("verify")
def verify() -> None:
    """Recompute every leaf and the tree, check every checkpoint signature; exit 1 on the first problem."""
    from coordination.audit.log import verify_log

    result = verify_log(get_session())
    if not result.intact:
        where = f" (event {result.event_id})" if result.event_id is not None else ""
        click.echo(f"audit log NOT intact at position {result.events}{where}: {result.problem}", err=True)
        sys.exit(1)
    click.echo(f"audit log intact: {result.events} events, {result.checkpoints} signed checkpoints verified")


@audit.command("export")
@click.option("--from", "since", help="first day (YYYY-MM-DD, WIB) or ISO 8601 date-time; default: the start")
@click.option("--to", "until", help="day or date-time to stop before; default: now")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def export(since: str | None, until: str | None, out: Path) -> None:
    """Write the events of a period as JSON Lines with signed checkpoints and proofs (docs/audit.md)."""
    from coordination.audit.export import export_log

    start, stop = _moment(since, "--from"), _moment(until, "--to")
    if start and stop and stop <= start:
        raise click.BadParameter("must be after --from", param_hint="--to")
    try:
        result = export_log(get_session(), out, start, stop)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    commit()
    click.echo(
        f"exported {result.end - result.first} events (positions {result.first}..{result.end - 1}) "
        f"with {result.checkpoints} signed checkpoints to {out}; the log now holds {result.latest}"
    )


@audit.command("verify-export")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", help="the platform's note verifier key; default: this platform's own")
@click.option("--witness", multiple=True, help="a witness key that must have co-signed (repeatable)")
def verify_export_command(path: Path, key: str | None, witness: tuple[str, ...]) -> None:
    """Check an export without the database (the same code as `python -m coordination.audit.verify_export`)."""
    from coordination.audit.log import verifier_key
    from coordination.audit.verify_export import ExportProblem, verify_export

    try:
        summary = verify_export(path, key or verifier_key(), witness)
    except (ExportProblem, OSError) as exc:
        click.echo(f"audit export NOT intact: {exc}", err=True)
        sys.exit(1)
    click.echo(summary.line())
