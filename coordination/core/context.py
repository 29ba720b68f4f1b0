"""Accessors for what `create_app` put on the application: configuration and keyring."""

from __future__ import annotations

from flask import current_app

from coordination.config import Config
from coordination.core.keys import KeyProvider, Keyring


def config() -> Config:
    return current_app.extensions["simpul.config"]


def keyring() -> Keyring:
    return current_app.extensions["simpul.keyring"]


def key_provider() -> KeyProvider:
    return current_app.extensions["simpul.key_provider"]


def keyring_holding_kek(kek_id: str) -> Keyring:
    """The keyring, re-read once if it lacks `kek_id`: another process may have rotated keys
    since this one started (several instances share one keyring)."""
    current = keyring()
    if kek_id not in current.keks:
        current = key_provider().load()
        current_app.extensions["simpul.keyring"] = current
    return current
