"""Locust users of the load test: `MixUser` (the realistic mix) and `HealthUser` (the trivial
endpoint, measured at the same concurrency to give the mix a baseline).

The credentials come from the JSON file named by SIMPUL_LOAD_SEED (written by seed.py). Users
wait for nothing between tasks (a closed loop): the load is set by the number of users, and
each stage of run.py measures what the server sustains at that concurrency.

Every response is checked, not only its status: pages must answer 200 without a redirect (an
expired session would redirect to the sign-in page with 200 after following it), uploads must
return the SHA-256 of the bytes sent, downloads must hash to the recorded SHA-256.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from typing import Any

from locust import FastHttpUser, constant, task

from benchmarks.load.mix import MIX, TRIVIAL, alert_body, multipart, sha256, statement_pdf

SEED: dict[str, Any] = json.loads(Path(os.environ["SIMPUL_LOAD_SEED"]).read_text())
_desk_numbers = itertools.count()


def _name(task_name: str) -> str:
    return MIX[task_name][0]


def _weight(task_name: str) -> int:
    return MIX[task_name][1]


def _json(response: Any) -> dict[str, Any]:
    try:
        body = response.json()
    except (ValueError, TypeError):  # not JSON, or no body at all
        return {}
    return body if isinstance(body, dict) else {}


class MixUser(FastHttpUser):
    """One desk: a PJK's alert feed, a PPATK analyst's browser, the analyst's evidence sync."""

    wait_time = constant(0)

    def on_start(self) -> None:
        number = next(_desk_numbers)
        desk = SEED["desks"][number % len(SEED["desks"])]
        self.rnd = random.Random(number)
        self.pjk = {"Authorization": f"Bearer {desk['pjk_token']}"}
        self.fiu = {"Authorization": f"Bearer {desk['fiu_token']}"}
        self.browser = {"Cookie": f"simpul_session={desk['cookie']}", "Accept-Language": "id"}
        self.evidence: list[dict[str, str]] = list(SEED["evidence"])
        # The desk's three clients (the PJK's system, the browser, the evidence sync) share one
        # HTTP session here; a cookie caught by the browser must not ride along on the systems'
        # token calls (the server would rightly take them for a browser session and ask for CSRF).
        # The browser sends its cookie itself, and the server never needs to replace it.
        self.client.cookiejar.set_policy(DefaultCookiePolicy(allowed_domains=[]))

    def _page(self, path: str, task_name: str, marker: bytes) -> None:
        with self.client.get(
            path, name=_name(task_name), headers=self.browser, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.headers.get('Location', '')}")
            elif marker not in (response.content or b""):
                response.failure(f"page without {marker!r}")

    @task(_weight("raise_alert"))
    def raise_alert(self) -> None:
        with self.client.post(
            "/api/v1/alerts",
            name=_name("raise_alert"),
            json=alert_body(self.rnd),
            headers=self.pjk,
            catch_response=True,
        ) as response:
            if response.status_code != 201 or "id" not in _json(response):
                response.failure(f"{response.status_code} {(response.text or '')[:200]}")

    @task(_weight("list_alerts_api"))
    def list_alerts_api(self) -> None:
        with self.client.get(
            "/api/v1/alerts?page=1", name=_name("list_alerts_api"), headers=self.pjk, catch_response=True
        ) as response:
            if response.status_code != 200 or "alerts" not in _json(response):
                response.failure(f"{response.status_code} {(response.text or '')[:200]}")

    @task(_weight("inbox_page"))
    def inbox_page(self) -> None:
        page = 1 if self.rnd.random() < 0.75 else 2
        self._page(f"/alerts?page={page}", "inbox_page", b"/alerts/")

    @task(_weight("alert_page"))
    def alert_page(self) -> None:
        alert_id = self.rnd.choice(SEED["alert_ids"])
        self._page(f"/alerts/{alert_id}", "alert_page", alert_id.encode())

    @task(_weight("cases_page"))
    def cases_page(self) -> None:
        self._page("/cases", "cases_page", b"/cases/")

    @task(_weight("case_page"))
    def case_page(self) -> None:
        case_id = self.rnd.choice(SEED["case_ids"])
        self._page(f"/cases/{case_id}", "case_page", case_id.encode())

    @task(_weight("dashboard_page"))
    def dashboard_page(self) -> None:
        self._page("/", "dashboard_page", b"<main")

    @task(_weight("upload_evidence"))
    def upload_evidence(self) -> None:
        case_id = self.rnd.choice(SEED["case_ids"])
        content = statement_pdf(self.rnd)
        body, content_type = multipart(content, "bank_statement", "Rekening koran", "rekening-koran.pdf")
        with self.client.post(
            f"/api/v1/cases/{case_id}/evidence",
            name=_name("upload_evidence"),
            data=body,
            headers={**self.fiu, "Content-Type": content_type},
            catch_response=True,
        ) as response:
            stored = _json(response) if response.status_code == 201 else {}
            if stored.get("sha256") != sha256(content):
                response.failure(f"{response.status_code} {(response.text or '')[:200]}")
            else:
                self.evidence.append({"id": stored["id"], "sha256": stored["sha256"]})

    @task(_weight("download_evidence"))
    def download_evidence(self) -> None:
        item = self.rnd.choice(self.evidence)
        with self.client.get(
            f"/api/v1/evidence/{item['id']}/content",
            name=_name("download_evidence"),
            headers=self.fiu,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {(response.text or '')[:200]}")
            elif sha256(response.content or b"") != item["sha256"]:
                response.failure("downloaded bytes do not match the recorded SHA-256")


class HealthUser(FastHttpUser):
    """The baseline: `GET /healthz` passes the same gate, headers and teardown, touches no table."""

    wait_time = constant(0)

    @task
    def health(self) -> None:
        with self.client.get("/healthz", name=TRIVIAL, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(str(response.status_code))
