"""Evidence in an S3-compatible object store, for several instances sharing one store.

A file is written as a multipart upload (8 MiB parts, so memory stays flat) and becomes an
object only when the upload is completed: until `finish()` nothing under the evidence prefix
exists, exactly like the local store's temporary name. An interrupted upload leaves an
incomplete multipart upload, which `evidence fsck --repair` aborts. Objects hold ciphertext
only; the bucket never sees a key.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from coordination.evidence.storage import StorageError, check_name

PART_SIZE = 8 * 1024 * 1024


def _errors() -> tuple[type[Exception], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


class _S3Pending:
    def __init__(self, client: Any, bucket: str, key: str) -> None:
        self.client, self.bucket, self.key = client, bucket, key
        self.upload_id = client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        self.parts: list[dict[str, Any]] = []
        self.buffer = bytearray()

    def _send_part(self, data: bytes | bytearray) -> None:
        number = len(self.parts) + 1
        answer = self.client.upload_part(
            Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, PartNumber=number, Body=bytes(data)
        )
        self.parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    def write(self, data: bytes) -> int:
        self.buffer += data
        try:
            while len(self.buffer) >= PART_SIZE:
                self._send_part(self.buffer[:PART_SIZE])
                del self.buffer[:PART_SIZE]
        except _errors() as exc:
            self.abandon()
            raise StorageError(f"cannot write the evidence object: {exc}") from None
        return len(data)

    def finish(self) -> None:
        try:
            if self.buffer or not self.parts:
                self._send_part(self.buffer)  # the last part may be smaller than 5 MiB
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, MultipartUpload={"Parts": self.parts}
            )
        except _errors() as exc:
            self.abandon()
            raise StorageError(f"cannot store the evidence object: {exc}") from None

    def abandon(self) -> None:
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id)
        except _errors():
            pass  # fsck lists what could not be aborted now


class _Body:
    """A readable, closable file object over a streaming GET (no whole-object buffering)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def read(self, size: int = -1) -> bytes:
        try:
            return self.stream.read(None if size < 0 else size)
        except _errors() as exc:
            raise StorageError(f"cannot read the evidence object: {exc}") from None

    def close(self) -> None:
        self.stream.close()

    def __enter__(self) -> _Body:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class S3Store:
    def __init__(self, bucket: str, prefix: str = "evidence/", client: Any = None, **client_options: Any) -> None:
        if client is None:
            import boto3

            client = boto3.client("s3", **client_options)
        self.client, self.bucket, self.prefix = client, bucket, prefix

    def _key(self, name: str) -> str:
        check_name(name)
        return f"{self.prefix}{name[:2]}/{name[2:4]}/{name}.smev"

    def _head(self, name: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._key(name))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise StorageError(f"cannot reach the evidence store: {exc}") from None

    def create(self, name: str) -> _S3Pending:
        if self._head(name) is not None:
            raise StorageError(f"evidence file {name} already exists")
        try:
            return _S3Pending(self.client, self.bucket, self._key(name))
        except _errors() as exc:
            raise StorageError(f"cannot create an evidence file: {exc}") from None

    def open(self, name: str) -> _Body:
        from botocore.exceptions import ClientError

        try:
            return _Body(self.client.get_object(Bucket=self.bucket, Key=self._key(name))["Body"])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                raise StorageError(f"evidence file {name} is missing from the store") from None
            raise StorageError(f"cannot read the evidence object: {exc}") from None

    def delete(self, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(name))

    def names(self) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                leaf = item["Key"].rsplit("/", 1)[-1]
                if leaf.endswith(".smev"):
                    yield leaf[: -len(".smev")]

    def pending(self) -> Iterator[str]:
        answer = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=self.prefix)
        for upload in answer.get("Uploads", []):
            yield f"{upload['Key']}#{upload['UploadId']}"

    def remove_pending(self, name: str) -> None:
        key, _, upload_id = name.partition("#")
        if key.startswith(self.prefix) and upload_id:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)

    def age_seconds(self, name: str) -> float:
        head = self._head(name)
        if head is None:
            raise StorageError(f"evidence file {name} is missing from the store")
        return (datetime.now(UTC) - head["LastModified"]).total_seconds()
