"""Forum pages: the meetings list, convening a meeting, one meeting, and its forms."""

from __future__ import annotations

from flask import Response, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from coordination.accounts.access import can
from coordination.accounts.models import Organisation
from coordination.audit.record import record
from coordination.cases.access import restrict_cases
from coordination.cases.models import Case
from coordination.cases.queries import case_title
from coordination.core.db import commit, get_session
from coordination.core.errors import ValidationFailed, problems_of
from coordination.core.permissions import requires
from coordination.forum.access import get_action_item_or_404, get_meeting_or_404, is_convener, may_change_action_item
from coordination.forum.forms import (
    action_item_from_form,
    action_update_from_form,
    agenda_item_from_form,
    meeting_from_form,
)
from coordination.forum.models import Meeting
from coordination.forum.operations.action_items import create_action_item, update_action_item
from coordination.forum.operations.agenda import add_agenda_item
from coordination.forum.operations.meetings import create_meeting
from coordination.forum.operations.minutes import write_minutes
from coordination.forum.queries import (
    action_items_of,
    attendees,
    list_meetings,
    meeting_title,
    minutes_history,
    next_meeting_of,
    show_agenda,
)
from coordination.forum.stats import meeting_pack, pack_file
from coordination.policy import role_policy
from coordination.statistics import render_pack_html


def _invitable() -> list[Organisation]:
    query = select(Organisation).where(Organisation.active.is_(True), Organisation.id != current_user.organisation_id)
    orgs = get_session().scalars(query.order_by(Organisation.name))
    return [org for org in orgs if role_policy().kind_may(org.kind, "forum.view")]


def _series() -> list[tuple[Meeting, str]]:
    """Meetings the viewer's organisation convened that have no next meeting yet."""
    followed = select(Meeting.follows_meeting_id).where(Meeting.follows_meeting_id.is_not(None))
    query = select(Meeting).where(Meeting.organisation_id == current_user.organisation_id, Meeting.id.not_in(followed))
    return [(m, meeting_title(m)) for m in get_session().scalars(query.order_by(Meeting.starts_at.desc()).limit(50))]


def _back(meeting_id: object, problems: dict[str, str] | None = None) -> BaseResponse:
    if problems:
        flash(" ".join(f"{k}: {v}" if k else v for k, v in problems.items()), "error")
    return redirect(url_for("forum.show", meeting_id=meeting_id))


@requires("forum.view")
def index() -> str:
    page = list_meetings(current_user, request.args.get("page", 1, type=int) or 1)
    return render_template("forum/index.html", page=page, title_of=meeting_title)


@requires("forum.manage")
def new() -> BaseResponse | tuple[str, int] | str:
    errors: dict[str, str] = {}
    if request.method == "POST":
        parsed = meeting_from_form(request.form)
        try:
            if isinstance(parsed, dict):
                raise ValidationFailed(_("The meeting was not created."), parsed)
            meeting = create_meeting(current_user, parsed)
            commit()
            flash(_("Meeting created."), "success")
            return redirect(url_for("forum.show", meeting_id=meeting.id))
        except ValidationFailed as exc:
            get_session().rollback()
            errors = problems_of(exc)
        flash(_("The meeting was not created."), "error")
    return render_template(
        "forum/new.html",
        form=request.form if request.method == "POST" else request.args,
        errors=errors,
        organisations=_invitable(),
        series=_series(),
    ), 400 if errors else 200


