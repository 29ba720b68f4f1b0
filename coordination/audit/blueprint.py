from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from coordination.audit.queries import EventFilter, read_events
from coordination.core.db import commit
from coordination.core.permissions import requires

bp = Blueprint("audit", __name__, template_folder="templates")

OUTCOMES = ("success", "failure", "denied")


@bp.route("/audit")
@requires("audit.read")
def events() -> str:
    outcome = request.args.get("outcome") or None
    flt = EventFilter(
        action=(request.args.get("action") or "").strip()[:64] or None,
        outcome=outcome if outcome in OUTCOMES else None,
        actor_email=(request.args.get("actor") or "").strip()[:254] or None,
        page=request.args.get("page", 1, type=int) or 1,
    )
    page = read_events(current_user, flt)
    commit()
    return render_template("audit/events.html", page=page, flt=flt, outcomes=OUTCOMES)
