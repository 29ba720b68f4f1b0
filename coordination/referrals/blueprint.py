from __future__ import annotations

from flask import Blueprint

from coordination.referrals.controllers import pages

bp = Blueprint("referrals", __name__, template_folder="templates")
bp.add_url_rule("/cases/<case_id>/refer", view_func=pages.compose, methods=["GET", "POST"])
bp.add_url_rule("/referrals", view_func=pages.index, methods=["GET"])
bp.add_url_rule("/referrals/<referral_id>", view_func=pages.show, methods=["GET", "POST"])
