"""Alembic: upgrading an empty database gives exactly the models' schema; every step goes down and up."""

from __future__ import annotations

import secrets
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
