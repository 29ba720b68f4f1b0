"""Statistics pack: counts, amounts and outcomes against a hand-counted data set (both backends),
visibility, suppression in the pack, and the policy file."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from coordination.core.db import get_session
from coordination.policy.loader import PolicyError
from coordination.statistics import build_pack
from coordination.statistics.pack import PackRow
from coordination.statistics.policy import load_statistics_policy
from coordination.statistics.queries import AmountStats, PackFacts, amount_stats, count_records, referral_outcomes
from tests.statistics_data import END, FEB, LAST_YEAR, MAY, QUARTER_EDGE, START, add_alert, add_case, add_referral

POLICIES = Path(__file__).resolve().parents[1] / "policies"


@pytest.fixture
def world(app, make_org):  # type: ignore[no-untyped-def]
    a, b, fiu, police = make_org("pjk"), make_org("pjk"), make_org("fiu"), make_org("police")
    for i in range(6):
        add_alert(a, ["sextortion"], [("e_wallet", 100 * (i + 1))], ["jawa_timur"], FEB)
    paid = [("bank_transfer", 1000), ("e_wallet", 50)]
    grooming = [add_alert(a, ["grooming_payments"], paid, ["dki_jakarta"], MAY, escalated_to=fiu) for _ in range(7)]
    for _ in range(2):
        add_alert(a, ["open_bo"], [("pulsa", 10)], ["bali"], MAY)
    for _ in range(5):
        add_alert(b, ["sextortion"], [("pulsa", 5)], ["jawa_barat"], FEB)
    add_alert(a, ["sextortion"], [("e_wallet", 999)], ["jawa_timur"], LAST_YEAR)  # outside the period
    case1 = add_case(fiu, grooming[:3], MAY, own=[("pulsa", 7)])
    case2 = add_case(fiu, [], MAY)
    add_referral(case1, police, MAY, ("referral.accept", MAY + timedelta(hours=6)))
    add_referral(case2, police, MAY, ("referral.decline", MAY + timedelta(hours=30)))
    add_referral(case1, police, MAY)
    return {"a": a, "b": b, "fiu": fiu, "police": police}


def counts(kind, dims, org_ids=None):  # type: ignore[no-untyped-def]
    return count_records(get_session(), kind, dims, org_ids, START, END)


def test_counts_by_typology_match_the_hand_count(world):
    assert counts("alerts", ["typology"]) == {("sextortion",): 11, ("grooming_payments",): 7, ("open_bo",): 2}
    assert counts("cases", ["typology"]) == {("grooming_payments",): 1, ("unknown",): 1}
    assert counts("referrals", ["typology"]) == {("grooming_payments",): 2, ("unknown",): 1}


def test_a_case_takes_the_channels_of_its_own_payments_and_of_its_alerts(world):
    assert counts("cases", ["channel"]) == {("pulsa",): 1, ("bank_transfer",): 1, ("e_wallet",): 1, ("unknown",): 1}


def test_quarters_are_counted_in_wib(world, make_org):
    add_alert(world["b"], ["other"], [], ["papua"], QUARTER_EDGE)  # 31 March 18:00 UTC = 1 April WIB
    assert counts("alerts", ["province", "quarter"]) == {
        ("jawa_timur", "2026-Q1"): 6,
        ("dki_jakarta", "2026-Q2"): 7,
        ("bali", "2026-Q2"): 2,
        ("jawa_barat", "2026-Q1"): 5,
        ("papua", "2026-Q2"): 1,
    }


def test_amount_sums_and_medians_are_computed_in_sql(world):
    found = amount_stats(get_session(), ["channel"], None, START, END)
    assert found[("e_wallet",)].payments == 13
    assert found[("e_wallet",)].total == Decimal("2450.00")
    assert found[("e_wallet",)].median == Decimal("50.00")  # seven 50s, then 100..600
    assert found[("bank_transfer",)].median == Decimal("1000.00")
    # B's 5 x 5, the open_bo alerts' 2 x 10 and case 1's own 7: an even count, so the mean of 5 and 5
    assert (found[("pulsa",)].payments, found[("pulsa",)].total, found[("pulsa",)].median) == (
        8,
        Decimal("52.00"),
        Decimal("5.00"),
    )


def test_an_organisation_sees_only_what_it_owns_or_received(world):
    a, fiu, police = world["a"].id, world["fiu"].id, world["police"].id
    assert counts("alerts", ["typology"], [a]) == {("sextortion",): 6, ("grooming_payments",): 7, ("open_bo",): 2}
    assert counts("alerts", ["typology"], [fiu]) == {("grooming_payments",): 7}  # escalated to it
    assert counts("cases", ["org_kind"], [a]) == {}
    assert counts("cases", ["org_kind"], [fiu]) == {("fiu",): 2}
    # The police received three referrals but declined one: it no longer sees that one.
    assert counts("referrals", ["org_kind"], [police]) == {("police",): 2}
    # A forum's combined view is the union of its attendees' views.
    assert counts("alerts", ["org_kind"], [a, world["b"].id]) == {("pjk",): 20}


def test_referral_outcomes_and_time_to_first_response(world):
    outcome = referral_outcomes(get_session(), None, START, END)[("police",)]
    assert (outcome.referrals, outcome.accepted, outcome.declined, outcome.responded) == (3, 1, 1, 2)
    assert outcome.median_hours == pytest.approx(18.0)  # 6 h and 30 h


def test_the_pack_hides_small_cells_and_withholds_their_amounts(world):
    pack = build_pack([world["a"].id], START, END, ["typology"])
    rows = {row.key: row for row in pack.table.rows}
    assert rows[("open_bo",)].alerts == "<5"
    # With the total shown, open_bo's count would follow from the others: sextortion (6, the
    # smallest visible) is hidden too, grooming (7) stays.
    assert rows[("sextortion",)].alerts == "<5"
    assert rows[("grooming_payments",)].alerts == 7
    assert rows[("open_bo",)].amount_sum is None and rows[("open_bo",)].amount_median is None
    assert rows[("sextortion",)].amount_sum is None
    assert rows[("grooming_payments",)].amount_sum == Decimal("7350.00")
    assert rows[("grooming_payments",)].amount_median == Decimal("525.00")
    assert pack.suppressed_cells == 2
    assert pack.totals.alerts == 15


def test_the_pack_is_the_same_in_every_chart(world):
    pack = build_pack(None, START, END, ["typology", "channel"])
    assert set(pack.charts) == {"quarter", "channel", "typology"}
    for table in (pack.table, *pack.charts.values()):
        for row in table.rows:
            for measure in ("alerts", "cases", "referrals"):
                value = getattr(row, measure)
                assert value == "<5" or value == 0 or value >= 5


def test_a_period_with_alerts_but_no_payments_has_counts_and_no_amounts(app, make_org):
    quiet = make_org("pjk")
    for _ in range(6):
        add_alert(quiet, ["open_bo"], [], ["bali"], FEB)
    assert amount_stats(get_session(), (), [quiet.id], START, END) == {}
    assert amount_stats(get_session(), ("typology",), [quiet.id], START, END) == {}
    pack = build_pack([quiet.id], START, END, ["typology", "channel"])
    assert [(row.key, row.alerts, row.amount_sum) for row in pack.table.rows] == [(("open_bo", "unknown"), 6, None)]
    assert pack.totals == PackRow((), 6, 0, 0, None, None)
    assert pack.outcomes == []


def test_a_period_with_nothing_at_all_gives_an_empty_pack(app, make_org):
    empty = make_org("pjk")
    for org_ids in ([empty.id], None):
        pack = build_pack(org_ids, date(2031, 1, 1), date(2031, 3, 31), ["typology", "quarter"])
        assert pack.table.rows == [] and pack.suppressed_cells == 0
        assert all(chart.rows == [] for chart in pack.charts.values())
        assert pack.totals == PackRow((), 0, 0, 0, None, None)
        assert pack.outcomes == []
    assert count_records(get_session(), "alerts", (), [empty.id], START, END) == {(): 0}


def test_repeated_values_count_once_and_missing_ones_are_unknown(app, make_org):
    org = make_org("pjk")
    alert = add_alert(org, ["sextortion", "sextortion"], [("pulsa", 5), ("pulsa", 7)], ["bali", None], FEB)
    add_case(org, [alert], FEB)
    assert counts("alerts", ["typology", "province", "channel"], [org.id]) == {
        ("sextortion", "bali", "pulsa"): 1,
        ("sextortion", "unknown", "pulsa"): 1,
    }
    # The case inherits its alert's values, and has no payment of its own.
    assert counts("cases", ["province", "channel"], [org.id]) == {("bali", "pulsa"): 1, ("unknown", "pulsa"): 1}
    assert amount_stats(get_session(), ("province",), [org.id], START, END) == {
        ("bali",): AmountStats(2, Decimal("12.00"), Decimal("6.00")),
        ("unknown",): AmountStats(2, Decimal("12.00"), Decimal("6.00")),
    }


def _fact_tables() -> int:
    session = get_session()
    if session.get_bind().dialect.name == "sqlite":
        return session.scalar(text("SELECT count(*) FROM sqlite_temp_master WHERE name LIKE 'stats_fact%'"))
    return session.scalar(
        text("SELECT count(*) FROM pg_class WHERE relname LIKE 'stats_fact%' AND pg_table_is_visible(oid)")
    )


def test_the_temporary_tables_are_dropped_after_each_pack(world):
    postgres = get_session().get_bind().dialect.name == "postgresql"
    work_mem = get_session().scalar(text("SELECT current_setting('work_mem')")) if postgres else None
    for _ in range(2):  # twice in one transaction: the second pack does not find the first's tables
        assert build_pack(None, START, END, ["province"]).totals.alerts == 20
        assert _fact_tables() == 0
    if postgres:  # raised for the pack's sorts only
        assert get_session().scalar(text("SELECT current_setting('work_mem')")) == work_mem
    with pytest.raises(ValueError, match="built without"), PackFacts(get_session(), None, START, END, ()) as facts:
        facts.counts(("typology",))
    assert _fact_tables() == 0


def test_policy_errors_name_the_line(tmp_path):
    text = (POLICIES / "statistics.yaml").read_text()
    bad = tmp_path / "statistics.yaml"
    bad.write_text(text.replace("min_cell: 5", "min_cell: 2"))
    with pytest.raises(PolicyError) as err:
        load_statistics_policy(bad, known_kinds=frozenset({"fiu", "regulator", "operator"}))
    assert err.value.line == text.splitlines().index("min_cell: 5") + 1
    bad.write_text(text.replace("  province:", "  nik:"))
    with pytest.raises(PolicyError, match="unknown dimension 'nik'"):
        load_statistics_policy(bad, known_kinds=frozenset({"fiu", "regulator", "operator"}))
