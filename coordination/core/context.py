"""Accessors for what `create_app` put on the application: configuration and keyring."""

from __future__ import annotations

from flask import current_app

from coordination.config import Config
from coordination.core.keys import Keyring


def config() -> Config:
    return current_app.extensions["simpul.config"]


def keyring() -> Keyring:
    return current_app.extensions["simpul.keyring"]
