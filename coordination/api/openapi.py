"""Build the OpenAPI 3.1 document from the endpoint registry and the pydantic schemas."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from coordination.api.registry import OPERATIONS
from coordination.core.permissions import PUBLIC

_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def build_document() -> dict[str, Any]:
    models = {m for op in OPERATIONS for m in (op.body, op.response, op.form) if m is not None}
    _, schemas = models_json_schema(
        [
            (m, "validation" if any(m in (op.body, op.form) for op in OPERATIONS) else "serialization")
            for m in sorted(models, key=lambda m: m.__name__)
        ],
        ref_template="#/components/schemas/{model}",
    )
    components = dict(schemas.get("$defs", {}))
    components["Error"] = ERROR_SCHEMA
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        path = "/api/v1" + _PARAM.sub(r"{\2}", op.rule)
        parameters = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "integer"} if conv == "int" else {"type": "string"},
            }
            for conv, name in _PARAM.findall(op.rule)
        ]
        if op.query is not None:
            for name, field in op.query.model_fields.items():
                wire = field.alias or name  # e.g. `from`, a Python keyword
                schema = op.query.model_json_schema()["properties"][wire]
                parameters.append({"name": wire, "in": "query", "required": field.is_required(), "schema": schema})
        success: dict[str, Any] = {"description": "Success"}
        if op.response:
            success["content"] = {"application/json": {"schema": _ref(op.response)}}
        elif op.produces:
            binary: dict[str, Any] = {"type": "string"}
            if "*" not in op.produces:  # a range ("*/*": the stored file's own type) is not one media type
                binary["contentMediaType"] = op.produces
            success["content"] = {op.produces: {"schema": binary}}
        responses: dict[str, Any] = {
            str(op.status): success,
            "400": _error("Invalid request; `fields` names each bad field"),
            "429": _error("Rate limited"),
        }
        if op.permission != PUBLIC:
            responses.update(
                {
                    "401": _error("Not signed in"),
                    "403": _error("Permission not granted"),
                    "404": _error("Not found or not visible to the caller"),
                }
            )
        if op.body is not None or op.form is not None:
            responses.update(
                {
                    "409": _error("Conflicts with the current state"),
                    "413": _error("Body too large"),
                    "415": _error("Body is not JSON"),
                }
            )
        if op.form is not None:  # an upload the store may refuse (evidence/upload.py StoreFailed)
            responses.update(
                {
                    "503": _error("The store is read-only or unavailable; nothing was stored"),
                    "507": _error("The store is full; nothing was stored"),
                }
            )
        operation: dict[str, Any] = {
            "operationId": op.endpoint.replace("api.", ""),
            "summary": op.summary,
            "tags": [op.tag],
            "parameters": parameters,
            "responses": responses,
            "x-permission": op.permission,
        }
        if op.body is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(op.body)}}}
        if op.form is not None:
            fields = op.form.model_json_schema()
            schema = {
                "type": "object",
                "required": ["file", *fields.get("required", [])],
                "properties": {
                    "file": {"type": "string", "contentMediaType": "application/octet-stream"},
                    **fields["properties"],
                },
            }
            operation["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": schema}}}
        if op.permission == PUBLIC:
            operation["security"] = []
        paths.setdefault(path, {})[op.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Simpul API",
            "version": "1",
            "description": "Secure case referral between PJK, PPATK, police, KemenPPPA, service units and NGOs.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "API token (smpl_...) from the account page",
                },
            },
        },
        "security": [{"bearer": []}],
    }
