"""deploy/postgres/roles.sql does what docs/deployment.md says: the app role appends to the audit
log and cannot change or remove a line of it, whatever it tries; the owner role migrates.

Roles are global to a PostgreSQL cluster, so the test uses a private cluster of its own
(tests/servers.py `PrivatePostgres`), never the machine's shared one. It applies roles.sql with
psql as an operator would, runs `flask init`'s work as the owner, applies roles.sql again, then
runs the application as the app role.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import ProgrammingError

from tests.conftest import _backends
from tests.servers import ROOT, PrivatePostgres, _pg_bin, populate

ROLES_SQL = ROOT / "deploy" / "postgres" / "roles.sql"


def _psql(cluster: PrivatePostgres, database: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            _pg_bin("psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(cluster.port),
            "-U",
            "postgres",
            "-d",
            database,
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


if "postgresql" in _backends():

    def test_roles_sql_makes_the_audit_log_append_only_for_the_app_role(tmp_path: Path) -> None:
        cluster = PrivatePostgres()
        try:
            cluster.start()
            first = _psql(cluster, "postgres", "-f", str(ROLES_SQL))
            assert first.returncode == 0, first.stderr
            owner_url = f"postgresql+psycopg://simpul_owner@127.0.0.1:{cluster.port}/simpul"
            app_url = f"postgresql+psycopg://simpul_app@127.0.0.1:{cluster.port}/simpul"

            populate(tmp_path / "data", owner_url)  # `flask init` and the first users, as the owner
            again = _psql(cluster, "postgres", "-f", str(ROLES_SQL))  # idempotent, after every init
            assert again.returncode == 0, again.stderr

            _the_app_works_as_the_app_role(tmp_path / "data", app_url)

            engine = create_engine(app_url)
            try:
                with engine.connect() as conn:
                    events = conn.scalar(text("SELECT count(*) FROM audit_events"))
                    assert events and events > 0
                for statement in (
                    "UPDATE audit_events SET action = 'forged' WHERE id = 1",
                    "DELETE FROM audit_events WHERE id = 1",
                    "TRUNCATE audit_events",
                    "UPDATE audit_checkpoints SET note = ''",
                    "DELETE FROM audit_nodes",
                    "ALTER TABLE audit_events DISABLE TRIGGER ALL",
                    "DROP TABLE audit_events",
                    "CREATE TABLE evil (id int)",
                    "INSERT INTO alembic_version VALUES ('9999')",
                ):
                    with engine.connect() as conn, pytest.raises(ProgrammingError) as refused:
                        conn.execute(text(statement))
                    assert "permission denied" in str(refused.value) or "must be owner" in str(refused.value), statement
                with engine.connect() as conn:
                    assert conn.scalar(text("SELECT count(*) FROM audit_events")) == events
            finally:
                engine.dispose()

            # The owner may migrate, yet the append-only triggers refuse it too.
            owner = create_engine(owner_url)
            try:
                with owner.connect() as conn, pytest.raises(Exception, match="audit_events is append-only"):
                    conn.execute(text("UPDATE audit_events SET action = 'forged' WHERE id = 1"))
            finally:
                owner.dispose()
        finally:
            cluster.remove()


def _the_app_works_as_the_app_role(data_dir: Path, app_url: str) -> None:
    """Start-up (the keyring check), an act with its audit event, a key rotation and retirement,
    and the audit log's verification, all as simpul_app."""
    from coordination.accounts.operations.organisations import create_organisation
    from coordination.app import create_app
    from coordination.audit.log import verify_log
    from coordination.audit.models import AuditEvent
    from coordination.core.db import commit, get_session
    from coordination.evidence.operations.maintenance import retire_key, rotate_keys
    from tests.conftest import make_config

    app = create_app(make_config(data_dir, app_url))
    try:
        with app.app_context():
            before = get_session().scalar(select(func.count()).select_from(AuditEvent))
            create_organisation(None, "LSM Peran Uji", "ngo")
            commit()
            assert rotate_keys()[0] == "k2"
            retire_key("k1")
            after = get_session().scalar(select(func.count()).select_from(AuditEvent))
            assert after == before + 3  # org.create, keys.rotate, keys.retire: appended
            assert verify_log(get_session()).intact
    finally:
        app.extensions["simpul.db"].engine.dispose()
