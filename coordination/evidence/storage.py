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
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

_NAME = re.compile(r"^[0-9a-f]{32}$")  # evidence ids (uuid4 hex): never a path from user input


class StorageError(RuntimeError):
    """The store refused or failed (disk full, read-only, missing object): nothing was stored."""


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
    def __init__(self, tmp: Path, final: Path) -> None:
        self.tmp, self.final = tmp, final
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            raise StorageError(f"cannot create an evidence file: {exc.strerror}") from None
        self.handle = os.fdopen(fd, "wb", buffering=1024 * 1024)

    def write(self, data: bytes) -> int:
        try:
            return self.handle.write(data)
        except OSError as exc:
            self.abandon()
            raise StorageError(f"cannot write the evidence file: {exc.strerror}") from None

    def finish(self) -> None:
        try:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()
            self.final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.tmp, self.final)
            _fsync_dir(self.final.parent)
        except OSError as exc:
            self.abandon()
            raise StorageError(f"cannot store the evidence file: {exc.strerror}") from None

    def abandon(self) -> None:
        with contextlib.suppress(OSError):
            self.handle.close()
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
            raise StorageError(f"cannot create an evidence file: {exc.strerror}") from None
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
