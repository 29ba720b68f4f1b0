"""Language: Bahasa Indonesia by default, English second; chosen per session or per user."""

from __future__ import annotations

from flask import has_request_context, session
from flask_login import current_user

LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}


def select_locale() -> str:
    from coordination.core.context import config

    if not has_request_context():  # CLI commands and background work speak the default
        return config().default_locale
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in LANGUAGES:
        return current_user.locale
    return config().default_locale
