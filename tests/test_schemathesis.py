"""Schemathesis against /api/v1/openapi.json, as API-token users of several organisation kinds.

Every operation of the document is exercised by each caller with data generated from its schema:
valid requests (positive mode: also aimed at real objects of the seeded world, the caller's own
and other organisations') and invalid ones (negative mode). Every answer must be free of 5xx,
have a status, content type, headers and body the document declares, and invalid data must be
refused. Bounded: a few examples per operation, deterministic (derandomised) so a failure
reproduces; `SIMPUL_FUZZ_EXAMPLES=50` explores further, `SIMPUL_FUZZ_SEED=<n>` explores elsewhere.
"""

from __future__ import annotations

import contextvars
import os
import time
from collections.abc import Callable, Iterable
from typing import Any

import hypothesis
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from coordination.policy import role_policy
from tests.hostile_world import build_world

EXAMPLES = int(os.environ.get("SIMPUL_FUZZ_EXAMPLES", "4"))
SEED = os.environ.get("SIMPUL_FUZZ_SEED")
# One caller per organisation kind that holds the most of that kind's API permissions, plus the
# two people-managing roles (the operator's administrator manages organisations).
CALLERS = ("pjk_supervisor", "fiu_supervisor", "police_supervisor", "ngo_supervisor", "pjk_admin", "operator_admin")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def in_fresh_context(app: Flask) -> Callable[..., Iterable[bytes]]:
    """The app as a server runs it: each request in its own context (see conftest.RequestClient),
    its body read while that context lives; background jobs it starts finish before the next."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def run() -> list[bytes]:
            iterable = app(environ, start_response)
            try:
                return [b"".join(iterable)]
            finally:
                getattr(iterable, "close", lambda: None)()

        body = contextvars.Context().run(run)
        app.extensions["simpul.jobs"].wait(timeout=120)
        return body

    return wsgi


def _settings() -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=SEED is None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the failure is reported as found
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )


def _path_ids(operation: Any, ids: dict[str, Any]) -> dict[str, Any] | None:
    names = [p.name for p in operation.path_parameters]
    if not names or not all(n in ids for n in names):
        return None
    return {n: ids[n] for n in names}


def _exercise(
    strategy: st.SearchStrategy, headers: dict[str, str], counts: dict[str, int], succeeded: set[str]
) -> Callable[[], None]:
    @_settings()
    @given(case=strategy)
    def exercise(case: schemathesis.Case) -> None:
        response = case.call(headers=headers)
        counts["requests"] += 1
        counts[f"{response.status_code // 100}xx"] = counts.get(f"{response.status_code // 100}xx", 0) + 1
        if 200 <= response.status_code < 300:
            succeeded.add(case.operation.label)
        checks = list(CHECKS)
        if case.meta is not None and case.meta.generation.mode.is_negative:
            checks.append(negative_data_rejection)  # invalid data must be refused (4xx)
        case.validate_response(response, checks=checks, headers=headers)

    return hypothesis.seed(int(SEED))(exercise) if SEED is not None else exercise


def test_api_conforms_to_its_document_for_every_kind(app, make_user, make_org):
    world = build_world(app, make_user, make_org)
    ids = {**world.ids, "size": 1}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", in_fresh_context(app))
    policy = role_policy()
    operations = [result.ok() for result in schema.get_all_operations()]
    failures: list[str] = []
    counts = {"operations": len(operations), "requests": 0}
    succeeded: set[str] = set()  # operations answered with a 2xx at least once
    started = time.monotonic()
    for caller in CALLERS:
        user = world.users[caller]
        headers = world.headers(caller)
        for operation in operations:
            permission = operation.definition.raw.get("x-permission")
            allowed = permission == "public" or policy.allows(user.organisation.kind, user.role, permission)
            strategies = [operation.as_strategy(schemathesis.GenerationMode.POSITIVE)]
            real = _path_ids(operation, ids)
            if real is not None:
                strategies.append(operation.as_strategy(schemathesis.GenerationMode.POSITIVE, path_parameters=real))
            if allowed:
                strategies.append(operation.as_strategy(schemathesis.GenerationMode.NEGATIVE))

            exercise = _exercise(st.one_of(strategies), headers, counts, succeeded)
            try:
                exercise()
            except (Exception, BaseExceptionGroup) as exc:  # every operation's failure, not just the first
                failures.append(f"{caller} {operation.label}: {str(exc)[:2000]}")
    elapsed = time.monotonic() - started
    print(
        f"schemathesis: {counts} operations with a 2xx: {len(succeeded)}; "
        f"callers={len(CALLERS)} examples/op={EXAMPLES} in {elapsed:.1f}s"
    )
    assert failures == [], "\n\n".join(failures)
    assert counts["requests"] >= len(CALLERS) * counts["operations"]


def test_what_the_fuzzer_found_stays_fixed(app, make_user, make_org):
    """Each failure schemathesis found, replayed exactly: numbers beyond a database id in paths,
    query strings and bodies (500 from the driver: SQLite OverflowError, PostgreSQL "integer out
    of range"), an unknown multipart field on the screening upload (500 from an unhandled
    pydantic error), and evidence content served with its own type where the document said
    octet-stream only."""
    import io

    world = build_world(app, make_user, make_org)
    client = app.test_client()
    huge = 2**64 + 1
    admin, fiu, pjk = world.headers("operator_admin"), world.headers("fiu_supervisor"), world.headers("pjk_supervisor")
    for path, headers in (
        (f"/api/v1/users/{huge}", admin),
        (f"/api/v1/orgs/{2**31}", admin),
        (f"/api/v1/tokens/{huge}", fiu),
    ):
        response = client.open(path, method="DELETE" if "tokens" in path else "GET", headers=headers)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found", path
    cosign = client.post(
        f"/api/v1/audit/checkpoints/{huge}/cosign", headers=fiu, json={"witness_key": "k", "signature_line": "s"}
    )
    assert cosign.status_code == 404
    for query in ({"event": huge}, {"event": 1, "size": huge}):
        response = client.get("/api/v1/audit/proof/inclusion", headers=fiu, query_string=query)
        assert response.status_code == 400 and response.get_json()["error"]["fields"], query
    assert client.get("/api/v1/audit", headers=fiu, query_string={"org": huge}).status_code == 400
    assert client.get("/api/v1/users", headers=admin, query_string={"org_id": huge}).status_code == 400
    meeting = {
        "title": "Forum",
        "starts_at": "2030-12-03T09:00:00+07:00",
        "location": "Jakarta",
        "invited_org_ids": [huge],
    }
    response = client.post("/api/v1/forum/meetings", headers=fiu, json=meeting)
    assert response.status_code == 400 and "invited_org_ids.0" in response.get_json()["error"]["fields"]
    referral = {"to_org": huge, "purpose": "investigation"}
    response = client.post(f"/api/v1/cases/{world.ids['case_id']}/referrals", headers=fiu, json=referral)
    assert response.status_code == 400 and any(f.startswith("to_org") for f in response.get_json()["error"]["fields"])
    response = client.post(
        "/api/v1/screening",
        headers=pjk,
        data={"file": (io.BytesIO(b"tx_id\n"), "export.csv"), "colour": "red"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "colour" in response.get_json()["error"]["fields"]
    document = client.get("/api/v1/openapi.json").get_json()
    content = document["paths"]["/api/v1/evidence/{evidence_id}/content"]["get"]["responses"]["200"]["content"]
    served = client.get(f"/api/v1/evidence/{world.ids['evidence_id']}/content", headers=fiu)
    assert served.status_code == 200 and served.mimetype == "application/pdf" and list(content) == ["*/*"]
