"""The screening engine: the catalogue's rules as Polars queries over a whole export.

Every rule is a handful of sorts, group-bys and joins over the transactions (or their two
"legs": each transaction seen from the sender and from the receiver); no Python runs per row.
Each rule yields one row per account it fired for, with the numbers its explanation needs and
its evidence. Scores are summed per account; only accounts that reach the threshold get their
explanations written, by the same functions the pure-Python reference uses (explain.py), so
the two agree word for word.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl

from coordination.screening import explain, notes
from coordination.screening.explain import Found
from coordination.screening.model import FlaggedAccount, ScreeningResult
from coordination.screening.policy import ScreeningPolicy
from coordination.screening.reader import scan_transactions

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


def _age(birth: str, offset_minutes: int) -> pl.Expr:
    """Whole years on the local calendar day of the transaction."""
    local = pl.col("ts") + pl.duration(minutes=offset_minutes)
    born = pl.col(birth)
    before_birthday = (local.dt.month().cast(pl.Int32) * 100 + local.dt.day()) < (
        born.dt.month().cast(pl.Int32) * 100 + born.dt.day()
    )
    return local.dt.year().cast(pl.Int32) - born.dt.year().cast(pl.Int32) - before_birthday.cast(pl.Int32)


def _legs(tx: pl.DataFrame) -> pl.DataFrame:
    common = [
        pl.col("ts"),
        pl.col("tx_id"),
        pl.col("amount"),
        pl.col("channel"),
        (pl.col("sender_country") != pl.col("receiver_country")).alias("cross_border"),
        pl.col("note"),
    ]
    out = tx.select(
        pl.col("sender_account").alias("account"),
        pl.col("receiver_account").alias("counterparty"),
        pl.lit(True).alias("outgoing"),
        pl.col("sender_birth_date").alias("account_birth"),
        pl.col("receiver_birth_date").alias("counterparty_birth"),
        *common,
    )
    into = tx.select(
        pl.col("receiver_account").alias("account"),
        pl.col("sender_account").alias("counterparty"),
        pl.lit(False).alias("outgoing"),
        pl.col("receiver_birth_date").alias("account_birth"),
        pl.col("sender_birth_date").alias("counterparty_birth"),
        *common,
    )
    return pl.concat([out, into])


def counterparty_burst(legs: pl.DataFrame, p: Mapping[str, Any], policy: ScreeningPolicy) -> pl.DataFrame:
    """Most distinct counterparties in any window (t - W, t]. Each (account, counterparty) pair
    covers [first, last + W) for every run of its transactions less than W apart; the largest
    number of overlapping covers, found by a sweep over cover starts and ends, is the answer,
    and the earliest moment it is reached is the end of the evidence window."""
    window = timedelta(days=p["window_days"])
    offset = policy.local_offset_minutes
    q = legs.lazy()
    if p["direction"] != "any":
        q = q.filter(pl.col("outgoing") == (p["direction"] == "outgoing"))
    if p["max_amount"] is not None:
        q = q.filter(pl.col("amount") <= p["max_amount"])
    if p["cross_border_only"]:
        q = q.filter(pl.col("cross_border"))
    age = pl.lit(None, pl.Int32)
    if p["account_max_age"] is not None:
        age = _age("account_birth", offset)
        q = q.filter(age <= p["account_max_age"])
    if p["counterparty_min_age"] is not None:
        q = q.filter((_age("counterparty_birth", offset) >= p["counterparty_min_age"]).fill_null(True))
    q = q.select("account", "counterparty", "ts", "tx_id", "amount", "cross_border", age.alias("age"))
    wide = (
        q.group_by("account")
        .agg(pl.col("counterparty").n_unique().alias("n"))
        .filter(pl.col("n") >= p["min_counterparties"])
    )
    q = q.join(wide.select("account"), on="account", how="semi").collect().lazy()
    pair = ["account", "counterparty"]
    covers = (
        q.select(*pair, "ts")
        .sort(*pair, "ts")
        .with_columns(run=(pl.col("ts").diff().over(pair) >= window).fill_null(True).cum_sum().over(pair))
        .group_by(*pair, "run")
        .agg(start=pl.col("ts").min(), end=pl.col("ts").max() + window)
    )
    events = pl.concat(
        [
            covers.select("account", pl.col("start").alias("at"), pl.lit(1, pl.Int32).alias("step")),
            covers.select("account", pl.col("end").alias("at"), pl.lit(-1, pl.Int32).alias("step")),
        ]
    ).sort("account", "at", "step")
    best = (
        events.with_columns(level=pl.col("step").cum_sum().over("account"))
        .filter(pl.col("step") == 1)
        .group_by("account")
        .agg(
            pl.col("level").max().alias("best"),
            pl.col("at").filter(pl.col("level") == pl.col("level").max()).min().alias("window_end"),
        )
        .filter(pl.col("best") >= p["min_counterparties"])
    )
    return (
        q.join(best, on="account")
        .filter((pl.col("ts") > pl.col("window_end") - window) & (pl.col("ts") <= pl.col("window_end")))
        .group_by("account")
        .agg(
            pl.col("counterparty").n_unique().alias("counterparties"),
            (pl.col("ts").max() - pl.col("ts").min()).dt.total_microseconds().alias("span"),
            pl.col("amount").median().alias("median"),
            pl.col("counterparty").filter(pl.col("cross_border")).n_unique().alias("abroad"),
            pl.col("age").min().alias("age"),
            pl.col("tx_id").unique().alias("tx_ids"),
        )
        .collect()
    )


def repeated_amount(tx: pl.DataFrame, p: Mapping[str, Any]) -> pl.DataFrame:
    """Per (sender, receiver, amount): the most repeats within any window (t - W, t]."""
    window = timedelta(days=p["window_days"])
    key = ["sender_account", "receiver_account", "amount"]
    chosen = tx.lazy() if p["channels"] is None else tx.lazy().filter(pl.col("channel").is_in(list(p["channels"])))
    series = (
        chosen.select(*key, "ts", "tx_id")
        .filter(pl.len().over(key) >= p["min_repeats"])
        .sort(*key, "ts")
        .with_columns(
            n=pl.col("ts")
            .is_not_null()
            .cast(pl.Int32)
            .rolling_sum_by("ts", window_size=window, closed="right")
            .over(key)
        )
    )
    best = (
        series.group_by(key)
        .agg(pl.col("n").max().alias("times"), pl.col("ts").filter(pl.col("n") == pl.col("n").max()).min().alias("end"))
        .filter(pl.col("times") >= p["min_repeats"])
    )
    found = (
        series.join(best, on=key)
        .filter((pl.col("ts") > pl.col("end") - window) & (pl.col("ts") <= pl.col("end")))
        .group_by(key)
        .agg(
            pl.col("times").first(),
            (pl.col("ts").max() - pl.col("ts").min()).dt.total_microseconds().alias("span"),
            pl.col("tx_id"),
        )
    )
    roles = pl.concat(
        [
            found.select(
                pl.col("sender_account").alias("account"),
                pl.col("receiver_account").alias("counterparty"),
                pl.lit(True).alias("sent"),
                "amount",
                "times",
                "span",
                "tx_id",
            ),
            found.select(
                pl.col("receiver_account").alias("account"),
                pl.col("sender_account").alias("counterparty"),
                pl.lit(False).alias("sent"),
                "amount",
                "times",
                "span",
                "tx_id",
            ),
        ]
    )
    return (
        roles.sort(
            "account",
            pl.col("times"),
            pl.col("amount"),
            pl.col("counterparty"),
            pl.col("sent"),
            descending=[False, True, True, False, True],
        )
        .group_by("account", maintain_order=True)
        .agg(
            pl.col("amount").first(),
            pl.col("times").first(),
            pl.col("span").first(),
            pl.col("sent").first(),
            (pl.len() - 1).alias("more"),
            pl.col("tx_id").list.explode(keep_nulls=False, empty_as_null=False).unique().alias("tx_ids"),
        )
        .collect()
    )


def _matched(form: pl.Expr, patterns: Mapping[str, str]) -> pl.Expr:
    if not patterns:
        return pl.lit([], pl.List(pl.String))
    return pl.concat_list(
        [pl.when(form.str.contains(p)).then(pl.lit(label)) for label, p in patterns.items()]
    ).list.drop_nulls()


def note_keywords(legs: pl.DataFrame, p: Mapping[str, Any]) -> pl.DataFrame:
    """Notes are normalised and matched once per distinct note (exports repeat notes a lot), then
    joined back to the transactions that carry them."""
    letters = (
        pl.col("note")
        .str.to_lowercase()
        .str.replace_many(notes.DIGITS_AS_LETTERS)
        .str.replace_all(notes.NOT_LETTERS, " ")
        .str.strip_chars()
    )
    digits = pl.col("note").str.to_lowercase().str.replace_all(notes.NOT_LETTERS_OR_DIGITS, " ").str.strip_chars()
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
        legs.lazy()
        .select(pl.col("note").drop_nulls().unique())
        .with_columns(codes.alias("codes"), _matched(letters, notes.disguise_patterns(p)).alias("phrases"))
        .filter((pl.col("codes").list.len() > 0) | (pl.col("phrases").list.len() > 0))
    )
    hits = legs.lazy().select("account", "counterparty", "tx_id", "note").join(matched, on="note")
    coded = pl.col("codes").list.len() > 0
    masked = pl.col("phrases").list.len() > 0
    per_account = hits.group_by("account").agg(
        pl.col("tx_id").filter(coded).n_unique().alias("coded"),
        pl.col("codes").list.explode(keep_nulls=False, empty_as_null=False).unique().alias("coded_words"),
        pl.col("counterparty").filter(coded).n_unique().alias("coded_parties"),
        pl.col("tx_id").filter(masked).n_unique().alias("disguised"),
        pl.col("phrases").list.explode(keep_nulls=False, empty_as_null=False).unique().alias("disguise_words"),
        pl.col("counterparty").filter(masked).n_unique().alias("disguise_parties"),
        pl.col("tx_id").filter(coded).unique().alias("coded_tx"),
        pl.col("tx_id").filter(masked).unique().alias("disguise_tx"),
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


def escalating_payments(tx: pl.DataFrame, p: Mapping[str, Any], policy: ScreeningPolicy) -> pl.DataFrame:
    """From a pair's first payment: the run of strictly rising payments within the window."""
    window = timedelta(hours=p["window_hours"])
    pair = ["sender_account", "receiver_account"]
    young = tx.lazy().filter(pl.col("sender_birth_date").is_not_null()).select(pair).unique()
    runs = (
        tx.lazy()
        .join(young, on=pair, how="semi")
        .select(*pair, "ts", "tx_id", "amount", "sender_birth_date")
        .sort(*pair, "ts", "tx_id")
        .with_columns(
            age=_age("sender_birth_date", policy.local_offset_minutes).first().over(pair),
            rising=(pl.col("amount") > pl.col("amount").shift(1).over(pair)).fill_null(True)
            & (pl.col("ts") - pl.col("ts").first().over(pair) <= window),
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
            pl.col("tx_id"),
        )
        .filter(pl.col("payments") >= p["min_payments"])
    )
    roles = pl.concat(
        [
            runs.select(
                pl.col("sender_account").alias("account"),
                pl.col("receiver_account").alias("counterparty"),
                pl.lit(True).alias("paid"),
                pl.exclude(pair),
            ),
            runs.select(
                pl.col("receiver_account").alias("account"),
                pl.col("sender_account").alias("counterparty"),
                pl.lit(False).alias("paid"),
                pl.exclude(pair),
            ),
        ]
    )
    return (
        roles.sort("account", "payments", "last", "counterparty", "paid", descending=[False, True, True, False, True])
        .group_by("account", maintain_order=True)
        .agg(
            pl.col("payments", "first", "last", "span", "paid", "age").first(),
            (pl.len() - 1).alias("more"),
            pl.col("tx_id").list.explode(keep_nulls=False, empty_as_null=False).unique().alias("tx_ids"),
        )
        .collect()
    )


