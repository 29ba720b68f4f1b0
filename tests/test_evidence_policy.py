"""policies/evidence.yaml: loads, cannot loosen the CSAM rules, names the line of a mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from coordination.core.permissions import ORG_KINDS, PERMISSIONS
from coordination.policy.evidence import load_evidence_policy
from coordination.policy.loader import PolicyError

POLICY = Path(__file__).resolve().parent.parent / "policies" / "evidence.yaml"


def load(path: Path = POLICY):  # type: ignore[no-untyped-def]
    return load_evidence_policy(path, known_kinds=ORG_KINDS, known_permissions=PERMISSIONS)


def variant(tmp_path: Path, old: str, new: str) -> Path:
    text = POLICY.read_text()
    assert old in text, old
    path = tmp_path / "evidence.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


def test_shipped_policy_keeps_csam_with_police_and_fiu_only():
    policy = load()
    csam = policy.categories["csam"]
    assert csam.restricted_to == {"police", "fiu"} and csam.reason_required and not csam.preview
    reaching = {pair for pair, categories in policy.referrals.items() if "csam" in categories}
    assert reaching == {("police", "investigation"), ("fiu", "analysis")}
    assert all(not cats for (kind, _p), cats in policy.referrals.items() if kind == "pjk")


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            "  ngo:\n    victim_support:    [document]",
            "  ngo:\n    victim_support:    [document, csam]",
            "csam may not reach ngo",
        ),
        ("    preview: false", "    preview: true", "categories.csam must keep"),
        ("    restricted_to: [police, fiu]", "    restricted_to: [police, fiu, ngo]", "categories.csam must keep"),
        ("    reason_required: true", "    reason_required: false", "categories.csam must keep"),
        ("  screenshot:\n    id:", "  screenshotz:\n    id:", "categories lacks screenshot"),
        (
            "    information:       [transaction_export]",
            "    informatoin:       [transaction_export]",
            "unknown purpose",
        ),
        (
            "    content_types: [image/png, image/jpeg, image/webp, image/gif]",
            "    content_types: [png]",
            "not a media type",
        ),
        ("    permission: evidence.view_csam", "    permission: evidence.view_csma", "unknown permission"),
    ],
)
def test_mistakes_stop_loading_with_the_line(tmp_path, old, new, problem):
    path = variant(tmp_path, old, new)
    with pytest.raises(PolicyError) as caught:
        load(path)
    assert problem in str(caught.value) and "evidence.yaml:" in str(caught.value)
