"""Sign-in in two steps (password, then second factor or enrolment), logout, language switch."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from coordination.accounts.forms import EnrolForm, LanguageForm, LoginForm, SecondFactorForm
from coordination.accounts.models import User
from coordination.accounts.operations import authentication as auth
from coordination.accounts.operations.sessions import end_session, start_session
from coordination.accounts.operations.users import set_locale
from coordination.audit.record import record
from coordination.core.context import config
from coordination.core.db import commit, get_session
from coordination.core.errors import DomainError
from coordination.core.extensions import limiter
from coordination.core.forms import show_refusal
from coordination.core.i18n import LANGUAGES
from coordination.core.permissions import public, requires

PENDING_SECONDS = 300


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect would turn the login page into a phishing aid."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
        # A control character is no path of ours, and CR/LF in a Location header would split it.
        and target.isprintable()
    ):
        return target
    return url_for("dashboard.index")


def _pending_user() -> User | None:
    pending = session.get("pending_login")
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        session.pop("pending_login", None)
        return None
    return get_session().get(User, pending["user_id"])


def _finish(user: User, next_url: str | None) -> Response:
    locale = session.get("lang")
    session.clear()  # a fresh session id at sign-in: nothing set before login survives it
    if locale:
        session["lang"] = locale
    user.session_token = start_session(user, request.remote_addr, request.user_agent.string)
    auth.complete_login(user)
    commit()
    login_user(user)
    return redirect(_safe_next(next_url))


@public
@limiter.limit(lambda: config().login_rate_limit, methods=["POST"])
def login() -> Response | str:
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        check = auth.check_password(form.email.data, form.password.data)
        commit()  # failures and lockouts are kept although sign-in stops here
        if check.user is None:
            flash(
                _(
                    "Sign-in failed. Check your e-mail and password. After five failures the "
                    "account is locked for 15 minutes."
                ),
                "error",
            )
            return render_template("accounts/login.html", form=form), 401
        user = check.user
        if not user.mfa_required and not user.mfa_enrolled:
            return _finish(user, form.next.data)
        session["pending_login"] = {"user_id": user.id, "at": time.time(), "next": form.next.data}
        return redirect(url_for("accounts.second_factor" if user.mfa_enrolled else "accounts.enrol"))
    return render_template("accounts/login.html", form=form)


@public
@limiter.limit(lambda: config().login_rate_limit, methods=["POST"])
def second_factor() -> Response | str:
    user = _pending_user()
    if user is None or not user.mfa_enrolled:
        return redirect(url_for("accounts.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        ok = auth.check_second_factor(user, form.code.data)
        if ok:
            return _finish(user, session["pending_login"].get("next"))
        commit()
        flash(_("The code is not correct."), "error")
        return render_template("accounts/second_factor.html", form=form), 401
    return render_template("accounts/second_factor.html", form=form)


@public
@limiter.limit(lambda: config().login_rate_limit, methods=["POST"])
def enrol() -> Response | str:
    """MFA set-up during sign-in (first sign-in, or after an MFA reset)."""
    user = _pending_user()
    if user is None or user.mfa_enrolled:
        return redirect(url_for("accounts.login"))
    return _enrol_page(user, finish=True)


@requires("account.self")
def enrol_signed_in() -> Response | str:
    """Optional MFA set-up for a signed-in demo user."""
    if current_user.mfa_enrolled:
        return redirect(url_for("accounts.account"))
    return _enrol_page(current_user, finish=False)


def _enrol_page(user: User, *, finish: bool) -> Response | str:
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            codes = auth.confirm_enrolment(user, form.code.data)
        except DomainError as exc:
            commit()  # the failed attempt is audited
            secret = auth.enrolment_secret(user) or ""
            return render_template(
                "accounts/enrol.html", form=form, secret=secret, uri=auth.provisioning_uri(user, secret)
            ), show_refusal(form, exc)
        next_url = session.get("pending_login", {}).get("next")
        if finish:
            _finish(user, next_url)
        else:
            commit()
        # Shown in this response only, never stored anywhere in clear.
        return render_template("accounts/recovery_codes.html", codes=codes, next_url=_safe_next(next_url))
    secret = auth.enrolment_secret(user) or auth.begin_enrolment(user)
    commit()
    return render_template("accounts/enrol.html", form=form, secret=secret, uri=auth.provisioning_uri(user, secret))


@requires("account.self")
def logout() -> Response:
    token = current_user.session_token
    record(current_user, "logout", current_user)
    if token:
        end_session(token, "logout")
    commit()
    logout_user()
    locale = session.get("lang")
    session.clear()
    if locale:
        session["lang"] = locale
    flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.login"))


@public
def switch_language() -> Response:
    form = LanguageForm()
    if form.validate_on_submit() and form.lang.data in LANGUAGES:
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            set_locale(current_user, form.lang.data)
            commit()
    return redirect(_safe_next(form.next.data))
