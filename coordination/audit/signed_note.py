"""C2SP signed notes with Ed25519 (https://c2sp.org/signed-note) and tlog checkpoints
(https://c2sp.org/tlog-checkpoint). Standalone: the offline verifier uses it too.

A checkpoint's text is three lines, each ending in a newline: the log's origin, the tree size
in decimal, the root hash in base64. The signed note adds a blank line and one signature line
per signer: an em dash, a space, the key name, a space, and base64 of the 4-byte key hash
followed by the 64-byte Ed25519 signature of the text.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = b"\x01"
DASH = "\u2014 "


def key_hash(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public_key).digest()[:4]


def public_bytes(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def verifier_key(name: str, public_key: bytes) -> str:
    """The note verifier key string: name+hexhash+base64(type || key)."""
    return f"{name}+{key_hash(name, public_key).hex()}+{base64.b64encode(ED25519 + public_key).decode()}"


def parse_verifier_key(vkey: str) -> tuple[str, bytes]:
    name, hexhash, encoded = vkey.split("+", 2)
    raw = base64.b64decode(encoded)
    if raw[:1] != ED25519 or len(raw) != 33 or key_hash(name, raw[1:]).hex() != hexhash:
        raise ValueError("not an Ed25519 note verifier key")
    return name, raw[1:]


def checkpoint_text(origin: str, size: int, root: bytes) -> str:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def signature_line(name: str, private_key: Ed25519PrivateKey, text: str) -> str:
    signature = private_key.sign(text.encode())
    return f"{DASH}{name} {base64.b64encode(key_hash(name, public_bytes(private_key)) + signature).decode()}\n"


def sign(text: str, name: str, private_key: Ed25519PrivateKey) -> str:
    return text + "\n" + signature_line(name, private_key, text)


def split_note(note: str) -> tuple[str, list[str]]:
    text, sep, signatures = note.partition("\n\n")
    if not sep:
        raise ValueError("a signed note has a blank line before its signatures")
    return text + "\n", [line + "\n" for line in signatures.splitlines() if line]


def verify_line(text: str, line: str, name: str, public_key: bytes) -> bool:
    if not line.startswith(DASH + name + " "):
        return False
    try:
        raw = base64.b64decode(line[len(DASH + name + " ") :].strip())
    except ValueError:
        return False
    if raw[:4] != key_hash(name, public_key):
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(raw[4:], text.encode())
    except InvalidSignature:
        return False
    return True


def verify_note(note: str, name: str, public_key: bytes) -> str:
    """The note's text if one of its lines is a valid signature by (name, key); else ValueError."""
    text, lines = split_note(note)
    if not any(verify_line(text, line, name, public_key) for line in lines):
        raise ValueError(f"no valid signature by {name}")
    return text


def parse_checkpoint(text: str) -> tuple[str, int, bytes]:
    lines = text.split("\n")
    if len(lines) < 4 or not lines[1].isdigit():
        raise ValueError("not a checkpoint")
    return lines[0], int(lines[1]), base64.b64decode(lines[2])
