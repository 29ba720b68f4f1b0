"""An organisation administrator's people page: invite, deactivate, reactivate, reset MFA."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from coordination.accounts.access import can_invite, can_manage_user, get_user_or_404, restrict_users
from coordination.accounts.forms import ConfirmForm, InviteForm, SetPasswordForm, choices
from coordination.accounts.models import Organisation, User
from coordination.accounts.operations import users as ops
from coordination.audit.record import record
from coordination.core.db import commit, get_session
from coordination.core.errors import DomainError
from coordination.core.forms import show_refusal
from coordination.core.permissions import public, requires
from coordination.policy import role_policy


def _invite_form() -> InviteForm:
    form = InviteForm()
    locale = str(get_locale())
    form.role.choices = choices([(r, label.get(locale)) for r, label in role_policy().roles.items()])
    return form


def _list(form: InviteForm, **extra: object) -> str:
    query = (
        restrict_users(select(User), current_user)
        .where(User.organisation_id == current_user.organisation_id)
        .order_by(User.email)
    )
    users = list(get_session().scalars(query))
    record(current_user, "user.list", current_user.organisation, {"count": len(users)})
    commit()
    return render_template("accounts/admin_users.html", users=users, form=form, **extra)


@requires("users.manage")
def users() -> Response | str:
    form = _invite_form()
    if form.validate_on_submit():
        org: Organisation = current_user.organisation
        if not can_invite(current_user, org, form.role.data):
            abort(403)
        try:
            user, token = ops.invite_user(current_user, form.email.data, org, form.role.data)
        except DomainError as exc:
            return _list(form), show_refusal(form, exc)
        commit()
        link = url_for("accounts.accept_invitation", token=token, _external=True)
        return _list(_invite_form(), invited=user, invitation_link=link)
    return _list(form)


@requires("users.manage")
def user_action(user_id: int, action: str) -> Response:
    target = get_user_or_404(user_id, current_user)
    if action not in ops.USER_ACTIONS or not can_manage_user(current_user, target):
        abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            ops.USER_ACTIONS[action](current_user, target)
            commit()
            flash(_("Done: %(email)s.", email=target.email), "success")
        except DomainError as exc:
            flash(str(exc.message), "error")
    if target.organisation_id != current_user.organisation_id:
        return redirect(url_for("accounts.organisation", org_id=target.organisation_id))
    return redirect(url_for("accounts.users"))


@public
def accept_invitation(token: str) -> Response | str:
    invitation = ops.find_invitation(token)
    if invitation is None:
        abort(404)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            ops.accept_invitation(invitation, form.password.data, form.confirm.data)
        except DomainError as exc:
            return render_template("accounts/accept_invitation.html", form=form, user=invitation.user), show_refusal(
                form, exc
            )
        commit()
        flash(_("Your password is set. Sign in to set up two-factor authentication."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/accept_invitation.html", form=form, user=invitation.user)
