"""Response hardening and error rendering shared by every page and API endpoint."""

from __future__ import annotations

import io
from contextlib import suppress

from flask import Flask, Request, Response, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, Map

from coordination.core.errors import DomainError, error_body
from coordination.core.ids import ID_MAX

# No inline script or style anywhere: every asset is a vendored file under /static.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SimpulRequest(Request):
    """Uploaded form files stay in memory, bounded by the request size limit, and never reach a
    temporary file in clear (Werkzeug spools large parts to disk by default). Evidence streams
    through its own encrypting parser; a screening export is held in memory by design."""

    def _get_file_stream(self, *_args: object, **_kwargs: object) -> io.BytesIO:
        return io.BytesIO()


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that only matches what a database id can be (`coordination.core.ids`): a
    larger number in a URL is nobody's id and answers 404 instead of failing in the database."""

    def __init__(  # the names are Werkzeug's
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        bound = ID_MAX if max is None else max
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=bound, signed=signed)


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def harden(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if "request_id" in g:  # the id on this request's audit events, for support and correlation
        response.headers["X-Request-Id"] = g.request_id
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    if not request.path.startswith("/static/"):
        # Pages carry confidential case data: never keep them in a shared or browser cache.
        response.headers["Cache-Control"] = "no-store"
    return response


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: ("bad_request", _("The request could not be understood.")),
        401: ("unauthorised", _("Sign in first.")),
        403: ("forbidden", _("You do not have permission for this.")),
        404: ("not_found", _("Not found.")),
        405: ("method_not_allowed", _("This method is not allowed here.")),
        409: ("conflict", _("This conflicts with the current state.")),
        413: ("too_large", _("The request is too large.")),
        415: ("unsupported_media_type", _("Send the body as application/json.")),
        429: ("rate_limited", _("Too many requests; wait a moment and try again.")),
        500: ("internal_error", _("Something went wrong on our side; nothing was changed.")),
    }


def render_error(
    status: int, message: str | None = None, code: str | None = None, fields: dict | None = None
) -> tuple[Response | str, int]:
    default_code, default_message = _messages().get(status, ("error", _("Error.")))
    message = message or default_message
    if is_api_request():
        return jsonify(error_body(status, code or default_code, message, fields)), status
    return render_template("error.html", status=status, message=message, fields=fields or {}), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):  # type: ignore[no-untyped-def]
        from coordination.core.db import get_session

        get_session().rollback()
        return render_error(exc.status, str(exc.message), exc.code, {k: str(v) for k, v in exc.fields.items()})

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):  # type: ignore[no-untyped-def]
        return render_error(
            400, _("The form expired or was not sent from this site; reload the page and try again."), "csrf_failed"
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):  # type: ignore[no-untyped-def]
        return render_error(exc.code or 500)

    @app.errorhandler(OperationalError)
    def _database_unavailable(exc: OperationalError):  # type: ignore[no-untyped-def]
        # The database went away (restarting, failing over) or is locked: say so, and that a retry
        # may work, instead of "something went wrong". Logged like any unexpected error.
        app.logger.exception("database unavailable")
        from coordination.core.db import get_session

        with suppress(Exception):
            get_session().rollback()
        response, status = render_error(
            503, _("The database is not answering. Nothing was saved; try again in a minute."), "database_unavailable"
        )
        return response, status, {"Retry-After": "30"}

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        app.logger.exception("unhandled error")
        from coordination.core.db import get_session

        get_session().rollback()
        return render_error(500)
