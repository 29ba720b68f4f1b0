"""Read a transaction export (CSV, Parquet or JSON Lines) into checked, normalised columns.

A PJK's export is refused at its first bad value with the file, row (for CSV the line) and
column named, or, with `skip_bad_rows`, screened without its bad rows, each written to a reject
file with its error: a row is never dropped without a trace. Checking is vectorised: every
column is cast with `strict=False` and a value that was there before the cast but is null after
it is a bad value; the rows with problems are collected (normally none), the rest stay lazy.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from coordination.core.files import atomic_file
from coordination.screening.policy import CHANNELS

FORMATS = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl"}
REQUIRED = (
    "tx_id",
    "timestamp",
    "amount",
    "channel",
    "sender_account",
    "sender_name",
    "sender_country",
    "receiver_account",
    "receiver_name",
    "receiver_country",
)
OPTIONAL = ("currency", "sender_birth_date", "receiver_birth_date", "note")
COLUMNS = (*REQUIRED, *OPTIONAL)
ROW = "row"  # 1-based data row, carried through so that every problem can name its row
BAD = "_bad"
# A timestamp with whole seconds and an offset of at most 23:59, or Z: the common case.
_USUAL_TIMESTAMP = r"^\d{4}-\d\d-\d\dT(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$"
_OFFSET_MINUTES = {"Z": 0} | {
    f"{sign}{h:02d}:{m:02d}": factor * (h * 60 + m)
    for sign, factor in (("+", 1), ("-", -1))
    for h in range(24)
    for m in range(60)
}


class ScreeningInputError(ValueError):
    """An export that cannot be screened; the message names file, row (or line) and column."""


@dataclass(frozen=True)
class ReadReport:
    path: Path
    format: str
    rows_read: int  # data rows in the file, good and bad
    rows_rejected: int
    reject_path: Path | None = None
    first_problem: str | None = None


def file_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ScreeningInputError(
            f"{path}: the file name must end in .csv, .parquet or .jsonl (not {path.suffix or 'nothing'!r})"
        )
    return fmt


def place(path: Path, fmt: str, row: int) -> str:
    return f"{path}: line {row + 1} (data row {row})" if fmt == "csv" else f"{path}: row {row}"


def _raw(path: Path, fmt: str) -> pl.LazyFrame:
    """The file as it is, plus the row number; CSV and JSONL values all as text."""
    if not path.is_file():
        raise ScreeningInputError(f"{path}: no such file")
    if fmt == "csv":
        frame = pl.scan_csv(path, infer_schema=False)
    elif fmt == "parquet":
        frame = pl.scan_parquet(path)
    else:
        frame = pl.scan_ndjson(path, schema=dict.fromkeys(_jsonl_columns(path), pl.String))
    try:
        names = frame.collect_schema().names()
    except pl.exceptions.PolarsError as exc:
        raise ScreeningInputError(f"{path}: not a readable {fmt} file ({str(exc).splitlines()[0]})") from None
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        place = "line 1" if fmt == "csv" else "row 1"
        raise ScreeningInputError(
            f"{path}: {place}, column {missing[0]!r} is missing (required: {', '.join(REQUIRED)})"
        )
    frame = frame.select([c for c in names if c in COLUMNS])
    return frame.with_row_index(ROW, offset=1)


def _jsonl_columns(path: Path) -> list[str]:
    """The keys of the first object: JSON Lines has no header, and typing every value as text
    keeps numbers written as strings ("75000") and as numbers equally readable."""
    with path.open("rb") as handle:
        first = handle.readline()
    try:
        keys = json.loads(first) if first.strip() else {}
    except ValueError:
        raise ScreeningInputError(f"{path}: row 1 is not a JSON object") from None
    if not isinstance(keys, dict):
        raise ScreeningInputError(f"{path}: row 1 is not a JSON object")
    return [c for c in COLUMNS if c in keys] or list(REQUIRED[:1])


def _text(name: str, dtype: pl.DataType) -> pl.Expr:
    col = pl.col(name)
    return (col if dtype == pl.String else col.cast(pl.String)).str.strip_chars()


def _timestamp(dtype: pl.DataType, path: Path) -> pl.Expr:
    col = pl.col("timestamp")
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is None:
            raise ScreeningInputError(
                f"{path}: row 1, column 'timestamp' holds date-times without a time zone; write them "
                "in UTC or with an offset"
            )
        return col.dt.convert_time_zone("UTC").dt.cast_time_unit("us")
    # The usual spelling (2024-05-01T10:00:00+07:00 or ...Z) is parsed as a plain local time and
    # its offset subtracted, several times faster than parsing with %z; any other spelling takes
    # the general parser, which gives the same instant for the usual one.
    raw = col if dtype == pl.String else col.cast(pl.String)
    usual = raw.str.contains(_USUAL_TIMESTAMP)
    local = raw.str.slice(0, 19).str.strptime(pl.Datetime("us"), "%Y-%m-%dT%H:%M:%S", strict=False)
    offset = raw.str.slice(19).replace_strict(_OFFSET_MINUTES, default=None, return_dtype=pl.Int64)
    quick = local.dt.replace_time_zone("UTC") - pl.duration(minutes=offset)
    text = pl.when(~usual).then(_text("timestamp", dtype)).str.replace(" ", "T").str.replace(r"[Zz]$", "+00:00")
    general = text.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%z", time_zone="UTC", time_unit="us", strict=False)
    return pl.when(usual).then(quick).otherwise(general)


def _birth(name: str, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.Date:
        return pl.col(name)
    if isinstance(dtype, pl.Datetime):
        return pl.col(name).dt.date()
    return _text(name, dtype).str.to_date("%Y-%m-%d", strict=False)


def _parsed(raw: pl.LazyFrame, rates: Mapping[str, float], path: Path) -> tuple[list[pl.Expr], list[pl.Expr]]:
    """Typed columns (null where a value is bad) and, per column in file order, a problem text
    expression that is null when the value is fine."""
    schema = raw.collect_schema()
    present = set(schema.names())
    values: dict[str, pl.Expr] = {}
    problems: list[pl.Expr] = []

    def check(column: str, bad: pl.Expr, problem: str) -> None:
        shown = pl.col(column).cast(pl.String).str.slice(0, 40)
        problems.append(
            pl.when(bad)
            .then(pl.format(f"column {column!r}: {problem} ({{}})", shown.fill_null("empty")))
            .otherwise(None)
        )

    for name in ("tx_id", "sender_account", "receiver_account"):
        values[name] = _text(name, schema[name])
        check(name, values[name].fill_null("") == "", "a value is required")
    values["timestamp"] = _timestamp(schema["timestamp"], path)
    check("timestamp", values["timestamp"].is_null(), "not an ISO 8601 date-time with an offset or Z")
    amount = pl.col("amount") if schema["amount"].is_numeric() else _text("amount", schema["amount"])
    values["amount"] = amount.cast(pl.Float64, strict=False)
    check("amount", ~(values["amount"].is_finite() & (values["amount"] > 0)).fill_null(False), "not a positive number")
    if "currency" in present:
        values["currency"] = _text("currency", schema["currency"]).str.to_uppercase().fill_null("IDR")
        values["currency"] = pl.when(values["currency"] == "").then(pl.lit("IDR")).otherwise(values["currency"])
    else:
        values["currency"] = pl.lit("IDR")
    rate = values["currency"].replace_strict(dict(rates), default=None, return_dtype=pl.Float64)
    if "IDR" in rates:  # most rows are in rupiah: look up only the others
        other = pl.when(values["currency"] != "IDR").then(values["currency"])
        rate = (
            pl.when(values["currency"] == "IDR")
            .then(pl.lit(float(rates["IDR"])))
            .otherwise(other.replace_strict(dict(rates), default=None, return_dtype=pl.Float64))
        )
    if "currency" in present:
        check("currency", rate.is_null(), "no conversion rate to IDR in the policy for this currency")
    values["amount_idr"] = (values["amount"] * rate).round(0).cast(pl.Int64, strict=False)
    values["channel"] = _text("channel", schema["channel"])
    check(
        "channel", ~values["channel"].is_in(list(CHANNELS)).fill_null(False), f"not a channel ({', '.join(CHANNELS)})"
    )
    for side in ("sender", "receiver"):
        values[f"{side}_name"] = _text(f"{side}_name", schema[f"{side}_name"])
        values[f"{side}_name"] = pl.when(values[f"{side}_name"] == "").then(None).otherwise(values[f"{side}_name"])
        country = f"{side}_country"
        values[country] = _text(country, schema[country]).str.to_uppercase()
        check(country, ~values[country].str.contains(r"^[A-Z]{2}$").fill_null(False), "not an ISO 3166 two-letter code")
        birth = f"{side}_birth_date"
        if birth in present:
            values[birth] = _birth(birth, schema[birth])
            given = _text(birth, schema[birth]).fill_null("") != ""
            check(birth, given & values[birth].is_null(), "not a date written YYYY-MM-DD")
        else:
            values[birth] = pl.lit(None, pl.Date)
    note = _text("note", schema["note"]) if "note" in present else pl.lit(None, pl.String)
    values["note"] = pl.when(note == "").then(None).otherwise(note)
    order = {name: i for i, name in enumerate(schema.names())}
    problems.sort(key=lambda e: order.get(e.meta.root_names()[0], 99))
    return [pl.col(ROW), *(expr.alias(name) for name, expr in values.items())], problems


def _typed_frame(raw: pl.LazyFrame, rates: Mapping[str, float], path: Path) -> pl.LazyFrame:
    """The typed columns of `_parsed` (without the row number) and BAD, true where `_parsed` has
    a problem; staged so that each value is worked out once and the checks read the results."""
    schema = raw.collect_schema()
    present = set(schema.names())
    text = {name: _text(name, schema[name]) for name in present if name != ROW}
    first = [
        text["tx_id"].alias("tx_id"),
        text["sender_account"].alias("sender_account"),
        text["receiver_account"].alias("receiver_account"),
        _timestamp(schema["timestamp"], path).alias("timestamp"),
        (pl.col("amount") if schema["amount"].is_numeric() else text["amount"]).cast(pl.Float64, strict=False),
        (text["currency"].str.to_uppercase().fill_null("IDR") if "currency" in present else pl.lit("IDR")).alias(
            "currency"
        ),
        text["channel"].alias("channel"),
        (text["note"] if "note" in present else pl.lit(None, pl.String)).alias("note"),
    ]
    flags = [
        pl.col("tx_id").fill_null("") == "",
        pl.col("sender_account").fill_null("") == "",
        pl.col("receiver_account").fill_null("") == "",
        pl.col("timestamp").is_null(),
        ~(pl.col("amount").is_finite() & (pl.col("amount") > 0)).fill_null(False),
        ~pl.col("channel").is_in(list(CHANNELS)).fill_null(False),
    ]
    for side in ("sender", "receiver"):
        first += [text[f"{side}_name"].alias(f"{side}_name"), text[f"{side}_country"].str.to_uppercase()]
        flags.append(~pl.col(f"{side}_country").str.contains(r"^[A-Z]{2}$").fill_null(False))
        birth = f"{side}_birth_date"
        if birth in present:
            first += [_birth(birth, schema[birth]).alias(birth), (text[birth].fill_null("") != "").alias(f"_{birth}")]
            flags.append(pl.col(f"_{birth}") & pl.col(birth).is_null())
        else:
            first.append(pl.lit(None, pl.Date).alias(birth))
    currency = pl.when(pl.col("currency") == "").then(pl.lit("IDR")).otherwise(pl.col("currency")).alias("currency")
    rate = pl.col("currency").replace_strict(dict(rates), default=None, return_dtype=pl.Float64)
    if "IDR" in rates:
        other = pl.when(pl.col("currency") != "IDR").then(pl.col("currency"))
        rate = (
            pl.when(pl.col("currency") == "IDR")
            .then(pl.lit(float(rates["IDR"])))
            .otherwise(other.replace_strict(dict(rates), default=None, return_dtype=pl.Float64))
        )
    if "currency" in present:
        flags.append(pl.col("_rate").is_null())
    empty_to_null = [
        pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c)
        for c in ("sender_name", "receiver_name", "note")
    ]
    names = [e.meta.output_name() for e in _parsed(raw, rates, path)[0][1:]]
    return (
        raw.select(first)
        .with_columns(currency, *empty_to_null)
        .with_columns(rate.alias("_rate"))
        .with_columns(
            (pl.col("amount") * pl.col("_rate")).round(0).cast(pl.Int64, strict=False).alias("amount_idr"),
            pl.any_horizontal(flags).alias(BAD),
        )
        .select(*names, BAD)
    )


def _raw_values(raw: pl.LazyFrame) -> list[pl.Expr]:
    return [pl.col(c).cast(pl.String) for c in raw.collect_schema().names() if c != ROW]


def scan_transactions(
    path: Path,
    *,
    skip_bad_rows: bool = False,
    reject_path: Path | None = None,
    currency_rates: Mapping[str, float] | None = None,
) -> tuple[pl.LazyFrame, ReadReport]:
    """Check the whole file (one streaming pass, plus one for the row count) and return the good
    rows as a lazy frame. Amounts in another currency than IDR need `currency_rates` (the
    policy's); without them only IDR is accepted."""
    path = Path(path)
    fmt = file_format(path)
    raw = _raw(path, fmt)
    typed, problems = _parsed(raw, currency_rates or {"IDR": 1.0}, path)
    try:
        bad = _bad_rows(raw, problems)
        total = raw.select(pl.len()).collect().item()
    except pl.exceptions.PolarsError as exc:
        raise ScreeningInputError(_locate_unreadable(path, fmt, exc)) from None
    first = None
    if bad.height:
        row, problem = bad.row(0)[:2]
        first = f"{place(path, fmt, row)}, {problem}"
        if not skip_bad_rows:
            raise ScreeningInputError(first)
    report = ReadReport(path, fmt, total, bad.height, None, first)
    if skip_bad_rows:
        target = reject_path or path.with_name(f"{path.stem}.rejects{'.csv' if fmt == 'csv' else '.jsonl'}")
        _write_rejects(bad, fmt, path, target)
        report = ReadReport(path, fmt, total, bad.height, target, first)
    good = raw.filter(~pl.col(ROW).is_in(bad[ROW].implode())) if bad.height else raw
    return good.select(typed), report


def load_transactions(
    path: Path,
    *,
    skip_bad_rows: bool = False,
    reject_path: Path | None = None,
    currency_rates: Mapping[str, float] | None = None,
    shape: Callable[[pl.LazyFrame], pl.LazyFrame] | None = None,
) -> tuple[pl.DataFrame, ReadReport]:
    """As `scan_transactions`, but the good rows in memory after one pass over the file: each row
    is typed and marked good or bad as it is read; only when a row is bad (or a tx_id repeats)
    is the file read again, by the same checks as `scan_transactions`, to word the problems.
    `shape` maps the typed rows (the reader's columns) to the columns wanted in memory; it must
    keep `tx_id` and the row order."""
    path = Path(path)
    fmt = file_format(path)
    raw = _raw(path, fmt)
    rates = currency_rates or {"IDR": 1.0}
    frame = _typed_frame(raw, rates, path)
    if shape is not None:
        frame = shape(frame)
    try:
        loaded = frame.collect(engine="streaming")
    except pl.exceptions.PolarsError as exc:
        raise ScreeningInputError(_locate_unreadable(path, fmt, exc)) from None
    total = loaded.height
    if not loaded[BAD].any() and not _repeats(loaded["tx_id"]):
        return loaded.drop(BAD), ReadReport(path, fmt, total, 0)
    try:
        bad = _bad_rows(raw, _parsed(raw, rates, path)[1])
    except pl.exceptions.PolarsError as exc:
        raise ScreeningInputError(_locate_unreadable(path, fmt, exc)) from None
    if not bad.height:
        return loaded.drop(BAD), ReadReport(path, fmt, total, 0)
    row, problem = bad.row(0)[:2]
    first = f"{place(path, fmt, row)}, {problem}"
    if not skip_bad_rows:
        raise ScreeningInputError(first)
    target = reject_path or path.with_name(f"{path.stem}.rejects{'.csv' if fmt == 'csv' else '.jsonl'}")
    _write_rejects(bad, fmt, path, target)
    good = loaded.filter(~pl.int_range(1, pl.len() + 1).is_in(bad[ROW].implode())).drop(BAD)
    return good, ReadReport(path, fmt, total, bad.height, target, first)


def _repeats(ids: pl.Series) -> bool:
    """Whether a tx_id occurs twice (missing and empty ones are bad rows of their own)."""
    if ids.null_count() or (ids == "").any():
        return True
    if bool((ids.shift(1) < ids).fill_null(True).all()):  # ascending without equal neighbours
        return False
    return ids.n_unique() < ids.len()


def _bad_rows(raw: pl.LazyFrame, problems: list[pl.Expr]) -> pl.DataFrame:
    """Rows with a problem: row number, the first problem in column order, the values as read.
    A repeated tx_id is a problem of the repeating rows (evidence must name one transaction)."""
    problem = pl.coalesce(problems).alias("error")
    checked = raw.select(pl.col(ROW), problem, *_raw_values(raw)).filter(pl.col("error").is_not_null())
    value_errors = checked.collect(engine="streaming")
    ids = raw.select(pl.col(ROW), pl.col("tx_id").cast(pl.String).str.strip_chars().alias("_id"))
    repeated = (
        ids.filter(pl.col("_id").is_not_null() & (pl.col("_id") != ""))
        .filter(pl.col("_id").is_duplicated())
        .with_columns(pl.col(ROW).min().over("_id").alias("_first"))
        .filter(pl.col(ROW) != pl.col("_first"))
        .collect()
    )
    if repeated.height:
        extra = (
            raw.filter(pl.col(ROW).is_in(repeated[ROW].implode()))
            .join(repeated.lazy().select(ROW, "_first"), on=ROW)
            .select(
                pl.col(ROW),
                pl.format(
                    "column 'tx_id': repeats the tx_id of data row {} ({})", "_first", pl.col("tx_id").cast(pl.String)
                ).alias("error"),
                *_raw_values(raw),
            )
            .filter(~pl.col(ROW).is_in(value_errors[ROW].implode()))
            .collect()
        )
        value_errors = pl.concat([value_errors, extra], how="vertical_relaxed")
    return value_errors.sort(ROW)


def _locate_unreadable(path: Path, fmt: str, exc: Exception) -> str:
    """Polars names no line when a CSV row or JSON line cannot be parsed; find it plainly."""
    if fmt == "jsonl":
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                try:
                    if line.strip() and not isinstance(json.loads(line), dict):
                        raise ValueError
                except ValueError:
                    return f"{path}: row {number} is not a JSON object"
    if fmt == "csv":
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            reader = csv.reader(handle)
            width = len(next(reader, []))
            for row in reader:
                if len(row) != width:
                    return f"{path}: line {reader.line_num}: {len(row)} fields where the header has {width}"
    return f"{path}: not a readable {fmt} file ({str(exc).splitlines()[0]})"


def _write_rejects(bad: pl.DataFrame, fmt: str, source: Path, target: Path) -> None:
    """CSV rejects keep the input's columns plus `error`, so they can be fixed and screened again;
    other formats write one JSON object per line: {"row", "error", "values"}."""
    with atomic_file(target) as handle:
        if fmt == "csv":
            columns = [c for c in bad.columns if c not in (ROW, "error")]
            text = bad.select(*columns, pl.format("line {}: {}", pl.col(ROW) + 1, "error").alias("error"))
            buffer = io.StringIO()
            text.write_csv(buffer)
            handle.write(buffer.getvalue().encode("utf-8"))
            return
        for item in bad.iter_rows(named=True):
            values = {k: v for k, v in item.items() if k not in (ROW, "error")}
            line = {"row": item[ROW], "error": item["error"], "values": values}
            handle.write((json.dumps(line, ensure_ascii=False, default=_json_default) + "\n").encode("utf-8"))


def _json_default(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def read_transactions_by_id(
    path: Path, tx_ids: set[str], *, currency_rates: Mapping[str, float] | None = None
) -> list[dict]:
    """The good rows with these tx_ids, checked and normalised as for screening (timestamp an
    aware UTC datetime, `amount_idr` whole rupiah): the evidence of alerts raised from a run."""
    path = Path(path)
    raw = _raw(path, file_format(path))
    wanted = raw.filter(pl.col("tx_id").cast(pl.String).str.strip_chars().is_in(sorted(tx_ids)))
    typed, problems = _parsed(wanted, currency_rates or {"IDR": 1.0}, path)
    rows = (
        wanted.filter(pl.coalesce(problems).is_null())
        .select(typed)
        .unique("tx_id", keep="first", maintain_order=True)
        .drop(ROW)
        .collect()
    )
    return rows.to_dicts()
