"""`flask backup` / `flask restore`: an archive of a live installation restores into an empty data
directory (given the keyring, which is never in the archive), every evidence file comes back byte
for byte and decrypts to what was uploaded, and the audit log verifies; a non-empty target and a
damaged archive are refused by name and leave the target as it was.

Like test_audit_concurrency.py, this builds its own applications on their own databases and data
directories: a backup must see committed data, which the suite's per-test transaction hides.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import stat
import tarfile
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from sqlalchemy import inspect

from coordination.accounts.models import Organisation, User
from coordination.accounts.operations.tokens import create_api_token
from coordination.accounts.passwords import hash_password
from coordination.app import create_app
from coordination.audit.record import record
from coordination.core.context import keyring
from coordination.core.db import get_session, utcnow
from coordination.core.keys import seal
from coordination.migrations import upgrade_to_head
from tests.conftest import PASSWORD, RequestClient, _backends, make_config
from tests.test_audit_concurrency import fresh_database

PDF = b"%PDF-1.7\n" + b"Rekening koran Bank Nusantara, 081234567890, Siti Aminah. " * 300 + b"\n%%EOF\n"
TXT = b"Kronologi: korban dihubungi lewat WhatsApp pada 3 Maret.\n" * 40


def _app(data_dir: Path, url: str) -> Flask:
    app = create_app(make_config(data_dir, url))
    app.test_client_class = RequestClient
    return app


def _token(app: Flask, user_id: int) -> dict[str, str]:
    with app.app_context():
        user = get_session().get(User, user_id)
        assert user is not None
        _, secret = create_api_token(user, "pytest")
        get_session().commit()
    return {"Authorization": f"Bearer {secret}"}


def _populate(app: Flask) -> dict[str, bytes]:
    """Users, a case with two uploaded evidence files, and audit events; returns id -> content."""
    with app.app_context():
        upgrade_to_head()
        session = get_session()
        org = Organisation(name="Polda Metro Jaya", kind="police")
        users = [
            User(
                email=f"{n}@polri.example.id",
                organisation=org,
                role="member",
                password_hash=hash_password(PASSWORD, "fast"),
            )
            for n in ("penyidik", "analis")
        ]
        session.add_all([org, *users])
        session.flush()
        for user in users:  # enrolled, as every real account is
            user.totp_secret_sealed = seal(keyring(), pyotp.random_base32().encode(), f"user:{user.id}:totp")
            user.mfa_enrolled_at = utcnow()
        record(None, "test.backup", None, {"note": "before the backup"})
        session.commit()
        user_id = users[0].id
    headers = _token(app, user_id)
    client = app.test_client()
    case = client.post("/api/v1/cases", headers=headers, json={"title": "Kasus bukti"})
    assert case.status_code == 201, case.get_json()
    uploaded = {}
    for content, name in ((PDF, "rekening.pdf"), (TXT, "kronologi.txt")):
        response = client.post(
            f"/api/v1/cases/{case.get_json()['id']}/evidence",
            headers=headers,
            data={"category": "document", "file": (io.BytesIO(content), name)},
            content_type="multipart/form-data",
        )
        assert response.status_code == 201, response.get_json()
        uploaded[response.get_json()["id"]] = content
    return uploaded


def _cli(app: Flask, *args: str):  # type: ignore[no-untyped-def]
    with app.app_context():  # as `flask` itself pushes one
        return app.test_cli_runner().invoke(args=list(args))


def _target(root: Path, url: str, keyring_file: Path) -> Flask:
    """An empty data directory holding only a copy of the keyring, as the operator prepares it."""
    root.mkdir()
    shutil.copy2(keyring_file, root / "keyring.json")
    return _app(root, url)


def _state(app: Flask) -> tuple[list[str], list[str]]:
    with app.app_context():
        database = app.extensions["simpul.db"]
        tables = sorted(inspect(database.engine).get_table_names())
    files = sorted(str(p) for p in app.extensions["simpul.config"].evidence_dir.rglob("*") if p.is_file())
    return tables, files


@pytest.fixture
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[str]]:
    """Three empty databases of the parametrised backend: source, target, and damaged-archive target."""
    backend = request.param
    if backend == "postgresql" and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump/pg_restore not installed")
    with ExitStack() as stack:
        urls = []
        for i in range(3):
            (tmp_path / f"db{i}").mkdir()
            urls.append(stack.enter_context(fresh_database(backend, tmp_path / f"db{i}")))
        yield urls


@pytest.mark.parametrize("databases", _backends(), indirect=True)
def test_backup_restores_into_an_empty_data_dir_and_verifies(databases: list[str], tmp_path: Path):
    source = _app(tmp_path / "source", databases[0])
    target = damaged_target = None
    try:
        uploaded = _populate(source)
        archive = tmp_path / "backups" / "simpul.tar"
        result = _cli(source, "backup", str(archive))
        assert result.exit_code == 0, result.output
        assert "2 evidence files" in result.output and "keyring is NOT in the archive" in result.output
        assert stat.S_IMODE(archive.stat().st_mode) == 0o600
        with tarfile.open(archive) as tar:
            manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
            names = tar.getnames()
        assert not any("keyring" in n for n in names)
        assert manifest["format"] == "simpul-backup/1" and manifest["schema_revision"]
        assert {e["name"] for e in manifest["evidence"]} == {i.replace("-", "") for i in uploaded}
        assert manifest["audit"]["tree_size"] > 0 and len(manifest["audit"]["root"]) == 64

        # Restore into an empty directory that holds only the keyring copy.
        keyring_file = tmp_path / "source" / "keyring.json"
        target = _target(tmp_path / "target", databases[1], keyring_file)
        result = _cli(target, "restore", str(archive))
        assert result.exit_code == 0, result.output
        assert result.output.startswith("restored 2 evidence files (hashes verified)")

        fsck = _cli(target, "evidence", "fsck", "--verify")
        assert fsck.exit_code == 0, fsck.output
        assert "checked 2 files" in fsck.output and "0 damaged" in fsck.output
        verify = _cli(target, "audit", "verify")
        assert verify.exit_code == 0 and "audit log intact" in verify.output, verify.output
        with target.app_context():
            user_id = get_session().scalar(User.__table__.select().with_only_columns(User.id).limit(1))
            get_session().commit()
        headers = _token(target, user_id)
        for evidence_id, content in uploaded.items():
            download = target.test_client().get(f"/api/v1/evidence/{evidence_id}/content", headers=headers)
            assert download.status_code == 200 and download.data == content

        # A second restore into the (now populated) target is refused and changes nothing.
        before = _state(target)
        again = _cli(target, "restore", str(archive))
        assert again.exit_code != 0
        assert "not empty" in again.output and "the database holds" in again.output
        assert _state(target) == before

        # A byte flipped inside one evidence file of the archive: named, and nothing restored.
        damaged = tmp_path / "damaged.tar"
        shutil.copy2(archive, damaged)
        victim = manifest["evidence"][0]["name"]
        with tarfile.open(damaged) as tar:
            offset = tar.getmember(f"evidence/{victim}.smev").offset_data + 100
        with open(damaged, "r+b") as handle:
            handle.seek(offset)
            byte = handle.read(1)
            handle.seek(offset)
            handle.write(bytes([byte[0] ^ 0x01]))
        damaged_target = _target(tmp_path / "damaged-target", databases[2], keyring_file)
        empty = _state(damaged_target)
        bad = _cli(damaged_target, "restore", str(damaged))
        assert bad.exit_code != 0
        assert f"evidence/{victim}.smev in the archive is damaged" in bad.output
        assert _state(damaged_target) == empty
    finally:
        for app in (source, target, damaged_target):
            if app is not None:
                app.extensions["simpul.db"].engine.dispose()


def test_restore_refuses_a_target_whose_evidence_dir_holds_files(tmp_path: Path):
    source = _app(tmp_path / "source", f"sqlite:///{tmp_path / 'source.db'}")
    target = None
    try:
        with source.app_context():
            upgrade_to_head()
        archive = tmp_path / "b.tar"
        assert _cli(source, "backup", str(archive)).exit_code == 0
        target = _target(
            tmp_path / "target", f"sqlite:///{tmp_path / 'target.db'}", tmp_path / "source" / "keyring.json"
        )
        stray = target.extensions["simpul.config"].evidence_dir / "ab" / "cd" / "stray.smev"
        stray.parent.mkdir(parents=True)
        stray.write_bytes(b"x")
        result = _cli(target, "restore", str(archive))
        assert result.exit_code != 0 and "evidence directory" in result.output and "holds files" in result.output
        assert _state(target)[0] == [] and stray.read_bytes() == b"x"
        assert hashlib.sha256(archive.read_bytes()).hexdigest()  # the archive itself is untouched and readable
    finally:
        for app in (source, target):
            if app is not None:
                app.extensions["simpul.db"].engine.dispose()


def test_restore_without_the_keyring_is_reported_not_passed(tmp_path: Path):
    """Restored with a fresh keyring (the operator forgot to restore the real one), the evidence
    data keys do not open: the restore says so and points at the keyring."""
    source = _app(tmp_path / "source", f"sqlite:///{tmp_path / 'source.db'}")
    target = None
    try:
        _populate(source)
        archive = tmp_path / "b.tar"
        assert _cli(source, "backup", str(archive)).exit_code == 0
        target = _app(tmp_path / "target", f"sqlite:///{tmp_path / 'target.db'}")  # generates a new keyring
        result = _cli(target, "restore", str(archive))
        assert result.exit_code != 0
        assert "verification FAILED" in result.output and "restore the keyring file" in result.output
    finally:
        for app in (source, target):
            if app is not None:
                app.extensions["simpul.db"].engine.dispose()
