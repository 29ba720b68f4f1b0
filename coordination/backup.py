"""`flask --app app backup OUT` and `restore ARCHIVE`: one archive holding a consistent snapshot of
the database and the evidence files that snapshot refers to (docs/backup.md).

Order matters. An evidence file is made durable before its row commits (evidence/storage.py), so
the database snapshot is taken first and the files of the rows *in that snapshot* are copied
after it: every row in the archive then has its file, and a file whose row had not committed yet
is simply left out (it was not evidence at snapshot time). Files are copied as stored, i.e. as
ciphertext; the keyring that opens them is never put in an archive (key custody: it is backed up
separately, so that a stolen archive alone reveals no evidence).

Archive layout (an uncompressed tar, mode 0600, written atomically):
    database.sqlite3 | database.pgdump   the snapshot (SQLite file, or pg_dump --format=custom)
    evidence/<storage name>.smev          stored bytes of each evidence file
    manifest.json                         last, because it holds the hashes computed while copying
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import click
from flask import Flask
from sqlalchemy import Connection, create_engine, inspect, select, text
from sqlalchemy.engine import URL, make_url

from coordination.core.files import atomic_file

FORMAT = "simpul-backup/1"
MANIFEST = "manifest.json"
DB_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
CHUNK = 1024 * 1024


class BackupError(RuntimeError):
    """The backup or restore cannot go on; the message names the first problem."""


@dataclass
class Snapshot:
    """What the database snapshot says: read from the snapshot itself, never from the live database."""

    revision: str | None
    audit_size: int
    audit_root: str | None
    evidence: list[str]  # storage names of the rows in the snapshot


def _read_snapshot(connection: Connection) -> Snapshot:
    from coordination.audit.log import HEAD_ID
    from coordination.audit.models import AuditTreeHead
    from coordination.evidence.models import Evidence

    tables = set(inspect(connection).get_table_names())
    if "alembic_version" not in tables:
        raise BackupError("the database is not initialised (run `flask --app app init` first)")
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    head = connection.execute(select(AuditTreeHead.size, AuditTreeHead.root).where(AuditTreeHead.id == HEAD_ID)).first()
    names = [uid.hex for uid in connection.execute(select(Evidence.id).order_by(Evidence.id)).scalars()]
    return Snapshot(revision, head.size if head else 0, head.root if head else None, names)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _pg_env_and_url(url: URL) -> tuple[dict[str, str], str]:
    """A libpq URL for pg_dump/pg_restore; the password goes in the environment, not the
    command line (which every local user can read in the process list)."""
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return env, plain.render_as_string(hide_password=False)


def _need_binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed or not on PATH; it is needed for a PostgreSQL database")
    return found


def _snapshot_sqlite(database_path: str, target: Path) -> Snapshot:
    # The online backup API copies a consistent image while the application keeps writing
    # (a plain file copy of a WAL database can catch it between a commit and a checkpoint).
    source = sqlite3.connect(database_path)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()
    engine = create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as connection:
            return _read_snapshot(connection)
    finally:
        engine.dispose()


def _snapshot_postgresql(url: URL, target: Path) -> Snapshot:
    # One REPEATABLE READ transaction exports its snapshot; pg_dump dumps exactly that snapshot,
    # and the evidence rows are read in it too, so the file list matches the dump.
    pg_dump = _need_binary("pg_dump")
    engine = create_engine(url)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
            snapshot_id = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            found = _read_snapshot(connection)
            env, libpq_url = _pg_env_and_url(url)
            result = subprocess.run(  # noqa: S603 (our own arguments; the binary found on PATH)
                [pg_dump, "--format=custom", "--no-owner", f"--snapshot={snapshot_id}", f"--file={target}", libpq_url],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            connection.rollback()
    finally:
        engine.dispose()
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    return found


class _HashingReader:
    """Hands tarfile the stored bytes and hashes them on the way, so each file is read once."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def make_backup(out: Path) -> dict[str, Any]:
    """Write the archive to `out`; return its manifest. Raises BackupError."""
    from coordination.core.context import config
    from coordination.core.db import get_database
    from coordination.evidence.backend import evidence_store
    from coordination.evidence.storage import LocalStore, StorageError

    cfg = config()
    if cfg.evidence_store != "local":
        raise BackupError(
            f"the evidence store is {cfg.evidence_store!r}: backup covers the local store only; protect an S3 "
            "bucket with versioning and replication (docs/backup.md)"
        )
    store = evidence_store()
    assert isinstance(store, LocalStore)
    database = get_database()
    kind = database.dialect
    if kind not in DB_MEMBER:
        raise BackupError(f"unsupported database {kind!r}")
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    # The snapshot is plaintext database content: keep it beside the archive in a private
    # directory, not in a shared /tmp.
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".simpul-backup-") as work:
        os.chmod(work, 0o700)
        db_file = Path(work) / DB_MEMBER[kind]
        if kind == "sqlite":
            path = database.engine.url.database
            if not path or path == ":memory:":
                raise BackupError("an in-memory SQLite database cannot be backed up")
            snapshot = _snapshot_sqlite(path, db_file)
        else:
            snapshot = _snapshot_postgresql(database.engine.url, db_file)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": {
                "kind": kind,
                "member": DB_MEMBER[kind],
                "size": db_file.stat().st_size,
                "sha256": _sha256_file(db_file),
            },
            "schema_revision": snapshot.revision,
            "audit": {"tree_size": snapshot.audit_size, "root": snapshot.audit_root},
            "evidence": [],
            "missing": [],
        }
        with atomic_file(out) as raw, tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            tar.add(db_file, arcname=DB_MEMBER[kind], recursive=False, filter=_private)
            for name in snapshot.evidence:
                try:
                    handle = store.open(name)
                except StorageError:
                    manifest["missing"].append(name)  # a row without its file: reported, not hidden
                    continue
                with handle:
                    info = tarfile.TarInfo(f"evidence/{name}.smev")
                    info.size = os.fstat(handle.fileno()).st_size
                    info.mode = 0o600
                    reader = _HashingReader(handle)
                    tar.addfile(info, reader)  # type: ignore[arg-type]
                manifest["evidence"].append({"name": name, "size": info.size, "sha256": reader.digest.hexdigest()})
            body = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode = len(body), 0o600
            tar.addfile(info, _BytesReader(body))  # type: ignore[arg-type]
    return manifest


