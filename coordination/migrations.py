"""Alembic, driven from code: `flask init` and the tests upgrade the configured database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy.engine import Connection

from coordination.core.db import get_database

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(connection: Connection | None = None, url: str | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade_to_head() -> None:
    database = get_database()
    if isinstance(database.bind, Connection):  # a connection in service (the test suite's): use it
        command.upgrade(alembic_config(database.bind), "head")
        return
    with database.engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
