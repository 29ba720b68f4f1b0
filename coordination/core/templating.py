"""Template helpers: policy labels in the current language, timestamps, QR codes."""

from __future__ import annotations

from datetime import datetime

import segno
from flask import Flask
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _

from coordination.policy import catalogue, role_policy


def _label(catalogue: str, name: str) -> str:
    entry = getattr(role_policy(), catalogue).get(name)
    return entry.get(str(get_locale())) if entry else name


def vocabulary_label(section: str, value: str | None) -> str:
    """The name of a catalogue value (typology, channel, province...) in the current language."""
    if value is None:
        return ""
    if section == "indicators":
        indicator = catalogue().indicators.get(value)
        return indicator.labels.get(str(get_locale())) if indicator else value
    entry = getattr(catalogue(), section).get(value)
    return entry.get(str(get_locale())) if entry else value


def init_templating(app: Flask) -> None:
    @app.template_filter("when")
    def when(value: datetime) -> str:
        return format_datetime(value, "yyyy-MM-dd HH:mm")

    @app.template_filter("qr_data_uri")
    def qr_data_uri(text: str) -> str:
        # A data: image rather than inline SVG markup: the CSP allows img-src data: only.
        return segno.make(text, error="m").svg_data_uri(scale=5, border=2)

    @app.context_processor
    def helpers() -> dict:
        from coordination.accounts.access import can
        from coordination.core.i18n import LANGUAGES

        outcomes = {"success": _("success"), "failure": _("failure"), "denied": _("denied")}
        statuses = {
            "new": _("new"),
            "in_review": _("in review"),
            "escalated": _("escalated"),
            "dismissed": _("dismissed"),
        }
        return {
            "can": can,
            "LANGUAGES": LANGUAGES,
            "current_locale": str(get_locale()),
            "kind_label": lambda k: _label("kinds", k),
            "role_label": lambda r: _label("roles", r),
            "permission_label": lambda p: _label("permissions", p),
            "outcome_label": lambda o: outcomes.get(o, o),
            "vocab": vocabulary_label,
            "status_label": lambda s: statuses.get(s, s),
        }
