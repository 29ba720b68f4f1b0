"""The /statistics page: period and breakdown form, the suppressed table, charts, CSV and PDF links."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Blueprint, render_template, request
from pydantic import ValidationError

from coordination.core.errors import problems_of
from coordination.core.permissions import requires
from coordination.policy import statistics_policy
from coordination.statistics.api import read_pack
from coordination.statistics.dimensions import WIB
from coordination.statistics.export import dimension_label, render_pack_html
from coordination.statistics.pack import scope_for
from coordination.statistics.schemas import StatsQuery

bp = Blueprint("statistics", __name__, template_folder="templates")


def _defaults() -> dict[str, str]:
    """The last twelve months up to today in WIB, by typology."""
    today: date = datetime.now(WIB).date()
    return {"from": (today - timedelta(days=365)).isoformat(), "to": today.isoformat(), "group_by": "typology"}


@bp.route("/statistics")
@requires("stats.view")
def index() -> tuple[str, int]:
    from flask_login import current_user

    given = _defaults()
    given.update({k: request.args[k].strip() for k in ("from", "to") if request.args.get(k, "").strip()})
    chosen = [d for d in request.args.getlist("group_by") if d.strip()]
    if chosen:  # the page sends one checkbox per dimension; the API takes them comma-separated
        given["group_by"] = ",".join(chosen)
    errors: dict[str, str] = {}
    pack_html, query = None, None
    try:
        params = StatsQuery.model_validate(given)
    except ValidationError as exc:
        errors = problems_of(exc)
    else:
        pack_html = render_pack_html(read_pack(params, "html"))
        query = params.as_params()
    policy = statistics_policy()
    return render_template(
        "statistics/index.html",
        pack=pack_html is not None,
        pack_html=pack_html,
        query=query,
        args=given,
        chosen=given["group_by"].split(","),
        errors=errors,
        dimensions=list(policy.dimensions),
        max_dimensions=policy.max_dimensions,
        dim_label=dimension_label,
        national=scope_for(current_user) is None,
    ), 400 if errors else 200
