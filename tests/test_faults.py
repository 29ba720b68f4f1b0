"""Faults, made for real: a server or database killed mid-stream, a full or read-only evidence
store, a missing or wrong keyring. Every test runs the production server (gunicorn with
deploy/gunicorn.conf.py) as a separate process and looks at the outcome from outside.

- Server killed (SIGKILL to gunicorn's master and workers at once) while alerts, evidence
  uploads and referrals stream in through the API: after a restart every request that was
  answered 2xx is there and complete, every stored row has its audit event, every evidence row
  has a complete, decryptable file, `evidence fsck` finds nothing missing or damaged and
  `audit verify` passes. On every backend the suite runs.
- PostgreSQL killed (SIGKILL to the postmaster and its backends) in the same stream: a private
  cluster of this test's own (initdb in a temporary directory), never the machine's shared one.
  The app answers errors while the database is down, serves again once it is back without a
  restart, and the same invariants hold.
- Evidence store full (a 1 MiB tmpfs mounted over the store) and read-only (the same tmpfs
  remounted ro): uploads through the API and the page are refused with 507 / 503 and a message
  naming the problem, nothing is left in the store, no evidence row exists, and the app keeps
  serving (an upload that fits, or after the remount rw, is stored).
- Keyring missing, another installation's, corrupt, group-readable or lacking a rotated key:
  gunicorn refuses to start, exit status 1, with one line naming the file and the key.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, func, select

from coordination.alerts.models import Alert
from coordination.audit.models import AuditEvent
from coordination.core.keys import FileKeyProvider
from coordination.evidence.models import Evidence
from coordination.referrals.models import Referral
from tests.conftest import _backends
from tests.servers import (
    BIN,
    GUNICORN_CONF,
    ROOT,
    Gunicorn,
    Person,
    PrivatePostgres,
    base_env,
    csrf_of,
    database_for,
    flask_cli,
    populate,
    signed_in,
)
from tests.test_alerts_api import ALERT


def _pdf(size: int) -> bytes:
    return b"%PDF-1.7\n" + secrets.token_bytes(size) + b"\n%%EOF\n"


# --- a stream of writes ----------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str  # alert, evidence, referral
    status: int | None  # None: no answer (the connection was cut)
    id: str | None = None
    expect: str = ""  # what the stored object must hold: the alert reference, the file's SHA-256


@dataclass
class WriteStream:
    """Threads writing through the API as fast as the server answers, until stopped."""

    base: str
    people: dict[str, Person]
    case_id: str
    outcomes: list[Outcome] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    threads: list[threading.Thread] = field(default_factory=list)

    def _post(self, who: str, path: str, **kwargs: object) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.people[who].token}"}
        return requests.post(f"{self.base}/api/v1{path}", headers=headers, timeout=30, **kwargs)  # type: ignore[arg-type]

    def _alert(self) -> Outcome:
        reference = f"STR-F-{secrets.token_hex(6)}"
        response = self._post("pjk", "/alerts", json={**ALERT, "reference": reference})
        return Outcome("alert", response.status_code, response.json().get("id") if response.ok else None, reference)

    def _evidence(self) -> Outcome:
        content = _pdf(secrets.randbelow(1_500_000) + 20_000)
        files = {"file": ("bukti.pdf", content, "application/pdf")}
        response = self._post("fiu", f"/cases/{self.case_id}/evidence", data={"category": "document"}, files=files)
        digest = hashlib.sha256(content).hexdigest()
        return Outcome("evidence", response.status_code, response.json().get("id") if response.ok else None, digest)

    def _referral(self) -> Outcome:
        body = {"to_org": self.people["police"].org_id, "purpose": "investigation", "message": "Mohon penyidikan"}
        response = self._post("fiu", f"/cases/{self.case_id}/referrals", json=body)
        return Outcome("referral", response.status_code, response.json().get("id") if response.ok else None)

    def _loop(self, write: Callable[[], Outcome], kind: str) -> None:
        while not self.stop.is_set():
            try:
                outcome = write()
            except requests.RequestException:
                # Cut off: the server died with this request in flight. Its fate is unknown to
                # the client, so the checks accept it stored (complete) or absent.
                with self.lock:
                    self.outcomes.append(Outcome(kind, None))
                return
            with self.lock:
                self.outcomes.append(outcome)

    def start(self) -> None:
        for write, kind in (
            (self._alert, "alert"),
            (self._evidence, "evidence"),
            (self._evidence, "evidence"),
            (self._referral, "referral"),
        ):
            thread = threading.Thread(target=self._loop, args=(write, kind), daemon=True)
            thread.start()
            self.threads.append(thread)

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=40)

    def wait_for(self, successes: int, timeout: float) -> None:
        """Until every kind has `successes` answered 2xx (so the kill lands in a busy stream)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                done = [sum(1 for o in self.outcomes if o.kind == k and o.status in (200, 201)) for k in KINDS]
            if min(done) >= successes:
                return
            time.sleep(0.05)
        raise AssertionError(f"the stream did not get going: {self.summary()}")

    def answered(self, kind: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.kind == kind and o.status is not None and 200 <= o.status < 300]

    def summary(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for o in self.outcomes:
            counts.setdefault(o.kind, {}).setdefault(str(o.status or "cut"), 0)
            counts[o.kind][str(o.status or "cut")] += 1
        return counts


KINDS = ("alert", "evidence", "referral")


def _fsck(data_dir: Path, database_url: str):  # type: ignore[no-untyped-def]
    """`evidence fsck --verify` (decrypt and hash every file), in this process."""
    from coordination.app import create_app
    from coordination.evidence.operations.maintenance import fsck
    from tests.conftest import make_config

    app = create_app(make_config(data_dir, database_url))
    try:
        with app.app_context():
            return fsck(repair=False, verify_content=True)
    finally:
        app.extensions["simpul.db"].engine.dispose()


def _prepare(base: str, people: dict[str, Person]) -> str:
    """An FIU case to upload evidence to and send referrals from."""
    response = requests.post(
        f"{base}/api/v1/cases",
        headers={"Authorization": f"Bearer {people['fiu'].token}"},
        json={"title": "Kasus uji gangguan"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _check_everything_answered_is_there(
    base: str, people: dict[str, Person], stream: WriteStream, env: dict[str, str], database_url: str
) -> dict[str, int]:
    """The invariants after a crash; returns the counts found."""

    def get(who: str, path: str) -> requests.Response:
        headers = {"Authorization": f"Bearer {people[who].token}"}
        return requests.get(f"{base}/api/v1{path}", headers=headers, timeout=30)

    for outcome in stream.answered("alert"):
        response = get("pjk", f"/alerts/{outcome.id}")
        assert response.status_code == 200 and response.json()["reference"] == outcome.expect, outcome
    for outcome in stream.answered("evidence"):
        response = get("fiu", f"/evidence/{outcome.id}/content")
        assert response.status_code == 200, (outcome, response.status_code, response.text[:200])
        assert hashlib.sha256(response.content).hexdigest() == outcome.expect, outcome
    for outcome in stream.answered("referral"):
        assert get("police", f"/referrals/{outcome.id}").status_code == 200, outcome

    # Nothing stored without its audit event (act and record commit together), and nothing
    # refused with an error answer was stored anyway.
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            stored = {
                "alert": {str(i) for i in conn.scalars(select(Alert.id))},
                "evidence": {str(i) for i in conn.scalars(select(Evidence.id))},
                "referral": {str(i) for i in conn.scalars(select(Referral.id))},
            }
            for kind, action in (
                ("alert", "alert.create"),
                ("evidence", "evidence.upload"),
                ("referral", "referral.send"),
            ):
                recorded = set(conn.scalars(select(AuditEvent.object_id).where(AuditEvent.action == action)))
                assert stored[kind] <= recorded, f"{kind} rows without their {action} event: {stored[kind] - recorded}"
                assert {o.id for o in stream.answered(kind)} <= stored[kind]
            refused_references = {
                o.expect for o in stream.outcomes if o.kind == "alert" and o.status and o.status >= 400
            }
            if refused_references:
                count = conn.scalar(
                    select(func.count()).select_from(Alert).where(Alert.reference.in_(refused_references))
                )
                assert count == 0, "an alert answered with an error was stored"
    finally:
        engine.dispose()

    # Every evidence row has a complete file that decrypts to its recorded hash (leftovers of
    # uploads cut short have no row: fsck lists them as such, and they count for nothing), and
    # `flask audit verify` passes; fsck runs here while the command runs beside it.
    with ThreadPoolExecutor(1) as pool:
        verify_run = pool.submit(flask_cli, env, "audit", "verify")
        report = _fsck(Path(env["SIMPUL_DATA_DIR"]), database_url)
        verify = verify_run.result()
    assert report.checked == len(stored["evidence"]) and not report.missing and not report.damaged, report
    assert verify.returncode == 0 and "audit log intact" in verify.stdout, verify.stdout + verify.stderr
    return {kind: len(rows) for kind, rows in stored.items()}


@pytest.mark.parametrize("backend", _backends())
def test_server_killed_mid_stream_keeps_every_answered_write_and_nothing_half_written(
    backend: str, tmp_path: Path
) -> None:
    began = time.monotonic()
    with database_for(backend, tmp_path, "simpul_kill") as database_url:
        people = populate(tmp_path / "data", database_url)
        env = base_env(tmp_path / "data", database_url)
        server = Gunicorn(env, workers=2, threads=2, log_path=tmp_path / "server.log").start()
        try:
            stream = WriteStream(server.url, people, _prepare(server.url, people))
            ready = time.monotonic() - began
            stream.start()
            stream.wait_for(4, timeout=30)
            streamed = time.monotonic() - began - ready
            server.kill9()
            stream.finish()
            cut = sum(1 for o in stream.outcomes if o.status is None)
            assert cut >= 1, f"no request was in flight when the server died: {stream.summary()}"
            restart = time.monotonic()
            errors = [o for o in stream.outcomes if o.status is not None and not 200 <= o.status < 300]
            assert not errors, f"errors before the kill: {errors[:5]}"
            server = Gunicorn(env, workers=2, threads=2, port=server.port, log_path=tmp_path / "server.log").start()
            restarted = time.monotonic() - restart
            checking = time.monotonic()
            found = _check_everything_answered_is_there(server.url, people, stream, env, database_url)
            checked = time.monotonic() - checking
        finally:
            server.stop()
    answered = {k: len(stream.answered(k)) for k in KINDS}
    print(
        f"\nserver kill ({backend}): answered 2xx {answered}, stored {found}, {cut} requests cut off; "
        f"set-up and first start {ready:.1f} s, stream {streamed:.1f} s, restart {restarted:.1f} s, "
        f"checks {checked:.1f} s, whole test {time.monotonic() - began:.1f} s"
    )


if "postgresql" in _backends():

    def test_postgres_killed_mid_stream_keeps_every_answered_write_and_the_app_recovers(tmp_path: Path) -> None:
        began = time.monotonic()
        cluster = PrivatePostgres()
        try:
            cluster.start()
            database_url = cluster.url
            people = populate(tmp_path / "data", database_url)
            env = base_env(tmp_path / "data", database_url)
            server = Gunicorn(env, workers=2, threads=2, log_path=tmp_path / "server.log").start()
            try:
                stream = WriteStream(server.url, people, _prepare(server.url, people))
                stream.start()
                stream.wait_for(3, timeout=30)
                before = len(stream.outcomes)
                cluster.kill9()
                time.sleep(1.0)  # requests meet a database that is gone
                down = stream.outcomes[before:]
                cluster.start()  # crash recovery replays the WAL
                restarted = len(stream.outcomes)
                # The same server, not restarted, serves writes again.
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline:
                    after = stream.outcomes[restarted:]
                    if all(sum(1 for o in after if o.kind == k and o.status in (200, 201)) >= 2 for k in KINDS):
                        break
                    time.sleep(0.1)
                stream.finish()
                after = stream.outcomes[restarted:]
                assert all(sum(1 for o in after if o.kind == k and o.status in (200, 201)) >= 2 for k in KINDS), (
                    f"no recovery after PostgreSQL came back: {stream.summary()}\n{server.read_log()[-3000:]}"
                )
                failed = [o.status for o in down if o.status is None or o.status >= 400]
                assert failed, f"no request met the dead database: {stream.summary()}"
                assert all(s is None or s >= 500 for s in failed)
                found = _check_everything_answered_is_there(server.url, people, stream, env, database_url)
            finally:
                server.stop()
        finally:
            cluster.remove()
        answered = {k: len(stream.answered(k)) for k in KINDS}
        statuses = sorted({str(o.status) for o in down})
        print(
            f"\npostgres kill: answered 2xx {answered}, stored {found}; while down: {len(down)} requests, "
            f"statuses {statuses}; {time.monotonic() - began:.1f} s"
        )


# --- the evidence store full, then read-only ---------------------------------------------------


@contextlib.contextmanager
def small_tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A real file system of `size` mounted at `path` (we run as root in CI and here)."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.fail(
            f"this test mounts a small tmpfs to fill the evidence store and needs root: {mounted.stderr.strip()}"
        )
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


def _remount(path: Path, mode: str) -> None:
    result = subprocess.run(["mount", "-o", f"remount,{mode}", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def _store_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("backend", _backends())
def test_full_or_read_only_evidence_store_refuses_uploads_clearly_and_keeps_serving(
    backend: str, tmp_path: Path
) -> None:
    began = time.monotonic()
    store = tmp_path / "data" / "evidence"
    with database_for(backend, tmp_path, "simpul_disk") as database_url, small_tmpfs(store, "1m"):
        people = populate(tmp_path / "data", database_url)
        env = base_env(tmp_path / "data", database_url, SIMPUL_DEFAULT_LOCALE="en")
        server = Gunicorn(env, workers=2, threads=2, log_path=tmp_path / "server.log").start()
        try:
            base, police = server.url, people["fiu"]
            case_id = _prepare(base, people)
            headers = {"Authorization": f"Bearer {police.token}"}

            def upload(size: int) -> requests.Response:
                files = {"file": ("bukti.pdf", _pdf(size), "application/pdf")}
                return requests.post(
                    f"{base}/api/v1/cases/{case_id}/evidence",
                    headers=headers,
                    data={"category": "document"},
                    files=files,
                    timeout=30,
                )

            def evidence_rows() -> int:
                engine = create_engine(database_url)
                try:
                    with engine.connect() as conn:
                        return int(conn.scalar(select(func.count()).select_from(Evidence)) or 0)
                finally:
                    engine.dispose()

            # Disk full: 3 MiB into a 1 MiB file system.
            full = upload(3 * 1024 * 1024)
            assert full.status_code == 507, (full.status_code, full.text[:300])
            error = full.json()["error"]
            assert error["code"] == "evidence_store_full" and "evidence store is full" in error["message"]
            assert "No space left" in error["fields"]["file"]
            assert _store_files(store) == [] and evidence_rows() == 0
            browser = signed_in(base, people["fiu"])
            case_page = browser.get(f"{base}/cases/{case_id}")
            page = browser.post(
                f"{base}/cases/{case_id}/evidence",
                data={"csrf_token": csrf_of(case_page.text), "category": "document"},
                files={"file": ("bukti.pdf", _pdf(3 * 1024 * 1024), "application/pdf")},
            )
            assert page.status_code == 200 and "No space left in the evidence store" in page.text, page.status_code
            assert _store_files(store) == [] and evidence_rows() == 0
            fits = upload(100_000)
            assert fits.status_code == 201, fits.text  # the app keeps serving; space is there again

            # Read-only: the same file system remounted read-only.
            _remount(store, "ro")
            try:
                refused = upload(50_000)
                assert refused.status_code == 503, (refused.status_code, refused.text[:300])
                error = refused.json()["error"]
                assert error["code"] == "evidence_store_read_only" and "read-only" in error["message"]
                case_page = browser.get(f"{base}/cases/{case_id}")
                page = browser.post(
                    f"{base}/cases/{case_id}/evidence",
                    data={"csrf_token": csrf_of(case_page.text), "category": "document"},
                    files={"file": ("bukti.pdf", _pdf(50_000), "application/pdf")},
                )
                assert page.status_code == 200 and "evidence store does not accept writes" in page.text
                assert evidence_rows() == 1
                # Reading stored evidence still works from a read-only store.
                stored_id = fits.json()["id"]
                assert (
                    requests.get(f"{base}/api/v1/evidence/{stored_id}/content", headers=headers, timeout=30).status_code
                    == 200
                )
            finally:
                _remount(store, "rw")
            assert upload(50_000).status_code == 201
            assert evidence_rows() == 2 and len([f for f in _store_files(store) if f.endswith(".smev")]) == 2
            fsck = flask_cli(env, "evidence", "fsck", "--verify")
            assert fsck.returncode == 0, fsck.stdout + fsck.stderr
            log = server.read_log()
            assert "evidence upload refused by the store" in log and "Traceback" not in log
        finally:
            server.stop()
    print(f"\nevidence store full / read-only ({backend}): {time.monotonic() - began:.1f} s")


# --- the keyring -------------------------------------------------------------------------------


def _rotate(data_dir: Path, database_url: str) -> None:
    from coordination.app import create_app
    from coordination.evidence.operations.maintenance import rotate_keys
    from tests.conftest import make_config

    app = create_app(make_config(data_dir, database_url))
    try:
        with app.app_context():
            assert rotate_keys()[0] == "k2"
    finally:
        app.extensions["simpul.db"].engine.dispose()


@pytest.mark.parametrize("backend", _backends())
def test_app_refuses_to_start_on_a_missing_or_wrong_keyring_naming_the_key(backend: str, tmp_path: Path) -> None:
    began = time.monotonic()
    with database_for(backend, tmp_path, "simpul_keys") as database_url:
        populate(tmp_path / "data", database_url)
        env = base_env(tmp_path / "data", database_url)
        good = tmp_path / "data" / "keyring.json"

        # A keyring that lacks a key the data needs: the copy from before a rotation.
        before_rotation = tmp_path / "before-rotation.json"
        shutil.copy2(good, before_rotation)
        _rotate(tmp_path / "data", database_url)  # what `flask keys rotate` does, in this process

        other_installation = tmp_path / "other"
        FileKeyProvider(other_installation / "keyring.json").create()  # what another `flask init` makes
        corrupt = tmp_path / "corrupt.json"
        corrupt.write_text(good.read_text().replace('"root": "', '"root": "!!'))
        corrupt.chmod(0o600)
        truncated = tmp_path / "truncated.json"
        truncated.write_text(good.read_text()[:40])
        truncated.chmod(0o600)
        readable = tmp_path / "readable.json"
        shutil.copy2(good, readable)
        readable.chmod(0o644)

        cases = {
            "missing": (tmp_path / "nowhere.json", ["nowhere.json is missing", "already initialised", "restore"]),
            "another installation's": (
                other_installation / "keyring.json",
                ["lacks the key-encryption key k2", "holds a different root key, field key f1, key-encryption key k1"],
            ),
            "before rotation": (
                before_rotation,
                ["lacks the key-encryption key k2, which", "restore the right keyring"],
            ),
            "corrupt": (corrupt, ["root key is not valid base64"]),
            "truncated": (truncated, ["truncated.json cannot be read"]),
            "group-readable": (readable, ["has mode 644", "chmod 600"]),
        }
        processes = {}
        for name, (path, _) in cases.items():
            processes[name] = subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", str(GUNICORN_CONF), "app:app"],
                cwd=ROOT,
                env={**env, "SIMPUL_KEYRING_PATH": str(path), "SIMPUL_BIND": "127.0.0.1:0", "SIMPUL_WORKERS": "1"},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        # The right keyring starts (the check does not refuse everything).
        control = Gunicorn(env, workers=1, threads=1, log_path=tmp_path / "control.log")
        control.spawn()
        try:
            for name, (path, expected) in cases.items():
                try:
                    _, err = processes[name].communicate(timeout=45)
                except subprocess.TimeoutExpired:
                    processes[name].kill()
                    raise AssertionError(f"{name}: gunicorn started (or hung) with a {name} keyring") from None
                assert processes[name].returncode == 1, (name, processes[name].returncode, err[-2000:])
                line = err.strip().splitlines()[-1]
                assert line.startswith("simpul: refusing to start: ") and str(path) in line, (name, line)
                for words in expected:
                    assert words in line, (name, words, line)
                assert "Traceback" not in err, (name, err[-2000:])
            control.wait_ready(45)
        finally:
            control.stop()
    print(
        f"\nkeyring refusals ({backend}): {len(cases)} cases refused, the right keyring served; "
        f"{time.monotonic() - began:.1f} s"
    )
