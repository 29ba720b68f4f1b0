"""Declare an API endpoint once: URL, method, permission, request and response schemas.

The declaration registers the Flask route, the permission the access gate enforces, the
validation of the body and query string, and the endpoint's entry in /api/v1/openapi.json, so
the document cannot drift from the code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Blueprint, jsonify, request
from pydantic import BaseModel, ValidationError

from coordination.core.errors import ValidationFailed, problems_of
from coordination.core.permissions import PUBLIC, public, requires

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@dataclass(frozen=True)
class Operation:
    rule: str
    method: str
    endpoint: str
    permission: str
    summary: str
    tag: str
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    form: type[BaseModel] | None = None  # multipart/form-data fields besides a binary `file`
    produces: str | None = None  # a non-JSON success body (e.g. application/octet-stream)


OPERATIONS: list[Operation] = []


def parse_body(model: type[BaseModel]) -> BaseModel:
    if request.mimetype != "application/json":
        from werkzeug.exceptions import UnsupportedMediaType

        raise UnsupportedMediaType()
    try:
        data = json.loads(request.get_data(cache=False) or b"")
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed("The body is not valid JSON.", {"body": "not valid JSON"}) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed("The request has invalid fields; nothing was changed.", problems_of(exc)) from None


def parse_query(model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise ValidationFailed("The query string has invalid parameters.", problems_of(exc)) from None


def api_endpoint(
    rule: str,
    *,
    method: str = "GET",
    permission: str,
    summary: str,
    tag: str,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    form: type[BaseModel] | None = None,
    produces: str | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`form`: the endpoint reads a multipart body itself, streaming (the access gate then takes
    the CSRF token of a browser session from the X-CSRFToken header only, never parsing the body)."""

    def declare(fn: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(fn)
        def view(**kwargs: Any) -> Any:
            if body is not None:
                kwargs["payload"] = parse_body(body)
            if query is not None:
                kwargs["params"] = parse_query(query)
            result = fn(**kwargs)
            if isinstance(result, BaseModel):
                return jsonify(result.model_dump(mode="json")), status
            return result

        view = public(view) if permission == PUBLIC else requires(permission)(view)
        if form is not None:
            view.streams_body = True  # type: ignore[attr-defined]
        endpoint = f"{tag}_{fn.__name__}"
        bp.add_url_rule(rule, endpoint=endpoint, view_func=view, methods=[method])
        OPERATIONS.append(
            Operation(
                rule, method, f"api.{endpoint}", permission, summary, tag, body, query, response, status, form, produces
            )
        )
        return view

    return declare
