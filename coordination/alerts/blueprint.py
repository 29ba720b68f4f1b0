from __future__ import annotations

from flask import Blueprint

from coordination.alerts.controllers import pages

bp = Blueprint("alerts", __name__, template_folder="templates")
bp.add_url_rule("/alerts", view_func=pages.inbox, methods=["GET"])
bp.add_url_rule("/alerts/new", view_func=pages.new, methods=["GET", "POST"])
bp.add_url_rule("/alerts/<alert_id>", view_func=pages.show, methods=["GET", "POST"])
