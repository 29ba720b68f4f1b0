"""The evidence file format: streaming authenticated encryption in fixed-size segments.

The construction follows Tink's streaming AEAD (AES-GCM-HKDF): a header with a format version,
the data key's id and a random salt; a per-file key derived by HKDF from the data key and the
salt; AES-256-GCM per segment with a nonce made of a random per-file prefix, the segment counter
and a last-segment flag; the header as associated data of every segment. So truncation (the
new last segment was not sealed as last), reordering (counter), swapping a segment in from
another file (other salt, other key), a flipped byte anywhere, or the wrong data key, each
fails authentication. docs/evidence-format.md describes the bytes well enough to write a
second decoder. This module has no dependency on the web application.
"""

from __future__ import annotations

import hashlib
import secrets
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"SMEV"
VERSION = 1
SEGMENT_SIZE = 64 * 1024
TAG_SIZE = 16
SALT_SIZE = 32
NONCE_PREFIX_SIZE = 7
MAX_SEGMENTS = 2**32 - 1  # the counter is 4 bytes: 256 TiB at 64 KiB segments
HKDF_INFO = b"simpul-evidence/1"
_FIXED = struct.Struct(">4sBIB")  # magic, version, segment size, key id length


class EvidenceFormatError(ValueError):
    """The bytes are not an intact Simpul evidence file for this key. Never partial plaintext."""


@dataclass(frozen=True)
class Header:
    segment_size: int
    key_id: str
    salt: bytes
    nonce_prefix: bytes

    def encode(self) -> bytes:
        key_id = self.key_id.encode("ascii")
        return _FIXED.pack(MAGIC, VERSION, self.segment_size, len(key_id)) + key_id + self.salt + self.nonce_prefix

    @classmethod
    def read(cls, source: BinaryIO) -> tuple[Header, bytes]:
        fixed = source.read(_FIXED.size)
        if len(fixed) != _FIXED.size:
            raise EvidenceFormatError("not a Simpul evidence file: the header is cut short")
        magic, version, segment_size, id_len = _FIXED.unpack(fixed)
        if magic != MAGIC:
            raise EvidenceFormatError("not a Simpul evidence file: wrong magic bytes")
        if version != VERSION:
            raise EvidenceFormatError(f"unsupported evidence format version {version}")
        if not 1024 <= segment_size <= 16 * 1024 * 1024 or not 1 <= id_len <= 64:
            raise EvidenceFormatError("not a Simpul evidence file: implausible header values")
        rest = source.read(id_len + SALT_SIZE + NONCE_PREFIX_SIZE)
        if len(rest) != id_len + SALT_SIZE + NONCE_PREFIX_SIZE:
            raise EvidenceFormatError("not a Simpul evidence file: the header is cut short")
        try:
            key_id = rest[:id_len].decode("ascii")
        except UnicodeDecodeError:
            raise EvidenceFormatError("not a Simpul evidence file: the key id is not ASCII") from None
        header = cls(segment_size, key_id, rest[id_len : id_len + SALT_SIZE], rest[id_len + SALT_SIZE :])
        return header, fixed + rest


def _file_key(data_key: bytes, header: Header) -> AESGCM:
    if len(data_key) != 32:
        raise EvidenceFormatError("a data key is 32 bytes")
    info = HKDF_INFO + b"\x00" + header.key_id.encode("ascii")
    return AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=header.salt, info=info).derive(data_key))


def _nonce(header: Header, counter: int, last: bool) -> bytes:
    return header.nonce_prefix + struct.pack(">I", counter) + (b"\x01" if last else b"\x00")


