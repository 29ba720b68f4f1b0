from __future__ import annotations

from flask import Blueprint

from coordination.cases.controllers import pages

bp = Blueprint("cases", __name__, template_folder="templates")
bp.add_url_rule("/cases", view_func=pages.index, methods=["GET"])
bp.add_url_rule("/cases/new", view_func=pages.new, methods=["GET", "POST"])
bp.add_url_rule("/cases/<case_id>", view_func=pages.show, methods=["GET"])
bp.add_url_rule("/cases/<case_id>/notes", view_func=pages.add_note, methods=["POST"])
bp.add_url_rule("/cases/<case_id>/record", view_func=pages.record_parties, methods=["GET", "POST"])
