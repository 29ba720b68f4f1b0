"""Real servers for tests and benchmarks: gunicorn instances, throwaway PostgreSQL databases and
private PostgreSQL clusters, Redis, and the `flask --app app` commands, all on loopback.

Nothing here is mocked: a `Gunicorn` is the production server with `deploy/gunicorn.conf.py`,
a `PrivatePostgres` is a cluster of its own (initdb + pg_ctl in a temporary directory) that a
test may kill without touching the machine's shared one.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pyotp
import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.load.server import create_database, drop_database, free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
DEFAULT_PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379"


def base_env(data_dir: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of an installation: its data directory and database, test-speed hashing,
    plain-HTTP cookies (loopback), generous limits unless a test sets its own."""
    env = {
        "PATH": os.environ["PATH"],
        "LANG": "C.UTF-8",
        "SIMPUL_DATA_DIR": str(data_dir),
        "SIMPUL_PASSWORD_HASH_PROFILE": "fast",
        "SIMPUL_COOKIE_SECURE": "0",
        "SIMPUL_LOGIN_RATE_LIMIT": "100000 per minute",
        "SIMPUL_API_RATE_LIMIT": "100000 per minute",
    }
    if database_url:
        env["SIMPUL_DATABASE_URL"] = database_url
    env.update(extra)
    return env


