"""Each rule fires on its pattern and not on its benign look-alike; the engine equals the reference."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from coordination.screening.engine import screen_frame
from coordination.screening.model import FlaggedAccount
from coordination.screening.policy import ScreeningPolicy, load_screening_policy
from coordination.screening.reference import screen_rows

POLICY = load_screening_policy(Path(__file__).resolve().parent.parent / "policies" / "red_flags.yaml")
EVERY_HIT = replace(POLICY, flag_threshold=1)  # to see indicators that do not flag on their own
BASE = datetime(2024, 5, 6, 3, 0, tzinfo=UTC)  # 10:00 WIB
ADULT, CHILD = date(1985, 1, 1), date(2010, 3, 15)  # the child is 14 in May 2024
DAY, HOUR = timedelta(days=1), timedelta(hours=1)


class Rows:
    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(
        self, sender: str, receiver: str, amount: int = 75_000, at: timedelta = timedelta(0), **extra: object
    ) -> str:
        tx_id = f"T{len(self.rows):04d}"
        row = {
            "tx_id": tx_id,
            "timestamp": BASE + at,
            "amount": float(amount),
            "currency": "IDR",
            "amount_idr": amount,
            "channel": "e_wallet",
            "sender_account": sender,
            "sender_name": f"Name {sender}",
            "sender_country": "ID",
            "sender_birth_date": None,
            "receiver_account": receiver,
            "receiver_name": f"Name {receiver}",
            "receiver_country": "ID",
            "receiver_birth_date": None,
            "note": None,
        }
        row.update(extra)
        self.rows.append(row)
        return tx_id


def screened(rows: Rows | list[dict], policy: ScreeningPolicy = EVERY_HIT) -> dict[str, FlaggedAccount]:
    """Both implementations, which must agree exactly; the result by account."""
    data = rows.rows if isinstance(rows, Rows) else rows
    engine = screen_frame(pl.DataFrame(data), policy)
    assert engine == screen_rows(data, policy)
    return {f.account: f for f in engine}


def hit(result: dict[str, FlaggedAccount], account: str, indicator: str):  # type: ignore[no-untyped-def]
    for h in result[account].indicators if account in result else ():
        if h.id == indicator:
            return h
    return None


def test_fan_in_fires_on_many_small_senders_in_a_week_and_says_what_it_saw():
    rows = Rows()
    ids = [
        rows.add(f"S{i}", "R", amount=50_000 + 5_000 * i, at=i * 14 * HOUR, sender_country="SG" if i < 3 else "ID")
        for i in range(10)
    ]
    result = screened(rows)
    found = hit(result, "R", "fan_in")
    assert found.tx_ids == tuple(sorted(ids))
    assert found.explanation == "10 distinct senders in 6 days, median Rp 72.500, 3 from abroad"
    assert found.explanation_id == "10 pengirim berbeda dalam 6 hari, median Rp 72.500, 3 dari luar negeri"


def test_fan_in_window_boundary_and_large_amounts():
    rows = Rows()
    for i in range(9):
        rows.add(f"S{i}", "R", at=i * HOUR)
    rows.add("S9", "R", at=7 * DAY)  # exactly 7 days after the first: outside (t - 7 days, t]
    rows.add("BIG", "R2", amount=5_000_000)
    assert hit(screened(rows), "R", "fan_in") is None
    rows.add("S9", "R", at=7 * DAY - timedelta(seconds=1))
    assert hit(screened(rows), "R", "fan_in") is not None


def test_marketplace_seller_with_many_small_buyers_is_not_flagged():
    rows = Rows()
    for i in range(40):
        rows.add(f"Buyer{i}", "Seller", amount=120_000, at=i * 5 * HOUR, channel="payment_gateway", note=f"order {i}")
    assert hit(screened(rows), "Seller", "fan_in") is not None
    assert "Seller" not in screened(rows, POLICY)


def test_fan_out_one_sender_many_receivers():
    rows = Rows()
    for i in range(12):
        rows.add("Payer", f"Child{i}", amount=100_000, at=i * HOUR, receiver_country="PH")
    found = hit(screened(rows), "Payer", "fan_out")
    assert found.explanation.startswith("12 distinct receivers in 1 day, median Rp 100.000, 12 abroad")


def test_repeated_amount_same_pair_same_amount():
    rule = POLICY.indicators["repeated_amount"].params
    window, times = timedelta(days=rule["window_days"]), rule["min_repeats"]
    assert window < (times - 1) * 7 * DAY  # a weekly allowance can never reach it
    rows = Rows()
    for k in range(times):
        rows.add("Giver", "Kid", amount=150_000, at=k * 4 * DAY)
    found = hit(screened(rows), "Giver", "repeated_amount")
    assert found.explanation == f"Rp 150.000 to the same receiver {times} times in {(times - 1) * 4} days"
    assert hit(screened(rows), "Kid", "repeated_amount").explanation.startswith("Rp 150.000 from the same sender")
    # the last one exactly a window after the first is outside (t - window, t]
    rows.rows[-1]["timestamp"] = BASE + window
    assert hit(screened(rows), "Kid", "repeated_amount") is None
    rows.rows[-1]["timestamp"] = BASE + window - timedelta(seconds=1)
    assert hit(screened(rows), "Kid", "repeated_amount") is not None
    weekly = Rows()
    for week in range(12):
        weekly.add("Father", "Son", amount=150_000, at=week * 7 * DAY)
    assert screened(weekly) == {}
    monthly = Rows()
    for month in range(4):
        monthly.add("Parent", "Student", amount=1_500_000, at=month * 30 * DAY, note="buat makan ya")
    assert screened(monthly) == {}


def test_parent_sending_buat_makan_to_a_student_child_is_not_flagged():
    rows = Rows()
    for week in range(12):
        rows.add(
            "Parent",
            "Student",
            amount=500_000,
            at=week * 7 * DAY,
            note="buat makan ya nak",
            receiver_birth_date=date(2005, 1, 1),
        )
    result = screened(rows)
    assert hit(result, "Student", "coded_note") is None
    assert "Student" not in screened(rows, POLICY) and "Parent" not in screened(rows, POLICY)


@pytest.mark.parametrize(
    "note",
    [
        "0pen b0 ya",
        "V C S",
        "vcs 2 jam",
        "OPEN  BO",
        "umur 14",
        "masih SMP kak",
        "14th",
        "bj",
        "u m u r 1 5",
        "umuur 13",
    ],
)
def test_coded_notes_are_found_through_spelling_tricks(note):
    rows = Rows()
    tx = rows.add("Buyer", "Seller", note=note)
    found = hit(screened(rows), "Seller", "coded_note")
    assert found is not None and found.tx_ids == (tx,)
    assert found.explanation.startswith("1 transfer note with coded words (")


@pytest.mark.parametrize(
    "note",
    [
        "transfer bank bjb",
        "open booking hotel",
        "umur 25",
        "cicilan 150 th",
        "jajanan pasar",
        "bayar kos",
        "kado ultah ke 15 thn",  # "ke 15": the 15th (birthday), an ordinal, not an age
        "ultah ke-14 tahun",
    ],
)
def test_innocent_notes_are_not_codes(note):
    rows = Rows()
    rows.add("A", "B", note=note)
    assert screened(rows) == {}


def test_disguising_phrases_count_with_several_counterparties():
    rows = Rows()
    for i in range(4):
        rows.add("Groomer", f"Kid{i}", note="buat jajaaan ya" if i % 2 else "untuk shopping ya", at=i * DAY)
    found = hit(screened(rows), "Groomer", "coded_note")
    assert found.explanation == "4 notes disguising the purpose (jajan, shopping) with 4 counterparties"
    rows.rows.pop()
    assert hit(screened(rows), "Groomer", "coded_note") is None


def test_small_cross_border_payments_but_not_migrant_remittances():
    rule = POLICY.indicators["small_cross_border"].params
    n = rule["min_counterparties"]
    rows = Rows()
    for i in range(n):
        rows.add(f"Foreign{i}", "Local", amount=200_000, at=i * DAY, sender_country="AU", channel="remittance")
    assert hit(screened(rows), "Local", "small_cross_border").explanation == (
        f"{n} distinct cross-border counterparties in {n - 1} days, median Rp 200.000"
    )
    rows.rows.pop()
    assert hit(screened(rows), "Local", "small_cross_border") is None
    migrant = Rows()
    for month in range(6):
        migrant.add("TKI", "Family", amount=3_000_000, at=month * 30 * DAY, sender_country="MY", channel="remittance")
        migrant.add(
            "TKI2", "Family", amount=2_500_000, at=month * 30 * DAY + HOUR, sender_country="MY", channel="remittance"
        )
    assert hit(screened(migrant), "Family", "small_cross_border") is None
    assert "Family" not in screened(migrant, POLICY)


def test_shop_with_a_few_buyers_abroad_among_many_at_home_is_not_small_cross_border():
    rule = POLICY.indicators["small_cross_border"].params
    abroad = rule["min_counterparties"]
    rows = Rows()
    for i in range(abroad):
        rows.add(f"Buyer{i}", "Shop", amount=120_000, at=i * DAY, sender_country="MY", channel="payment_gateway")
    # counted counterparties just at the share: fires; one more buyer at home: below it
    at_home = abroad * 100 // rule["min_share_percent"] - abroad
    for i in range(at_home):
        rows.add(f"Local{i}", "Shop", amount=120_000, at=i * HOUR)
    assert abroad * 100 >= rule["min_share_percent"] * (abroad + at_home)
    assert hit(screened(rows), "Shop", "small_cross_border") is not None
    rows.add("OneMore", "Shop", amount=120_000)
    assert hit(screened(rows), "Shop", "small_cross_border") is None


def test_minor_receiving_from_many_adults():
    n = POLICY.indicators["minor_receiver"].params["min_counterparties"]
    rows = Rows()
    for i in range(n):
        rows.add(f"Adult{i}", "Child", at=i * DAY, sender_birth_date=ADULT, receiver_birth_date=CHILD)
    found = hit(screened(rows), "Child", "minor_receiver")
    assert found.explanation.startswith(f"{n} distinct adult senders in {n - 1} days to an account holder aged 14")
    rows.rows.pop()
    assert hit(screened(rows), "Child", "minor_receiver") is None


def test_age_is_taken_at_the_transaction_on_the_local_calendar():
    rows = Rows()
    # 2028-03-14 17:30 UTC is 2028-03-15 00:30 WIB: the child's 18th birthday
    at = datetime(2028, 3, 14, 17, 30, tzinfo=UTC) - BASE
    for i in range(POLICY.indicators["minor_receiver"].params["min_counterparties"]):
        rows.add(f"Adult{i}", "Child", at=at, sender_birth_date=ADULT, receiver_birth_date=CHILD)
    assert hit(screened(rows), "Child", "minor_receiver") is None
    for row in rows.rows:
        row["timestamp"] -= HOUR  # 23:30 WIB the day before: still 17
    assert hit(screened(rows), "Child", "minor_receiver") is not None


def test_sextortion_escalation_flags_on_its_own():
    rows = Rows()
    for i, amount in enumerate([100_000, 250_000, 500_000, 1_000_000]):
        rows.add("Child", "Extorter", amount=amount, at=i * 10 * HOUR, sender_birth_date=CHILD)
    result = screened(rows, POLICY)
    assert result["Child"].score == 10 and result["Extorter"].score == 10
    assert hit(result, "Child", "minor_payer_escalation").explanation == (
        "4 payments rising from Rp 100.000 to Rp 1.000.000 within 30 hours to a new counterparty, "
        "paid by an account holder aged 14"
    )
    flat = Rows()
    for i in range(4):
        flat.add("Child", "GameShop", amount=50_000, at=i * HOUR, sender_birth_date=CHILD)
    assert hit(screened(flat), "Child", "minor_payer_escalation") is None


def test_odd_hours_on_local_time():
    rows = Rows()
    night = timedelta(hours=-9)  # 18:00 UTC = 01:00 WIB
    for i in range(5):
        rows.add("Owl", f"P{i}", at=night + i * DAY)
    rows.add("Owl", "P9", at=HOUR)
    assert hit(screened(rows), "Owl", "odd_hours").explanation == (
        "5 of 6 transactions (83%) between 23:00 and 05:00 WIB, on 5 nights"
    )
    for row in rows.rows:
        row["timestamp"] += 7 * HOUR  # 08:00 WIB
    assert hit(screened(rows), "Owl", "odd_hours") is None


def test_odd_hours_needs_several_nights_and_a_night_runs_past_midnight():
    """Friends settling a dinner bill after midnight are one night; the same every night is a habit."""
    nights = POLICY.indicators["odd_hours"].params["min_nights"]
    late, early = timedelta(hours=-10, minutes=30), timedelta(hours=-8, minutes=-30)  # 23:30 and 00:30 WIB
    rows = Rows()
    for k in range(nights - 1):
        rows.add(f"Friend{k}", "Host", at=late + k * DAY)
        rows.add(f"Friend{k}b", "Host", at=early + k * DAY)
        rows.add(f"Friend{k}c", "Host", at=early + k * DAY + HOUR)
    assert hit(screened(rows), "Host", "odd_hours") is None  # nights - 1 nights, 23:30 and 00:30 together
    rows.add("Friend9", "Host", at=late + (nights - 1) * DAY)
    found = hit(screened(rows), "Host", "odd_hours")
    assert found.explanation.endswith(f"on {nights} nights")


def test_pass_through_funds_out_within_hours():
    n = POLICY.indicators["pass_through"].params["min_occurrences"]
    rows = Rows()
    for day in range(n):
        rows.add(f"In{day}", "Mule", amount=1_000_000, at=day * DAY)
        rows.add("Mule", f"Out{day}", amount=900_000, at=day * DAY + 2 * HOUR)
    found = hit(screened(rows), "Mule", "pass_through")
    assert len(found.tx_ids) == 2 * n
    assert found.explanation == (
        f"{n} incoming payments totalling Rp {n}.000.000 were at least 80% paid out within 6 hours "
        f"(Rp {n * 900_000:,} out)".replace(",", ".")
    )
    rows.rows[-1]["timestamp"] += 10 * HOUR
    assert hit(screened(rows), "Mule", "pass_through") is None


def test_pass_through_pools_small_payments_forwarded_as_one_sum():
    """Five payments of Rp 300.000, each under min_amount, forwarded as one Rp 1.400.000 within the
    hour: from the second on, the money pooled in the window is over min_amount and 80% of it
    leaves, so each cycle passes four times."""
    rule = POLICY.indicators["pass_through"].params
    assert 300_000 < rule["min_amount"] <= 600_000 and rule["min_occurrences"] <= 8
    rows = Rows()
    for cycle in range(2):
        for k in range(5):
            rows.add(f"Buyer{cycle}{k}", "Mule", amount=300_000, at=cycle * DAY + k * 10 * timedelta(minutes=1))
        rows.add("Mule", f"Wallet{cycle}", amount=1_400_000, at=cycle * DAY + HOUR, channel="crypto")
    found = hit(screened(rows), "Mule", "pass_through")
    assert len(found.tx_ids) == 12
    assert found.explanation == (
        "10 incoming payments totalling Rp 3.000.000 were at least 80% paid out within 6 hours (Rp 2.800.000 out)"
    )
    # half of what came in going out is not passing it through
    for row in rows.rows:
        if row["sender_account"] == "Mule":
            row["amount_idr"] = 750_000
    assert hit(screened(rows), "Mule", "pass_through") is None


def test_typology_channel_counts_only_with_another_signal():
    shop = Rows()
    for i in range(30):
        shop.add(f"Gamer{i}", "Shop", amount=50_000, at=i * HOUR)
        shop.add(
            "Shop",
            "Publisher",
            amount=45_000,
            at=i * HOUR + 60 * 1_000_000 * timedelta(microseconds=1),
            channel="game_topup",
        )
    result = screened(shop)
    assert hit(result, "Shop", "typology_channel") is None and "Shop" not in screened(shop, POLICY)
    live = Rows()
    for i in range(4):
        live.add(f"Fan{i}", "Streamer", channel="live_gift", at=i * DAY - 9 * HOUR, note="vcs")
    found = hit(screened(live), "Streamer", "typology_channel")
    assert found.explanation.startswith("4 payments by live-streaming gift with 4 counterparties, together with:")


def test_typology_channel_is_about_receiving_not_buying_top_ups():
    """A teenager who buys game top-ups from shops and has another indicator does not get the
    channel for the purchases; paid by others through the same channels, the teenager does."""
    rows = Rows()
    for i in range(4):
        rows.add("Teen", f"GameShop{i}", amount=50_000, at=i * DAY, channel="game_topup", sender_birth_date=CHILD)
        rows.add(f"Fan{i}", "Teen", amount=100_000, at=i * DAY + HOUR, note="buat jajan ya", receiver_birth_date=CHILD)
    assert hit(screened(rows), "Teen", "coded_note") is not None
    assert hit(screened(rows), "Teen", "typology_channel") is None
    for row in rows.rows:
        if row["receiver_account"] == "Teen":
            row["channel"] = "live_gift"
    assert hit(screened(rows), "Teen", "typology_channel").explanation.startswith(
        "4 payments by live-streaming gift with 4 counterparties, together with:"
    )


def test_score_threshold_and_order_of_indicators():
    rows = Rows()
    for i in range(10):
        rows.add(f"S{i}", "R", at=i * HOUR, note="open bo")
    weights = {i: POLICY.indicators[i].weight for i in ("coded_note", "fan_in")}
    assert weights["fan_in"] < POLICY.flag_threshold <= weights["coded_note"]  # fan-in only supports
    result = screened(rows, POLICY)
    flagged = result["R"]
    assert [h.id for h in flagged.indicators] == ["coded_note", "fan_in"]
    assert flagged.score == weights["coded_note"] + weights["fan_in"]
    assert flagged.name == "Name R" and flagged.country == "ID"
    # each buyer who wrote the code word is flagged too, on the note alone
    assert {a: f.score for a, f in result.items() if a != "R"} == {f"S{i}": weights["coded_note"] for i in range(10)}
    assert flagged.to_json() == {
        "account": "R",
        "score": weights["coded_note"] + weights["fan_in"],
        "indicators": [
            {"id": h.id, "tx_ids": list(h.tx_ids), "explanation": h.explanation} for h in flagged.indicators
        ],
    }
    assert set(flagged.to_json(with_identity=True)) == {
        "account",
        "score",
        "indicators",
        "name",
        "country",
        "birth_date",
    }


def _random_rows(seed: int, n: int, coarse: bool) -> list[dict]:
    rnd = random.Random(seed)
    accounts = [f"A{i:02d}" for i in range(18)]
    births = {a: rnd.choice([None, CHILD, date(2008, 5, 6), ADULT]) for a in accounts}
    countries = {a: rnd.choice(["ID", "ID", "SG"]) for a in accounts}
    notes = [
        None,
        None,
        "buat makan",
        "jajaaan",
        "0pen b0",
        "umur 15",
        "bayar kos",
        "bank bjb",
        "ultah ke 15 th",
        "u m u r 1 4",
    ]
    rows = Rows()
    for _ in range(n):
        sender, receiver = rnd.sample(accounts, 2)
        # coarse times put many transactions on the same instant and exactly a window apart
        at = (
            timedelta(hours=rnd.randrange(0, 24 * 12, 6))
            if coarse
            else timedelta(minutes=rnd.randrange(0, 60 * 24 * 12))
        )
        rows.add(
            sender,
            receiver,
            amount=rnd.choice([50_000, 75_000, 600_000, 1_200_000, rnd.randrange(10_000, 900_000)]),
            at=at,
            channel=rnd.choice(["e_wallet", "bank_transfer", "game_topup", "pulsa"]),
            sender_country=countries[sender],
            receiver_country=countries[receiver],
            sender_birth_date=births[sender],
            receiver_birth_date=births[receiver],
            note=rnd.choice(notes),
            sender_name=rnd.choice([f"N{sender}", f"M{sender}"]),
        )
    return rows.rows


def _tight(policy: ScreeningPolicy) -> ScreeningPolicy:
    """Lower thresholds so that every rule fires somewhere in small random inputs."""
    changes = {
        "fan_in": {"min_counterparties": 3, "window_days": 1},
        "fan_out": {"min_counterparties": 3, "window_days": 1},
        "repeated_amount": {"min_repeats": 2, "window_days": 3},
        "small_cross_border": {"min_counterparties": 2, "window_days": 1},
        "minor_receiver": {"min_counterparties": 2, "window_days": 2},
        "coded_note": {"disguise_min_counterparties": 3},
        "minor_payer_escalation": {"min_payments": 2, "window_hours": 120},
        "odd_hours": {"min_transactions": 2, "min_share_percent": 20, "start_hour": 22, "end_hour": 5},
        "pass_through": {"min_occurrences": 1, "window_hours": 24, "min_out_share_percent": 30},
    }
    indicators = {
        key: replace(ind, params={**ind.params, **changes.get(key, {})}) for key, ind in policy.indicators.items()
    }
    return replace(policy, indicators=indicators, flag_threshold=1)


@pytest.mark.parametrize("coarse", [False, True])
def test_engine_equals_reference_on_varied_inputs(coarse):
    tight = _tight(POLICY)
    fired: set[str] = set()
    for seed in range(8):
        data = _random_rows(seed, 160, coarse)
        result = screened(data, tight)  # asserts equality
        fired |= {h.id for f in result.values() for h in f.indicators}
        screened(data, POLICY)
    assert fired == set(POLICY.indicators)


def test_engine_equals_reference_when_tx_ids_are_not_in_order():
    """Equal times within a pair are taken in tx_id order whatever the order of the rows."""
    tight = _tight(POLICY)
    for seed in range(4):
        data = _random_rows(seed, 160, coarse=True)
        random.Random(seed).shuffle(data)
        screened(data, tight)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_engine_equals_reference_on_synthetic_traffic_read_from_a_file(tmp_path, fmt):
    from coordination.screening import synthetic
    from coordination.screening.engine import screen
    from coordination.screening.reader import scan_transactions

    path = tmp_path / f"traffic.{fmt}"
    synthetic.write(path, 4_000, seed=5)
    rows = scan_transactions(path, currency_rates=POLICY.currency_rates)[0].drop("row").collect().to_dicts()
    for policy in (POLICY, EVERY_HIT, _tight(POLICY)):
        result = screen(path, policy)
        assert result.rows_read == 4_000 and result.rows_rejected == 0
        assert result.accounts_seen == len({r["sender_account"] for r in rows} | {r["receiver_account"] for r in rows})
        assert result.flagged == screen_rows(rows, policy)
    assert screen_frame(pl.DataFrame(rows), EVERY_HIT) == screen_rows(rows, EVERY_HIT)
