from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from pydantic import ValidationError

from coordination.audit.queries import read_events
from coordination.audit.schemas import EventQuery
from coordination.core.db import commit
from coordination.core.errors import problems_of
from coordination.core.permissions import requires

bp = Blueprint("audit", __name__, template_folder="templates")

OUTCOMES = ("success", "failure", "denied")


@bp.route("/audit")
@requires("audit.read")
def events() -> tuple[str, int]:
    given = {k: v.strip() for k, v in request.args.items() if v.strip()}
    for key in ("since", "until"):  # the page's date inputs mean whole days in WIB
        if key in given and len(given[key]) == 10:
            given[key] += "T00:00:00+07:00"
    errors: dict[str, str] = {}
    try:
        query = EventQuery.model_validate(given)
    except ValidationError as exc:
        errors, query = problems_of(exc), EventQuery()
    page = read_events(current_user, query.to_filter())
    commit()
    args = {k: v for k, v in request.args.items() if v and k != "page"}
    return render_template(
        "audit/events.html", page=page, flt=query.to_filter(), args=args, errors=errors, outcomes=OUTCOMES
    ), 400 if errors else 200
