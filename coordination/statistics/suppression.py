"""Statistical disclosure control: primary and secondary (complementary) cell suppression.

    suppress(cells: Mapping[Key, int], min_cell: int, also: Iterable[Key] = ()) -> Suppression

A table is a mapping from a key (one value per dimension) to a count. Primary suppression hides
every count in 1..min_cell-1. A *line* is the set of cells that share every key value but one:
a row or a column of a two-way table, the whole table for a one-way table. Each line has a total
that readers may know (the pack shows one-way tables and totals), so a line with exactly one
hidden cell gives that cell away: total minus the visible cells. We then also hide the smallest
visible non-zero cell of the line (the least information lost), and repeat over all lines until
no line has exactly one hidden cell, or none can be fixed (a line with a single non-zero cell,
whose total is the cell: reported in `exposed_lines` so that the caller hides that total).

Zero cells are never hidden: an empty cell is absent from the table and hiding it protects nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

Key = tuple[str, ...]


@dataclass(frozen=True)
class Suppression:
    hidden: frozenset[Key]
    primary: frozenset[Key]
    # (dimension index left free, the line's fixed values): lines whose total equals a hidden cell.
    exposed_lines: frozenset[tuple[int, Key]]

    def shown(self, key: Key, value: int, min_cell: int) -> int | str:
        return f"<{min_cell}" if key in self.hidden else value


def _lines(keys: Iterable[Key], ndim: int) -> dict[tuple[int, Key], list[Key]]:
    lines: dict[tuple[int, Key], list[Key]] = defaultdict(list)
    for key in keys:
        for d in range(ndim):
            lines[(d, key[:d] + key[d + 1 :])].append(key)
    return lines


def suppress(cells: Mapping[Key, int], min_cell: int, also: Iterable[Key] = ()) -> Suppression:
    """`also`: cells to hide whatever their count (totals another table gives away)."""
    primary = {key for key, value in cells.items() if 0 < value < min_cell}
    hidden = primary | {key for key in also if key in cells and cells[key] > 0}
    ndim = len(next(iter(cells))) if cells else 0
    lines = _lines(cells, ndim)
    exposed: set[tuple[int, Key]] = set()
    changed = True
    while changed:
        changed = False
        exposed.clear()
        for line, members in sorted(lines.items()):
            if sum(1 for key in members if key in hidden) != 1:
                continue
            candidates = [key for key in members if key not in hidden and cells[key] > 0]
            if not candidates:
                exposed.add(line)
                continue
            hidden.add(min(candidates, key=lambda key: (cells[key], key)))
            changed = True
    return Suppression(frozenset(hidden), frozenset(primary), frozenset(exposed))
