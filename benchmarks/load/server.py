"""A throw-away installation for the load test: its database, its environment, gunicorn.

Everything binds to 127.0.0.1 and lives in a temporary directory; `Installation.close()` stops
the server, drops the database and removes the directory, whatever happened before.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# The run's own limits: the defaults (600 API requests a minute per token, 20 sign-ins a minute
# per address) exist to stop abuse and would answer most of a load test with 429.
UNLIMITED = "1000000 per minute"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _admin_engine(server_url: str):  # type: ignore[no-untyped-def]
    return create_engine(server_url, isolation_level="AUTOCOMMIT")


def create_database(server_url: str, prefix: str = "simpul_load") -> str:
    """Create an empty database on the server of `server_url`; return its URL."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    engine = _admin_engine(server_url)
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(database_url: str, server_url: str) -> None:
    name = make_url(database_url).database
    engine = _admin_engine(server_url)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@dataclass
class Installation:
    """Data directory, database and environment shared by the seeding and the server."""

    database_url: str
    server_url: str | None  # PostgreSQL: where to drop the database from; None for SQLite
    data_dir: Path
    env: dict[str, str]
    server: subprocess.Popen | None = None
    port: int = 0
    log: Path | None = None

    @classmethod
    def create(cls, *, server_url: str | None = DEFAULT_SERVER, sqlite: bool = False) -> Installation:
        data_dir = Path(tempfile.mkdtemp(prefix="simpul-load-"))
        if sqlite:
            database_url, server_url = f"sqlite:///{data_dir / 'simpul.db'}", None
        else:
            assert server_url is not None
            database_url = create_database(server_url)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", str(data_dir)),
            "PYTHONPATH": str(ROOT),
            "SIMPUL_DATA_DIR": str(data_dir),
            "SIMPUL_DATABASE_URL": database_url,
            "SIMPUL_COOKIE_SECURE": "0",  # plain http on loopback
            "SIMPUL_API_RATE_LIMIT": UNLIMITED,
            "SIMPUL_LOGIN_RATE_LIMIT": UNLIMITED,
            "SIMPUL_DEFAULT_LOCALE": "id",
        }
        return cls(database_url=database_url, server_url=server_url, data_dir=data_dir, env=env)

    @property
    def host(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def seed(self, out: Path, *, alerts: int, cases: int, evidence: int, desks: int) -> dict:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.load.seed",
                str(out),
                f"--alerts={alerts}",
                f"--cases={cases}",
                f"--evidence={evidence}",
                f"--desks={desks}",
            ],
            cwd=ROOT,
            env=self.env,
            check=True,
        )
        return json.loads(out.read_text())

    def start(self, *, workers: int, threads: int, timeout_s: float = 60) -> None:
        """Serve `app:app` with gunicorn on a free loopback port; return once it answers."""
        self.port = free_port()
        self.log = self.data_dir / "gunicorn.log"
        self.server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "app:app",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--worker-class",
                "gthread" if threads > 1 else "sync",
                "--threads",
                str(threads),
                "--timeout",
                "60",
                "--log-level",
                "warning",
                "--error-logfile",
                str(self.log),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.server.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.host}/healthz", timeout=1) as answer:  # noqa: S310 (loopback)
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout_s} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            # SIGTERM to the arbiter: a graceful stop of its workers.
            os.kill(self.server.pid, signal.SIGTERM)
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait(timeout=10)
        self.server = None

    def close(self) -> None:
        try:
            self.stop()
        finally:
            try:
                if self.server_url is not None:
                    drop_database(self.database_url, self.server_url)
            finally:
                shutil.rmtree(self.data_dir, ignore_errors=True)