def odd_hours(legs: pl.DataFrame, p: Mapping[str, Any], policy: ScreeningPolicy) -> pl.DataFrame:
    hour = (pl.col("ts") + pl.duration(minutes=policy.local_offset_minutes)).dt.hour()
    start, end = p["start_hour"], p["end_hour"]
    odd = (hour >= start) & (hour < end) if start < end else (hour >= start) | (hour < end)
    q = legs.lazy().select("account", "tx_id", odd.alias("odd"))
    many = (
        q.filter(pl.col("odd"))
        .group_by("account")
        .agg(pl.len().alias("n"))
        .filter(pl.col("n") >= p["min_transactions"])
    )
    return (
        q.join(many.select("account"), on="account", how="semi")
        .group_by("account")
        .agg(
            pl.col("tx_id").filter(pl.col("odd")).n_unique().alias("odd"),
            pl.col("tx_id").n_unique().alias("total"),
            pl.col("tx_id").filter(pl.col("odd")).unique().alias("tx_ids"),
        )
        .filter(
            (pl.col("odd") >= p["min_transactions"]) & (pl.col("odd") * 100 >= p["min_share_percent"] * pl.col("total"))
        )
        .collect()
    )


def pass_through(legs: pl.DataFrame, p: Mapping[str, Any]) -> pl.DataFrame:
    """Money out in (t, t + H] after an incoming payment at t, from a running total of outgoing
    amounts per account looked up at t and at t + H (two as-of joins)."""
    window = timedelta(hours=p["window_hours"])
    incoming = (
        legs.lazy()
        .filter(~pl.col("outgoing") & (pl.col("amount") >= p["min_amount"]))
        .select("account", "ts", "tx_id", "amount")
    )
    outgoing = (
        legs.lazy().filter(pl.col("outgoing")).join(incoming.select("account").unique(), on="account", how="semi")
    )
    totals = (
        outgoing.group_by("account", "ts")
        .agg(pl.col("amount").sum())
        .sort("account", "ts")
        .select("account", "ts", pl.col("amount").cum_sum().over("account").alias("paid"))
    )
    passed = (
        incoming.sort("ts")
        .join_asof(totals.sort("ts"), on="ts", by="account", strategy="backward", check_sortedness=False)
        .with_columns(pl.col("paid").fill_null(0).alias("before"), (pl.col("ts") + window).alias("until"))
        .drop("paid")
        .sort("until")
        .join_asof(
            totals.sort("ts").rename({"ts": "until"}),
            on="until",
            by="account",
            strategy="backward",
            check_sortedness=False,
        )
        .filter((pl.col("paid").fill_null(0) - pl.col("before")) * 100 >= p["min_out_share_percent"] * pl.col("amount"))
        .filter(pl.len().over("account") >= p["min_occurrences"])
        .select("account", "ts", "until", "tx_id", "amount")
        .collect()
    )
    outs = (
        outgoing.join(passed.lazy().select("account", pl.col("ts").alias("from"), "until"), on="account")
        .filter((pl.col("ts") > pl.col("from")) & (pl.col("ts") <= pl.col("until")))
        .group_by("account")
        .agg(pl.col("tx_id").unique().alias("out_tx"))
        .collect()
    )
    out_amounts = legs.lazy().filter(pl.col("outgoing")).select("account", pl.col("tx_id").alias("out_id"), "amount")
    out_totals = (
        outs.lazy()
        .explode("out_tx")
        .join(out_amounts, left_on=["account", "out_tx"], right_on=["account", "out_id"])
        .unique(["account", "out_tx"])
        .group_by("account")
        .agg(pl.col("amount").sum().alias("total_out"))
        .collect()
    )
    return (
        passed.group_by("account")
        .agg(pl.len().alias("occurrences"), pl.col("amount").sum().alias("total_in"), pl.col("tx_id").alias("in_tx"))
        .join(outs, on="account", how="left")
        .join(out_totals, on="account", how="left")
        .with_columns(
            pl.col("total_out").fill_null(0),
            pl.concat_list("in_tx", pl.col("out_tx").fill_null(pl.lit([], pl.List(pl.String))))
            .list.unique()
            .alias("tx_ids"),
        )
    )


