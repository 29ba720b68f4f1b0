"""The synthetic traffic generator: deterministic, readable by the screening reader, plants what it says,
and the engine finds the planted accounts on a small input without flagging the look-alikes wholesale."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from coordination.screening import synthetic
from coordination.screening.synthetic import COLUMNS, LOOKALIKES, TYPOLOGIES

ROOT = Path(__file__).resolve().parents[1]
ROWS = 5_000


@pytest.fixture(scope="module")
def small() -> tuple[pl.DataFrame, dict[str, str]]:
    return synthetic.generate(ROWS, seed=11)


def _accounts(labels: dict[str, str], name: str) -> list[str]:
    return sorted(a for a, label in labels.items() if label == name)


def _age(birth: str, when: str) -> int:
    b, w = date.fromisoformat(birth), datetime.fromisoformat(when.replace("Z", "+00:00")).date()
    return w.year - b.year - ((w.month, w.day) < (b.month, b.day))


def test_same_seed_same_traffic_other_seed_other_traffic(small: tuple[pl.DataFrame, dict[str, str]]) -> None:
    frame, labels = small
    again, labels_again = synthetic.generate(ROWS, seed=11)
    assert frame.equals(again)
    assert labels == labels_again
    other, other_labels = synthetic.generate(ROWS, seed=12)
    assert not frame.equals(other)
    assert labels != other_labels


def test_rows_are_well_formed(small: tuple[pl.DataFrame, dict[str, str]]) -> None:
    frame, _ = small
    assert frame.columns == list(COLUMNS)
    assert frame.height == ROWS
    assert frame["tx_id"].n_unique() == ROWS
    assert set(frame["channel"].unique()) <= set(synthetic.CHANNELS)
    assert (frame["amount"] > 0).all()
    assert (frame["sender_account"] != frame["receiver_account"]).all()
    parsed = frame["timestamp"].str.to_datetime("%Y-%m-%dT%H:%M:%S%#z", time_zone="UTC")
    assert parsed.null_count() == 0
    start, end = datetime.fromisoformat("2026-07-01T00:00:00+07:00"), datetime.fromisoformat("2026-10-02T00:00+07:00")
    assert start <= parsed.min() and parsed.max() < end
    # Both spellings of the offset occur, as in real exports.
    assert frame["timestamp"].str.ends_with("Z").any() and frame["timestamp"].str.ends_with("+07:00").any()
    countries = pl.concat([frame["sender_country"], frame["receiver_country"]])
    assert countries.str.contains(r"^[A-Z]{2}$").all()
    assert (countries == "ID").mean() > 0.85
    births = frame["sender_birth_date"].drop_nulls()
    assert births.str.to_date("%Y-%m-%d").null_count() == 0
    # An account keeps one name, country and birth date on every row.
    sides = [
        frame.select(
            pl.col(f"{s}_account").alias("a"), pl.col(f"{s}_name").alias("n"), pl.col(f"{s}_birth_date").alias("b")
        )
        for s in ("sender", "receiver")
    ]
    per_account = pl.concat(sides).group_by("a").agg(pl.col("n").n_unique(), pl.col("b").n_unique())
    assert (per_account["n"] == 1).all() and (per_account["b"] == 1).all()


def test_each_typology_and_lookalike_is_planted(small: tuple[pl.DataFrame, dict[str, str]]) -> None:
    frame, labels = small
    counts = Counter(labels.values())
    for kind in (*TYPOLOGIES, *(f"benign:{k}" for k in LOOKALIKES)):
        assert counts[kind] >= synthetic.DEFAULT_MIX.minimum, kind
    seen = set(frame["sender_account"]) | set(frame["receiver_account"])
    assert set(labels) <= seen


def test_planted_patterns_have_their_shape(small: tuple[pl.DataFrame, dict[str, str]]) -> None:
    frame, labels = small
    rows = frame.to_dicts()
    incoming, outgoing = defaultdict(list), defaultdict(list)
    for row in rows:
        incoming[row["receiver_account"]].append(row)
        outgoing[row["sender_account"]].append(row)
    for account in _accounts(labels, "fan_in"):
        assert len({r["sender_account"] for r in incoming[account]}) >= 10
    for account in _accounts(labels, "fan_out"):
        assert len({r["receiver_account"] for r in outgoing[account]}) >= 8
    for account in _accounts(labels, "minor_receiver"):
        received = incoming[account]
        assert all(12 <= _age(r["receiver_birth_date"], r["timestamp"]) <= 17 for r in received)
        assert len({r["sender_account"] for r in received}) >= 6
    for account in _accounts(labels, "minor_payer_escalation"):
        paid = sorted(outgoing[account], key=lambda r: r["timestamp"])
        new = [r for r in paid if labels.get(r["receiver_account"]) == "party:minor_payer_escalation"]
        assert len(new) >= 3
        assert len(paid) > len(new) or incoming[account]  # an ordinary history before the extortion
        amounts = [r["amount"] for r in sorted(new, key=lambda r: r["tx_id"])]  # tx ids follow time
        assert amounts == sorted(amounts) and amounts[-1] > amounts[0]
        assert all(_age(r["sender_birth_date"], r["timestamp"]) <= 17 for r in new)
    for account in _accounts(labels, "odd_hours"):
        hours = [int(_wib(r["timestamp"])[11:13]) for r in incoming[account]]
        assert all(h in (23, 0, 1, 2, 3) for h in hours)
    for account in _accounts(labels, "pass_through"):
        ins = sorted(_utc(r["timestamp"]) for r in incoming[account])
        outs = [_utc(r["timestamp"]) for r in outgoing[account]]
        assert len(outs) >= 2
        assert all(any(0 < (o - i).total_seconds() <= 6 * 3600 for i in ins) for o in outs)
    for account in _accounts(labels, "benign:parent_allowance"):
        assert len({r["sender_account"] for r in incoming[account]}) <= 2
    coded = [r["note"] for a in _accounts(labels, "coded_note") for r in incoming[a] if r["note"]]
    assert coded and any(n != n.lower() or " " in n or any(c.isdigit() for c in n) for n in coded)


def _utc(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


def _wib(timestamp: str) -> str:
    moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return moment.astimezone(datetime.fromisoformat("2026-07-01T00:00:00+07:00").tzinfo).isoformat()


def test_obfuscation_uses_the_spellings_people_use() -> None:
    builder = synthetic._Builder(1000, 3, synthetic.DEFAULT_MIX, 0)
    spelt = builder.obfuscate(["open bo", "vcs", "jajan"] * 60)
    assert any("0" in s for s in spelt)  # digits for letters
    assert any(" " in s.strip() and s.replace(" ", "").lower().endswith("vcs") for s in spelt)  # "v c s"
    assert any(s != s.lower() for s in spelt)  # case
    assert any("jajaa" in s.lower() or "jaaj" in s.lower() or "jjaj" in s.lower() for s in spelt)  # repeats


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_written_formats_are_read_by_the_reader(tmp_path: Path, fmt: str) -> None:
    from coordination.screening.reader import scan_transactions

    path = tmp_path / f"tx.{fmt}"
    labels = synthetic.write(path, 3_000, seed=5, fmt=fmt)
    frame, expected = synthetic.generate(3_000, seed=5)
    assert labels == expected
    lazy, report = scan_transactions(path)
    read = lazy.collect()
    assert read.height == 3_000
    assert report.rows_rejected == 0
    assert set(read["tx_id"]) == set(frame["tx_id"])


def test_large_writes_are_chunked_into_one_file(tmp_path: Path) -> None:
    for fmt in ("parquet", "csv", "jsonl"):
        path = tmp_path / f"big.{fmt}"
        labels = synthetic.write(path, 12_000, seed=5, chunk_rows=5_000)
        frame = {"parquet": pl.read_parquet, "csv": pl.read_csv, "jsonl": pl.read_ndjson}[fmt](path)
        assert frame.height == 12_000
        assert frame["tx_id"].n_unique() == 12_000
        # Three independent chunks, each with its own planted accounts.
        assert Counter(labels.values())["fan_in"] == 3 * synthetic.DEFAULT_MIX.minimum
        assert not list(tmp_path.glob(".synthetic-*"))  # chunk files are cleaned up


def test_engine_finds_the_planted_accounts(tmp_path: Path) -> None:
    """Small-scale quality with the shipped policy: the planted typologies are found, nearly every
    flag is a planted account or a party to one, and look-alikes stay quiet.

    Floors sit a little under what 20,000 rows with 12 accounts of each kind give (12 of 12 for
    most typologies, 10-11 for fan-out, repeated amount and the channel; precision 1.0; see
    docs/screening.md, Quality): a rule that stops firing, or a look-alike that starts to, fails
    here. The channel is held lower: it counts only with another signal, which a third of the
    planted performers do not show.
    """
    from benchmarks.screening_quality import evaluate, indicator_weights
    from coordination.screening.engine import screen
    from coordination.screening.policy import load_screening_policy

    frame, labels = synthetic.generate(20_000, seed=3, mix=synthetic.Mix(minimum=12))
    path = tmp_path / "tx.parquet"
    frame.write_parquet(path)
    policy = load_screening_policy(ROOT / "policies" / "red_flags.yaml")
    q = evaluate(screen(path, policy).flagged, labels, indicator_weights(policy))
    assert q.precision >= 0.95
    assert q.recall >= 0.85
    for kind in TYPOLOGIES:
        assert q.found[kind] >= (6 if kind == "typology_channel" else 9), (kind, q.found[kind], q.planted[kind])
    for kind in LOOKALIKES:
        assert q.lookalikes_flagged[kind] == 0, kind
    assert q.lookalikes_flagged["merchant"] == 0
