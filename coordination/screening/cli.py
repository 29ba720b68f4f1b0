"""`flask screen INPUT --out OUT.jsonl`: screen a transaction export from the command line."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import click

from coordination.policy.loader import PolicyError
from coordination.screening.reader import ScreeningInputError


def _progress(stage: str, share: float) -> None:
    click.echo(f"[{share:4.0%}] {stage}", err=True)


@click.command("screen")
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--out", "out_path", required=True, type=click.Path(path_type=Path, dir_okay=False), help="JSON Lines output."
)
@click.option(
    "--policy", "policy_path", type=click.Path(path_type=Path, dir_okay=False), help="Another red_flags.yaml."
)
@click.option("--skip-bad-rows", is_flag=True, help="Screen without bad rows; write them to the reject file.")
@click.option("--rejects", "reject_path", type=click.Path(path_type=Path, dir_okay=False), help="Reject file.")
@click.option("--raise-alerts", is_flag=True, help="Raise an alert of --org for each flagged account.")
@click.option("--org", "org_name", help="The PJK whose alerts are raised.")
def screen(
    input_path: Path,
    out_path: Path,
    policy_path: Path | None,
    skip_bad_rows: bool,
    reject_path: Path | None,
    raise_alerts: bool,
    org_name: str | None,
) -> None:
    """Run the red-flag rules over INPUT (.csv, .parquet or .jsonl) and write one JSON line per
    flagged account, highest score first."""
    from coordination.core.files import atomic_file
    from coordination.screening.engine import screen as run_screen
    from coordination.screening.policy import load_screening_policy

    if raise_alerts and not org_name:
        raise click.UsageError("--raise-alerts needs --org NAME")
    if reject_path and not skip_bad_rows:
        raise click.UsageError("--rejects goes with --skip-bad-rows")
    if policy_path is None:
        from coordination.core.context import config

        policy_path = config().policies_dir / "red_flags.yaml"
    try:
        policy = load_screening_policy(policy_path)
        result = run_screen(
            input_path, policy, skip_bad_rows=skip_bad_rows, reject_path=reject_path, progress=_progress
        )
    except (ScreeningInputError, PolicyError) as exc:
        raise click.ClickException(str(exc)) from None
    with atomic_file(out_path) as handle:  # 0600: the file names accounts
        for flagged in result.flagged:
            handle.write((json.dumps(flagged.to_json(), ensure_ascii=False) + "\n").encode("utf-8"))
    top = Counter(hit.id for flagged in result.flagged for hit in flagged.indicators).most_common(5)
    click.echo(
        f"rows read {result.rows_read}, rejected {result.rows_rejected}, accounts seen {result.accounts_seen}, "
        f"flagged {len(result.flagged)}, in {result.seconds:.1f} s"
    )
    if top:
        click.echo("top indicators: " + ", ".join(f"{ident} {count}" for ident, count in top))
    if skip_bad_rows and result.rows_rejected:
        click.echo(f"rejected rows written to {reject_path or _default_rejects(input_path)}")
    click.echo(f"written: {out_path}")
    if raise_alerts:
        _raise(org_name or "", input_path, result.flagged, policy.currency_rates)


def _default_rejects(path: Path) -> Path:
    return path.with_name(f"{path.stem}.rejects{'.csv' if path.suffix.lower() == '.csv' else '.jsonl'}")


def _raise(org_name: str, input_path: Path, flagged: list, rates: dict) -> None:
    # Imported here: the lead's alert-raising operations load the web app's models.
    from coordination.core.db import commit
    from coordination.core.errors import DomainError
    from coordination.screening.operations.raise_alerts import raise_screening_alerts
    from coordination.screening.reader import read_transactions_by_id

    wanted = {tx for account in flagged for hit in account.indicators for tx in hit.tx_ids}
    rows = read_transactions_by_id(input_path, wanted, currency_rates=rates)
    try:
        report = raise_screening_alerts(org_name, flagged, {row["tx_id"]: row for row in rows})
        commit()
    except DomainError as exc:
        fields = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
        raise click.ClickException(f"{exc.message}{' (' + fields + ')' if fields else ''}") from None
    click.echo(f"alerts created {len(report.created)}, already held by an open alert {len(report.duplicates)}")
    sys.stdout.flush()
