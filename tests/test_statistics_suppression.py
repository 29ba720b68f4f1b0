"""Primary and secondary (complementary) suppression, on hand-made tables: no app needed."""

from __future__ import annotations

import random
from collections import defaultdict

from coordination.statistics.suppression import suppress


def lines_with_one_hidden(cells, hidden):  # type: ignore[no-untyped-def]
    ndim = len(next(iter(cells)))
    lines = defaultdict(list)
    for key in cells:
        for d in range(ndim):
            lines[(d, key[:d] + key[d + 1 :])].append(key)
    return {line for line, members in lines.items() if sum(k in hidden for k in members) == 1}


def test_small_counts_are_hidden_and_zeros_are_not():
    result = suppress({("a",): 3, ("b",): 0, ("c",): 9, ("d",): 12}, 5)
    assert ("a",) in result.primary
    assert ("b",) not in result.hidden
    assert result.shown(("a",), 3, 5) == "<5"


def test_a_row_total_and_the_other_cells_do_not_reveal_the_hidden_one():
    # Row "x": 2 (hidden) + 10 + 20 = 32. Publishing 10, 20 and the row total 32 would give away
    # the 2, so the next-smallest cell of the row (10) is hidden too; then the column of that
    # complementary cell has one hidden cell, and so on until every line holds two or none.
    cells = {
        ("x", "bank"): 2,
        ("x", "wallet"): 10,
        ("x", "pulsa"): 20,
        ("y", "bank"): 30,
        ("y", "wallet"): 40,
        ("y", "pulsa"): 50,
    }
    result = suppress(cells, 5)
    assert result.primary == {("x", "bank")}
    assert ("x", "wallet") in result.hidden  # the complementary cell in the row
    assert ("y", "bank") in result.hidden and ("y", "wallet") in result.hidden  # columns protected
    assert not lines_with_one_hidden(cells, result.hidden)
    # The attack fails: row x total minus the visible cells leaves two unknowns, not one.
    visible_in_row = [v for k, v in cells.items() if k[0] == "x" and k not in result.hidden]
    assert len([k for k in cells if k[0] == "x" and k in result.hidden]) == 2
    assert sum(visible_in_row) == 20


def test_a_one_way_table_hides_a_second_cell_because_the_grand_total_is_shown():
    result = suppress({("q1",): 3, ("q2",): 40, ("q3",): 8}, 5)
    assert result.hidden == {("q1",), ("q3",)}  # the smallest visible one, not the largest


def test_suppression_repeats_until_no_line_has_one_hidden_cell():
    rnd = random.Random(3)
    for _ in range(200):
        cells = {(r, c): rnd.choice([0, 1, 2, 4, 5, 7, 12, 30]) for r in "abcd" for c in "wxyz"}
        result = suppress(cells, 5)
        assert {k for k, v in cells.items() if 0 < v < 5} <= result.hidden
        assert all(cells[k] > 0 for k in result.hidden)
        assert lines_with_one_hidden(cells, result.hidden) == set(result.exposed_lines)


def test_a_line_that_cannot_be_protected_is_reported():
    # Column "w" holds one non-zero cell: its total is that cell, so the caller must hide the total.
    cells = {("a", "w"): 9, ("a", "x"): 3, ("b", "x"): 20, ("b", "y"): 1, ("a", "y"): 6}
    result = suppress(cells, 5)
    assert not lines_with_one_hidden(cells, result.hidden) - set(result.exposed_lines)


def test_cells_forced_hidden_are_protected_like_small_ones():
    result = suppress({("a",): 50, ("b",): 60, ("c",): 70}, 5, also=[("b",)])
    assert result.hidden == {("a",), ("b",)}
