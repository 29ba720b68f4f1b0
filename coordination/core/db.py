"""The database: declarative base, engine set-up and the per-request session.

Every model in every domain package derives from `Base`; every query runs on the session from
`get_session()`, which lives as long as the Flask application context. Operations flush; the
caller (a view, an API endpoint, a CLI command) decides when the unit of work commits.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, g
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

# Constraint names are fixed by convention so that Alembic can drop and alter them by name on
# both SQLite (batch mode) and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the backend stores.

    SQLite has no time zones; PostgreSQL does. Storing naive UTC in both keeps the schema
    identical and comparisons exact.
    """

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        # pysqlite's own transaction handling breaks SAVEPOINT and transactional DDL; hand
        # BEGIN to SQLAlchemy as its documentation recommends.
        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            if ":memory:" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
                # The default 2 MiB page cache thrashes on inbox indexes at national scale.
                cursor.execute("PRAGMA cache_size=-32768")  # 32 MiB per connection
            cursor.close()

        # IMMEDIATE: take the write lock when the transaction starts. Nearly every request
        # writes (reads are audited), and a deferred transaction that read first and then
        # writes after another connection committed fails at once with "database is locked"
        # (a stale WAL snapshot; the busy timeout does not apply). Queueing at BEGIN instead
        # serialises writers the way the audit tree head does anyway.
        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)


class Database:
    """Holds the engine and hands each application context one session.

    `bind` is the engine in service; the test suite replaces it with a connection inside an
    outer transaction so that every test runs in a SAVEPOINT and leaves nothing behind.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.bind: Engine | Connection = self.engine

    def new_session(self) -> Session:
        return Session(bind=self.bind, expire_on_commit=False, join_transaction_mode="create_savepoint")

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


def get_database() -> Database:
    return current_app.extensions["simpul.db"]


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = get_database().new_session()
    return g.db_session


def commit() -> None:
    get_session().commit()


def close_session(_exc: BaseException | None = None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()
