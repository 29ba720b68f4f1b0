"""Evidence encryption and decryption throughput, and memory, against raw AES-256-GCM + SHA-256.

Streams SIZE bytes (default 1 GiB) of random data through the evidence writer into a file,
then authenticates and decrypts it back (as a download does: `authenticate` the whole file,
then stream the segments hashing them),
and compares with the same bytes run through AESGCM.encrypt on 64 KiB segments plus SHA-256 in
the same process. Peak resident memory is read from /proc/self/status (VmHWM) after each phase.

    .venv/bin/python -m benchmarks.evidence [--size-mib 1024] [--rounds 3]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from coordination.evidence.format import SEGMENT_SIZE, EncryptingWriter, authenticate, decrypt_segments
from coordination.evidence.storage import LocalStore

CHUNK = 256 * 1024  # what the upload reader hands over at a time


def rss_peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def source(total: int):  # type: ignore[no-untyped-def]
    block = secrets.token_bytes(CHUNK)  # one random block, repeated: generating 1 GiB would dominate
    sent = 0
    while sent < total:
        piece = block[: min(CHUNK, total - sent)]
        sent += len(piece)
        yield piece


def raw_baseline(total: int) -> float:
    aead, digest, nonce = AESGCM(secrets.token_bytes(32)), hashlib.sha256(), secrets.token_bytes(12)
    start = time.perf_counter()
    buffer = bytearray()
    for piece in source(total):
        digest.update(piece)
        buffer += piece
        while len(buffer) >= SEGMENT_SIZE:
            aead.encrypt(nonce, bytes(buffer[:SEGMENT_SIZE]), None)
            del buffer[:SEGMENT_SIZE]
    aead.encrypt(nonce, bytes(buffer), None)
    digest.hexdigest()
    return time.perf_counter() - start


class _Discard:
    def write(self, data: bytes) -> int:
        return len(data)


def encrypt_only(total: int, key: bytes) -> float:
    """The writer's own cost: the same work as the baseline plus the format, no storage."""
    start = time.perf_counter()
    writer = EncryptingWriter(_Discard(), key, "bench")  # type: ignore[arg-type]
    for piece in source(total):
        writer.write(piece)
    writer.close()
    return time.perf_counter() - start


def plain_durable_write(directory: Path, total: int) -> float:
    """The storage ceiling: the same bytes written unencrypted, synced as the store does."""
    path = directory / "plain.bin"
    start = time.perf_counter()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    unsynced = 0
    for piece in source(total):
        os.write(fd, piece)
        unsynced += len(piece)
        if unsynced >= 32 * 1024 * 1024:
            os.fdatasync(fd)
            unsynced = 0
    os.fsync(fd)
    os.close(fd)
    elapsed = time.perf_counter() - start
    path.unlink()
    return elapsed


def encrypt_to(store: LocalStore, name: str, total: int, key: bytes) -> float:
    """The upload path: the evidence writer into the local store's pending file, made durable."""
    start = time.perf_counter()
    pending = store.create(name)
    writer = EncryptingWriter(pending, key, name)  # type: ignore[arg-type]
    for piece in source(total):
        writer.write(piece)
    writer.close()
    pending.finish()
    return time.perf_counter() - start


def download_from(path: Path, key: bytes) -> float:
    start = time.perf_counter()
    with open(path, "rb") as stored:
        authenticate(stored, key)
    digest = hashlib.sha256()
    with open(path, "rb") as stored:
        for segment in decrypt_segments(stored, key):
            digest.update(segment)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    total = args.size_mib * 1024 * 1024
    key = secrets.token_bytes(32)
    store = LocalStore(Path(tempfile.mkdtemp(prefix="simpul-evidence-bench-")))
    start_rss = rss_peak_mib()
    raw, only, enc, dec, disk = [], [], [], [], []
    for _ in range(args.rounds):
        raw.append(raw_baseline(total))
        disk.append(plain_durable_write(store.root, total))
        only.append(encrypt_only(total, key))
        name = uuid.uuid4().hex
        enc.append(encrypt_to(store, name, total, key))
        dec.append(download_from(next(store.root.glob(f"??/??/{name}.smev")), key))
        store.delete(name)
    mib = total / 1024 / 1024

    def rate(seconds: list[float]) -> float:
        return mib / statistics.median(seconds)

    print(
        f"{args.size_mib} MiB, {args.rounds} rounds, medians; "
        f"peak RSS {rss_peak_mib():.0f} MiB (at start {start_rss:.0f})"
    )
    print(f"raw AES-256-GCM (64 KiB) + SHA-256, in memory : {rate(raw):8.0f} MiB/s")
    print(f"plain durable write of the bytes (no crypto)  : {rate(disk):8.0f} MiB/s  (the disk's ceiling)")
    print(
        f"evidence writer alone, no storage             : {rate(only):8.0f} MiB/s "
        f" ({rate(only) / rate(raw):.0%} of raw)"
    )
    print(
        f"upload: writer into the local store, durable  : {rate(enc):8.0f} MiB/s  ({rate(enc) / rate(raw):.0%} of raw)"
    )
    print(
        f"download: authenticate whole file, then stream: {rate(dec):8.0f} MiB/s  ({rate(dec) / rate(raw):.0%} of raw;"
        f" two passes, {2 * rate(dec) / rate(raw):.0%} per pass)"
    )


if __name__ == "__main__":
    main()