class EncryptingWriter:
    """A write-only file object: plaintext in, evidence format out to `sink`, in constant memory.

    Also hashes the plaintext (SHA-256) and counts its bytes, which custody records need.
    `close()` seals the last segment; until then the output is not a valid file.
    """

    def __init__(self, sink: BinaryIO, data_key: bytes, key_id: str, segment_size: int = SEGMENT_SIZE) -> None:
        self.sink = sink
        self.header = Header(segment_size, key_id, secrets.token_bytes(SALT_SIZE), secrets.token_bytes(7))
        self.header_bytes = self.header.encode()
        self.aead = _file_key(data_key, self.header)
        self.sha256 = hashlib.sha256()
        self.size = 0
        self.counter = 0
        self.buffer = bytearray()
        self.closed = False
        sink.write(self.header_bytes)

    def writable(self) -> bool:
        return True

    def _emit(self, plaintext: bytes | bytearray | memoryview, last: bool) -> None:
        if self.counter >= MAX_SEGMENTS:
            raise EvidenceFormatError("file too large for the segment counter")
        nonce = _nonce(self.header, self.counter, last)
        self.sink.write(self.aead.encrypt(nonce, plaintext, self.header_bytes))
        self.counter += 1

    def write(self, data: bytes | bytearray | memoryview) -> int:
        if self.closed:
            raise ValueError("write to a closed evidence writer")
        self.sha256.update(data)
        self.size += len(data)
        view, size, pos = memoryview(data), self.header.segment_size, 0
        # The buffer holds at most one segment: a full one is kept back until more data shows
        # that it is not the last (only close() knows which segment is the last).
        while pos < len(view):
            if len(self.buffer) == size:
                self._emit(self.buffer, last=False)
                self.buffer = bytearray()
            take = min(size - len(self.buffer), len(view) - pos)
            self.buffer += view[pos : pos + take]
            pos += take
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._emit(self.buffer, last=True)
            self.buffer = bytearray()
            self.closed = True

    def __enter__(self) -> EncryptingWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()


def read_header(source: BinaryIO) -> Header:
    return Header.read(source)[0]


def decrypt_segments(source: BinaryIO, data_key: bytes) -> Iterator[bytes]:
    """Plaintext segment by segment. Each segment is released only once authenticated; the
    caller that must not release partial plaintext verifies the whole file first (`verify`)."""
    header, header_bytes = Header.read(source)
    aead = _file_key(data_key, header)
    chunk = header.segment_size + TAG_SIZE
    current = source.read(chunk)
    counter = 0
    while True:
        following = source.read(chunk) if len(current) == chunk else b""
        last = not following
        if len(current) < TAG_SIZE:
            raise EvidenceFormatError(f"segment {counter} is cut short: the file is truncated")
        try:
            yield aead.decrypt(_nonce(header, counter, last), current, header_bytes)
        except InvalidTag:
            raise EvidenceFormatError(
                f"segment {counter} failed authentication: the file was altered, truncated or reordered, "
                "or the key is wrong"
            ) from None
        if last:
            return
        counter += 1
        current = following


def verify(source: BinaryIO, data_key: bytes) -> tuple[str, int]:
    """Authenticate every segment without keeping plaintext: (SHA-256 hex, size)."""
    digest, size = hashlib.sha256(), 0
    for segment in decrypt_segments(source, data_key):
        digest.update(segment)
        size += len(segment)
    return digest.hexdigest(), size


def authenticate(source: BinaryIO, data_key: bytes) -> int:
    """Check every segment's tag (hence the whole file: order, length, content) without hashing
    or keeping plaintext; the plaintext size. Cheaper than `verify` before a download, which
    hashes as it streams."""
    return sum(len(segment) for segment in decrypt_segments(source, data_key))


def encrypted_size(plaintext_size: int, key_id: str, segment_size: int = SEGMENT_SIZE) -> int:
    """The stored size of a plaintext of this size (a full last segment stays full)."""
    segments = max(1, -(-plaintext_size // segment_size))
    header = _FIXED.size + len(key_id.encode("ascii")) + SALT_SIZE + NONCE_PREFIX_SIZE
    return header + plaintext_size + segments * TAG_SIZE
