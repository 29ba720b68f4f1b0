"""The de-identified statistics pack for forum meetings: counts of alerts, cases and referrals,
payment amounts and referral outcomes over a period, with small cells suppressed.

The functions other modules call (the forum meetings page builds a meeting's pack with them):

    build_pack(org_ids: Collection[int] | None, start: date, end: date, group_by: Sequence[str]) -> StatsPack
        org_ids: the organisations whose view is combined (what they own or received);
        None: every organisation (national view). Dates are whole days in WIB, both included.
    render_pack_html(pack: StatsPack) -> Markup      tables and SVG charts, for embedding in a page
    pack_pdf(pack: StatsPack, title: str) -> bytes   the pack as a PDF document (WeasyPrint)
    pack_csv(pack: StatsPack) -> str                 the tables as CSV, formula injection neutralised
    scope_for(user: User) -> frozenset[int] | None   the org_ids a user's own view covers

Reading a pack is audited by the caller (`stats.view`). Method: docs/statistics.md.
Modules: policy (statistics.yaml), dimensions and queries (SQL), suppression, pack, charts,
export (HTML, CSV, PDF), api and blueprint.
"""

from __future__ import annotations

from typing import Any

__all__ = ["StatsPack", "build_pack", "pack_csv", "pack_pdf", "render_pack_html", "scope_for"]


def __getattr__(name: str) -> Any:
    # Imported lazily: the policy loader imports coordination.statistics.policy at start-up,
    # before the models this package's queries need are importable.
    if name in ("StatsPack", "build_pack", "scope_for"):
        from coordination.statistics import pack

        return getattr(pack, name)
    if name in ("render_pack_html", "pack_pdf", "pack_csv"):
        from coordination.statistics import export

        return getattr(export, name)
    raise AttributeError(name)