def _private(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
    return info


class _BytesReader:
    def __init__(self, data: bytes) -> None:
        self.data, self.offset = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.offset + size
        chunk, self.offset = self.data[self.offset : end], min(end, len(self.data))
        return chunk


# --- restore -------------------------------------------------------------------------------------


@contextmanager
def _open_archive(archive: Path) -> Iterator[tarfile.TarFile]:
    try:
        tar = tarfile.open(archive, mode="r:")  # noqa: SIM115 (closed below; opening errors are reported)
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"cannot read {archive}: {exc}") from None
    with tar:
        yield tar


def _load_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.getmember(MANIFEST)
        handle = tar.extractfile(member)
        assert handle is not None
        manifest = json.loads(handle.read())
    except (KeyError, ValueError, AssertionError):
        raise BackupError("the archive has no readable manifest.json: not a Simpul backup, or truncated") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"the archive is not a {FORMAT} backup")
    return manifest


@contextmanager
def _member(tar: tarfile.TarFile, name: str) -> Iterator[IO[bytes]]:
    """Only the members the manifest names are ever read, by exact name: nothing in an archive
    can choose where a byte is written."""
    try:
        member = tar.getmember(name)
    except KeyError:
        raise BackupError(f"the archive lacks {name}") from None
    handle = tar.extractfile(member) if member.isfile() else None
    if handle is None:
        raise BackupError(f"{name} in the archive is not a regular file")
    with handle:
        yield handle


def _check_member(tar: tarfile.TarFile, name: str, size: int, sha256: str) -> None:
    digest, total = hashlib.sha256(), 0
    with _member(tar, name) as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
            total += len(block)
    if (total, digest.hexdigest()) != (size, sha256):
        raise BackupError(f"{name} in the archive is damaged: its size or SHA-256 differs from the manifest")


def _verify_archive(tar: tarfile.TarFile, manifest: dict[str, Any]) -> None:
    database = manifest["database"]
    _check_member(tar, database["member"], database["size"], database["sha256"])
    for item in manifest["evidence"]:
        _check_member(tar, f"evidence/{item['name']}.smev", item["size"], item["sha256"])


def _not_empty(store_root: Path) -> list[str]:
    """What already holds data in the target: restore writes nothing unless this is empty."""
    from coordination.core.db import get_database

    problems = []
    tables = inspect(get_database().engine).get_table_names()
    if tables:
        problems.append(f"the database holds {len(tables)} tables (e.g. {sorted(tables)[0]})")
    if store_root.exists() and any(p.is_file() for p in store_root.rglob("*")):
        problems.append(f"the evidence directory {store_root} holds files")
    return problems


@dataclass
class RestoreResult:
    evidence: int
    audit_events: int
    audit_checkpoints: int
    problem: str | None = None


