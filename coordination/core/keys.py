"""The keyring and every use of secret key material: the one narrow crypto module.

The keyring lives outside the database (a JSON file of mode 0600 by default, behind the
`KeyProvider` interface so that a KMS or Vault transit can take its place). Nothing else in the
code base touches a key: other modules call `seal`/`unseal` for small secrets kept in the
database (TOTP seeds), `keyed_hash` for values looked up by hash (API tokens, session ids,
recovery codes), `flask_secret` for cookie signing, and `wrap_data_key`/`unwrap_data_key` for
the per-file keys of evidence (wrapped by key-encryption keys, which rotate).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from coordination.core.files import atomic_file

FORMAT = "simpul-keyring/1"
SEAL_VERSION = b"\x01"


class KeyringError(RuntimeError):
    """The keyring is missing, unreadable or lacks a key that data needs. The app must not start."""


@dataclass(frozen=True)
class Keyring:
    root: bytes
    field_keys: dict[str, bytes]
    active_field_key: str
    # Key-encryption keys for evidence data keys; older keyring files have none until
    # `keys rotate` adds the first.
    keks: dict[str, bytes] = field(default_factory=dict)
    active_kek: str | None = None

    def kek(self, key_id: str) -> bytes:
        try:
            return self.keks[key_id]
        except KeyError:
            raise KeyringError(f"keyring has no key-encryption key {key_id!r}") from None

    def with_new_kek(self) -> Keyring:
        """A copy with a fresh key-encryption key, made the active one."""
        number = 1 + max((int(k[1:]) for k in self.keks if k[1:].isdigit()), default=0)
        key_id = f"k{number}"
        return replace(self, keks={**self.keks, key_id: secrets.token_bytes(32)}, active_kek=key_id)

    def without_kek(self, key_id: str) -> Keyring:
        if key_id == self.active_kek:
            raise KeyringError(f"{key_id} is the active key-encryption key; rotate first")
        self.kek(key_id)
        return replace(self, keks={k: v for k, v in self.keks.items() if k != key_id})

    def derive(self, purpose: str) -> bytes:
        """A 32-byte key for one purpose, so that no two uses ever share key material."""
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(self.root)

    def field_key(self, key_id: str) -> bytes:
        try:
            return self.field_keys[key_id]
        except KeyError:
            raise KeyringError(f"keyring has no field key {key_id!r}") from None


class KeyProvider(Protocol):
    def load(self) -> Keyring: ...

    def exists(self) -> bool: ...

    def create(self) -> Keyring: ...

    def save(self, keyring: Keyring) -> None: ...


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str, what: str) -> bytes:
    try:
        value = base64.b64decode(text, validate=True)
    except (ValueError, TypeError):
        raise KeyringError(f"{what} is not valid base64") from None
    if len(value) != 32:
        raise KeyringError(f"{what} must be 32 bytes, found {len(value)}")
    return value


class FileKeyProvider:
    """A keyring kept in a local file readable by the service account only."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> Keyring:
        if not self.path.exists():
            raise KeyringError(f"keyring file {self.path} is missing")
        mode = stat.S_IMODE(self.path.stat().st_mode)
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyringError(
                f"keyring file {self.path} has mode {mode:o}; it must be readable by its owner only (chmod 600)"
            )
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError) as exc:
            raise KeyringError(f"keyring file {self.path} cannot be read: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise KeyringError(f"keyring file {self.path} is not a {FORMAT} file")
        try:
            field_keys = {str(k): _unb64(v, f"field key {k}") for k, v in dict(data["field_keys"]).items()}
            keks = {str(k): _unb64(v, f"key-encryption key {k}") for k, v in dict(data.get("keks", {})).items()}
            keyring = Keyring(
                root=_unb64(data["root"], "root key"),
                field_keys=field_keys,
                active_field_key=str(data["active_field_key"]),
                keks=keks,
                active_kek=data.get("active_kek"),
            )
            keyring.field_key(keyring.active_field_key)
            if keyring.active_kek is not None:
                keyring.kek(keyring.active_kek)
        except KeyError as exc:
            raise KeyringError(f"keyring file {self.path} lacks {exc.args[0]!r}") from None
        except KeyringError as exc:  # name the file: an operator may keep several keyrings
            raise KeyringError(f"keyring file {self.path}: {exc}") from None
        return keyring

    def create(self) -> Keyring:
        keyring = Keyring(
            root=secrets.token_bytes(32),
            field_keys={"f1": secrets.token_bytes(32)},
            active_field_key="f1",
        ).with_new_kek()
        self.save(keyring)
        return keyring

    def save(self, keyring: Keyring) -> None:
        document = {
            "format": FORMAT,
            "root": _b64(keyring.root),
            "field_keys": {k: _b64(v) for k, v in keyring.field_keys.items()},
            "active_field_key": keyring.active_field_key,
            "keks": {k: _b64(v) for k, v in keyring.keks.items()},
            "active_kek": keyring.active_kek,
        }
        write_private_file(self.path, json.dumps(document, indent=2).encode())


def write_private_file(path: Path, content: bytes) -> None:
    """Write atomically with mode 0600 from the first byte."""
    with atomic_file(path) as handle:
        handle.write(content)


def seal(keyring: Keyring, plaintext: bytes, context: str) -> bytes:
    """Encrypt a small secret for storage in the database.

    Layout: version (1) | key-id length (1) | key id | nonce (12) | AES-256-GCM ciphertext.
    `context` (e.g. "user:42:totp") is bound as associated data so a sealed value cannot be
    moved to another row or column.
    """
    key_id = keyring.active_field_key.encode()
    nonce = secrets.token_bytes(12)
    ciphertext = AESGCM(keyring.field_key(keyring.active_field_key)).encrypt(nonce, plaintext, context.encode())
    return SEAL_VERSION + bytes([len(key_id)]) + key_id + nonce + ciphertext


def unseal(keyring: Keyring, blob: bytes, context: str) -> bytes:
    if not blob or blob[:1] != SEAL_VERSION:
        raise KeyringError("sealed value has an unknown format version")
    id_len = blob[1]
    key_id = blob[2 : 2 + id_len].decode()
    nonce = blob[2 + id_len : 14 + id_len]
    ciphertext = blob[14 + id_len :]
    return AESGCM(keyring.field_key(key_id)).decrypt(nonce, ciphertext, context.encode())


def _data_key_aad(evidence_id: str) -> bytes:
    return f"simpul-evidence-key/1:{evidence_id}".encode()


def wrap_data_key(keyring: Keyring, data_key: bytes, evidence_id: str) -> tuple[str, bytes]:
    """(KEK id, nonce | ciphertext | tag). Bound to the evidence id: moved, it does not open."""
    if keyring.active_kek is None:
        raise KeyringError("the keyring has no key-encryption key: run `flask --app app keys rotate` once")
    nonce = secrets.token_bytes(12)
    wrapped = AESGCM(keyring.kek(keyring.active_kek)).encrypt(nonce, data_key, _data_key_aad(evidence_id))
    return keyring.active_kek, nonce + wrapped


def unwrap_data_key(keyring: Keyring, kek_id: str, wrapped: bytes, evidence_id: str) -> bytes:
    try:
        return AESGCM(keyring.kek(kek_id)).decrypt(wrapped[:12], wrapped[12:], _data_key_aad(evidence_id))
    except InvalidTag:
        raise KeyringError(f"the data key of evidence {evidence_id} does not open under {kek_id}") from None


def keyed_hash(keyring: Keyring, purpose: str, value: str) -> str:
    """HMAC-SHA256 under a purpose key: a stolen database alone cannot test guesses."""
    return hmac.new(keyring.derive(f"hash:{purpose}"), value.encode(), hashlib.sha256).hexdigest()


def flask_secret(keyring: Keyring) -> bytes:
    return keyring.derive("flask-session-signing")


CHECK_CONSTANT = b"simpul-keyring-check/1"


def check_values(keyring: Keyring) -> dict[str, str]:
    """A key check value per key ("root", "field:f1", "kek:k1"): HMAC-SHA256 of a constant.

    Stored in the database (`keyring_checks`) so that start-up can tell a missing or replaced
    keyring from the right one, naming the key. A check value reveals nothing usable about a
    256-bit key; the key itself never leaves this module.
    """
    keys = {"root": keyring.root}
    keys.update({f"field:{k}": v for k, v in keyring.field_keys.items()})
    keys.update({f"kek:{k}": v for k, v in keyring.keks.items()})
    return {name: hmac.new(key, CHECK_CONSTANT, hashlib.sha256).hexdigest() for name, key in keys.items()}


def describe_key(name: str) -> str:
    """The key named for messages an operator acts on: "kek:k1" is "key-encryption key k1"."""
    kind, _, key_id = name.partition(":")
    label = {"root": "root key", "field": "field key", "kek": "key-encryption key"}.get(kind, kind)
    return f"{label} {key_id}" if key_id else label
