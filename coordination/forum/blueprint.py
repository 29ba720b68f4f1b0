from __future__ import annotations

from datetime import datetime

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from coordination.forum.controllers import pages
from coordination.forum.queries import meeting_title
from coordination.forum.wib import format_wib

ACTION_STATUSES = {
    "open": _l("open"),
    "in_progress": _l("in progress"),
    "done": _l("done"),
    "dropped": _l("dropped"),
}

bp = Blueprint("forum", __name__, template_folder="templates", url_prefix="/forum")
bp.add_url_rule("/meetings", view_func=pages.index, methods=["GET"])
bp.add_url_rule("/meetings/new", view_func=pages.new, methods=["GET", "POST"])
bp.add_url_rule("/meetings/<meeting_id>", view_func=pages.show, methods=["GET"])
bp.add_url_rule("/meetings/<meeting_id>/agenda", view_func=pages.add_to_agenda, methods=["POST"])
bp.add_url_rule("/meetings/<meeting_id>/minutes", view_func=pages.save_minutes, methods=["POST"])
bp.add_url_rule("/meetings/<meeting_id>/action-items", view_func=pages.add_action_item, methods=["POST"])
bp.add_url_rule("/action-items/<item_id>", view_func=pages.change_action_item, methods=["POST"])
bp.add_url_rule("/meetings/<meeting_id>/statistics", view_func=pages.statistics, methods=["GET"])
bp.add_url_rule("/meetings/<meeting_id>/stats.pdf", "stats_pdf", view_func=pages.stats_file, defaults={"form": "pdf"})
bp.add_url_rule("/meetings/<meeting_id>/stats.csv", "stats_csv", view_func=pages.stats_file, defaults={"form": "csv"})


@bp.app_template_filter("wib")
def wib(value: datetime) -> str:
    """A moment as forum attendees read it: Western Indonesia Time."""
    return format_wib(value)


@bp.app_context_processor
def forum_helpers() -> dict:
    return {"action_status_label": lambda s: str(ACTION_STATUSES.get(s, s)), "forum_title": meeting_title}
