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
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

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
        raise UnsupportedMediaType()
    raw = request.get_data(cache=False) or b""
    limit = request.max_content_length
    if limit is not None and request.content_length is None and len(raw) >= limit:
        # A body without a length (chunked) is cut at the limit by Werkzeug rather than refused:
        # refuse it, instead of reading a truncated body (or a valid prefix of it).
        raise RequestEntityTooLarge()
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed("The body is not valid JSON.", {"body": "not valid JSON"}) from None
    except RecursionError:  # e.g. 100,000 nested arrays, well within the size limit: no schema nests that deep
        raise ValidationFailed("The body is nested too deeply.", {"body": "nested too deeply"}) from None
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
