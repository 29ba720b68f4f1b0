"""The load test's chain works end to end: seed, gunicorn, the locustfile, locust's statistics.

A real gunicorn (2 workers x 2 threads) serves a seeded installation on loopback; locust drives
the benchmark's own mix (benchmarks/load/locustfile.py) with 2 users for ~10 s. Every response
is checked by the locustfile (status, body, evidence hashes both ways), so zero failures means
the PJK alert feed, the analysts' pages and the evidence up- and downloads all worked under
concurrency, and every request type of the mix must have been exercised. Timings are not
asserted: they belong to `python -m benchmarks.load.run` and docs/performance.md.

It runs on each backend the suite runs (SQLite always; PostgreSQL with SIMPUL_TEST_DATABASE_URL,
on a database of its own created and dropped here).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from benchmarks.load.mix import MIX, TRIVIAL
from benchmarks.load.run import run_locust
from benchmarks.load.server import Installation
from tests.conftest import PG_URL, _backends


@pytest.fixture
def installation(request: pytest.FixtureRequest) -> Installation:
    backend = request.param
    if backend == "postgresql":
        if not PG_URL:
            pytest.fail("SIMPUL_TEST_BACKENDS asks for postgresql but SIMPUL_TEST_DATABASE_URL is not set")
        server = make_url(PG_URL).set(database="postgres").render_as_string(hide_password=False)
        made = Installation.create(server_url=server)
    else:
        made = Installation.create(sqlite=True)
    request.addfinalizer(made.close)  # stops gunicorn, drops the database, removes the directory
    return made


@pytest.mark.parametrize("installation", _backends(), indirect=True)
def test_the_mix_runs_against_gunicorn_without_a_failure(installation: Installation, tmp_path: Path):
    seed_path = tmp_path / "seed.json"
    seed = installation.seed(seed_path, alerts=300, cases=30, evidence=3, desks=2)
    assert seed["alert_ids"] and seed["case_ids"] and len(seed["evidence"]) == 3
    installation.start(workers=2, threads=2)

    mix = run_locust(installation.host, seed_path, "MixUser", 2, 10, tmp_path / "mix")
    trivial = run_locust(installation.host, seed_path, "HealthUser", 2, 2, tmp_path / "trivial")

    assert mix.total.failures == 0, "\n".join(mix.failures)
    exercised = {name: row.requests for name, row in mix.rows.items() if name != "Aggregated"}
    assert set(exercised) == {name for name, _weight in MIX.values()}, exercised
    assert all(count > 0 for count in exercised.values()), exercised
    assert trivial.rows[TRIVIAL].requests > 0 and trivial.total.failures == 0, "\n".join(trivial.failures)
    # A 500 is already a failure above; this also catches errors logged by the server that did
    # not reach a response (a worker that crashed or timed out).
    log = installation.log_tail(200)
    assert "Traceback" not in log and "WORKER TIMEOUT" not in log, log
