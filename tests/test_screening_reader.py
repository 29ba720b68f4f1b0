"""Exports in CSV, Parquet and JSON Lines are read alike; bad values are refused or rejected, never dropped."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from coordination.screening.reader import (
    ScreeningInputError,
    _timestamp,
    load_transactions,
    read_transactions_by_id,
    scan_transactions,
)

RATES = {"IDR": 1.0, "USD": 16_000.0}
HEADER = [
    "tx_id",
    "timestamp",
    "amount",
    "currency",
    "channel",
    "sender_account",
    "sender_name",
    "sender_country",
    "sender_birth_date",
    "receiver_account",
    "receiver_name",
    "receiver_country",
    "receiver_birth_date",
    "note",
]
GOOD = [
    [
        "t1",
        "2024-05-01T10:00:00+07:00",
        "75000",
        "",
        "e_wallet",
        "A1",
        "Budi",
        "id",
        "",
        "B1",
        "Sari",
        "ID",
        "2010-01-02",
        "buat makan ya",
    ],
    [
        "t2",
        "2024-05-01T03:30:00Z",
        "12.5",
        "USD",
        "remittance",
        "A2",
        "John",
        "US",
        "",
        "B1",
        "Sari",
        "ID",
        "2010-01-02",
        "",
    ],
]


def write(tmp_path: Path, fmt: str, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    path = tmp_path / f"export.{fmt}"
    if fmt == "csv":
        with path.open("w", newline="") as handle:
            csv.writer(handle).writerows([header, *rows])
    elif fmt == "jsonl":
        path.write_text("".join(json.dumps(dict(zip(header, row, strict=True))) + "\n" for row in rows))
    else:
        pl.DataFrame([dict(zip(header, row, strict=True)) for row in rows]).write_parquet(path)
    return path


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_good_rows_are_typed_and_normalised(tmp_path, fmt):
    frame, report = scan_transactions(write(tmp_path, fmt, GOOD), currency_rates=RATES)
    rows = frame.collect().to_dicts()
    assert (report.rows_read, report.rows_rejected) == (2, 0)
    assert rows[0]["timestamp"] == datetime(2024, 5, 1, 3, 0, tzinfo=UTC)
    assert rows[0]["amount_idr"] == 75_000 and rows[0]["currency"] == "IDR" and rows[0]["sender_country"] == "ID"
    assert rows[1]["amount_idr"] == 200_000 and rows[1]["receiver_birth_date"] == date(2010, 1, 2)
    assert rows[1]["note"] is None


def test_parquet_with_typed_columns(tmp_path):
    path = tmp_path / "typed.parquet"
    frame = pl.DataFrame([dict(zip(HEADER, GOOD[0], strict=True))]).with_columns(
        pl.lit(datetime(2024, 5, 1, 3, tzinfo=UTC)).alias("timestamp"), pl.lit(75_000).alias("amount")
    )
    frame.write_parquet(path)
    rows = scan_transactions(path)[0].collect().to_dicts()
    assert rows[0]["timestamp"] == datetime(2024, 5, 1, 3, tzinfo=UTC) and rows[0]["amount_idr"] == 75_000


@pytest.mark.parametrize(("fmt", "place"), [("csv", "line 3 (data row 2)"), ("parquet", "row 2"), ("jsonl", "row 2")])
@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("timestamp", "2024-05-01 10:00", "not an ISO 8601 date-time"),
        ("amount", "1.000.000", "not a positive number"),
        ("channel", "telepati", "not a channel"),
        ("sender_birth_date", "14/02/2010", "not a date written YYYY-MM-DD"),
        ("currency", "XYZ", "no conversion rate"),
        ("receiver_account", "", "a value is required"),
    ],
)
def test_a_bad_value_is_refused_naming_file_row_and_column(tmp_path, fmt, place, column, value, problem):
    bad = list(GOOD[1])
    bad[HEADER.index(column)] = value
    path = write(tmp_path, fmt, [GOOD[0], bad])
    with pytest.raises(ScreeningInputError) as caught:
        scan_transactions(path, currency_rates=RATES)
    message = str(caught.value)
    assert message.startswith(f"{path}: {place}, column {column!r}: {problem}")


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_a_missing_column_is_named(tmp_path, fmt):
    header = [c for c in HEADER if c != "receiver_country"]
    rows = [[v for c, v in zip(HEADER, row, strict=True) if c != "receiver_country"] for row in GOOD]
    with pytest.raises(ScreeningInputError, match="column 'receiver_country' is missing"):
        scan_transactions(write(tmp_path, fmt, rows, header))


def test_other_file_types_and_repeated_tx_ids_are_refused(tmp_path):
    with pytest.raises(ScreeningInputError, match=r"must end in \.csv, \.parquet or \.jsonl"):
        scan_transactions(tmp_path / "export.xlsx")
    path = write(tmp_path, "csv", [GOOD[0], GOOD[1], GOOD[0]])
    with pytest.raises(
        ScreeningInputError, match=r"line 4 \(data row 3\), column 'tx_id': repeats the tx_id of data row 1"
    ):
        scan_transactions(path, currency_rates=RATES)


def test_a_ragged_csv_line_is_located(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text(",".join(HEADER) + "\n" + ",".join(GOOD[0]) + "\n" + "t9,oops\n")
    with pytest.raises(ScreeningInputError, match=r"line 3"):
        scan_transactions(path)


def test_skip_bad_rows_writes_a_csv_reject_file_and_counts(tmp_path):
    bad = list(GOOD[1])
    bad[HEADER.index("amount")] = "banyak"
    path = write(tmp_path, "csv", [GOOD[0], bad, [*GOOD[1][:0], "t3", *GOOD[1][1:]]])
    frame, report = scan_transactions(path, skip_bad_rows=True, currency_rates=RATES)
    assert (report.rows_read, report.rows_rejected) == (3, 1)
    assert frame.collect()["tx_id"].to_list() == ["t1", "t3"]
    with report.reject_path.open(newline="") as handle:
        rejects = list(csv.DictReader(handle))
    assert (
        report.reject_path == tmp_path / "export.rejects.csv" and oct(report.reject_path.stat().st_mode)[-3:] == "600"
    )
    assert rejects[0]["tx_id"] == "t2" and rejects[0]["amount"] == "banyak"
    assert rejects[0]["error"].startswith("line 3: column 'amount': not a positive number")


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_skip_bad_rows_writes_json_lines_rejects_for_other_formats(tmp_path, fmt):
    bad = list(GOOD[1])
    bad[HEADER.index("channel")] = "telepati"
    target = tmp_path / "out" / "rejects.jsonl"
    _, report = scan_transactions(
        write(tmp_path, fmt, [GOOD[0], bad]), skip_bad_rows=True, reject_path=target, currency_rates=RATES
    )
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert report.rows_rejected == 1 and len(lines) == 1
    assert lines[0]["row"] == 2 and lines[0]["error"].startswith("column 'channel': not a channel")
    assert lines[0]["values"]["channel"] == "telepati"


def test_read_transactions_by_id(tmp_path):
    rows = read_transactions_by_id(write(tmp_path, "jsonl", GOOD), {"t2", "missing"}, currency_rates=RATES)
    assert len(rows) == 1 and rows[0]["tx_id"] == "t2" and rows[0]["amount"] == 12.5 and rows[0]["currency"] == "USD"
    assert rows[0]["timestamp"] == datetime(2024, 5, 1, 3, 30, tzinfo=UTC) and rows[0]["sender_account"] == "A2"


def _loaded(path: Path, **kwargs: object) -> tuple[list[dict], object]:
    frame, report = load_transactions(path, currency_rates=RATES, **kwargs)  # type: ignore[arg-type]
    return frame.to_dicts(), report


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_loading_in_one_pass_gives_the_rows_of_the_lazy_reader(tmp_path, fmt):
    path = write(tmp_path, fmt, GOOD)
    rows, report = _loaded(path)
    lazy, lazy_report = scan_transactions(path, currency_rates=RATES)
    assert rows == lazy.drop("row").collect().to_dicts()
    assert (report.rows_read, report.rows_rejected) == (lazy_report.rows_read, lazy_report.rows_rejected) == (2, 0)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("timestamp", "2024-05-01 10:00"),
        ("timestamp", "2024-02-30T10:00:00+07:00"),
        ("amount", "1.000.000"),
        ("channel", "telepati"),
        ("sender_birth_date", "14/02/2010"),
        ("currency", "XYZ"),
        ("receiver_account", ""),
        ("sender_country", "IDN"),
        ("tx_id", "t1"),
    ],
)
def test_loading_in_one_pass_refuses_and_rejects_as_the_lazy_reader(tmp_path, fmt, column, value):
    bad = list(GOOD[1])
    bad[HEADER.index(column)] = value
    path = write(tmp_path, fmt, [GOOD[0], bad, [*GOOD[1][:0], "t3", *GOOD[1][1:]]])
    with pytest.raises(ScreeningInputError) as lazy:
        scan_transactions(path, currency_rates=RATES)
    with pytest.raises(ScreeningInputError) as loaded:
        load_transactions(path, currency_rates=RATES)
    assert str(loaded.value) == str(lazy.value)
    lazy_frame, lazy_report = scan_transactions(
        path, skip_bad_rows=True, reject_path=tmp_path / "a", currency_rates=RATES
    )
    rows, report = _loaded(path, skip_bad_rows=True, reject_path=tmp_path / "b")
    assert rows == lazy_frame.drop("row").collect().to_dicts()
    assert [r["tx_id"] for r in rows] == ["t1", "t3"]
    assert (report.rows_read, report.rows_rejected, report.first_problem) == (
        lazy_report.rows_read,
        lazy_report.rows_rejected,
        lazy_report.first_problem,
    )
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()


@pytest.mark.parametrize(
    "text",
    [
        "2024-05-01T10:00:00+07:00",
        "2024-05-01T10:00:00Z",
        "2024-05-01T10:00:00z",
        "2024-05-01T10:00:00-03:30",
        "2024-05-01T23:59:59+23:59",
        "2024-05-01T00:00:00-00:00",
        "2024-02-29T10:00:00+07:00",
        "2023-02-29T10:00:00+07:00",
        "2024-05-01T24:00:00+07:00",
        "2024-05-01T10:00:60+07:00",
        "2024-05-01T10:00:00+24:00",
        "2024-05-01T10:00:00.250+07:00",
        "2024-05-01 10:00:00+07:00",
        " 2024-05-01T10:00:00+0700 ",
        "2024-05-01T10:00:00",
        "0001-01-01T00:00:00+00:00",
        "9999-12-31T23:59:59Z",
        "+2024-05-01T10:00:00Z",
    ],
)
def test_the_quick_timestamp_path_reads_as_the_general_one(text):
    frame = pl.DataFrame({"timestamp": [text]}).lazy()
    quick = frame.select(_timestamp(pl.String(), Path("x.csv"))).collect().item()
    spelled = text.strip().replace(" ", "T", 1)
    spelled = spelled[:-1] + "+00:00" if spelled[-1:] in "Zz" else spelled
    general = (
        pl.Series([spelled])
        .str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%z", time_zone="UTC", time_unit="us", strict=False)
        .item()
    )
    assert quick == general
