"""The screening engine: the catalogue's rules as Polars queries over a whole export.

The export is read once (reader.load_transactions) into compact columns: accounts and notes as
whole numbers (an account's number is its rank in alphabetical order, so ordering by number is
ordering by name), transactions by their position. Every rule is a handful of sorts, group-bys
and joins over them (or over their two "legs": each transaction seen from the sender and from
the receiver); no Python runs per row.

A rule first runs over everything to find the accounts it fires for, cheaply: it narrows to the
accounts that could fire (for example, a window of 7 days lies within two consecutive 7-day
buckets, so an account with fewer than 10 distinct senders in every pair of buckets cannot reach
10 in a window) before the exact computation. Scores are summed per account; only accounts that
reach the threshold are run through the rules again, alone, to gather their evidence and the
numbers their explanations need, and get them written by the same functions the pure-Python
reference uses (explain.py), so the two agree word for word.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from coordination.screening import explain, notes
from coordination.screening.explain import Found
from coordination.screening.model import FlaggedAccount, ScreeningResult
from coordination.screening.policy import CHANNELS, ScreeningPolicy
from coordination.screening.reader import BAD, load_transactions

TX_COLUMNS = (
    "tx_id",
    "timestamp",
    "amount_idr",
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
)
Progress = Callable[[str, float], None]
ACCOUNT = pl.UInt32
_NO_ACCOUNTS = pl.Series("account", [], ACCOUNT)


@dataclass(frozen=True)
class Transactions:
    """The export in compact columns. `frame`: i (position), ts, amount, ch (index into CHANNELS),
    s and r (account numbers), sb and rb (birth dates), xb (cross-border), note (note number).
    `who`: names and countries of both sides, by position, for the identities of flagged
    accounts. `ids`, `accounts`, `notes`: the strings behind positions and numbers."""

    frame: pl.DataFrame
    who: pl.DataFrame
    ids: pl.Series
    accounts: pl.Series
    notes: pl.Series
    ids_ascending: bool


def _categorical() -> pl.DataType:
    """A fresh dictionary per run (dropped with the run's data), where Polars has them."""
    categories = getattr(pl, "Categories", None)
    return pl.Categorical(categories.random()) if categories is not None else pl.String()


def _codes(columns: list[pl.Series], ranked: bool) -> tuple[list[pl.Series], pl.Series]:
    """Whole numbers for the strings of some columns (one numbering for all of them) and the
    strings by number; `ranked`: numbered in alphabetical order."""
    if all(isinstance(c.dtype, pl.Categorical) for c in columns) and getattr(pl, "Categories", None) is not None:
        dictionary = columns[0].dtype.categories.to_series()  # type: ignore[attr-defined]
        physical = [c.to_physical() for c in columns]
    else:
        text = [c.cast(pl.String) for c in columns]
        dictionary = pl.concat(text).drop_nulls().unique().sort()
        kind = pl.Enum(dictionary)
        return [c.cast(kind).to_physical().cast(ACCOUNT) for c in text], dictionary
    if not ranked:
        return [c.cast(ACCOUNT) for c in physical], dictionary
    order = dictionary.arg_sort(nulls_last=True).to_numpy()
    rank = np.empty(len(order), dtype=np.uint32)
    rank[order] = np.arange(len(order), dtype=np.uint32)
    lookup = pl.Series(rank)
    return [lookup.gather(c).cast(ACCOUNT) for c in physical], dictionary.gather(order)


def _shape(frame: pl.LazyFrame) -> pl.LazyFrame:
    """What the engine keeps of the reader's typed rows, applied while the file is read."""
    accounts, names, countries, texts = _categorical(), _categorical(), _categorical(), _categorical()
    return frame.select(
        "tx_id",
        pl.col("timestamp").alias("ts"),
        pl.col("amount_idr").alias("amount"),
        pl.col("channel").cast(pl.Enum(CHANNELS), strict=False).to_physical().alias("ch"),
        pl.col("sender_account", "receiver_account").cast(accounts),
        pl.col("sender_birth_date", "receiver_birth_date"),
        (pl.col("sender_country") != pl.col("receiver_country")).alias("xb"),
        pl.col("note").cast(texts),
        pl.col("sender_name", "receiver_name").cast(names),
        pl.col("sender_country", "receiver_country").cast(countries),
        BAD,
    )


def _compact(frame: pl.DataFrame) -> Transactions:
    (s, r), accounts = _codes([frame["sender_account"], frame["receiver_account"]], ranked=True)
    (note,), texts = _codes([frame["note"]], ranked=False)
    ch = frame["ch"] if "ch" in frame.columns else frame["channel"].cast(pl.Enum(CHANNELS)).to_physical()
    ts = frame["ts"] if "ts" in frame.columns else frame["timestamp"]
    amount = frame["amount"] if "amount" in frame.columns else frame["amount_idr"]
    if "xb" in frame.columns:
        xb = frame["xb"]
    else:
        xb = frame.select(pl.col("sender_country") != pl.col("receiver_country")).to_series()
    ids = frame["tx_id"].cast(pl.String)
    core = pl.DataFrame(
        {
            "i": pl.int_range(0, frame.height, dtype=pl.UInt32, eager=True),
            "ts": ts,
            "amount": amount,
            "ch": ch.cast(pl.UInt8),
            "s": s,
            "r": r,
            "sb": frame["sender_birth_date"].cast(pl.Date),
            "rb": frame["receiver_birth_date"].cast(pl.Date),
            "xb": xb,
            "note": note,
        }
    )
    who = pl.DataFrame(
        {
            "s": s,
            "r": r,
            "sn": frame["sender_name"],
            "rn": frame["receiver_name"],
            "sc": frame["sender_country"],
            "rc": frame["receiver_country"],
            "sb": core["sb"],
            "rb": core["rb"],
        }
    )
    ascending = bool((ids.shift(1) < ids).fill_null(True).all())
    return Transactions(core, who, ids, accounts, texts, ascending)


def _from_frame(frame: pl.LazyFrame | pl.DataFrame) -> Transactions:
    """A frame with the reader's columns, as Python rows make it (tests, notebooks)."""
    eager = (
        frame.lazy()
        .select(*TX_COLUMNS)
        .with_columns(
            pl.col("note", "sender_name", "receiver_name", "sender_country", "receiver_country").cast(pl.String),
            pl.col("sender_birth_date", "receiver_birth_date").cast(pl.Date),
        )
        .collect()
    )
    return _compact(eager)


def _age(birth: str, offset_minutes: int) -> pl.Expr:
    """Whole years on the local calendar day of the transaction."""
    local = pl.col("ts") + pl.duration(minutes=offset_minutes)
    born = pl.col(birth)
    before_birthday = (local.dt.month().cast(pl.Int32) * 100 + local.dt.day()) < (
        born.dt.month().cast(pl.Int32) * 100 + born.dt.day()
    )
    return local.dt.year().cast(pl.Int32) - born.dt.year().cast(pl.Int32) - before_birthday.cast(pl.Int32)


def _only(q: pl.LazyFrame, only: pl.Series | None, *columns: str) -> pl.LazyFrame:
    """Rows that concern the given accounts (in any of `columns`); all rows without `only`."""
    if only is None:
        return q
    wanted = only.implode()
    return q.filter(pl.any_horizontal(pl.col(c).is_in(wanted) for c in columns))


def _legs(q: pl.LazyFrame, direction: str, **pairs: tuple[str, str]) -> pl.LazyFrame:
    """Each transaction from the sender's side (outgoing) and the receiver's side (incoming):
    `account`, `cp` (the counterparty) and `outgoing`; for each name=(sender's column, receiver's
    column) the account's own value as name and the counterparty's as name + "_cp"; the other
    columns as they are."""
    paired = {c for pair in pairs.values() for c in pair}
    parts = []
    for outgoing in (True, False):
        if direction != "any" and outgoing != (direction == "outgoing"):
            continue
        mine, theirs = ("s", "r") if outgoing else ("r", "s")
        picked = [pl.col(mine).alias("account"), pl.col(theirs).alias("cp"), pl.lit(outgoing).alias("outgoing")]
        for name, (sender, receiver) in pairs.items():
            own, other = (sender, receiver) if outgoing else (receiver, sender)
            picked += [pl.col(own).alias(name), pl.col(other).alias(f"{name}_cp")]
        parts.append(q.select(*picked, pl.exclude("s", "r", *paired)))
    return pl.concat(parts)


def _window_us(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


# ---- counterparty_burst


def _burst_legs(
    tx: Transactions, p: Mapping[str, Any], policy: ScreeningPolicy, only: pl.Series | None
) -> pl.LazyFrame:
    offset = policy.local_offset_minutes
    q = tx.frame.lazy().select("i", "ts", "amount", "xb", "s", "r", "sb", "rb")
    if p["max_amount"] is not None:
        q = q.filter(pl.col("amount") <= p["max_amount"])
    if p["cross_border_only"]:
        q = q.filter(pl.col("xb"))
    legs = _legs(q, p["direction"], birth=("sb", "rb"))
    if only is not None:
        legs = legs.filter(pl.col("account").is_in(only.implode()))
    age = pl.lit(None, pl.Int32)
    if p["account_max_age"] is not None:
        age = _age("birth", offset)
        legs = legs.filter(age <= p["account_max_age"])
    if p["counterparty_min_age"] is not None:
        legs = legs.filter((_age("birth_cp", offset) >= p["counterparty_min_age"]).fill_null(True))
    return legs.select("account", "cp", "ts", "i", "amount", "xb", age.alias("age"))


def _burst_best(legs: pl.LazyFrame, window: timedelta, least: int) -> pl.LazyFrame:
    """Most distinct counterparties in any window (t - W, t]. Each (account, counterparty) pair
    covers [first, last + W) for every run of its transactions less than W apart; the largest
    number of overlapping covers, found by a sweep over cover starts and ends, is the answer,
    and the earliest moment it is reached is the end of the evidence window."""
    pair = ["account", "cp"]
    ordered = legs.select(*pair, "ts").sort(*pair, "ts")
    starts = (
        (pl.col("account") != pl.col("account").shift(1))
        | (pl.col("cp") != pl.col("cp").shift(1))
        | (pl.col("ts") - pl.col("ts").shift(1) >= window)
    ).fill_null(True)
    covers = (
        ordered.with_columns(run=starts.cum_sum())
        .group_by("run")
        .agg(pl.col("account").first(), start=pl.col("ts").min(), end=pl.col("ts").max() + window)
    )
    events = pl.concat(
        [
            covers.select("account", pl.col("start").alias("at"), pl.lit(1, pl.Int32).alias("step")),
            covers.select("account", pl.col("end").alias("at"), pl.lit(-1, pl.Int32).alias("step")),
        ]
    ).sort("account", "at", "step")
    # every cover that opens also closes, so the running total is back at 0 between accounts
    return (
        events.with_columns(level=pl.col("step").cum_sum())
        .filter(pl.col("step") == 1)
        .group_by("account")
        .agg(
            pl.col("level").max().alias("best"),
            pl.col("at").filter(pl.col("level") == pl.col("level").max()).min().alias("window_end"),
        )
        .filter(pl.col("best") >= least)
    )


def _share_kept(best: pl.LazyFrame, tx: Transactions, p: Mapping[str, Any]) -> pl.LazyFrame:
    """With min_share_percent: only accounts whose counted counterparties are at least that share
    of all their counterparties in the rule's direction, in the whole export."""
    if p["min_share_percent"] is None:
        return best
    best = best.collect().lazy()
    legs = _legs(tx.frame.lazy().select("s", "r"), p["direction"]).join(best, on="account", how="semi")
    everyone = legs.group_by("account").agg(pl.col("cp").n_unique().alias("everyone"))
    return (
        best.join(everyone, on="account")
        .filter(pl.col("best") * 100 >= p["min_share_percent"] * pl.col("everyone"))
        .drop("everyone")
    )


def counterparty_burst(
    tx: Transactions, p: Mapping[str, Any], policy: ScreeningPolicy, only: pl.Series | None = None
) -> pl.DataFrame:
    window = timedelta(days=p["window_days"])
    least = p["min_counterparties"]
    legs = _burst_legs(tx, p, policy, only)
    if only is None:
        q = legs.select("account", "cp", "ts").collect().lazy()
        # Narrowing: enough counterparties in all, then in some pair of consecutive windows.
        wide = q.group_by("account").agg(pl.col("cp").n_unique().alias("n")).filter(pl.col("n") >= least)
        seen = (
            q.join(wide, on="account", how="semi")
            .select("account", "cp", (pl.col("ts").dt.epoch("us") // _window_us(window)).alias("k"))
            .unique()
        )
        near = (
            pl.concat([seen, seen.with_columns(pl.col("k") - 1)])
            .group_by("account", "k")
            .agg(pl.col("cp").n_unique().alias("n"))
            .filter(pl.col("n") >= least)
            .select("account")
            .unique()
        )
        q = q.join(near, on="account", how="semi")
        return _share_kept(_burst_best(q, window, least), tx, p).select("account").collect()
    q = legs.collect().lazy()
    best = _share_kept(_burst_best(q, window, least), tx, p)
    return (
        q.join(best, on="account")
        .filter((pl.col("ts") > pl.col("window_end") - window) & (pl.col("ts") <= pl.col("window_end")))
        .group_by("account")
        .agg(
            pl.col("cp").n_unique().alias("counterparties"),
            (pl.col("ts").max() - pl.col("ts").min()).dt.total_microseconds().alias("span"),
            pl.col("amount").median().alias("median"),
            pl.col("cp").filter(pl.col("xb")).n_unique().alias("abroad"),
            pl.col("age").min().alias("age"),
            pl.col("i").unique().alias("tx_ids"),
        )
        .collect()
    )


# ---- repeated_amount


def _channels(names: Any) -> list[int]:
    return [CHANNELS.index(c) for c in names]


def repeated_amount(tx: Transactions, p: Mapping[str, Any], only: pl.Series | None = None) -> pl.DataFrame:
    """Per (sender, receiver, amount): the most repeats within any window (t - W, t]."""
    window = timedelta(days=p["window_days"])
    key = ["s", "r", "amount"]
    chosen = tx.frame.lazy().select(*key, "ts", "i", "ch")
    if p["channels"] is not None:
        chosen = chosen.filter(pl.col("ch").is_in(_channels(p["channels"])))
    chosen = _only(chosen, only, "s", "r")
    often = chosen.group_by(key).agg(pl.len().alias("n")).filter(pl.col("n") >= p["min_repeats"]).drop("n")
    series = (
        chosen.join(often, on=key, how="semi")
        .select(*key, "ts", "i")
        .sort(*key, "ts")
        .with_columns(
            n=pl.col("ts")
            .is_not_null()
            .cast(pl.Int32)
            .rolling_sum_by("ts", window_size=window, closed="right")
            .over(key)
        )
        .collect()
        .lazy()
    )
    best = (
        series.group_by(key)
        .agg(pl.col("n").max().alias("times"), pl.col("ts").filter(pl.col("n") == pl.col("n").max()).min().alias("end"))
        .filter(pl.col("times") >= p["min_repeats"])
    )
    if only is None:
        return (
            pl.concat([best.select(pl.col("s").alias("account")), best.select(pl.col("r").alias("account"))])
            .unique()
            .collect()
        )
    found = (
        series.join(best, on=key)
        .filter((pl.col("ts") > pl.col("end") - window) & (pl.col("ts") <= pl.col("end")))
        .group_by(key)
        .agg(
            pl.col("times").first(),
            (pl.col("ts").max() - pl.col("ts").min()).dt.total_microseconds().alias("span"),
            pl.col("i"),
        )
    )
    roles = pl.concat(
        [
            found.select(
                pl.col(a).alias("account"),
                pl.col(b).alias("cp"),
                pl.lit(sent).alias("sent"),
                "amount",
                "times",
                "span",
                "i",
            )
            for a, b, sent in (("s", "r", True), ("r", "s", False))
        ]
    )
    return (
        roles.sort("account", "times", "amount", "cp", "sent", descending=[False, True, True, False, True])
        .group_by("account", maintain_order=True)
        .agg(
            pl.col("amount").first(),
            pl.col("times").first(),
            pl.col("span").first(),
            pl.col("sent").first(),
            (pl.len() - 1).alias("more"),
            pl.col("i").list.explode(keep_nulls=False, empty_as_null=False).unique().alias("tx_ids"),
        )
        .collect()
    )


# ---- note_keywords


def _matched(form: pl.Expr, patterns: Mapping[str, str]) -> pl.Expr:
    if not patterns:
        return pl.lit([], pl.List(pl.String))
    return pl.concat_list(
        [pl.when(form.str.contains(p)).then(pl.lit(label)) for label, p in patterns.items()]
    ).list.drop_nulls()


def note_keywords(tx: Transactions, p: Mapping[str, Any], only: pl.Series | None = None) -> pl.DataFrame:
    """Each distinct note is normalised and matched once, then joined to the transactions that
    carry it by its number."""
    letters = (
        pl.col("text")
        .str.to_lowercase()
        .str.replace_many(notes.DIGITS_AS_LETTERS)
        .str.replace_all(notes.NOT_LETTERS, " ")
        .str.strip_chars()
    )
    digits = pl.col("text").str.to_lowercase().str.replace_all(notes.NOT_LETTERS_OR_DIGITS, " ").str.strip_chars()
    ordinal = notes.ordinal_pattern(p)
    if ordinal:
        digits = digits.str.replace_all(ordinal, " ")
    age = notes.age_pattern(p)
    codes = _matched(letters, notes.code_patterns(p))
    if age:
        codes = pl.concat_list(
            [
                codes,
                pl.when(digits.str.contains(age))
                .then(pl.lit([notes.AGE_LABEL]))
                .otherwise(pl.lit([], pl.List(pl.String))),
            ]
        )
    matched = (
        pl.DataFrame({"text": tx.notes.cast(pl.String)})
        .with_row_index("note")
        .with_columns(pl.col("note").cast(ACCOUNT))
        .lazy()
        .drop_nulls("text")
        .with_columns(codes.alias("codes"), _matched(letters, notes.disguise_patterns(p)).alias("phrases"))
        .filter((pl.col("codes").list.len() > 0) | (pl.col("phrases").list.len() > 0))
        .select("note", "codes", "phrases")
        .collect()
    )
    carried = tx.frame.lazy().select("s", "r", "i", "note").join(matched.lazy(), on="note")
    hits = _legs(carried, "any")
    if only is not None:
        hits = hits.filter(pl.col("account").is_in(only.implode()))
    coded = pl.col("codes").list.len() > 0
    masked = pl.col("phrases").list.len() > 0
    per_account = hits.group_by("account").agg(
        pl.col("i").filter(coded).n_unique().alias("coded"),
        pl.col("codes").list.explode(keep_nulls=False, empty_as_null=False).unique().alias("coded_words"),
        pl.col("cp").filter(coded).n_unique().alias("coded_parties"),
        pl.col("i").filter(masked).n_unique().alias("disguised"),
        pl.col("phrases").list.explode(keep_nulls=False, empty_as_null=False).unique().alias("disguise_words"),
        pl.col("cp").filter(masked).n_unique().alias("disguise_parties"),
        pl.col("i").filter(coded).unique().alias("coded_tx"),
        pl.col("i").filter(masked).unique().alias("disguise_tx"),
    )
    enough = pl.col("disguise_parties") >= p["disguise_min_counterparties"]
    return (
        per_account.with_columns(
            pl.when(enough).then(pl.col("disguised")).otherwise(0).alias("disguised"),
            pl.when(enough)
            .then(pl.col("disguise_words"))
            .otherwise(pl.lit([], pl.List(pl.String)))
            .alias("disguise_words"),
            pl.when(enough).then(pl.col("disguise_parties")).otherwise(0).alias("disguise_parties"),
            pl.when(enough)
            .then(pl.concat_list("coded_tx", "disguise_tx").list.unique())
            .otherwise(pl.col("coded_tx"))
            .alias("tx_ids"),
        )
        .filter((pl.col("coded") > 0) | (pl.col("disguised") > 0))
        .collect()
    )


# ---- escalating_payments


def escalating_payments(
    tx: Transactions, p: Mapping[str, Any], policy: ScreeningPolicy, only: pl.Series | None = None
) -> pl.DataFrame:
    """From a pair's first payment: the run of strictly rising payments within the window."""
    window = timedelta(hours=p["window_hours"])
    pair = ["s", "r"]
    q = _only(tx.frame.lazy().select(*pair, "ts", "i", "amount", "sb"), only, "s", "r")
    possible = (
        q.group_by(pair)
        .agg(pl.len().alias("n"), pl.col("sb").is_not_null().any().alias("dated"))
        .filter((pl.col("n") >= p["min_payments"]) & pl.col("dated"))
        .select(pair)
    )
    rows = q.join(possible, on=pair, how="semi")
    # Equal times within a pair are taken in tx_id order, as the reference does.
    tie = pl.col("i")
    if not tx.ids_ascending:
        rows = rows.with_columns(pl.col("i").map_batches(tx.ids.gather, return_dtype=pl.String).alias("tid"))
        tie = pl.col("tid")
    first = pl.col("ts").first().over(pair)
    runs = (
        rows.sort(*pair, "ts", tie)
        .with_columns(
            age=_age("sb", policy.local_offset_minutes).first().over(pair),
            rising=(pl.col("amount") > pl.col("amount").shift(1).over(pair)).fill_null(True)
            & (pl.col("ts") - first <= window),
        )
        .filter(pl.col("age") <= p["payer_max_age"])
        .filter(pl.col("rising").cast(pl.Int8).cum_min().over(pair) == 1)
        .group_by(pair)
        .agg(
            pl.len().alias("payments"),
            pl.col("amount").first().alias("first"),
            pl.col("amount").last().alias("last"),
            (pl.col("ts").last() - pl.col("ts").first()).dt.total_microseconds().alias("span"),
            pl.col("age").first(),
            pl.col("i"),
        )
        .filter(pl.col("payments") >= p["min_payments"])
        .collect()
        .lazy()
    )
    if only is None:
        return (
            pl.concat([runs.select(pl.col("s").alias("account")), runs.select(pl.col("r").alias("account"))])
            .unique()
            .collect()
        )
    roles = pl.concat(
        [
            runs.select(pl.col(a).alias("account"), pl.col(b).alias("cp"), pl.lit(paid).alias("paid"), pl.exclude(pair))
            for a, b, paid in (("s", "r", True), ("r", "s", False))
        ]
    )
    return (
        roles.sort("account", "payments", "last", "cp", "paid", descending=[False, True, True, False, True])
        .group_by("account", maintain_order=True)
        .agg(
            pl.col("payments", "first", "last", "span", "paid", "age").first(),
            (pl.len() - 1).alias("more"),
            pl.col("i").list.explode(keep_nulls=False, empty_as_null=False).unique().alias("tx_ids"),
        )
        .collect()
    )


# ---- odd_hours


def odd_hours(
    tx: Transactions, p: Mapping[str, Any], policy: ScreeningPolicy, only: pl.Series | None = None
) -> pl.DataFrame:
    hour = (pl.col("ts") + pl.duration(minutes=policy.local_offset_minutes)).dt.hour()
    start, end = p["start_hour"], p["end_hour"]
    odd = (hour >= start) & (hour < end) if start < end else (hour >= start) | (hour < end)
    # The night a moment belongs to: its local date once the span's start is moved to midnight,
    # so 23:30 and 01:00 the next day are one night when the span runs from 23 to 5.
    night = (pl.col("ts") + pl.duration(minutes=policy.local_offset_minutes - 60 * start)).dt.date()
    q = tx.frame.lazy().select("s", "r", "i", odd.alias("odd"), night.alias("night"))
    legs = _legs(q, "any")
    if only is not None:
        legs = legs.filter(pl.col("account").is_in(only.implode()))
    many = (
        legs.filter(pl.col("odd"))
        .group_by("account")
        .agg(pl.len().alias("n"))
        .filter(pl.col("n") >= p["min_transactions"])
        .select("account")
        .collect()
    )
    chosen = legs.join(many.lazy(), on="account", how="semi")
    found = (
        chosen.group_by("account")
        .agg(
            pl.col("i").filter(pl.col("odd")).n_unique().alias("odd"),
            pl.col("i").n_unique().alias("total"),
            pl.col("night").filter(pl.col("odd")).n_unique().alias("nights"),
        )
        .filter(
            (pl.col("odd") >= p["min_transactions"])
            & (pl.col("odd") * 100 >= p["min_share_percent"] * pl.col("total"))
            & (pl.col("nights") >= p["min_nights"])
        )
    )
    if only is None:
        return found.select("account").collect()
    evidence = chosen.filter(pl.col("odd")).group_by("account").agg(pl.col("i").unique().alias("tx_ids"))
    return found.join(evidence, on="account").collect()


# ---- pass_through


def pass_through(tx: Transactions, p: Mapping[str, Any], only: pl.Series | None = None) -> pl.DataFrame:
    """An incoming payment at t passes through when the money received in (t - H, t] (it and the
    payments pooled before it) reaches min_amount and at least the share of it is paid out in
    (t, t + H]. Both sums come from running totals per account, looked up at t - H, t and t + H
    (as-of joins), so no pair of transactions is ever formed."""
    window = timedelta(hours=p["window_hours"])
    frame = tx.frame.lazy().select("s", "r", "ts", "i", "amount")
    incoming = frame.select(pl.col("r").alias("account"), "ts", "i", "amount")
    if only is not None:
        incoming = incoming.filter(pl.col("account").is_in(only.implode()))
    # Narrowing, on window-sized buckets: a payment in bucket k pools money from buckets k - 1 and
    # k only and can be passed on in buckets k and k + 1 only; an account needs min_occurrences
    # payments in buckets where both could happen.
    bucket = (pl.col("ts").dt.epoch("us") // _window_us(window)).alias("k")
    per_bucket = incoming.group_by("account", bucket).agg(pl.len().alias("n"), pl.col("amount").sum().alias("total"))
    pooling = (
        per_bucket.join(
            per_bucket.select("account", pl.col("k") + 1, pl.col("total").alias("before")),
            on=["account", "k"],
            how="left",
        )
        .filter(pl.col("total") + pl.col("before").fill_null(0) >= p["min_amount"])
        .select("account", "k", "n")
        .filter(pl.col("n").sum().over("account") >= p["min_occurrences"])
        .collect()
        .lazy()
    )
    paying = (
        frame.select(pl.col("s").alias("account"), bucket)
        .join(pooling.select("account").unique(), on="account", how="semi")
        .unique()
    )
    receivers = (
        pooling.join(pl.concat([paying, paying.with_columns(pl.col("k") - 1)]), on=["account", "k"], how="semi")
        .group_by("account")
        .agg(pl.col("n").sum())
        .filter(pl.col("n") >= p["min_occurrences"])
        .select("account")
        .collect()
        .lazy()
    )
    incoming = incoming.join(receivers, on="account", how="semi").collect().lazy()
    outgoing = (
        frame.select(pl.col("s").alias("account"), "ts", "i", "amount")
        .join(receivers, on="account", how="semi")
        .collect()
        .lazy()
    )

    def running(legs: pl.LazyFrame) -> pl.LazyFrame:
        """Each account's total so far at every moment it moved money (ties summed together)."""
        return (
            legs.group_by("account", "ts")
            .agg(pl.col("amount").sum())
            .sort("account", "ts")
            .select("account", "ts", pl.col("amount").cum_sum().over("account").alias("total"))
            .sort("ts")
            .collect()
            .lazy()
        )

    def total_at(q: pl.LazyFrame, totals: pl.LazyFrame, moment: str, name: str) -> pl.LazyFrame:
        """The running total at or before `moment` as `name` (0 before the first)."""
        return (
            q.sort(moment)
            .join_asof(
                totals.rename({"ts": moment, "total": name}),
                on=moment,
                by="account",
                strategy="backward",
                check_sortedness=False,
            )
            .with_columns(pl.col(name).fill_null(0))
        )

    received, paid = running(incoming), running(outgoing)
    q = incoming.with_columns((pl.col("ts") - window).alias("since"), (pl.col("ts") + window).alias("until"))
    q = total_at(q, received, "ts", "in_now")
    q = total_at(q, received, "since", "in_before")
    q = total_at(q, paid, "ts", "out_now")
    q = total_at(q, paid, "until", "out_until")
    pool = pl.col("in_now") - pl.col("in_before")
    passed = (
        q.filter(
            (pool >= p["min_amount"])
            & ((pl.col("out_until") - pl.col("out_now")) * 100 >= p["min_out_share_percent"] * pool)
        )
        .filter(pl.len().over("account") >= p["min_occurrences"])
        .select("account", "since", "ts", "until")
        .collect()
    )
    if only is None:
        return passed.select("account").unique()
    moments = passed.lazy().rename({"ts": "at"})
    pooled = (
        incoming.join(moments, on="account")
        .filter((pl.col("ts") > pl.col("since")) & (pl.col("ts") <= pl.col("at")))
        .unique(["account", "i"])
        .group_by("account")
        .agg(pl.len().alias("occurrences"), pl.col("amount").sum().alias("total_in"), pl.col("i").alias("in_tx"))
    )
    outs = (
        outgoing.join(moments, on="account")
        .filter((pl.col("ts") > pl.col("at")) & (pl.col("ts") <= pl.col("until")))
        .unique(["account", "i"])
        .group_by("account")
        .agg(pl.col("amount").sum().alias("total_out"), pl.col("i").alias("out_tx"))
    )
    return (
        pooled.join(outs, on="account")
        .with_columns(pl.concat_list("in_tx", "out_tx").list.unique().alias("tx_ids"))
        .collect()
    )


# ---- channel_with_other_signal


def channel_stats(tx: Transactions, p: Mapping[str, Any], only: pl.Series | None = None) -> pl.DataFrame:
    q = tx.frame.lazy().select("s", "r", "i", "ch").filter(pl.col("ch").is_in(_channels(p["channels"])))
    legs = _legs(q, p["direction"])
    if only is not None:
        legs = legs.filter(pl.col("account").is_in(only.implode()))
    busy = legs.group_by("account").agg(pl.len().alias("n")).filter(pl.col("n") >= p["min_transactions"])
    found = (
        legs.join(busy, on="account", how="semi")
        .group_by("account")
        .agg(
            pl.col("i").n_unique().alias("transactions"),
            pl.col("cp").n_unique().alias("counterparties"),
            *(
                [pl.col("ch").unique().alias("channels"), pl.col("i").unique().alias("tx_ids")]
                if only is not None
                else []
            ),
        )
        .filter(
            (pl.col("transactions") >= p["min_transactions"]) & (pl.col("counterparties") >= p["min_counterparties"])
        )
    )
    return found.collect()


# ---- scoring and explanations


def _run(
    tx: Transactions, indicator_type: str, p: Mapping[str, Any], policy: ScreeningPolicy, only: pl.Series | None
) -> pl.DataFrame:
    if indicator_type == "counterparty_burst":
        return counterparty_burst(tx, p, policy, only)
    if indicator_type == "repeated_amount":
        return repeated_amount(tx, p, only)
    if indicator_type == "note_keywords":
        return note_keywords(tx, p, only)
    if indicator_type == "escalating_payments":
        return escalating_payments(tx, p, policy, only)
    if indicator_type == "odd_hours":
        return odd_hours(tx, p, policy, only)
    if indicator_type == "pass_through":
        return pass_through(tx, p, only)
    return channel_stats(tx, p, only)


def _words(rule_type: str, params: Mapping[str, Any], row: dict, policy: ScreeningPolicy) -> tuple[str, str]:
    if rule_type == "counterparty_burst":
        return explain.counterparty_burst(
            params, row["counterparties"], row["span"], row["median"], row["abroad"], row["age"]
        )
    if rule_type == "repeated_amount":
        return explain.repeated_amount(row["amount"], row["times"], row["span"], row["sent"], row["more"])
    if rule_type == "note_keywords":
        return explain.note_keywords(
            row["coded"],
            row["coded_words"],
            row["coded_parties"],
            row["disguised"],
            row["disguise_words"],
            row["disguise_parties"],
        )
    if rule_type == "escalating_payments":
        return explain.escalating_payments(
            row["payments"], row["first"], row["last"], row["span"], row["paid"], row["age"], row["more"]
        )
    if rule_type == "odd_hours":
        return explain.odd_hours(params, row["odd"], row["total"], row["nights"], policy.local_time_label)
    return explain.pass_through(params, row["occurrences"], row["total_in"], row["total_out"])


def _with_ids(found: pl.DataFrame, tx: Transactions) -> pl.DataFrame:
    """tx_ids as the transactions' ids instead of their positions."""
    if not found.height:
        return found.with_columns(pl.lit([], pl.List(pl.String)).alias("tx_ids"))
    flat = found.select(pl.int_range(pl.len()).alias("_k"), "tx_ids").explode("tx_ids").drop_nulls("tx_ids")
    named = flat.with_columns(tx.ids.gather(flat["tx_ids"]).alias("tx_ids")).group_by("_k").agg("tx_ids")
    return (
        found.drop("tx_ids")
        .with_row_index("_k")
        .join(named, on="_k", how="left")
        .sort("_k")
        .drop("_k")
        .with_columns(pl.col("tx_ids").fill_null(pl.lit([], pl.List(pl.String))))
    )


def _screen(tx: Transactions, policy: ScreeningPolicy, report: Progress) -> list[FlaggedAccount]:
    fired: dict[str, pl.Series] = {}
    rules = list(policy.indicators.values())
    for done, indicator in enumerate(rules):
        report(f"rule {indicator.id}", done / len(rules))
        fired[indicator.id] = _run(tx, indicator.type, indicator.params, policy, None)["account"].cast(ACCOUNT)
    report("scoring", 1.0)
    candidates = _candidates(fired, policy)
    only = pl.Series("account", sorted(candidates), ACCOUNT)
    found: dict[int, dict[str, Found]] = defaultdict(dict)
    channels: dict[int, dict[str, tuple]] = defaultdict(dict)
    for indicator in rules if candidates else []:
        ident = indicator.id
        hits = fired[ident].filter(fired[ident].is_in(only.implode()))
        if not hits.len():
            continue
        result = _with_ids(_run(tx, indicator.type, indicator.params, policy, hits), tx)
        for row in result.iter_rows(named=True):
            if indicator.type == "channel_with_other_signal":
                channels[row["account"]][ident] = (
                    frozenset(row["tx_ids"]),
                    row["transactions"],
                    frozenset(CHANNELS[c] for c in row["channels"]),
                    row["counterparties"],
                )
                continue
            en, id_ = _words(indicator.type, indicator.params, row, policy)
            found[row["account"]][ident] = Found(frozenset(row["tx_ids"]), en, id_)
    identities = _identities(tx, only)
    flagged = []
    for code in sorted(candidates):
        result = explain.flag_account(
            tx.accounts[code],
            found.get(code, {}),
            channels.get(code, {}),
            policy,
            identities.get(code, (None, None, None)),
        )
        if result is not None:
            flagged.append(result)
    return explain.ordered(flagged)


def screen_frame(
    frame: pl.LazyFrame | pl.DataFrame, policy: ScreeningPolicy, progress: Progress | None = None
) -> list[FlaggedAccount]:
    """Run every rule of the policy over checked transactions (the reader's columns)."""
    return _screen(_from_frame(frame), policy, progress or (lambda _stage, _share: None))


def _candidates(fired: Mapping[str, pl.Series], policy: ScreeningPolicy) -> set[int]:
    """Accounts whose indicators reach the threshold; only these get explanations written."""
    parts = [pl.DataFrame({"account": accounts, "indicator": ident}) for ident, accounts in fired.items()]
    parts = [p.with_columns(pl.col("indicator").cast(pl.String)) for p in parts if p.height]
    if not parts:
        return set()
    weights = pl.DataFrame(
        {"indicator": list(policy.indicators), "weight": [i.weight for i in policy.indicators.values()]}
    )
    totals = (
        pl.concat(parts)
        .join(weights, on="indicator")
        .group_by("account")
        .agg(pl.col("weight").sum(), pl.col("indicator"))
        .filter(pl.col("weight") >= policy.flag_threshold)
    )
    chosen = set()
    gated = {
        i.id: set(i.params["with_indicators"])
        for i in policy.indicators.values()
        if i.type == "channel_with_other_signal"
    }
    for account, weight, indicators in totals.iter_rows():
        present = set(indicators)
        lost = sum(policy.indicators[g].weight for g, others in gated.items() if g in present and not present & others)
        if weight - lost >= policy.flag_threshold:
            chosen.add(account)
    return chosen


def _identities(tx: Transactions, accounts: pl.Series) -> dict[int, tuple]:
    """Most frequent name, country and birth date of each account (ties: the smallest value)."""
    if not accounts.len():
        return {}
    wanted = accounts.implode()
    rows = tx.who.filter(pl.col("s").is_in(wanted) | pl.col("r").is_in(wanted)).with_columns(
        pl.col("sn", "rn", "sc", "rc").cast(pl.String)
    )

    def top(mine: str, theirs: str) -> dict[int, Any]:
        sides = pl.concat(
            [
                rows.select(pl.col("s").alias("account"), pl.col(mine).alias("value")),
                rows.select(pl.col("r").alias("account"), pl.col(theirs).alias("value")),
            ]
        )
        best = (
            sides.filter(pl.col("account").is_in(wanted))
            .drop_nulls("value")
            .group_by("account", "value")
            .len()
            .sort("account", "len", "value", descending=[False, True, False])
            .group_by("account", maintain_order=True)
            .first()
        )
        return dict(best.select("account", "value").iter_rows())

    names, countries, births = top("sn", "rn"), top("sc", "rc"), top("sb", "rb")
    return {a: (names.get(a), countries.get(a), births.get(a)) for a in accounts.to_list()}


def screen(
    path: Path,
    policy: ScreeningPolicy,
    *,
    skip_bad_rows: bool = False,
    reject_path: Path | None = None,
    progress: Progress | None = None,
) -> ScreeningResult:
    started = time.monotonic()
    report = progress or (lambda _stage, _share: None)
    report("checking the file", 0.0)
    frame, read = load_transactions(
        path,
        skip_bad_rows=skip_bad_rows,
        reject_path=reject_path,
        currency_rates=policy.currency_rates,
        shape=_shape,
    )
    report("reading transactions", 0.1)
    tx = _compact(frame)
    del frame
    seen = np.zeros(len(tx.accounts), dtype=bool)
    seen[tx.frame["s"].to_numpy()] = True
    seen[tx.frame["r"].to_numpy()] = True

    def staged(stage: str, share: float) -> None:
        report(stage, 0.2 + 0.8 * share)

    flagged = _screen(tx, policy, staged)
    return ScreeningResult(flagged, read.rows_read, read.rows_rejected, int(seen.sum()), time.monotonic() - started)
