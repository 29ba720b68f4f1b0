"""The alert vocabulary and red-flag catalogue load, and mistakes name file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from coordination.policy.catalogue import load_catalogue
from coordination.policy.loader import PolicyError

POLICIES = Path(__file__).resolve().parent.parent / "policies"


def edited(tmp_path: Path, name: str, old: str, new: str) -> tuple[Path, Path]:
    for file in ("catalogue.yaml", "red_flags.yaml"):
        text = (POLICIES / file).read_text()
        if file == name:
            assert old in text
            text = text.replace(old, new, 1)
        (tmp_path / file).write_text(text)
    return tmp_path / "catalogue.yaml", tmp_path / "red_flags.yaml"


def test_shipped_catalogue_has_the_typologies_of_the_domain():
    catalogue = load_catalogue(POLICIES / "catalogue.yaml", POLICIES / "red_flags.yaml")
    assert set(catalogue.typologies) == {
        "csam_purchase",
        "live_streaming",
        "open_bo",
        "sextortion",
        "grooming_payments",
        "other",
    }
    assert {"fan_in", "fan_out", "repeated_amount", "coded_note", "minor_receiver"} <= set(catalogue.indicators)
    assert "dki_jakarta" in catalogue.provinces and len(catalogue.provinces) == 39  # 38 provinces and abroad


def test_removing_a_required_value_is_refused(tmp_path):
    paths = edited(tmp_path, "catalogue.yaml", "  sextortion:", "  sextortionn:")
    with pytest.raises(PolicyError, match="typologies lacks sextortion"):
        load_catalogue(*paths)


def test_bad_weight_names_the_indicator_and_line(tmp_path):
    coded_weight = "    source: PJK survey\n    weight: 10"  # coded_note's
    paths = edited(tmp_path, "red_flags.yaml", coded_weight, coded_weight.replace("10", "heavy"))
    with pytest.raises(PolicyError, match=r"indicators\.coded_note\.weight must be a whole number") as caught:
        load_catalogue(*paths)
    lines = paths[1].read_text().splitlines()
    assert lines[caught.value.line - 1].strip() == "weight: heavy"


def test_unknown_source_is_refused(tmp_path):
    paths = edited(tmp_path, "red_flags.yaml", "    source: AUSTRAC", "    source: rumour")
    with pytest.raises(PolicyError, match="source must be one of"):
        load_catalogue(*paths)