def channel_stats(legs: pl.DataFrame, p: Mapping[str, Any]) -> pl.DataFrame:
    return (
        legs.lazy()
        .filter(pl.col("channel").is_in(list(p["channels"])))
        .group_by("account")
        .agg(
            pl.col("tx_id").n_unique().alias("transactions"),
            pl.col("counterparty").n_unique().alias("counterparties"),
            pl.col("channel").unique().alias("channels"),
            pl.col("tx_id").unique().alias("tx_ids"),
        )
        .filter(
            (pl.col("transactions") >= p["min_transactions"]) & (pl.col("counterparties") >= p["min_counterparties"])
        )
        .collect()
    )


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
        return explain.odd_hours(params, row["odd"], row["total"], policy.local_time_label)
    return explain.pass_through(params, row["occurrences"], row["total_in"], row["total_out"])


def _prepare(frame: pl.LazyFrame | pl.DataFrame) -> pl.DataFrame:
    """The columns the rules read, in memory once: every rule makes several passes over them."""
    return (
        frame.lazy()
        .select(*TX_COLUMNS)
        .rename({"timestamp": "ts", "amount_idr": "amount"})
        .with_columns(
            pl.col("sender_account", "receiver_account").cast(pl.Categorical),
            # a frame built from Python rows may type an all-empty column as Null
            pl.col("note", "sender_name", "receiver_name", "sender_country", "receiver_country").cast(pl.String),
            pl.col("sender_birth_date", "receiver_birth_date").cast(pl.Date),
        )
        .collect(engine="streaming")
    )


