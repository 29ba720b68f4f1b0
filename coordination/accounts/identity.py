"""Who is asking: session cookie or bearer token, and the default-deny gate every request passes.

Order of every request: identify (cookie -> server-side session, or Authorization: Bearer),
then `enforce_declared_permission` looks up the permission the endpoint declared and refuses
anything undeclared, anonymous or not granted. Views then only load, check object access, act
and render.
"""

from __future__ import annotations

from flask import Flask, current_app, g, redirect, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from coordination.accounts.access import can
from coordination.accounts.models import User
from coordination.accounts.operations.sessions import load_session
from coordination.accounts.operations.tokens import authenticate_bearer
from coordination.audit.record import record
from coordination.core.db import commit
from coordination.core.extensions import csrf, login_manager
from coordination.core.permissions import PUBLIC, required_permission
from coordination.core.web import is_api_request, render_error


@login_manager.user_loader
def _load_from_session(token: str) -> User | None:
    row = load_session(token)
    if row is None:
        return None
    row.user.session_token = token
    g.user_session_token = token
    return row.user


@login_manager.request_loader
def _load_from_bearer(req) -> User | None:  # type: ignore[no-untyped-def]
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not req.path.startswith("/api/"):
        return None
    token = authenticate_bearer(header[len("Bearer ") :].strip())
    commit()  # the use (or refusal) and last_used_at, whatever the request does next
    if token is None:
        return None
    g.api_token = token
    return token.user


@login_manager.unauthorized_handler
def _unauthorised():  # type: ignore[no-untyped-def]
    if is_api_request():
        return render_error(401)
    return redirect(url_for("accounts.login", next=request.full_path if request.method == "GET" else None))


def enforce_declared_permission():  # type: ignore[no-untyped-def]
    if request.endpoint is None:
        return None  # no route matched: the 404 handler answers
    view = current_app.view_functions.get(request.endpoint)
    permission = required_permission(view)
    if permission == PUBLIC:
        return None
    if permission is None:
        current_app.logger.error("endpoint %s declares no permission; refused", request.endpoint)
        return render_error(404)
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if is_api_request() and "api_token" not in g and request.method not in ("GET", "HEAD", "OPTIONS"):
        # A browser session calling the API carries ambient credentials: demand the CSRF token.
        # A streaming upload must not have its body parsed (and a file spooled in clear) for it.
        try:
            if getattr(view, "streams_body", False):
                validate_csrf(request.headers.get("X-CSRFToken"))
            else:
                csrf.protect()
        except (CSRFError, ValidationError) as exc:
            return render_error(400, getattr(exc, "description", None) or str(exc), "csrf_failed")
    if not can(current_user, permission):
        record(
            current_user,
            "permission.denied",
            None,
            {
                "endpoint": request.endpoint,
                "permission": permission,
                "method": request.method,
                "path": request.path[:200],
            },
            outcome="denied",
        )
        commit()
        return render_error(403)
    return None


def init_identity(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = None  # server-side sessions do this job, per instance-safe
    app.before_request(enforce_declared_permission)
