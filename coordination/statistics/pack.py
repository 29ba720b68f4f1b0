"""Building the pack: run the queries, suppress small cells, keep what may be shown.

    build_pack(org_ids: Collection[int] | None, start: date, end: date, group_by: Sequence[str]) -> StatsPack
    scope_for(user: User) -> frozenset[int] | None

A pack holds only publishable figures: a hidden count is the text "<5" (with the policy's
min_cell), a withheld amount is None. Nothing in it can be turned back into the hidden values.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from coordination.accounts.models import User
from coordination.core.db import get_session
from coordination.policy import statistics_policy
from coordination.statistics.queries import RECORD_KINDS, PackFacts, referral_outcomes
from coordination.statistics.suppression import Key, Suppression, suppress

# The one-way tables behind the charts: trend by quarter, channel mix, typology mix.
CHART_DIMS = ("quarter", "channel", "typology")
OUTCOME_MEASURES = ("referrals", "accepted", "declined", "responded")

Shown = int | str  # a count, or "<5" when hidden


@dataclass(frozen=True)
class PackRow:
    key: Key
    alerts: Shown
    cases: Shown
    referrals: Shown
    amount_sum: Decimal | None  # None: withheld (or no payments)
    amount_median: Decimal | None

    def hidden(self, measure: str) -> bool:
        return isinstance(getattr(self, measure), str)


@dataclass(frozen=True)
class PackTable:
    dims: tuple[str, ...]
    rows: list[PackRow]
    suppressed_cells: int  # hidden counts (alerts, cases, referrals), primary and secondary
    exposed: dict[str, frozenset[tuple[int, Key]]] = field(default_factory=dict, repr=False)

    def as_dicts(self) -> list[dict[str, object]]:
        return [
            {
                **dict(zip(self.dims, row.key, strict=True)),
                "alerts": row.alerts,
                "cases": row.cases,
                "referrals": row.referrals,
                "amount_sum": row.amount_sum,
                "amount_median": row.amount_median,
            }
            for row in self.rows
        ]


@dataclass(frozen=True)
class OutcomeRow:
    org_kind: str  # the recipient's kind
    referrals: Shown
    accepted: Shown
    declined: Shown
    responded: Shown
    median_hours: float | None  # to the first answer; None when withheld


@dataclass(frozen=True)
class StatsPack:
    start: date
    end: date
    group_by: tuple[str, ...]
    org_ids: frozenset[int] | None  # None: every organisation
    min_cell: int
    table: PackTable
    totals: PackRow
    charts: dict[str, PackTable]
    outcomes: list[OutcomeRow]

    @property
    def suppressed_cells(self) -> int:
        return self.table.suppressed_cells


def scope_for(user: User) -> frozenset[int] | None:
    """A user sees the figures of their own organisation; supervisors of the kinds the policy
    names under national_view (PPATK, regulators, the operator) see every organisation's."""
    if user.organisation.kind in statistics_policy().national_view:
        return None
    return frozenset({user.organisation_id})


def _table(
    facts: PackFacts,
    dims: tuple[str, ...],
    min_cell: int,
    force: dict[str, set[Key]] | None = None,
    *,
    with_amounts: bool = True,
) -> PackTable:
    """One table of the pack. `with_amounts=False` for the chart tables, which draw counts only:
    their amounts would be published nowhere, and each median is a sort of every payment."""
    force = force or {}
    counts = facts.counts(dims)
    hiding: dict[str, Suppression] = {
        kind: suppress(counts[kind], min_cell, force.get(kind, ())) for kind in RECORD_KINDS
    }
    amounts = facts.amounts(dims) if with_amounts else {}
    # Amounts describe the alerts' and cases' payments: withheld wherever those counts are hidden,
    # and protected by the same rule when a cell has few payments.
    amount_hiding = suppress(
        {key: stats.payments for key, stats in amounts.items()},
        min_cell,
        hiding["alerts"].hidden | hiding["cases"].hidden | force.get("amounts", set()),
    )
    keys = sorted(set().union(*(counts[kind].keys() for kind in RECORD_KINDS), amounts.keys()))
    rows = []
    for key in keys:
        stats = amounts.get(key)
        visible = stats is not None and key not in amount_hiding.hidden
        rows.append(
            PackRow(
                key,
                *(hiding[kind].shown(key, counts[kind].get(key, 0), min_cell) for kind in RECORD_KINDS),
                amount_sum=stats.total if visible and stats else None,
                amount_median=stats.median if visible and stats else None,
            )
        )
    exposed = {kind: hiding[kind].exposed_lines for kind in RECORD_KINDS}
    exposed["amounts"] = amount_hiding.exposed_lines
    return PackTable(dims, rows, sum(len(hiding[kind].hidden) for kind in RECORD_KINDS), exposed)


