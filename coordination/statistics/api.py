"""GET /api/v1/stats (JSON), /stats.csv and /stats.pdf: the caller's view, de-identified.

Every read is audited (`stats.view`, with the parameters and the format), whatever the format.
"""

from __future__ import annotations

from flask import Response
from flask_babel import gettext as _
from flask_login import current_user

from coordination.api.registry import api_endpoint
from coordination.audit.record import record
from coordination.core.db import commit
from coordination.statistics.export import pack_csv, pack_pdf
from coordination.statistics.pack import StatsPack, build_pack, scope_for
from coordination.statistics.schemas import OutcomeOut, StatsOut, StatsQuery, StatsRowOut

TAG = "stats"


def read_pack(params: StatsQuery, fmt: str) -> StatsPack:
    """Build the caller's pack and record the reading in the same transaction."""
    scope = scope_for(current_user)
    pack = build_pack(scope, params.from_, params.to, params.dims)
    detail = {**params.as_params(), "format": fmt, "scope": "national" if scope is None else sorted(scope)}
    record(current_user, "stats.view", None, detail)
    commit()
    return pack


def _filename(params: StatsQuery, ext: str) -> str:
    return f"simpul-stats-{params.from_.isoformat()}-{params.to.isoformat()}.{ext}"


@api_endpoint(
    "/stats",
    permission="stats.view",
    summary="De-identified counts and amounts over a period; counts below min_cell read '<5'",
    tag=TAG,
    query=StatsQuery,
    response=StatsOut,
)
def index(params: StatsQuery) -> StatsOut:
    pack = read_pack(params, "json")
    return StatsOut(
        rows=[StatsRowOut(**row) for row in pack.table.as_dicts()],
        suppressed_cells=pack.suppressed_cells,
        min_cell=pack.min_cell,
        group_by=list(pack.group_by),
        period={"from": pack.start, "to": pack.end},
        scope="national" if pack.org_ids is None else "organisation",
        totals=StatsRowOut(
            alerts=pack.totals.alerts,
            cases=pack.totals.cases,
            referrals=pack.totals.referrals,
            amount_sum=pack.totals.amount_sum,
            amount_median=pack.totals.amount_median,
        ),
        referral_outcomes=[
            OutcomeOut(
                recipient_kind=o.org_kind,
                referrals=o.referrals,
                accepted=o.accepted,
                declined=o.declined,
                responded=o.responded,
                median_hours_to_first_response=o.median_hours,
            )
            for o in pack.outcomes
        ],
    )


@api_endpoint(
    "/stats.csv",
    permission="stats.view",
    summary="The same figures as CSV (cells that a spreadsheet would run as formulas are neutralised)",
    tag=TAG,
    query=StatsQuery,
    produces="text/csv",
)
def csv(params: StatsQuery) -> Response:
    body = pack_csv(read_pack(params, "csv"))
    return Response(
        body, mimetype="text/csv", headers={"Content-Disposition": f"attachment; filename={_filename(params, 'csv')}"}
    )


@api_endpoint(
    "/stats.pdf",
    permission="stats.view",
    summary="The statistics pack as a PDF: charts and tables",
    tag=TAG,
    query=StatsQuery,
    produces="application/pdf",
)
def pdf(params: StatsQuery) -> Response:
    pack = read_pack(params, "pdf")
    body = pack_pdf(
        pack, _("Simpul statistics %(start)s – %(end)s", start=pack.start.isoformat(), end=pack.end.isoformat())
    )
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename={_filename(params, 'pdf')}"},
    )