def screen_frame(
    frame: pl.LazyFrame | pl.DataFrame, policy: ScreeningPolicy, progress: Progress | None = None
) -> list[FlaggedAccount]:
    """Run every rule of the policy over checked transactions (the reader's columns)."""
    report = progress or (lambda _stage, _share: None)
    tx = _prepare(frame)
    legs = _legs(tx)
    results: dict[str, pl.DataFrame] = {}
    rules = list(policy.indicators.values())
    for done, indicator in enumerate(rules):
        report(f"rule {indicator.id}", done / len(rules))
        p = indicator.params
        if indicator.type == "counterparty_burst":
            results[indicator.id] = counterparty_burst(legs, p, policy)
        elif indicator.type == "repeated_amount":
            results[indicator.id] = repeated_amount(tx, p)
        elif indicator.type == "note_keywords":
            results[indicator.id] = note_keywords(legs, p)
        elif indicator.type == "escalating_payments":
            results[indicator.id] = escalating_payments(tx, p, policy)
        elif indicator.type == "odd_hours":
            results[indicator.id] = odd_hours(legs, p, policy)
        elif indicator.type == "pass_through":
            results[indicator.id] = pass_through(legs, p)
        else:
            results[indicator.id] = channel_stats(legs, p)
    report("scoring", 1.0)
    candidates = _candidates(results, policy)
    found: dict[str, dict[str, Found]] = defaultdict(dict)
    channels: dict[str, dict[str, tuple]] = defaultdict(dict)
    for ident, result in results.items():
        indicator = policy.indicators[ident]
        for row in result.filter(pl.col("account").is_in(sorted(candidates))).iter_rows(named=True):
            if indicator.type == "channel_with_other_signal":
                channels[row["account"]][ident] = (
                    frozenset(row["tx_ids"]),
                    row["transactions"],
                    frozenset(row["channels"]),
                    row["counterparties"],
                )
                continue
            en, id_ = _words(indicator.type, indicator.params, row, policy)
            found[row["account"]][ident] = Found(frozenset(row["tx_ids"]), en, id_)
    identities = _identities(tx, candidates)
    flagged = []
    for account in sorted(candidates):
        result = explain.flag_account(
            account,
            found.get(account, {}),
            channels.get(account, {}),
            policy,
            identities.get(account, (None, None, None)),
        )
        if result is not None:
            flagged.append(result)
    return explain.ordered(flagged)


