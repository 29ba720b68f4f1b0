"""Where encrypted evidence files live: a local directory (default) or an S3-compatible store.

A file counts as evidence only once it is durable *and* its database row is committed. Writers
therefore write to a temporary name, make the bytes durable, and only then move them to their
final name; the caller commits the row after `finish()` returns. A crash in between leaves, at
worst, a finished file without a row: `evidence fsck` lists and removes such orphans. Every
byte written here is already ciphertext (see format.py): nothing in this module sees plaintext.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

_NAME = re.compile(r"^[0-9a-f]{32}$")  # evidence ids (uuid4 hex): never a path from user input


class StorageError(RuntimeError):
    """The store refused or failed (disk full, read-only, missing object): nothing was stored.

    `errno` is the operating system's reason when there is one (ENOSPC, EROFS, ...), so that
    the upload can answer "store full" apart from "store read-only".
    """

    def __init__(self, message: str, errno: int | None = None) -> None:
        super().__init__(message)
        self.errno = errno


class PendingFile(Protocol):
    def write(self, data: bytes) -> int: ...

    def finish(self) -> None:
        """Make the file durable under its final name."""

    def abandon(self) -> None:
        """Remove whatever was written; the name stays free."""


class EvidenceStore(Protocol):
    def create(self, name: str) -> PendingFile: ...

    def open(self, name: str) -> BinaryIO: ...

    def delete(self, name: str) -> None: ...

    def names(self) -> Iterator[str]: ...

    def pending(self) -> Iterator[str]:
        """Leftovers of writes that never finished (a crash mid-upload)."""

    def remove_pending(self, name: str) -> None: ...

    def age_seconds(self, name: str) -> float:
        """How long ago the stored file was last written."""


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise StorageError(f"not an evidence file name: {name!r}")
    return name


class _LocalPending:
    """A temporary file written by a helper thread, so that the disk works while the caller
    encrypts the next segments (a bounded queue keeps memory flat: at most QUEUE chunks)."""

    QUEUE = 16
    # Flushing as we go keeps dirty pages few: one fsync of a whole large file at the end made
    # the kernel throttle writers and cost more than the encryption (docs/performance.md).
    SYNC_EVERY = 32 * 1024 * 1024

    def __init__(self, tmp: Path, final: Path) -> None:
        self.tmp, self.final = tmp, final
        try:
            self.fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            raise StorageError(f"cannot create an evidence file: {exc.strerror}", exc.errno) from None
        self.queue: queue.Queue[bytes | None] = queue.Queue(self.QUEUE)
        self.failure: OSError | None = None
        self.thread = threading.Thread(target=self._drain, name="evidence-writer", daemon=True)
        self.thread.start()
        self.closed = False

    def _drain(self) -> None:
        unsynced = 0
        while (data := self.queue.get()) is not None:
            if self.failure is None:
                try:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(self.fd, view) :]
                    unsynced += len(data)
                    if unsynced >= self.SYNC_EVERY:
                        os.fdatasync(self.fd)
                        unsynced = 0
                except OSError as exc:
                    self.failure = exc

    def _stop(self) -> None:
        if not self.closed:
            self.closed = True
            self.queue.put(None)
            self.thread.join()

    def write(self, data: bytes) -> int:
        if self.failure is not None:
            failure = self.failure
            self.abandon()
            raise StorageError(f"cannot write the evidence file: {failure.strerror}", failure.errno)
        self.queue.put(bytes(data))
        return len(data)

    def finish(self) -> None:
        self._stop()
        try:
            if self.failure is not None:
                raise self.failure
            os.fsync(self.fd)
            os.close(self.fd)
            self.fd = -1
            self.final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.tmp, self.final)
            _fsync_dir(self.final.parent)
        except OSError as exc:
            self.abandon()
            raise StorageError(f"cannot store the evidence file: {exc.strerror}", exc.errno) from None

    def abandon(self) -> None:
        self._stop()
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = -1
        self.tmp.unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalStore:
    """Files under `root`, fanned out by the first two bytes of the name (no huge directories)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp_dir = root / "tmp"

    def _path(self, name: str) -> Path:
        check_name(name)
        return self.root / name[:2] / name[2:4] / f"{name}.smev"

    def create(self, name: str) -> _LocalPending:
        final = self._path(name)
        if final.exists():
            raise StorageError(f"evidence file {name} already exists")
        try:
            self.tmp_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise StorageError(f"cannot create an evidence file: {exc.strerror}", exc.errno) from None
        return _LocalPending(self.tmp_dir / f"{name}.{secrets.token_hex(4)}.part", final)

    def open(self, name: str) -> BinaryIO:
        try:
            return open(self._path(name), "rb")
        except FileNotFoundError:
            raise StorageError(f"evidence file {name} is missing from the store") from None

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def names(self) -> Iterator[str]:
        for path in sorted(self.root.glob("??/??/*.smev")):
            if _NAME.fullmatch(path.stem):
                yield path.stem

    def pending(self) -> Iterator[str]:
        if self.tmp_dir.exists():
            yield from sorted(p.name for p in self.tmp_dir.glob("*.part"))

    def remove_pending(self, name: str) -> None:
        if "/" not in name and name.endswith(".part"):
            (self.tmp_dir / name).unlink(missing_ok=True)

    def age_seconds(self, name: str) -> float:
        return time.time() - self._path(name).stat().st_mtime
