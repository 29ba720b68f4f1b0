"""The rules written plainly over a list of rows: the correctness oracle for the engine.

Standard library only, one function per rule type, no cleverness: each rule says in loops what
the engine says in Polars queries, and both hand the same numbers to the same wording and
scoring functions (explain.py), so a test can compare their outputs field for field. Rows are as
the reader gives them: `timestamp` an aware UTC datetime, `amount_idr` whole rupiah, birth dates
as `date` or None.
"""

from __future__ import annotations

import re
import statistics
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from coordination.screening import explain, notes
from coordination.screening.explain import Found
from coordination.screening.model import FlaggedAccount
from coordination.screening.policy import ScreeningPolicy


@dataclass(frozen=True)
class Leg:
    """A transaction seen from one of its two accounts."""

    account: str
    counterparty: str
    outgoing: bool
    ts: datetime
    tx_id: str
    amount: int
    cross_border: bool
    channel: str
    account_birth: date | None
    counterparty_birth: date | None
    note: str | None


def _us(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def age_at(birth: date | None, ts: datetime, offset_minutes: int) -> int | None:
    if birth is None:
        return None
    local = (ts + timedelta(minutes=offset_minutes)).date()
    return local.year - birth.year - ((local.month, local.day) < (birth.month, birth.day))


def _legs(rows: list[dict]) -> list[Leg]:
    legs = []
    for r in rows:
        cross = r["sender_country"] != r["receiver_country"]
        common = (r["timestamp"], r["tx_id"], r["amount_idr"], cross, r["channel"])
        legs.append(
            Leg(
                r["sender_account"],
                r["receiver_account"],
                True,
                *common,
                r.get("sender_birth_date"),
                r.get("receiver_birth_date"),
                r.get("note"),
            )
        )
        legs.append(
            Leg(
                r["receiver_account"],
                r["sender_account"],
                False,
                *common,
                r.get("receiver_birth_date"),
                r.get("sender_birth_date"),
                r.get("note"),
            )
        )
    legs.sort(key=lambda leg: (leg.ts, leg.tx_id))
    return legs


def _by_account(legs: Iterable[Leg]) -> dict[str, list[Leg]]:
    grouped: dict[str, list[Leg]] = defaultdict(list)
    for leg in legs:
        grouped[leg.account].append(leg)
    return grouped


def _distinct_counterparties_before(mine: list[Leg], window: timedelta) -> dict[Any, int]:
    """For each time t of the legs: distinct counterparties of the legs in (t - window, t]. A
    sliding window over the legs sorted by time (the plain definition, a set per leg over every
    leg, is quadratic: a shop with 10,000 legs took minutes)."""
    ordered = sorted(mine, key=lambda leg: leg.ts)
    inside: Counter = Counter()
    found: dict[Any, int] = {}
    lo = hi = 0
    for leg in ordered:
        t = leg.ts
        if t in found:
            continue
        while hi < len(ordered) and ordered[hi].ts <= t:
            inside[ordered[hi].counterparty] += 1
            hi += 1
        while ordered[lo].ts <= t - window:
            inside[ordered[lo].counterparty] -= 1
            if not inside[ordered[lo].counterparty]:
                del inside[ordered[lo].counterparty]
            lo += 1
        found[t] = len(inside)
    return found


def counterparty_burst(legs: list[Leg], params: Mapping[str, Any], policy: ScreeningPolicy) -> dict[str, Found]:
    window = timedelta(days=params["window_days"])
    offset = policy.local_offset_minutes

    def counts(leg: Leg) -> bool:
        if params["direction"] != "any" and leg.outgoing != (params["direction"] == "outgoing"):
            return False
        if params["max_amount"] is not None and leg.amount > params["max_amount"]:
            return False
        if params["cross_border_only"] and not leg.cross_border:
            return False
        if params["account_max_age"] is not None:
            age = age_at(leg.account_birth, leg.ts, offset)
            if age is None or age > params["account_max_age"]:
                return False
        if params["counterparty_min_age"] is not None:
            age = age_at(leg.counterparty_birth, leg.ts, offset)
            if age is not None and age < params["counterparty_min_age"]:
                return False
        return True

    everyone: dict[str, set[str]] = defaultdict(set)
    for leg in legs:
        if params["direction"] == "any" or leg.outgoing == (params["direction"] == "outgoing"):
            everyone[leg.account].add(leg.counterparty)
    found = {}
    for account, mine in _by_account(leg for leg in legs if counts(leg)).items():
        distinct = _distinct_counterparties_before(mine, window)
        best, best_end = 0, None
        for end in mine:  # in the legs' order: the first end with the most wins, as always
            if distinct[end.ts] > best:
                best, best_end = distinct[end.ts], end.ts
        if best < params["min_counterparties"]:
            continue
        share = params["min_share_percent"]
        if share is not None and best * 100 < share * len(everyone[account]):
            continue
        evidence = [leg for leg in mine if best_end - window < leg.ts <= best_end]
        abroad = len({leg.counterparty for leg in evidence if leg.cross_border})
        age = None
        if params["account_max_age"] is not None:
            age = min(age_at(leg.account_birth, leg.ts, offset) for leg in evidence)  # type: ignore[type-var]
        en, id_ = explain.counterparty_burst(
            params,
            best,
            _us(evidence[-1].ts - evidence[0].ts),
            statistics.median(leg.amount for leg in evidence),
            abroad,
            age,
        )
        found[account] = Found(frozenset(leg.tx_id for leg in evidence), en, id_)
    return found


def repeated_amount(rows: list[dict], params: Mapping[str, Any]) -> dict[str, Found]:
    window = timedelta(days=params["window_days"])
    series: dict[tuple[str, str, int], list[dict]] = defaultdict(list)
    for r in sorted(rows, key=lambda r: (r["timestamp"], r["tx_id"])):
        if params["channels"] is not None and r["channel"] not in params["channels"]:
            continue
        series[(r["sender_account"], r["receiver_account"], r["amount_idr"])].append(r)
    per_account: dict[str, list[tuple[int, int, str, bool, list[dict]]]] = defaultdict(list)
    for (sender, receiver, amount), txs in series.items():
        best, best_end = 0, None
        for end in txs:
            n = sum(1 for t in txs if end["timestamp"] - window < t["timestamp"] <= end["timestamp"])
            if n > best:
                best, best_end = n, end["timestamp"]
        if best < params["min_repeats"]:
            continue
        evidence = [t for t in txs if best_end - window < t["timestamp"] <= best_end]
        per_account[sender].append((best, amount, receiver, True, evidence))
        per_account[receiver].append((best, amount, sender, False, evidence))
    found = {}
    for account, entries in per_account.items():
        entries.sort(key=lambda e: (-e[0], -e[1], e[2], not e[3]))
        times, amount, _, sent, evidence = entries[0]
        span = _us(evidence[-1]["timestamp"] - evidence[0]["timestamp"])
        en, id_ = explain.repeated_amount(amount, times, span, sent, len(entries) - 1)
        found[account] = Found(frozenset(t["tx_id"] for e in entries for t in e[4]), en, id_)
    return found


def note_keywords(legs: list[Leg], params: Mapping[str, Any]) -> dict[str, Found]:
    codes = {label: re.compile(p) for label, p in notes.code_patterns(params).items()}
    disguises = {label: re.compile(p) for label, p in notes.disguise_patterns(params).items()}
    age = notes.age_pattern(params)
    age_re = re.compile(age) if age else None
    ordinal = notes.ordinal_pattern(params)
    ordinal_re = re.compile(ordinal) if ordinal else None
    coded: dict[str, list[tuple[Leg, set[str]]]] = defaultdict(list)
    disguised: dict[str, list[tuple[Leg, set[str]]]] = defaultdict(list)
    for leg in legs:
        if not leg.note:
            continue
        letters = notes.letters_form(leg.note)
        words = {label for label, p in codes.items() if p.search(letters)}
        digits = notes.digits_form(leg.note)
        if ordinal_re:
            digits = ordinal_re.sub(" ", digits)
        if age_re and age_re.search(digits):
            words.add(notes.AGE_LABEL)
        if words:
            coded[leg.account].append((leg, words))
        phrases = {label for label, p in disguises.items() if p.search(letters)}
        if phrases:
            disguised[leg.account].append((leg, phrases))
    found = {}
    for account in set(coded) | set(disguised):
        hits = coded.get(account, [])
        masked = disguised.get(account, [])
        masked_parties = {leg.counterparty for leg, _ in masked}
        if len(masked_parties) < params["disguise_min_counterparties"]:
            masked = []
        if not hits and not masked:
            continue
        en, id_ = explain.note_keywords(
            len({leg.tx_id for leg, _ in hits}),
            set().union(*(w for _, w in hits)),
            len({leg.counterparty for leg, _ in hits}),
            len({leg.tx_id for leg, _ in masked}),
            set().union(*(w for _, w in masked)),
            len({leg.counterparty for leg, _ in masked}),
        )
        found[account] = Found(frozenset(leg.tx_id for leg, _ in hits + masked), en, id_)
    return found


def escalating_payments(rows: list[dict], params: Mapping[str, Any], policy: ScreeningPolicy) -> dict[str, Found]:
    window = timedelta(hours=params["window_hours"])
    pairs: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in sorted(rows, key=lambda r: (r["timestamp"], r["tx_id"])):
        pairs[(r["sender_account"], r["receiver_account"])].append(r)
    per_account: dict[str, list[tuple[int, int, str, bool, list[dict], int]]] = defaultdict(list)
    for (payer, payee), txs in pairs.items():
        first = txs[0]
        age = age_at(first.get("sender_birth_date"), first["timestamp"], policy.local_offset_minutes)
        if age is None or age > params["payer_max_age"]:
            continue
        run = [first]
        for t in txs[1:]:
            if t["timestamp"] - first["timestamp"] > window or t["amount_idr"] <= run[-1]["amount_idr"]:
                break
            run.append(t)
        if len(run) < params["min_payments"]:
            continue
        per_account[payer].append((len(run), run[-1]["amount_idr"], payee, True, run, age))
        per_account[payee].append((len(run), run[-1]["amount_idr"], payer, False, run, age))
    found = {}
    for account, entries in per_account.items():
        entries.sort(key=lambda e: (-e[0], -e[1], e[2], not e[3]))
        n, last, _, paid, run, age = entries[0]
        span = _us(run[-1]["timestamp"] - run[0]["timestamp"])
        en, id_ = explain.escalating_payments(n, run[0]["amount_idr"], last, span, paid, age, len(entries) - 1)
        found[account] = Found(frozenset(t["tx_id"] for e in entries for t in e[4]), en, id_)
    return found


def in_hours(hour: int, start: int, end: int) -> bool:
    return start <= hour < end if start < end else hour >= start or hour < end


def odd_hours(legs: list[Leg], params: Mapping[str, Any], policy: ScreeningPolicy) -> dict[str, Found]:
    found = {}
    offset = timedelta(minutes=policy.local_offset_minutes)
    # a night's moments share the local date of (moment - start_hour): 23:30 and 01:00 are one night
    to_night = timedelta(minutes=policy.local_offset_minutes - 60 * params["start_hour"])
    for account, mine in _by_account(legs).items():
        everything = {leg.tx_id for leg in mine}
        late = [leg for leg in mine if in_hours((leg.ts + offset).hour, params["start_hour"], params["end_hour"])]
        odd = {leg.tx_id for leg in late}
        nights = len({(leg.ts + to_night).date() for leg in late})
        if (
            len(odd) >= params["min_transactions"]
            and len(odd) * 100 >= params["min_share_percent"] * len(everything)
            and nights >= params["min_nights"]
        ):
            en, id_ = explain.odd_hours(params, len(odd), len(everything), nights, policy.local_time_label)
            found[account] = Found(frozenset(odd), en, id_)
    return found


def pass_through(legs: list[Leg], params: Mapping[str, Any]) -> dict[str, Found]:
    """An incoming payment at t passes through when the money received in (t - H, t] (it and the
    payments pooled before it) reaches min_amount and the account pays out at least the share of
    that pool in (t, t + H]. A mule collecting many small payments and forwarding one sum is caught
    at the last of them. Legs are in time order, so each window is a slice found by bisection."""
    window = timedelta(hours=params["window_hours"])
    found = {}
    for account, mine in _by_account(legs).items():
        incoming = [leg for leg in mine if not leg.outgoing]
        outgoing = [leg for leg in mine if leg.outgoing]
        in_times, out_times = [leg.ts for leg in incoming], [leg.ts for leg in outgoing]
        passes = 0
        pooled: dict[str, int] = {}
        paid: dict[str, int] = {}
        for leg in incoming:
            pool = incoming[bisect_right(in_times, leg.ts - window) : bisect_right(in_times, leg.ts)]
            received = sum(i.amount for i in pool)
            if received < params["min_amount"]:
                continue
            after = outgoing[bisect_right(out_times, leg.ts) : bisect_right(out_times, leg.ts + window)]
            if sum(o.amount for o in after) * 100 >= params["min_out_share_percent"] * received:
                passes += 1
                pooled.update({i.tx_id: i.amount for i in pool})
                paid.update({o.tx_id: o.amount for o in after})
        if passes >= params["min_occurrences"]:
            en, id_ = explain.pass_through(params, len(pooled), sum(pooled.values()), sum(paid.values()))
            found[account] = Found(frozenset(pooled) | frozenset(paid), en, id_)
    return found


def channel_stats(
    legs: list[Leg], params: Mapping[str, Any]
) -> dict[str, tuple[frozenset[str], int, frozenset[str], int]]:
    stats = {}
    direction = params["direction"]
    chosen = (
        leg
        for leg in legs
        if leg.channel in params["channels"] and (direction == "any" or leg.outgoing == (direction == "outgoing"))
    )
    for account, mine in _by_account(chosen).items():
        txs = frozenset(leg.tx_id for leg in mine)
        parties = {leg.counterparty for leg in mine}
        if len(txs) >= params["min_transactions"] and len(parties) >= params["min_counterparties"]:
            stats[account] = (txs, len(txs), frozenset(leg.channel for leg in mine), len(parties))
    return stats


def identities(rows: list[dict], accounts: set[str]) -> dict[str, tuple[str | None, str | None, date | None]]:
    """The most frequent name, country and birth date given for each of the accounts (ties: the
    smallest), in one pass over the rows."""
    seen: dict[str, tuple[Counter, Counter, Counter]] = {a: (Counter(), Counter(), Counter()) for a in accounts}
    for r in rows:
        for side in ("sender", "receiver"):
            counters = seen.get(r[f"{side}_account"])
            if counters is None:
                continue
            for counter, key in zip(counters, ("name", "country", "birth_date"), strict=True):
                if r.get(f"{side}_{key}") is not None:
                    counter[r[f"{side}_{key}"]] += 1

    def top(counter: Counter) -> Any:
        return min(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0] if counter else None

    return {account: (top(n), top(c), top(b)) for account, (n, c, b) in seen.items()}


def screen_rows(rows: Iterable[dict], policy: ScreeningPolicy) -> list[FlaggedAccount]:
    rows = list(rows)
    legs = _legs(rows)
    found: dict[str, dict[str, Found]] = defaultdict(dict)
    channels: dict[str, dict[str, tuple]] = defaultdict(dict)
    for ident, indicator in policy.indicators.items():
        p = indicator.params
        hits: dict[str, Found] = {}
        if indicator.type == "counterparty_burst":
            hits = counterparty_burst(legs, p, policy)
        elif indicator.type == "repeated_amount":
            hits = repeated_amount(rows, p)
        elif indicator.type == "note_keywords":
            hits = note_keywords(legs, p)
        elif indicator.type == "escalating_payments":
            hits = escalating_payments(rows, p, policy)
        elif indicator.type == "odd_hours":
            hits = odd_hours(legs, p, policy)
        elif indicator.type == "pass_through":
            hits = pass_through(legs, p)
        elif indicator.type == "channel_with_other_signal":
            for account, stats in channel_stats(legs, p).items():
                channels[account][ident] = stats
        for account, hit in hits.items():
            found[account][ident] = hit
    results = [
        explain.flag_account(account, found.get(account, {}), channels.get(account, {}), policy)
        for account in sorted(set(found) | set(channels))
    ]
    results = [r for r in results if r is not None]
    named = identities(rows, {r.account for r in results})
    flagged = [explain.FlaggedAccount(r.account, r.score, r.indicators, *named[r.account]) for r in results]
    return explain.ordered(flagged)
