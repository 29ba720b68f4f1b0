"""When the database stops answering mid-request (PostgreSQL restarting or failing over, a locked
SQLite file), the user is told so with 503 and Retry-After, not a generic 500; nothing is kept."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import OperationalError

from coordination.app import create_app
from coordination.core.permissions import public
from coordination.migrations import upgrade_to_head
from tests.conftest import make_config


def _app_whose_database_goes_away(tmp_path: Path):  # type: ignore[no-untyped-def]
    app = create_app(make_config(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}"))
    with app.app_context():
        upgrade_to_head()

    def lost() -> str:
        # What psycopg reports when the server is killed under an open connection.
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    for rule in ("/db-probe", "/api/v1/db-probe"):
        app.add_url_rule(rule, endpoint=rule, view_func=public(lost))
    return app


def test_a_lost_database_answers_503_with_retry_after(tmp_path: Path):
    client = _app_whose_database_goes_away(tmp_path).test_client()

    api = client.get("/api/v1/db-probe")
    assert api.status_code == 503
    assert api.headers["Retry-After"] == "30"
    assert api.get_json()["error"]["code"] == "database_unavailable"
    assert "server closed" not in api.get_data(as_text=True)  # no internals

    page = client.get("/db-probe", headers={"Accept-Language": "id"})
    assert page.status_code == 503
    assert "Basis data tidak menjawab" in page.get_data(as_text=True)
