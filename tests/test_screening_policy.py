"""The screening rules in red_flags.yaml load, and every mistake names file, line, indicator and parameter."""

from __future__ import annotations

from pathlib import Path

import pytest

from coordination.policy import load_policies
from coordination.policy.catalogue import load_catalogue
from coordination.policy.loader import PolicyError
from coordination.screening.policy import RULE_TYPES, load_screening_policy

POLICIES = Path(__file__).resolve().parent.parent / "policies"


def edited(tmp_path: Path, old: str, new: str) -> Path:
    text = (POLICIES / "red_flags.yaml").read_text()
    assert old in text
    (tmp_path / "red_flags.yaml").write_text(text.replace(old, new, 1))
    return tmp_path / "red_flags.yaml"


def refused(path: Path, pattern: str) -> PolicyError:
    with pytest.raises(PolicyError, match=pattern) as caught:
        load_screening_policy(path)
    assert str(caught.value).startswith(f"{path}:{caught.value.line}: ")
    return caught.value


def line_of(error: PolicyError, path: Path) -> str:
    return path.read_text().splitlines()[error.line - 1].strip()


def test_shipped_policy_has_a_rule_for_each_automatic_indicator():
    policy = load_screening_policy(POLICIES / "red_flags.yaml")
    assert set(policy.indicators) == {
        "fan_in",
        "fan_out",
        "repeated_amount",
        "small_cross_border",
        "coded_note",
        "typology_channel",
        "minor_receiver",
        "minor_payer_escalation",
        "odd_hours",
        "pass_through",
    }
    assert all(i.type in RULE_TYPES for i in policy.indicators.values())
    assert policy.flag_threshold == 10 and policy.local_offset_minutes == 420 and policy.local_time_label == "WIB"
    assert policy.currency_rates["IDR"] == 1 and policy.currency_rates["USD"] > 10_000
    assert policy.indicators["fan_in"].params["window_days"] == 7
    assert policy.typologies_of("minor_payer_escalation") == ("sextortion",)


def test_the_alert_catalogue_still_reads_the_file_and_keeps_manual_indicators():
    catalogue = load_catalogue(POLICIES / "catalogue.yaml", POLICIES / "red_flags.yaml")
    assert {"social_media_trade", "small_amounts", "fan_in"} <= set(catalogue.indicators)


def test_bad_window_names_file_line_indicator_and_parameter(tmp_path):
    path = edited(tmp_path, "      window_days: 7\n", "      window_days: seven\n")
    error = refused(path, r"indicators\.fan_in\.rule\.window_days must be a whole number of days from 1 to 366")
    assert line_of(error, path) == "window_days: seven"


def test_unknown_rule_type_and_unknown_parameter(tmp_path):
    refused(
        edited(tmp_path, "type: odd_hours", "type: night_owl"),
        r"indicators\.odd_hours\.rule\.type 'night_owl' is not a rule type",
    )
    path = edited(tmp_path, "      min_repeats: 4\n", "      min_repeat: 4\n")
    refused(path, r"unknown key 'min_repeat' in indicators\.repeated_amount\.rule")


def test_missing_parameter_is_named(tmp_path):
    shipped = load_screening_policy(POLICIES / "red_flags.yaml").indicators["pass_through"].params
    path = edited(tmp_path, f"      min_occurrences: {shipped['min_occurrences']}\n", "")
    refused(path, r"indicators\.pass_through\.rule lacks 'min_occurrences'")


def test_new_parameters_are_checked_and_named(tmp_path):
    refused(
        edited(tmp_path, "      direction: incoming\n      channels", "      direction: inward\n      channels"),
        r"indicators\.typology_channel\.rule\.direction must be one of incoming, outgoing, any",
    )
    error = refused(
        edited(tmp_path, "      min_nights: 4\n", "      min_nights: 0\n"),
        r"indicators\.odd_hours\.rule\.min_nights must be a whole number from 1 to 100000",
    )
    assert line_of(error, tmp_path / "red_flags.yaml") == "min_nights: 0"
    refused(
        edited(tmp_path, "      min_share_percent: 30\n", "      min_share_percent: 130\n"),
        r"indicators\.small_cross_border\.rule\.min_share_percent must be a whole percentage from 1 to 100",
    )
    refused(
        edited(tmp_path, "      ordinal_words: [ke]\n", "      ordinal_words: []\n"),
        r"indicators\.coded_note\.rule\.ordinal_words must be a non-empty list of words",
    )


def test_new_parameters_have_defaults_so_older_policy_files_still_load(tmp_path):
    text = (POLICIES / "red_flags.yaml").read_text()
    for line in ("      min_nights: 4\n", "      min_share_percent: 30\n", "      ordinal_words: [ke]\n"):
        assert line in text
        text = text.replace(line, "")
    text = text.replace("      direction: incoming\n      channels", "      channels")
    (tmp_path / "red_flags.yaml").write_text(text)
    policy = load_screening_policy(tmp_path / "red_flags.yaml")
    assert policy.indicators["odd_hours"].params["min_nights"] == 1
    assert policy.indicators["small_cross_border"].params["min_share_percent"] is None
    assert policy.indicators["coded_note"].params["ordinal_words"] == ()
    assert policy.indicators["typology_channel"].params["direction"] == "incoming"


def test_channels_and_references_are_checked(tmp_path):
    refused(
        edited(tmp_path, "channels: [game_topup, live_gift", "channels: [game_top_up, live_gift"),
        r"indicators\.typology_channel\.rule\.channels must be a non-empty list of channels",
    )
    refused(
        edited(tmp_path, "with_indicators: [coded_note,", "with_indicators: [coded_notes,"),
        r"with_indicators names 'coded_notes', which is not another indicator with a rule",
    )


def test_screening_section_is_checked(tmp_path):
    refused(
        edited(tmp_path, "flag_threshold: 10", "flag_threshold: -1"),
        r"screening\.flag_threshold must be a whole number",
    )
    refused(edited(tmp_path, 'offset: "+07:00"', 'offset: "WIB"'), r"screening\.local_time\.offset must be an offset")
    error = refused(
        edited(tmp_path, "    USD: 16300", "    USD: lots"),
        r"screening\.currency_rates_to_idr\.USD must be a positive number",
    )
    assert error.line > 1


def test_catalogue_refuses_an_unknown_typology_and_a_bad_rule_at_start_up(tmp_path):
    (tmp_path / "catalogue.yaml").write_text((POLICIES / "catalogue.yaml").read_text())
    edited(tmp_path, "typologies: [sextortion]", "typologies: [blackmail]")  # from the pristine file each time
    with pytest.raises(PolicyError, match="'blackmail', which is not a typology"):
        load_catalogue(tmp_path / "catalogue.yaml", tmp_path / "red_flags.yaml")
    edited(tmp_path, "      payer_max_age: 17\n", "      payer_max_age: 170\n")
    for name in ("roles.yaml", "redaction.yaml", "evidence.yaml", "statistics.yaml"):
        if (POLICIES / name).exists():
            (tmp_path / name).write_text((POLICIES / name).read_text())
    with pytest.raises(PolicyError, match=r"indicators\.minor_payer_escalation\.rule\.payer_max_age"):
        load_policies(tmp_path)  # what the app does at start
