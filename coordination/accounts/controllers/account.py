"""One's own account: profile, password, MFA status and API tokens."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from coordination.accounts.access import get_token_or_404, permissions_of, restrict_tokens
from coordination.accounts.forms import ChangePasswordForm, ConfirmForm, TokenForm
from coordination.accounts.models import ApiToken
from coordination.accounts.operations.tokens import create_api_token, revoke_api_token
from coordination.accounts.operations.users import change_password
from coordination.core.db import commit, get_session
from coordination.core.errors import DomainError
from coordination.core.forms import show_refusal
from coordination.core.permissions import requires
from coordination.policy import role_policy


@requires("account.self")
def account() -> Response | str:
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current.data, form.password.data, form.confirm.data)
            commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("accounts.account"))
        except DomainError as exc:
            commit()  # a wrong current password is audited
            status = show_refusal(form, exc)
    return render_template(
        "accounts/account.html", form=form, policy=role_policy(), permissions=permissions_of(current_user)
    ), status


def _tokens() -> list[ApiToken]:
    query = restrict_tokens(select(ApiToken), current_user).order_by(ApiToken.created_at.desc())
    return list(get_session().scalars(query))


@requires("api_tokens.manage")
def tokens() -> Response | str:
    form = TokenForm()
    if form.validate_on_submit():
        try:
            token, secret = create_api_token(current_user, form.name.data)
        except DomainError as exc:
            return render_template(
                "accounts/tokens.html", form=form, tokens=_tokens(), revoke=ConfirmForm()
            ), show_refusal(form, exc)
        commit()
        return render_template(
            "accounts/tokens.html",
            form=TokenForm(formdata=None),
            tokens=_tokens(),
            revoke=ConfirmForm(),
            new_secret=secret,
            new_token=token,
        )
    return render_template("accounts/tokens.html", form=form, tokens=_tokens(), revoke=ConfirmForm())


@requires("api_tokens.manage")
def revoke_token(token_id: int) -> Response:
    token = get_token_or_404(token_id, current_user)
    if ConfirmForm().validate_on_submit():
        try:
            revoke_api_token(current_user, token)
            commit()
            flash(_("The token has been revoked."), "success")
        except DomainError as exc:
            flash(str(exc.message), "error")
    return redirect(url_for("accounts.tokens"))
