from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from werkzeug.wrappers import Response

from coordination.core.permissions import public, requires
from coordination.dashboard.summary import dashboard_for

bp = Blueprint("dashboard", __name__, template_folder="templates")


@bp.route("/")
@requires("dashboard.view")
def index() -> Response | str:
    return render_template("dashboard/index.html", board=dashboard_for(current_user))


@bp.route("/healthz")
@public
def health() -> tuple[dict, int]:
    """For load balancers: says the process answers, nothing about data."""
    return {"status": "ok"}, 200
