"""Alembic: upgrading an empty database gives exactly the models' schema; every step goes down and up."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

import coordination.models  # noqa: F401
from coordination.core.db import Base, make_engine
from coordination.migrations import alembic_config
from tests.conftest import PG_URL, _backends


@pytest.fixture(params=_backends())
def empty_database(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"simpul_migration_{secrets.token_hex(4)}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _upgrade(engine, target: str = "head") -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), target)


def _downgrade(engine, target: str) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), target)


def test_upgrade_head_equals_the_models(empty_database):
    engine = make_engine(empty_database)
    _upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []
    engine.dispose()


def test_every_revision_goes_down_and_up(empty_database):
    engine = make_engine(empty_database)
    script = ScriptDirectory.from_config(alembic_config())
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    assert revisions, "no migrations"
    for revision in revisions:
        _upgrade(engine, revision)
        previous = script.get_revision(revision).down_revision or "base"
        _downgrade(engine, previous)
        _upgrade(engine, revision)
    _downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_revision_files_are_date_prefixed():
    script = ScriptDirectory.from_config(alembic_config())
    for revision in script.walk_revisions():
        name = revision.path.rsplit("/", 1)[-1]
        assert name[:8].isdigit() and name[8] == "_", name


def test_subjects_and_transactions_of_existing_alerts_survive_0007(empty_database):
    """Rows keep their ids (their sealed columns are bound to them) and their accounts."""
    engine = make_engine(empty_database)
    _upgrade(engine, "0006")
    alert, subject, account, tx = (uuid.uuid4() for _ in range(4))
    hexes = {"alert": alert.hex, "subject": subject.hex, "account": account.hex, "tx": tx.hex}
    if engine.dialect.name == "postgresql":
        hexes = {k: str(v) for k, v in zip(hexes, (alert, subject, account, tx), strict=True)}
    now = "2026-11-01 10:00:00.000000"
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO organisations (name, kind, active, created_at) VALUES ('B', 'pjk', true, :t)"), {"t": now}
        )
        org = conn.execute(text("SELECT id FROM organisations")).scalar_one()
        conn.execute(
            text(
                "INSERT INTO alerts (id, organisation_id, reference, typologies, indicators, narrative_sealed, status,"
                " created_at, updated_at) VALUES (:id, :org, 'R', '[]', '[]', :b, 'new', :t, :t)"
            ),
            {"id": hexes["alert"], "org": org, "b": b"n", "t": now},
        )
        conn.execute(
            text("INSERT INTO alert_subjects VALUES (:id, :alert, 0, 'victim', 'female', 'bali', :b)"),
            {"id": hexes["subject"], "alert": hexes["alert"], "b": b"sealed-person"},
        )
        conn.execute(
            text("INSERT INTO subject_accounts VALUES (:id, :subject, 0, 'e_wallet', 'X', :b)"),
            {"id": hexes["account"], "subject": hexes["subject"], "b": b"sealed-account"},
        )
        conn.execute(
            text("INSERT INTO alert_transactions VALUES (:id, :alert, 0, 'T1', :t, 1000, 'IDR', 'pulsa', :b)"),
            {"id": hexes["tx"], "alert": hexes["alert"], "t": now, "b": b"sealed-tx"},
        )
        conn.execute(
            text("INSERT INTO identifier_digests (kind, digest, alert_id) VALUES ('account', 'd', :alert)"),
            {"alert": hexes["alert"]},
        )
    _upgrade(engine)
    with engine.connect() as conn:
        person = conn.execute(text("SELECT alert_id, case_id, role, personal_sealed FROM subjects")).one()
        assert (person.case_id, person.role, bytes(person.personal_sealed)) == (None, "victim", b"sealed-person")
        joined = conn.execute(
            text("SELECT a.identifier_sealed FROM subject_accounts a JOIN subjects s ON s.id = a.subject_id")
        ).scalar_one()
        assert bytes(joined) == b"sealed-account"
        assert bytes(conn.execute(text("SELECT details_sealed FROM transactions")).scalar_one()) == b"sealed-tx"
        assert conn.execute(text("SELECT count(*) FROM identifier_digests WHERE case_id IS NULL")).scalar_one() == 1
    _downgrade(engine, "0006")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alert_subjects")).scalar_one() == 1
        assert conn.execute(text("SELECT count(*) FROM subject_accounts")).scalar_one() == 1
    engine.dispose()
