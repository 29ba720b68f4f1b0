"""Alert pages: the inbox, raising an alert, one alert with its timeline and actions."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from coordination.accounts.models import Organisation, User
from coordination.alerts.access import get_alert_or_404
from coordination.alerts.forms import action_from_form, alert_from_form
from coordination.alerts.operations.actions import act_on_alert, allowed_actions
from coordination.alerts.operations.raise_alert import raise_alert
from coordination.alerts.queries import list_alerts, related_alerts, timeline
from coordination.alerts.sealed import open_narrative
from coordination.audit.queries import who_acted
from coordination.audit.record import record
from coordination.cases.queries import case_title, cases_linked_to_alert
from coordination.core.db import commit, get_session
from coordination.core.errors import DomainError, problems_of
from coordination.core.permissions import requires
from coordination.policy import catalogue
from coordination.subjects.forms import row_count
from coordination.subjects.sealed import open_subject, open_transaction

STATUSES = ("new", "in_review", "escalated", "dismissed")


@requires("alert.view")
def inbox() -> str:
    status = request.args.get("status")
    status = status if status in STATUSES else None
    page = list_alerts(current_user, status, request.args.get("page", 1, type=int) or 1)
    return render_template("alerts/inbox.html", page=page, status=status, statuses=STATUSES)


@requires("alert.create")
def new() -> Response | tuple[str, int] | str:
    errors: dict[str, str] = {}
    if request.method == "POST":
        parsed = alert_from_form(request.form)
        if isinstance(parsed, dict):
            errors = parsed
        else:
            try:
                alert = raise_alert(current_user, parsed)
                commit()
                flash(_("Alert raised."), "success")
                return redirect(url_for("alerts.show", alert_id=alert.id))
            except DomainError as exc:
                errors = problems_of(exc)
        flash(_("The alert was not raised: correct the marked fields."), "error")
    status = 400 if errors else 200
    return render_template(
        "alerts/new.html",
        form=request.form,
        errors=errors,
        cat=catalogue(),
        subject_rows=row_count(request.form, "subjects", 1),
        tx_rows=row_count(request.form, "transactions", 2),
    ), status


@requires("alert.view")
def show(alert_id: str) -> Response | tuple[str, int] | str:
    alert = get_alert_or_404(alert_id, current_user)
    errors: dict[str, str] = {}
    if request.method == "POST":
        parsed = action_from_form(request.form)
        if isinstance(parsed, dict):
            errors = parsed
        else:
            try:
                act_on_alert(current_user, alert, parsed)
                commit()
                flash(_("Done."), "success")
                return redirect(url_for("alerts.show", alert_id=alert.id))
            except DomainError as exc:
                get_session().rollback()
                errors = problems_of(exc)
        flash(_("The action was refused."), "error")
    record(current_user, "alert.view", alert)
    acted = who_acted(current_user, alert)
    commit()
    colleagues = get_session().scalars(
        select(User).where(User.organisation_id == alert.holder_id, User.active.is_(True)).order_by(User.email)
    )
    fius = get_session().scalars(select(Organisation).where(Organisation.kind == "fiu", Organisation.active.is_(True)))
    return render_template(
        "alerts/show.html",
        alert=alert,
        narrative=open_narrative(alert),
        subjects=[open_subject(s) for s in alert.subjects],
        transactions=[open_transaction(t) for t in alert.transactions],
        timeline=timeline(alert),
        acted=acted,
        acted_object=f"alert:{alert.id}",
        related=related_alerts(alert, current_user),
        linked_cases=cases_linked_to_alert(alert, current_user),
        title_of=case_title,
        actions=allowed_actions(alert, current_user),
        colleagues=list(colleagues),
        fius=list(fius),
        errors=errors,
        cat=catalogue(),
    ), 400 if errors else 200
