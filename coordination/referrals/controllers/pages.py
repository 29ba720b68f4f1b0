"""Referral pages: the composer with its recipient preview, inbox/outbox, one referral."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from coordination.accounts.access import can
from coordination.accounts.models import Organisation
from coordination.audit.queries import who_acted
from coordination.audit.record import record
from coordination.cases.access import get_case_or_404
from coordination.cases.queries import case_title
from coordination.core.db import commit, get_session
from coordination.core.errors import DomainError, problems_of
from coordination.core.permissions import requires
from coordination.policy import redaction_policy
from coordination.referrals.access import get_referral_or_404, is_recipient
from coordination.referrals.forms import action_from_form, referral_from_form
from coordination.referrals.operations.actions import act_on_referral, allowed_actions, referral_may_be_followed_up
from coordination.referrals.operations.send import preview_referral, send_referral
from coordination.referrals.queries import follow_ups, history, list_referrals, message_of, opened_projection


def _recipients() -> list[Organisation]:
    kinds = {kind for kind, _purpose in redaction_policy().treatments}
    query = (
        select(Organisation)
        .where(
            Organisation.active.is_(True), Organisation.kind.in_(kinds), Organisation.id != current_user.organisation_id
        )
        .order_by(Organisation.name)
    )
    return list(get_session().scalars(query))


@requires("referral.send")
def compose(case_id: str) -> Response | tuple[str, int] | str:
    case = get_case_or_404(case_id, current_user)
    errors: dict[str, str] = {}
    preview = None
    if request.method == "POST":
        parsed = referral_from_form(request.form)
        if isinstance(parsed, dict):
            errors = parsed
        else:
            try:
                if request.form.get("intent") == "send":
                    referral = send_referral(current_user, case, parsed)
                    commit()
                    flash(_("Referral sent."), "success")
                    return redirect(url_for("referrals.show", referral_id=referral.id))
                _recipient, preview = preview_referral(current_user, case, parsed)
            except DomainError as exc:
                errors = problems_of(exc)
    purposes = sorted({purpose for _kind, purpose in redaction_policy().treatments})
    return render_template(
        "referrals/compose.html",
        case=case,
        title=case_title(case),
        # A follow-up link arrives with to_org, purpose and follows in the query string.
        form=request.form if request.method == "POST" else request.args,
        errors=errors,
        preview=preview,
        recipients=_recipients(),
        purposes=purposes,
    ), 400 if errors else 200


@requires("referral.receive")
def index() -> str:
    box = request.args.get("box", "inbox")
    if box not in ("inbox", "outbox") or (box == "outbox" and not can(current_user, "referral.send")):
        box = "inbox"
    page = list_referrals(current_user, box, request.args.get("page", 1, type=int) or 1)
    return render_template("referrals/index.html", page=page, box=box)


@requires("referral.receive")
def show(referral_id: str) -> Response | tuple[str, int] | str:
    referral = get_referral_or_404(referral_id, current_user)
    errors: dict[str, str] = {}
    if request.method == "POST":
        parsed = action_from_form(request.form)
        if isinstance(parsed, dict):
            errors = parsed
        else:
            try:
                act_on_referral(current_user, referral, parsed)
                commit()
                flash(_("Done."), "success")
                if parsed.action in ("decline",) or (
                    parsed.action == "revoke" and is_recipient(referral, current_user)
                ):
                    return redirect(url_for("referrals.index"))
                return redirect(url_for("referrals.show", referral_id=referral.id))
            except DomainError as exc:
                get_session().rollback()
                errors = problems_of(exc)
    if referral.status in ("declined", "revoked") and is_recipient(referral, current_user):
        abort(404)
    record(current_user, "referral.view", referral)
    acted = who_acted(current_user, referral)
    commit()
    entries = history(referral)
    sent = opened_projection(referral)
    return render_template(
        "referrals/show.html",
        referral=referral,
        acted=acted,
        acted_object=f"referral:{referral.id}",
        projected=sent["case"],
        withheld=sent["withheld"],
        message=message_of(entries),
        entries=entries,
        follow_ups=follow_ups(referral, current_user),
        may_follow_up=referral_may_be_followed_up(referral, current_user),
        actions=allowed_actions(referral, current_user),
        errors=errors,
        classes=redaction_policy().classes,
    ), 400 if errors else 200