def restore_backup(archive: Path) -> RestoreResult:
    """Restore into an empty database and evidence store, then verify. Raises BackupError when
    nothing was changed (bad archive, non-empty target); returns a result with `problem` when the
    restored data fails verification."""
    from coordination.core.context import config
    from coordination.core.db import close_session, get_database
    from coordination.evidence.backend import evidence_store
    from coordination.evidence.storage import LocalStore

    cfg = config()
    if cfg.evidence_store != "local":
        raise BackupError(f"the evidence store is {cfg.evidence_store!r}: restore covers the local store only")
    store = evidence_store()
    assert isinstance(store, LocalStore)
    database = get_database()
    with _open_archive(archive) as tar:
        manifest = _load_manifest(tar)
        kind = manifest["database"]["kind"]
        if kind != database.dialect:
            raise BackupError(f"the archive holds a {kind} database but this installation uses {database.dialect}")
        problems = _not_empty(store.root)
        if problems:
            raise BackupError("the target is not empty, nothing was restored: " + "; ".join(problems))
        # Every byte is checked before the first one is written, so a damaged archive leaves the
        # target empty and the operator can retry with another archive.
        _verify_archive(tar, manifest)

        close_session()
        database.engine.dispose()  # no pooled connection may keep the old (empty) file open
        with (
            _member(tar, manifest["database"]["member"]) as handle,
            tempfile.TemporaryDirectory(dir=cfg.data_dir, prefix=".simpul-restore-") as work,
        ):
            os.chmod(work, 0o700)
            snapshot = Path(work) / manifest["database"]["member"]
            with open(snapshot, "wb") as target:
                shutil.copyfileobj(handle, target, CHUNK)
            if kind == "sqlite":
                _restore_sqlite(snapshot, database.engine.url.database or "")
            else:
                _restore_postgresql(snapshot, database.engine.url)
        for item in manifest["evidence"]:
            pending = store.create(item["name"])
            with _member(tar, f"evidence/{item['name']}.smev") as handle:
                while block := handle.read(CHUNK):
                    pending.write(block)
            pending.finish()
    return _verify_restored(manifest)


def _restore_sqlite(snapshot: Path, database_path: str) -> None:
    # The backup API in the other direction: it writes the pages through SQLite itself, so the
    # empty file (and its -wal/-shm, if any) that the application created is replaced consistently.
    source = sqlite3.connect(snapshot)
    destination = sqlite3.connect(database_path)
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()


def _restore_postgresql(snapshot: Path, url: URL) -> None:
    pg_restore = _need_binary("pg_restore")
    env, libpq_url = _pg_env_and_url(make_url(url))
    result = subprocess.run(  # noqa: S603 (our own arguments; the binary found on PATH)
        [pg_restore, "--no-owner", "--exit-on-error", "--single-transaction", f"--dbname={libpq_url}", str(snapshot)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")


def _verify_restored(manifest: dict[str, Any]) -> RestoreResult:
    """Check what landed: each file's stored bytes against the manifest, each file decrypted and
    hashed against its row (which needs the right keyring), and the whole audit log."""
    from coordination.audit.log import verify_log
    from coordination.core.db import close_session, get_session
    from coordination.core.keys import KeyringError
    from coordination.evidence.backend import evidence_store
    from coordination.evidence.operations.maintenance import fsck

    store = evidence_store()
    result = RestoreResult(len(manifest["evidence"]), 0, 0)
    if manifest.get("missing"):
        result.problem = f"the backup recorded evidence rows without their file: {', '.join(manifest['missing'])}"
        return result
    for item in manifest["evidence"]:
        digest = hashlib.sha256()
        with store.open(item["name"]) as handle:
            while block := handle.read(CHUNK):
                digest.update(block)
        if digest.hexdigest() != item["sha256"]:
            result.problem = f"restored evidence file {item['name']} does not match the manifest's SHA-256"
            return result
    try:
        report = fsck(verify_content=True)
    except KeyringError as exc:
        result.problem = f"{exc}: restore the keyring file that belongs to this backup (docs/backup.md)"
        return result
    finally:
        close_session()
    if not report.clean:
        bad = (report.missing + report.damaged + report.orphans + report.pending)[0]
        result.problem = f"evidence fsck after restore is not clean, first: {bad}"
        return result
    verification = verify_log(get_session())
    close_session()
    result.audit_events, result.audit_checkpoints = verification.events, verification.checkpoints
    if not verification.intact:
        result.problem = f"audit log NOT intact at position {verification.events}: {verification.problem}"
    elif verification.events != manifest["audit"]["tree_size"]:
        result.problem = (
            f"audit log has {verification.events} events, the manifest recorded {manifest['audit']['tree_size']}"
        )
    return result


# --- commands ------------------------------------------------------------------------------------


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(out: Path) -> None:
    """Write one archive (mode 0600) of the database and the evidence store; not the keyring."""
    try:
        manifest = make_backup(out)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"backup written to {out}: {manifest['database']['kind']} database at revision {manifest['schema_revision']}, "
        f"{len(manifest['evidence'])} evidence files, audit tree size {manifest['audit']['tree_size']}; "
        "the keyring is NOT in the archive (back it up separately)"
    )
    if manifest["missing"]:
        click.echo(f"WARNING: evidence rows without a file: {', '.join(manifest['missing'])}", err=True)
        raise SystemExit(1)


@click.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False, exists=True, path_type=Path))
def restore_command(archive: Path) -> None:
    """Restore an archive into an empty database and evidence store, then verify everything."""
    try:
        result = restore_backup(archive)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    if result.problem:
        raise click.ClickException(f"restored, but verification FAILED: {result.problem}")
    click.echo(
        f"restored {result.evidence} evidence files (hashes verified) and the audit log "
        f"({result.audit_events} events, {result.audit_checkpoints} signed checkpoints verified)"
    )


def register_commands(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