def _candidates(results: Mapping[str, pl.DataFrame], policy: ScreeningPolicy) -> set[str]:
    """Accounts whose indicators reach the threshold; only these get explanations written."""
    fired = (
        pl.concat(
            [r.select("account", pl.lit(ident).alias("indicator")) for ident, r in results.items()], how="vertical"
        )
        if results
        else pl.DataFrame({"account": [], "indicator": []}, schema={"account": pl.String, "indicator": pl.String})
    )
    weights = pl.DataFrame(
        {"indicator": list(policy.indicators), "weight": [i.weight for i in policy.indicators.values()]}
    )
    totals = fired.join(weights, on="indicator").group_by("account").agg(pl.col("weight").sum(), pl.col("indicator"))
    chosen = set()
    gated = {
        i.id: set(i.params["with_indicators"])
        for i in policy.indicators.values()
        if i.type == "channel_with_other_signal"
    }
    for account, weight, indicators in totals.iter_rows():
        if weight < policy.flag_threshold:
            continue
        present = set(indicators)
        lost = sum(policy.indicators[g].weight for g, others in gated.items() if g in present and not present & others)
        if weight - lost >= policy.flag_threshold:
            chosen.add(account)
    return chosen


def _identities(tx: pl.DataFrame, accounts: set[str]) -> dict[str, tuple]:
    """Most frequent name, country and birth date of each account (ties: the smallest value)."""
    if not accounts:
        return {}
    wanted = pl.Series(sorted(accounts))

    def top(field: str) -> dict[str, Any]:
        sides = [
            tx.lazy()
            .filter(pl.col(f"{side}_account").is_in(wanted.implode()))
            .select(pl.col(f"{side}_account").alias("account"), pl.col(f"{side}_{field}").alias("value"))
            for side in ("sender", "receiver")
        ]
        best = (
            pl.concat(sides)
            .drop_nulls("value")
            .group_by("account", "value")
            .len()
            .sort("account", "len", "value", descending=[False, True, False])
            .group_by("account", maintain_order=True)
            .first()
            .collect()
        )
        return dict(best.select("account", "value").iter_rows())

    names, countries, births = top("name"), top("country"), top("birth_date")
    return {a: (names.get(a), countries.get(a), births.get(a)) for a in accounts}


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
    frame, read = scan_transactions(
        path, skip_bad_rows=skip_bad_rows, reject_path=reject_path, currency_rates=policy.currency_rates
    )
    report("reading transactions", 0.1)
    tx = _prepare(frame)
    accounts = pl.concat(
        [tx.select(pl.col("sender_account").alias("a")), tx.select(pl.col("receiver_account").alias("a"))]
    ).n_unique()

    def staged(stage: str, share: float) -> None:
        report(stage, 0.2 + 0.8 * share)

    flagged = screen_frame(tx.rename({"ts": "timestamp", "amount": "amount_idr"}), policy, staged)
    return ScreeningResult(flagged, read.rows_read, read.rows_rejected, accounts, time.monotonic() - started)