def _margin_keys(table: PackTable, margin_dims: tuple[str, ...]) -> dict[str, set[Key]]:
    """Cells of a margin table (a one-way table or the grand total) whose value equals a hidden
    cell of `table` because that cell is alone in its line: they must be hidden too."""
    forced: dict[str, set[Key]] = {}
    for measure, lines in table.exposed.items():
        for free, fixed in lines:
            rest = table.dims[:free] + table.dims[free + 1 :]
            if rest == margin_dims:
                forced.setdefault(measure, set()).add(fixed)
    return forced


def _merge(*forces: dict[str, set[Key]]) -> dict[str, set[Key]]:
    merged: dict[str, set[Key]] = {}
    for force in forces:
        for measure, keys in force.items():
            merged.setdefault(measure, set()).update(keys)
    return merged


def _outcomes(org_ids: Collection[int] | None, start: date, end: date, min_cell: int) -> list[OutcomeRow]:
    found = referral_outcomes(get_session(), org_ids, start, end)
    hiding = {m: suppress({k: getattr(v, m) for k, v in found.items()}, min_cell) for m in OUTCOME_MEASURES}
    rows = []
    for key in sorted(found):
        o = found[key]
        shown = {m: hiding[m].shown(key, getattr(o, m), min_cell) for m in OUTCOME_MEASURES}
        # A median over fewer than min_cell answers describes individual referrals.
        median = o.median_hours if o.responded >= min_cell and not isinstance(shown["responded"], str) else None
        rows.append(OutcomeRow(key[0], **shown, median_hours=None if median is None else round(median, 1)))
    return rows


def build_pack(org_ids: Collection[int] | None, start: date, end: date, group_by: Sequence[str]) -> StatsPack:
    """The pack over the organisations' combined view (None: all) for [start, end] in WIB."""
    policy = statistics_policy()
    dims = tuple(group_by)
    unknown = [d for d in dims if d not in policy.dimensions]
    if unknown or not dims or len(set(dims)) != len(dims) or len(dims) > policy.max_dimensions:
        raise ValueError(f"group_by must be 1 to {policy.max_dimensions} distinct dimensions of the policy: {dims}")
    if start > end:
        raise ValueError("start is after end")
    scope = None if org_ids is None else frozenset(org_ids)
    min_cell = policy.min_cell
    chart_dims = [chart for chart in CHART_DIMS if chart in policy.dimensions]
    # Every table of the pack is grouped from the same per-pack facts (temporary tables).
    with PackFacts(get_session(), scope, start, end, {*dims, *chart_dims}) as facts:
        table = _table(facts, dims, min_cell)
        charts: dict[str, PackTable] = {}
        for chart in chart_dims:
            margin = (chart,)
            charts[chart] = (
                table
                if dims == margin
                else _table(facts, margin, min_cell, _margin_keys(table, margin), with_amounts=False)
            )
        total_force = _merge(_margin_keys(table, ()), *(_margin_keys(t, ()) for t in charts.values()))
        totals_table = _table(facts, (), min_cell, total_force)
    totals = totals_table.rows[0] if totals_table.rows else PackRow((), 0, 0, 0, None, None)
    return StatsPack(start, end, dims, scope, min_cell, table, totals, charts, _outcomes(scope, start, end, min_cell))
