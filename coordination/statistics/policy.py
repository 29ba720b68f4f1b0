"""`policies/statistics.yaml`: the disclosure-control rules of the statistics pack.

    load_statistics_policy(path: Path, *, known_kinds: frozenset[str]) -> StatisticsPolicy

Read at start-up like every policy file; a mistake stops the platform with file, line and problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from coordination.policy.loader import PolicyFile
from coordination.policy.roles import Labels, labels

# The breakdowns the query code knows how to compute; the policy may allow fewer.
KNOWN_DIMENSIONS = ("typology", "indicator", "channel", "province", "quarter", "org_kind")
# Below 3 a suppressed cell is too easy to guess; the floor is code, not policy.
MIN_CELL_FLOOR = 3


@dataclass(frozen=True)
class StatisticsPolicy:
    path: Path
    min_cell: int
    max_dimensions: int
    dimensions: dict[str, Labels]
    national_view: frozenset[str]


def _integer(doc: PolicyFile, node, where: str, minimum: int) -> int:  # type: ignore[no-untyped-def]
    text = doc.scalar(node, where)
    if not text.isdigit() or int(text) < minimum:
        raise doc.fail(node, f"{where} must be a whole number of at least {minimum}, not {text!r}")
    return int(text)


def load_statistics_policy(path: Path, *, known_kinds: frozenset[str]) -> StatisticsPolicy:
    doc = PolicyFile.read(path)
    top = doc.mapping(doc.root, "the file")
    doc.only_keys(top, doc.root, {"min_cell", "max_dimensions", "dimensions", "national_view"}, "the file")
    min_cell = _integer(doc, doc.section(top, "min_cell"), "min_cell", MIN_CELL_FLOOR)
    max_dimensions = _integer(doc, doc.section(top, "max_dimensions"), "max_dimensions", 1)
    dimensions: dict[str, Labels] = {}
    dims_node = doc.section(top, "dimensions")
    for name, value in doc.mapping(dims_node, "dimensions"):
        if name not in KNOWN_DIMENSIONS:
            raise doc.fail_at_name(
                value, f"unknown dimension {name!r}; the platform knows {', '.join(KNOWN_DIMENSIONS)}"
            )
        dimensions[name] = labels(doc, value, f"dimensions.{name}")
    if not dimensions:
        raise doc.fail(dims_node, "dimensions must allow at least one breakdown")
    national: set[str] = set()
    for node in doc.sequence(doc.section(top, "national_view"), "national_view"):
        kind = doc.scalar(node, "an organisation kind in national_view")
        if kind not in known_kinds:
            raise doc.fail(node, f"unknown organisation kind {kind!r} in national_view")
        national.add(kind)
    return StatisticsPolicy(path, min_cell, max_dimensions, dimensions, frozenset(national))
