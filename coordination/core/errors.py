"""Errors the domain raises and their one JSON shape in the API.

`{"error": {"code": "...", "message": "...", "fields": {...}}}` for every API failure; HTML
pages render the same errors through `templates/error.html`.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal the user can act on. Raised before anything is written."""

    status = 400
    code = "invalid_request"

    def __init__(self, message: Any, fields: dict[str, Any] | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.fields = fields or {}

    def to_json(self) -> dict[str, Any]:
        return {
            "error": {
                "code": self.code,
                "message": str(self.message),
                "fields": {k: str(v) for k, v in self.fields.items()},
            }
        }


class ValidationFailed(DomainError):
    code = "validation_failed"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class IntegrityFailed(DomainError):
    """Stored data failed its integrity check (a damaged or altered file): nothing is released."""

    status = 409
    code = "integrity_failed"


class KeyUnavailable(DomainError):
    """A key the data needs is not in the keyring (retired, or the keyring is not this one's)."""

    status = 409
    code = "key_unavailable"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Unauthorised(DomainError):
    status = 401
    code = "unauthorised"


def error_body(status: int, code: str, message: str, fields: dict[str, Any] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def problems_of(exc: Exception) -> dict[str, str]:
    """The bad fields of a refusal, keyed by path ("subjects.0.nik"), for forms and the API.

    Accepts a pydantic ValidationError or a DomainError; a refusal without fields is keyed "".
    """
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        found: dict[str, str] = {}
        for err in exc.errors():
            found.setdefault(".".join(str(part) for part in err["loc"]) or "body", err["msg"])
        return found
    if isinstance(exc, DomainError):
        return {k: str(v) for k, v in exc.fields.items()} or {"": str(exc.message)}
    raise TypeError(type(exc).__name__)
