"""The /api/v1 blueprint: domain API modules register on it; the OpenAPI document describes them."""

from __future__ import annotations

import hashlib

from flask import request

from coordination.accounts import api as _accounts_api  # noqa: F401  (registers endpoints)
from coordination.alerts import api as _alerts_api  # noqa: F401
from coordination.api.openapi import build_document
from coordination.api.registry import api_endpoint, bp
from coordination.audit import api as _audit_api  # noqa: F401
from coordination.cases import api as _cases_api  # noqa: F401
from coordination.core.context import config
from coordination.core.extensions import limiter
from coordination.core.permissions import PUBLIC
from coordination.evidence import api as _evidence_api  # noqa: F401
from coordination.forum import api as _forum_api  # noqa: F401
from coordination.referrals import api as _referrals_api  # noqa: F401
from coordination.screening import api as _screening_api  # noqa: F401
from coordination.statistics import api as _statistics_api  # noqa: F401


def _caller_key() -> str:
    """Limit per token for systems, per address otherwise. Runs before identification."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return "token:" + hashlib.sha256(header.encode()).hexdigest()[:32]
    return f"ip:{request.remote_addr}"


limiter.limit(lambda: config().api_rate_limit, key_func=_caller_key)(bp)


@api_endpoint("/openapi.json", permission=PUBLIC, summary="This document", tag="meta")
def openapi() -> dict:
    return build_document()
