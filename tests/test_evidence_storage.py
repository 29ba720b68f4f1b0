"""The evidence stores, local directory and S3-compatible (moto's server on loopback): nothing
counts until it is durable under its final name, and a refused write leaves nothing."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from coordination.evidence.storage import LocalStore, StorageError


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_store(endpoint: str):  # type: ignore[no-untyped-def]
    import boto3

    from coordination.evidence.storage_s3 import S3Store

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    bucket = f"simpul-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    return S3Store(bucket, "evidence/", client=client)


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):  # type: ignore[no-untyped-def]
    if request.param == "local":
        return LocalStore(tmp_path / "evidence")
    return s3_store(request.getfixturevalue("s3_endpoint"))


def test_a_finished_file_is_readable_and_an_abandoned_one_leaves_nothing(store):
    name = uuid.uuid4().hex
    pending = store.create(name)
    pending.write(b"ciphertext")
    assert list(store.names()) == [] and len(list(store.pending())) == 1  # not evidence yet
    pending.finish()
    assert list(store.names()) == [name] and list(store.pending()) == []
    with store.open(name) as handle:
        assert handle.read() == b"ciphertext"
    assert 0 <= store.age_seconds(name) < 120
    half = store.create(uuid.uuid4().hex)
    half.write(b"half")
    half.abandon()
    assert list(store.names()) == [name] and list(store.pending()) == []
    with pytest.raises(StorageError, match="already exists"):
        store.create(name)


def test_large_files_stream_in_parts(store):
    name = uuid.uuid4().hex
    pending = store.create(name)
    block = os.urandom(1024 * 1024)
    for _ in range(20):  # 20 MiB: several multipart parts on S3
        pending.write(block)
    pending.finish()
    with store.open(name) as handle:
        total = 0
        while chunk := handle.read(1024 * 1024):
            assert chunk == block
            total += len(chunk)
    assert total == 20 * 1024 * 1024


def test_interrupted_uploads_are_listed_and_removed(store):
    stuck = store.create(uuid.uuid4().hex)
    stuck.write(b"the process died here")
    (left,) = list(store.pending())
    store.remove_pending(left)
    assert list(store.pending()) == [] and list(store.names()) == []


def test_names_from_outside_are_refused_and_missing_files_are_a_clear_error(store):
    for bad in ("../../etc/passwd", "ABC", uuid.uuid4().hex + "/x"):
        with pytest.raises(StorageError, match="not an evidence file name"):
            store.create(bad)
    with pytest.raises(StorageError, match="missing"):
        store.open(uuid.uuid4().hex)


def test_a_local_store_that_cannot_be_written_refuses_without_leaving_anything(tmp_path):
    root = tmp_path / "evidence"
    root.mkdir()
    (root / "tmp").write_bytes(b"")  # where the temporary files go is not a directory
    store = LocalStore(root)
    with pytest.raises(StorageError, match="cannot"):
        store.create(uuid.uuid4().hex)
    assert list(store.names()) == []


def test_evidence_api_on_the_s3_store(app, client, make_user, s3_endpoint):
    from tests.conftest import bearer
    from tests.test_evidence_api import PDF, make_case, upload

    s3 = s3_store(s3_endpoint)
    local = app.extensions["simpul.evidence_store"]
    app.extensions["simpul.evidence_store"] = s3
    try:
        police = make_user("police", "member")
        item = upload(client, police, make_case(client, police), PDF).get_json()
        assert list(s3.names()) == [item["id"].replace("-", "")]
        content = client.get(f"/api/v1/evidence/{item['id']}/content", headers=bearer(police))
        assert content.status_code == 200 and content.data == PDF
    finally:
        app.extensions["simpul.evidence_store"] = local
