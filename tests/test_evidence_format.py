"""The evidence file format: round trips at the segment boundaries, and every kind of damage
refused without releasing plaintext."""

from __future__ import annotations

import hashlib
import io
import secrets

import pytest

from coordination.evidence.format import (
    TAG_SIZE,
    EncryptingWriter,
    EvidenceFormatError,
    decrypt_segments,
    encrypted_size,
    read_header,
    verify,
)

SEGMENT = 4096  # small segments keep boundary tests fast; the default is 64 KiB
KEY = secrets.token_bytes(32)


def encrypt(plaintext: bytes, key: bytes = KEY, chunk: int = 1000, key_id: str = "dek-1") -> bytes:
    sink = io.BytesIO()
    with EncryptingWriter(sink, key, key_id, segment_size=SEGMENT) as writer:
        for i in range(0, len(plaintext), chunk):
            writer.write(plaintext[i : i + chunk])
    return sink.getvalue()


def decrypt(blob: bytes, key: bytes = KEY) -> bytes:
    return b"".join(decrypt_segments(io.BytesIO(blob), key))


@pytest.mark.parametrize("size", [0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 2 * SEGMENT, 3 * 1024 * 1024 + 17])
def test_round_trip_at_every_boundary(size):
    plaintext = secrets.token_bytes(size)
    blob = encrypt(plaintext)
    assert len(blob) == encrypted_size(size, "dek-1", SEGMENT)
    assert decrypt(blob) == plaintext
    assert verify(io.BytesIO(blob), KEY) == (hashlib.sha256(plaintext).hexdigest(), size)


def test_the_writer_reports_hash_and_size_and_the_default_segment_works():
    plaintext = secrets.token_bytes(200_000)
    sink = io.BytesIO()
    writer = EncryptingWriter(sink, KEY, "dek-9")
    writer.write(plaintext)
    writer.close()
    assert (writer.sha256.hexdigest(), writer.size) == (hashlib.sha256(plaintext).hexdigest(), 200_000)
    assert read_header(io.BytesIO(sink.getvalue())).key_id == "dek-9"
    assert decrypt(sink.getvalue()) == plaintext


def test_no_window_of_plaintext_survives_in_the_stored_bytes():
    plaintext = (b"Transfer ke 081234567890 buat jajan ya. " * 2000)[: 3 * SEGMENT + 5]
    blob = encrypt(plaintext)
    windows = {plaintext[i : i + 64] for i in range(0, len(plaintext) - 64, 7)}
    assert not any(window in blob for window in windows)


def _refused(blob: bytes, key: bytes = KEY) -> str:
    with pytest.raises(EvidenceFormatError) as caught:
        verify(io.BytesIO(blob), key)
    return str(caught.value)


def _layout(blob: bytes) -> tuple[int, int]:
    header_len = len(blob) - (3 * SEGMENT + 100) - 4 * TAG_SIZE
    return header_len, SEGMENT + TAG_SIZE


PLAIN = secrets.token_bytes(3 * SEGMENT + 100)  # four segments, the last one short


def test_a_flipped_byte_in_header_body_or_tag_is_refused():
    blob = encrypt(PLAIN)
    header_len, chunk = _layout(blob)
    for position in (
        5,  # segment size
        header_len - 3,  # nonce prefix
        header_len - 20,  # salt
        header_len + 10,  # first segment body
        header_len + chunk + chunk - 1,  # second segment's tag
        len(blob) - 1,  # last tag
    ):
        damaged = bytearray(blob)
        damaged[position] ^= 0x01
        with pytest.raises(EvidenceFormatError):
            verify(io.BytesIO(bytes(damaged)), KEY)


def test_truncation_reordering_and_foreign_segments_are_refused():
    blob = encrypt(PLAIN)
    header_len, chunk = _layout(blob)
    header, body = blob[:header_len], blob[header_len:]
    segments = [body[i : i + chunk] for i in range(0, len(body), chunk)]
    assert "truncated" in _refused(header + b"".join(segments[:3]))  # whole last segment dropped
    assert _refused(blob[:-1])  # last byte dropped
    assert _refused(blob[: header_len + 5])
    assert _refused(header + segments[1] + segments[0] + segments[2] + segments[3])
    assert _refused(blob + segments[3])  # a segment appended
    other = encrypt(PLAIN)  # same key, same plaintext: another salt, so another file key
    other_segments = [other[header_len:][i : i + chunk] for i in range(0, len(body), chunk)]
    assert _refused(header + segments[0] + other_segments[1] + segments[2] + segments[3])
    assert _refused(other[:header_len] + body)  # another file's header


def test_wrong_key_and_non_evidence_are_refused_with_a_clear_message():
    blob = encrypt(PLAIN)
    assert "key is wrong" in _refused(blob, secrets.token_bytes(32))
    assert "not a Simpul evidence file" in _refused(b"%PDF-1.7 not encrypted at all")
    assert "not a Simpul evidence file" in _refused(b"")
    assert "version" in _refused(blob[:4] + b"\x02" + blob[5:])


def test_nothing_is_released_before_the_damaged_segment_is_reached():
    blob = bytearray(encrypt(PLAIN))
    blob[-1] ^= 0x01  # only the last segment is damaged
    segments = decrypt_segments(io.BytesIO(bytes(blob)), KEY)
    released = [next(segments) for _ in range(3)]  # authenticated segments stream ...
    assert b"".join(released) == PLAIN[: 3 * SEGMENT]
    with pytest.raises(EvidenceFormatError):
        next(segments)  # ... so a caller that must never release partial plaintext runs verify() first
