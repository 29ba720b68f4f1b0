"""The keyring: generated 0600 for a new installation, required for an existing one."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag

from coordination.core.keys import FileKeyProvider, KeyringError, seal, unseal

ROOT = Path(__file__).resolve().parent.parent


def flask(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "SIMPUL_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_new_installation_generates_a_private_keyring_and_an_old_one_requires_it(tmp_path):
    assert flask(tmp_path, "init").returncode == 0
    keyring = tmp_path / "keyring.json"
    assert stat.S_IMODE(keyring.stat().st_mode) == 0o600
    keyring.rename(tmp_path / "keyring.backup")
    result = flask(tmp_path, "init")
    assert result.returncode != 0
    assert "keyring file" in result.stderr and str(keyring) in result.stderr and "restore" in result.stderr
    assert "Traceback" not in result.stderr
    assert not keyring.exists()  # no silent new keyring for an initialised database


def test_group_readable_keyring_is_refused(tmp_path):
    provider = FileKeyProvider(tmp_path / "keyring.json")
    provider.create()
    os.chmod(tmp_path / "keyring.json", 0o640)
    with pytest.raises(KeyringError, match="chmod 600"):
        provider.load()


def test_sealed_values_are_bound_to_their_context(tmp_path):
    keyring = FileKeyProvider(tmp_path / "k.json").create()
    blob = seal(keyring, b"JBSWY3DPEHPK3PXP", "user:1:totp")
    assert b"JBSWY3DPEHPK3PXP" not in blob
    assert unseal(keyring, blob, "user:1:totp") == b"JBSWY3DPEHPK3PXP"
    with pytest.raises(InvalidTag):
        unseal(keyring, blob, "user:2:totp")
    other = FileKeyProvider(tmp_path / "other.json").create()
    with pytest.raises(InvalidTag):
        unseal(other, blob, "user:1:totp")


def test_evidence_data_keys_are_wrapped_bound_to_their_record_and_survive_rotation(tmp_path):
    import json
    import secrets

    from coordination.core.keys import unwrap_data_key, wrap_data_key

    provider = FileKeyProvider(tmp_path / "keyring.json")
    keyring = provider.create()
    assert keyring.active_kek == "k1"
    data_key = secrets.token_bytes(32)
    kek_id, wrapped = wrap_data_key(keyring, data_key, "ev-1")
    assert kek_id == "k1" and data_key not in wrapped
    assert unwrap_data_key(keyring, kek_id, wrapped, "ev-1") == data_key
    with pytest.raises(KeyringError, match="does not open"):
        unwrap_data_key(keyring, kek_id, wrapped, "ev-2")  # copied onto another record

    provider.save(keyring.with_new_kek())
    rotated = provider.load()
    assert rotated.active_kek == "k2" and set(rotated.keks) == {"k1", "k2"}
    assert unwrap_data_key(rotated, "k1", wrapped, "ev-1") == data_key  # old wraps still open
    assert wrap_data_key(rotated, data_key, "ev-1")[0] == "k2"
    with pytest.raises(KeyringError, match="active"):
        rotated.without_kek("k2")
    retired = rotated.without_kek("k1")
    with pytest.raises(KeyringError, match="no key-encryption key 'k1'"):
        unwrap_data_key(retired, "k1", wrapped, "ev-1")

    # A keyring written before evidence existed loads, and says how to get a first KEK.
    document = json.loads((tmp_path / "keyring.json").read_text())
    del document["keks"], document["active_kek"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(document))
    old.chmod(0o600)
    legacy = FileKeyProvider(old).load()
    with pytest.raises(KeyringError, match="keys rotate"):
        wrap_data_key(legacy, data_key, "ev-1")
