"""Check a court export with no database and no platform: `python -m coordination.evidence.verify_export DIR`.

An export holds `manifest.json` (the case's evidence items with their SHA-256, size and custody
history), `manifest.sig` (a detached Ed25519 signature of the manifest's exact bytes, base64),
`signing-key.pub` (the platform's public key, PEM) and the files under `files/`. The check:
the signature verifies under the public key (given with --public-key, or the one in the export
whose fingerprint the court compares with the one the platform operator published), and every
file listed has exactly the recorded size and SHA-256. Exit 0 with a one-line summary, or 1
naming the first problem. Only the `cryptography` package is needed.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key


def fingerprint(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "SHA256:" + base64.b64encode(hashlib.sha256(raw).digest()).decode().rstrip("=")


def verify_export(directory: Path, public_key_path: Path | None = None) -> str:
    """A one-line summary when intact; raises ValueError naming the first problem."""
    manifest_bytes = (directory / "manifest.json").read_bytes()
    key_pem = (public_key_path or directory / "signing-key.pub").read_bytes()
    public_key = load_pem_public_key(key_pem)
    if not isinstance(public_key, Ed25519PublicKey):
        raise ValueError("the public key is not an Ed25519 key")
    try:
        public_key.verify(base64.b64decode((directory / "manifest.sig").read_text()), manifest_bytes)
    except (InvalidSignature, ValueError):
        raise ValueError("manifest.json: the signature does not verify; the manifest was altered") from None
    manifest = json.loads(manifest_bytes)
    for item in manifest["items"]:
        path = directory / item["file"]
        if not path.resolve().is_relative_to(directory.resolve()) or not path.is_file():
            raise ValueError(f"{item['file']}: missing")
        digest, size = hashlib.sha256(), 0
        with open(path, "rb") as handle:
            while chunk := handle.read(1024 * 1024):
                digest.update(chunk)
                size += len(chunk)
        if size != item["size"] or digest.hexdigest() != item["sha256"]:
            raise ValueError(f"{item['file']}: content differs from the manifest (size or SHA-256)")
    return (
        f"intact: case {manifest['case_id']}, {len(manifest['items'])} files, signed by key "
        f"{fingerprint(public_key)} at {manifest['exported_at']}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a Simpul evidence court export offline.")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--public-key", type=Path, help="the platform's published public key (PEM)")
    args = parser.parse_args(argv)
    try:
        print(verify_export(args.directory, args.public_key))
    except (ValueError, OSError, KeyError) as exc:
        print(f"NOT INTACT: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