def flask_cli(
    env: dict[str, str], *args: str, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`flask --app app ARGS` as an operator runs it."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def cli_ok(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = flask_cli(env, *args, stdin=stdin)
    assert result.returncode == 0, f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def api_token(env: dict[str, str], email: str) -> str:
    return cli_ok(env, "token", "create", "--email", email).strip().splitlines()[-1]


# --- PostgreSQL and Redis on this machine -------------------------------------------------------


def pg_server_url() -> str:
    """The PostgreSQL server the suite uses (SIMPUL_TEST_DATABASE_URL's), else the local one."""
    url = os.environ.get("SIMPUL_TEST_DATABASE_URL") or DEFAULT_PG_SERVER
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


def require_postgres(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        pytest.fail(f"this test needs PostgreSQL at {make_url(url).render_as_string()}; it is not reachable: {exc}")
    finally:
        engine.dispose()


def require_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:
        pytest.fail(f"this test needs Redis at {url}; it is not reachable: {exc}")


@contextmanager
def throwaway_database(server_url: str, prefix: str = "simpul_t") -> Iterator[str]:
    """A new, empty PostgreSQL database on `server_url`'s server, dropped afterwards."""
    require_postgres(server_url)
    url = create_database(server_url, prefix)
    try:
        yield url
    finally:
        drop_database(url, server_url)


@contextmanager
def database_for(backend: str, tmp_path: Path, prefix: str = "simpul_t") -> Iterator[str]:
    """An empty database of the given backend ("sqlite" or "postgresql") for one test."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'simpul.db'}"
        return
    with throwaway_database(pg_server_url(), prefix) as url:
        yield url


def _pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if found:
        return str(found[-1])
    located = shutil.which(name)
    if located is None:
        pytest.fail(f"PostgreSQL's {name} is not installed (apt-get install postgresql)")
    return located


class PrivatePostgres:
    """A PostgreSQL cluster of this test's own, in a temporary directory, on a free port.

    initdb refuses to run as root; as root we run the cluster as the `postgres` system user.
    fsync stays on: the test is about what survives a crash.
    """

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="simpul-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run(_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    def _run(self, *args: str) -> None:
        result = subprocess.run([*self.as_user, *args], capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0, f"{args[0]} failed: {result.stdout}\n{result.stderr}"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=50"
        self._run(
            _pg_bin("pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.dir / "log"),
            "-w",
            "-t",
            "30",
            "start",
        )

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def kill9(self) -> None:
        """SIGKILL the postmaster and every backend, as an out-of-memory killer or a power cut would."""
        pid = self.postmaster_pid()
        children = [
            int(p)
            for p in subprocess.run(
                ["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False
            ).stdout.split()
        ]
        for victim in [pid, *children]:
            with suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
        # PostgreSQL's start-up refuses while the old postmaster's pid exists, and a killed
        # process exists (as a zombie) until its parent, here init, reaps it.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(_exists(p) for p in [pid, *children]):
            time.sleep(0.05)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                [*self.as_user, _pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                capture_output=True,
                timeout=30,
                check=False,
            )

    def log(self) -> str:
        path = self.dir / "log"
        return path.read_text(errors="replace") if path.exists() else ""

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


# --- gunicorn ----------------------------------------------------------------------------------


@dataclass
class Gunicorn:
    """One instance: `gunicorn -c deploy/gunicorn.conf.py app:app` on a loopback port.

    It runs in a process group of its own, so `kill9` ends the master and every worker at once,
    as a crash of the machine or container would.
    """

    env: dict[str, str]
    workers: int = 2
    threads: int = 2
    port: int = field(default_factory=free_port)
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> Gunicorn:
        self.spawn()
        self.wait_ready(timeout)
        return self

    def spawn(self) -> None:
        """Start the process without waiting for it to answer (start several, then wait)."""
        env = {
            **self.env,
            "SIMPUL_BIND": f"127.0.0.1:{self.port}",
            "SIMPUL_WORKERS": str(self.workers),
            "SIMPUL_THREADS": str(self.threads),
            "SIMPUL_ACCESS_LOG": "/dev/null",
            "SIMPUL_LOG_LEVEL": "warning",
        }
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(GUNICORN_CONF), "app:app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited with {self.process.returncode} at start:\n{self.read_log()}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise AssertionError(f"gunicorn did not answer within {timeout} s:\n{self.read_log()}")

    def read_log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def kill9(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        # Workers are in the group too; wait until none is left holding the port or the database.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@contextmanager
def running(*servers: Gunicorn) -> Iterator[tuple[Gunicorn, ...]]:
    try:
        for server in servers:
            server.spawn()
        for server in servers:
            server.wait_ready(60)
        yield servers
    finally:
        for server in servers:
            server.stop()


# --- an installation with people in it -----------------------------------------------------------


@dataclass
class Person:
    email: str
    token: str  # an API token's secret
    totp: pyotp.TOTP
    org_id: int


def populate(data_dir: Path, database_url: str) -> dict[str, Person]:
    """What `flask init` and an administrator do, in this process (seconds faster than one
    `flask` subprocess per step): migrate, record the policy files, then a PJK member and
    supervisor, an FIU analyst and a police member, each with MFA enrolled and an API token.

    Uses the installation's own keyring file (created here when the database is new), so the
    servers started afterwards on the same data directory read the same keys.
    """
    from coordination.accounts.operations.organisations import create_organisation
    from coordination.accounts.operations.tokens import create_api_token
    from coordination.accounts.operations.users import create_user
    from coordination.app import create_app
    from coordination.core.context import config, keyring
    from coordination.core.db import commit, get_session, utcnow
    from coordination.core.keys import seal
    from coordination.migrations import upgrade_to_head
    from coordination.policy.versions import record_policy_changes
    from tests.conftest import PASSWORD, make_config

    app = create_app(make_config(data_dir, database_url))
    people: dict[str, Person] = {}
    try:
        with app.app_context():
            upgrade_to_head()
            record_policy_changes(get_session(), config().policies_dir)
            orgs = {kind: create_organisation(None, f"{kind.upper()} Uji", kind) for kind in ("pjk", "fiu", "police")}
            for name, kind, role in (
                ("pjk", "pjk", "member"),
                ("pjk_supervisor", "pjk", "supervisor"),
                ("fiu", "fiu", "member"),
                ("police", "police", "member"),
            ):
                user = create_user(None, f"{name.replace('_', '.')}@{kind}.example.id", orgs[kind], role, PASSWORD)
                secret = pyotp.random_base32()
                user.totp_secret_sealed = seal(keyring(), secret.encode(), f"user:{user.id}:totp")
                user.mfa_enrolled_at = utcnow()
                _, token = create_api_token(user, "test")
                people[name] = Person(user.email, token, pyotp.TOTP(secret), user.organisation_id)
            commit()
    finally:
        app.extensions["simpul.db"].engine.dispose()
    return people


def csrf_of(page: str) -> str:
    """The CSRF token of a form on `page`, read the way a browser submits it."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def signed_in(base: str, person: Person, client_ip: str | None = None) -> requests.Session:
    """A browser-like session signed in through the real forms (password, then TOTP)."""
    from tests.conftest import PASSWORD

    browser = requests.Session()
    if client_ip:
        browser.headers["X-Forwarded-For"] = client_ip
    page = browser.get(f"{base}/login")
    step = browser.post(
        f"{base}/login", data={"email": person.email, "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    )
    assert step.status_code == 200 and "/login/mfa" in step.url, (step.status_code, step.url)
    done = browser.post(f"{base}/login/mfa", data={"code": person.totp.now(), "csrf_token": csrf_of(step.text)})
    assert done.status_code == 200 and "/login" not in done.url, (done.status_code, done.url)
    return browser
