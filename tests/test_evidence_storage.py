"""The local evidence store: nothing counts until it is durable under its final name."""

from __future__ import annotations

import os
import uuid

import pytest

from coordination.evidence.storage import LocalStore, StorageError


def test_a_finished_file_is_readable_and_an_abandoned_one_leaves_nothing(tmp_path):
    store = LocalStore(tmp_path / "evidence")
    name = uuid.uuid4().hex
    pending = store.create(name)
    pending.write(b"ciphertext")
    assert list(store.names()) == [] and len(list(store.pending())) == 1  # not evidence yet
    pending.finish()
    assert list(store.names()) == [name] and list(store.pending()) == []
    with store.open(name) as handle:
        assert handle.read() == b"ciphertext"
    assert oct(os.stat(next((tmp_path / "evidence").glob("??/??/*.smev"))).st_mode & 0o777) == "0o600"
    other = uuid.uuid4().hex
    half = store.create(other)
    half.write(b"half")
    half.abandon()
    assert list(store.names()) == [name] and list(store.pending()) == []
    with pytest.raises(StorageError, match="already exists"):
        store.create(name)


def test_names_from_outside_are_refused_and_missing_files_are_a_clear_error(tmp_path):
    store = LocalStore(tmp_path / "evidence")
    for bad in ("../../etc/passwd", "ABC", uuid.uuid4().hex + "/x"):
        with pytest.raises(StorageError, match="not an evidence file name"):
            store.create(bad)
    with pytest.raises(StorageError, match="missing"):
        store.open(uuid.uuid4().hex)


def test_a_store_that_cannot_be_written_refuses_without_leaving_anything(tmp_path):
    root = tmp_path / "evidence"
    root.mkdir()
    (root / "tmp").write_bytes(b"")  # where the temporary files go is not a directory
    store = LocalStore(root)
    with pytest.raises(StorageError, match="cannot"):
        store.create(uuid.uuid4().hex)
    assert list(store.names()) == []
