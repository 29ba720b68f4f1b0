from __future__ import annotations

from flask import Blueprint

from coordination.screening.controllers import pages

bp = Blueprint("screening", __name__, template_folder="templates")
bp.add_url_rule("/screening", view_func=pages.index, methods=["GET"])
bp.add_url_rule("/screening", endpoint="upload", view_func=pages.upload, methods=["POST"])
bp.add_url_rule("/screening/<run_id>", view_func=pages.show, methods=["GET"])
bp.add_url_rule("/screening/<run_id>/raise", endpoint="raise_alerts", view_func=pages.raise_alerts, methods=["POST"])
bp.add_url_rule("/screening/<run_id>/discard", view_func=pages.discard, methods=["POST"])
