"""`flask screen` end to end: output file, summary, refusals, rejects, alerts."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from coordination.screening.cli import screen
from coordination.screening.policy import load_screening_policy

POLICY = Path(__file__).resolve().parent.parent / "policies" / "red_flags.yaml"
HEADER = ["tx_id", "timestamp", "amount", "channel", "sender_account", "sender_name", "sender_country"]
HEADER += ["receiver_account", "receiver_name", "receiver_country", "note"]


def export(tmp_path: Path, extra: list[list[str]] | None = None) -> Path:
    """Ten strangers paying one account small sums with "open bo" notes in a week."""
    start = datetime(2024, 5, 6, 3, tzinfo=UTC)
    rows = [
        [
            f"t{i}",
            (start + timedelta(hours=9 * i)).isoformat(),
            "150000",
            "e_wallet",
            f"S{i}",
            f"Sender {i}",
            "ID",
            "0812-RECV",
            "Penerima",
            "ID",
            "open bo malam ini",
        ]
        for i in range(10)
    ]
    rows.append(["t99", start.isoformat(), "50000", "bank_transfer", "X", "X", "ID", "Y", "Y", "ID", "bayar kos"])
    path = tmp_path / "export.csv"
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows, *(extra or [])])
    return path


def test_screen_writes_flagged_accounts_and_a_summary(tmp_path):
    out = tmp_path / "flagged.jsonl"
    result = CliRunner().invoke(screen, [str(export(tmp_path)), "--out", str(out), "--policy", str(POLICY)])
    assert result.exit_code == 0, result.output
    weights = {i.id: i.weight for i in load_screening_policy(POLICY).indicators.values()}
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    # the receiver first (highest score), then the ten buyers who wrote the code word, by account
    assert [line["account"] for line in lines] == ["0812-RECV", *(f"S{i}" for i in range(10))]
    assert set(lines[0]) == {"account", "score", "indicators"}
    assert lines[0]["score"] == weights["coded_note"] + weights["fan_in"]
    assert [i["id"] for i in lines[0]["indicators"]] == ["coded_note", "fan_in"]
    assert set(lines[0]["indicators"][0]) == {"id", "tx_ids", "explanation"}
    assert lines[0]["indicators"][1]["explanation"] == "10 distinct senders in 4 days, median Rp 150.000"
    assert all(line["score"] == weights["coded_note"] for line in lines[1:])
    assert oct(out.stat().st_mode)[-3:] == "600"
    assert "rows read 11, rejected 0, accounts seen 13, flagged 11" in result.output
    assert "top indicators: coded_note 11, fan_in 1" in result.output


def test_bad_input_is_one_clear_line_and_no_output(tmp_path):
    out = tmp_path / "flagged.jsonl"
    bad = [["t50", "kemarin", "1000", "e_wallet", "A", "A", "ID", "B", "B", "ID", ""]]
    result = CliRunner().invoke(screen, [str(export(tmp_path, bad)), "--out", str(out), "--policy", str(POLICY)])
    assert result.exit_code != 0
    assert "export.csv: line 13 (data row 12), column 'timestamp': not an ISO 8601 date-time" in result.output
    assert not out.exists()


def test_skip_bad_rows_screens_the_rest_and_writes_rejects(tmp_path):
    out, rejects = tmp_path / "flagged.jsonl", tmp_path / "rejects.csv"
    bad = [["t50", "2024-05-06T10:00:00+07:00", "-5", "e_wallet", "A", "A", "ID", "B", "B", "ID", ""]]
    args = [
        str(export(tmp_path, bad)),
        "--out",
        str(out),
        "--policy",
        str(POLICY),
        "--skip-bad-rows",
        "--rejects",
        str(rejects),
    ]
    result = CliRunner().invoke(screen, args)
    assert result.exit_code == 0, result.output
    assert "rows read 12, rejected 1" in result.output and f"rejected rows written to {rejects}" in result.output
    assert "column 'amount'" in rejects.read_text() and len(out.read_text().splitlines()) == 11


def test_raise_alerts_needs_an_organisation(tmp_path):
    out = tmp_path / "flagged.jsonl"
    result = CliRunner().invoke(screen, [str(export(tmp_path)), "--out", str(out), "--raise-alerts"])
    assert result.exit_code != 0 and "--raise-alerts needs --org NAME" in result.output


def test_registered_under_flask_with_the_app_policy_and_raises_alerts(runner, make_org, tmp_path):
    org = make_org("pjk", "Bank Penyaring")
    out = tmp_path / "flagged.jsonl"
    args = ["screen", str(export(tmp_path)), "--out", str(out), "--raise-alerts", "--org", org.name]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "flagged 11" in result.output
    assert "alerts created 11, already held by an open alert 0" in result.output
    again = runner.invoke(args=args)
    assert "alerts created 0, already held by an open alert 11" in again.output
