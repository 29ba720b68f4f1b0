"""Read a multipart upload from the request stream without ever holding or spooling plaintext.

Werkzeug's form parser would buffer a file part in memory or a temporary file in clear; this
reader feeds the body through Werkzeug's sans-IO multipart decoder and hands the file part's
bytes, chunk by chunk, to the encrypting `IncomingFile`. Small text fields are collected (at
most 4 KiB each, a handful of parts in all).
"""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Callable
from typing import BinaryIO

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from coordination.cases.models import Case
from coordination.core.db import commit
from coordination.core.errors import DomainError, ValidationFailed
from coordination.evidence.backend import evidence_store
from coordination.evidence.models import Evidence
from coordination.evidence.operations.store import IncomingFile, store_evidence
from coordination.evidence.storage import EvidenceStore, StorageError

CHUNK = 256 * 1024
FIELD_LIMIT = 4096


def receive_upload(
    stream: BinaryIO, content_type: str | None, store: EvidenceStore, max_bytes: int
) -> tuple[dict[str, str], IncomingFile]:
    """(text fields, the received file). The file must be the part named `file`."""
    mimetype, options = parse_options_header(content_type or "")
    if mimetype != "multipart/form-data" or "boundary" not in options:
        raise ValidationFailed(_l("Send the file as multipart/form-data."), {"file": _l("No file was sent.")})
    # Its memory limit counts the whole buffer, file bytes included; text fields are bounded below.
    decoder = MultipartDecoder(options["boundary"].encode("latin-1"), max_parts=8)
    fields: dict[str, str] = {}
    incoming: IncomingFile | None = None
    field_name: str | None = None
    buffer = bytearray()
    try:
        finished = False
        while not finished:
            chunk = stream.read(CHUNK)
            decoder.receive_data(chunk or None)
            while True:
                event = decoder.next_event()
                if isinstance(event, NeedData):
                    break
                if isinstance(event, Epilogue):
                    finished = True
                    break
                if isinstance(event, File):
                    if event.name != "file" or incoming is not None:
                        raise ValidationFailed(
                            _l("The evidence was not stored."), {"file": _l("Send exactly one file, named 'file'.")}
                        )
                    incoming, field_name = IncomingFile(store, event.filename, max_bytes), None
                elif isinstance(event, Field):
                    field_name, buffer = event.name, bytearray()
                elif isinstance(event, Data):
                    if field_name is None and incoming is not None:
                        incoming.write(event.data)
                    elif field_name is not None:
                        buffer += event.data
                        if len(buffer) > FIELD_LIMIT:
                            raise ValidationFailed(_l("The evidence was not stored."), {field_name: _l("Too long.")})
                        if not event.more_data:
                            fields[field_name] = buffer.decode("utf-8", "replace").strip()
            if not chunk:
                finished = True
        if incoming is None:
            raise ValidationFailed(_l("The evidence was not stored."), {"file": _l("No file was sent.")})
        return fields, incoming
    except ValueError as exc:  # the decoder's "unexpected end of file", malformed headers
        if incoming is not None:
            incoming.abandon()
        raise ValidationFailed(
            _l("The evidence was not stored."), {"file": _l("The upload was cut short or malformed.")}
        ) from exc
    except BaseException:
        if incoming is not None:
            incoming.abandon()
        raise


MULTIPART_OVERHEAD = 1024 * 1024


def receive_into_case(case: Case, check_fields: Callable[[dict[str, str]], None] | None = None) -> Evidence:
    """Stream this request's upload into `case`'s evidence; shared by the API and the page.

    `check_fields` sees the text fields before anything is kept (the page checks its CSRF token
    there); if it raises, the received file is discarded.
    """
    limit = current_app.extensions["simpul.config"].evidence_max_bytes
    request.max_content_length = limit + MULTIPART_OVERHEAD
    if request.content_length is not None and request.content_length > limit + MULTIPART_OVERHEAD:
        raise RequestEntityTooLarge(f"An evidence file may be at most {limit} bytes.")  # before storing anything
    # End the transaction of the access check before the body streams in (minutes, for a large
    # file): no lock or snapshot is held meanwhile; storing the evidence begins a new one.
    commit()
    try:
        fields, incoming = receive_upload(request.stream, request.headers.get("Content-Type"), evidence_store(), limit)
        if check_fields is not None:
            try:
                check_fields(fields)
            except BaseException:
                incoming.abandon()
                raise
        return store_evidence(current_user, case, incoming, fields.get("category", ""), fields.get("description", ""))
    except StorageError as exc:
        # The store removed its partial file before raising; no row was added. Say what is
        # wrong with the store (the uploader can do nothing about it but report it).
        current_app.logger.error("evidence upload refused by the store: %s", exc)
        _discard_rest(request.stream)
        raise StoreFailed.of(exc) from None


def _discard_rest(stream: BinaryIO) -> None:
    """Read and drop what the client is still sending (bounded by the request's size limit).

    A client blocked sending the rest of a large file does not read the answer; closing the
    connection on it would show a reset instead of the error that says what is wrong.
    """
    with contextlib.suppress(Exception):
        while stream.read(CHUNK):
            pass


class StoreFailed(DomainError):
    """The evidence store could not keep the file (full, read-only, unreachable): nothing was stored."""

    status = 503
    code = "evidence_store_failed"

    @classmethod
    def of(cls, exc: StorageError) -> StoreFailed:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            failed = cls(
                _l("The evidence was not stored: the evidence store is full. Tell the platform operator."),
                {"file": _l("No space left in the evidence store.")},
            )
            failed.status, failed.code = 507, "evidence_store_full"
            return failed
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            failed = cls(
                _l("The evidence was not stored: the evidence store is read-only. Tell the platform operator."),
                {"file": _l("The evidence store does not accept writes.")},
            )
            failed.code = "evidence_store_read_only"
            return failed
        return cls(
            _l("The evidence was not stored: the evidence store is unavailable. Try again later."),
            {"file": _l("The evidence store could not keep the file.")},
        )