@requires("forum.view")
def show(meeting_id: str) -> str:
    meeting = get_meeting_or_404(meeting_id, current_user)
    record(current_user, "forum.meeting.view", meeting)
    agenda = show_agenda(current_user, meeting)  # records each case item shown
    commit()
    items = action_items_of(meeting)
    own_cases = []
    if can(current_user, "case.view"):
        query = restrict_cases(select(Case), current_user).where(Case.status == "open").order_by(Case.created_at.desc())
        own_cases = [(c, case_title(c)) for c in get_session().scalars(query.limit(100))]
    return render_template(
        "forum/show.html",
        meeting=meeting,
        title=meeting_title(meeting),
        attendees=attendees(meeting),
        convener=is_convener(meeting, current_user),
        agenda=agenda,
        minutes=minutes_history(meeting),
        carried=[a for a in items if a.item.carried_from_id],
        items=[a for a in items if not a.item.carried_from_id],
        may_change=lambda a: may_change_action_item(meeting, a.item, current_user),
        follows=meeting.follows if meeting.follows_meeting_id else None,
        title_of=meeting_title,
        next_meeting=next_meeting_of(meeting, current_user),
        own_cases=own_cases,
    )


@requires("forum.view")
def add_to_agenda(meeting_id: str) -> BaseResponse:
    meeting = get_meeting_or_404(meeting_id, current_user)
    parsed = agenda_item_from_form(request.form)
    if isinstance(parsed, dict):
        return _back(meeting.id, parsed)
    try:
        add_agenda_item(current_user, meeting, parsed)
    except ValidationFailed as exc:
        return _back(meeting.id, problems_of(exc))
    commit()
    flash(_("Added to the agenda."), "success")
    return _back(meeting.id)


@requires("forum.manage")
def save_minutes(meeting_id: str) -> BaseResponse:
    meeting = get_meeting_or_404(meeting_id, current_user)
    try:
        write_minutes(current_user, meeting, request.form.get("text", ""))
    except ValidationFailed as exc:
        return _back(meeting.id, problems_of(exc))
    commit()
    flash(_("Minutes saved as a new version."), "success")
    return _back(meeting.id)


@requires("forum.manage")
def add_action_item(meeting_id: str) -> BaseResponse:
    meeting = get_meeting_or_404(meeting_id, current_user)
    parsed = action_item_from_form(request.form)
    if isinstance(parsed, dict):
        return _back(meeting.id, parsed)
    try:
        create_action_item(current_user, meeting, parsed)
    except ValidationFailed as exc:
        return _back(meeting.id, problems_of(exc))
    commit()
    flash(_("Action item added."), "success")
    return _back(meeting.id)


@requires("forum.view")
def change_action_item(item_id: str) -> BaseResponse:
    item = get_action_item_or_404(item_id, current_user)
    meeting = get_meeting_or_404(item.meeting_id, current_user)
    parsed = action_update_from_form(request.form)
    if isinstance(parsed, dict):
        return _back(meeting.id, parsed)
    try:
        update_action_item(current_user, meeting, item, parsed)  # a Forbidden answers 403
    except ValidationFailed as exc:
        return _back(meeting.id, problems_of(exc))
    commit()
    flash(_("Action item updated."), "success")
    return _back(meeting.id)


@requires("forum.view")
def statistics(meeting_id: str) -> str:
    """The meeting's pack on a page of its own: building it reads the attendees' whole period
    (seconds at national scale), which the meeting page must not pay on every visit."""
    meeting = get_meeting_or_404(meeting_id, current_user)
    pack = meeting_pack(meeting)
    record(current_user, "stats.view", meeting, {"format": "html", "meeting": str(meeting.id)})
    commit()
    return render_template(
        "forum/statistics.html", meeting=meeting, title=meeting_title(meeting), pack_html=render_pack_html(pack)
    )


@requires("forum.view")
def stats_file(meeting_id: str, form: str) -> Response:
    meeting = get_meeting_or_404(meeting_id, current_user)
    pack = meeting_pack(meeting)
    title = meeting_title(meeting)
    body = pack_file(pack, form, title)
    record(current_user, "stats.view", meeting, {"format": form, "meeting": str(meeting.id)})
    commit()
    response = make_response(body)
    response.headers["Content-Type"] = "application/pdf" if form == "pdf" else "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="forum-{meeting.id}-statistics.{form}"'
    return response
