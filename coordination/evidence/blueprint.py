from __future__ import annotations

from flask import Blueprint

from coordination.evidence.controllers import pages

bp = Blueprint("evidence", __name__, template_folder="templates")
bp.add_url_rule("/cases/<case_id>/evidence", view_func=pages.upload, methods=["POST"])
bp.add_url_rule("/evidence/<evidence_id>", view_func=pages.show, methods=["GET"])
bp.add_url_rule("/evidence/<evidence_id>/download", view_func=pages.download, methods=["GET"])
