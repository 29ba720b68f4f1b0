"""Template helpers: policy labels in the current language, timestamps, QR codes."""

from __future__ import annotations

from datetime import datetime

import segno
from flask import Flask
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l

from coordination.policy import catalogue, evidence_policy, redaction_policy, role_policy

# Names of fixed workflow values, translated when a page is rendered.
OUTCOMES = {"success": _l("success"), "failure": _l("failure"), "denied": _l("denied")}
ALERT_STATUSES = {
    "new": _l("new"),
    "in_review": _l("in review"),
    "escalated": _l("escalated"),
    "dismissed": _l("dismissed"),
}
PURPOSES = {
    "analysis": _l("analysis"),
    "investigation": _l("investigation"),
    "victim_protection": _l("victim protection"),
    "victim_support": _l("victim support"),
    "information": _l("information"),
}
REFERRAL_STATUSES = {
    "sent": _l("sent"),
    "accepted": _l("accepted"),
    "declined": _l("declined"),
    "closed": _l("closed"),
    "revoked": _l("revoked"),
}
REFERRAL_ACTIONS = {
    "send": _l("sent"),
    "accept": _l("Accept"),
    "decline": _l("Decline"),
    "request_info": _l("Request more information"),
    "update": _l("Send a status update"),
    "close": _l("Close"),
    "revoke": _l("Revoke"),
    "reply": _l("Answer the recipient"),
    "follow_up": _l("Follow-up referral sent"),
}

SCREENING_STATUSES = {
    "queued": _l("queued"),
    "running": _l("screening"),
    "done": _l("finished"),
    "failed": _l("failed"),
    "discarded": _l("discarded"),
}

EVIDENCE_ACTIONS = {
    "upload": _l("uploaded"),
    "view": _l("details viewed"),
    "download": _l("downloaded"),
    "export": _l("exported"),
    "rewrap": _l("key re-wrapped"),
}


def _policy_label(entries: dict, name: str) -> str:
    entry = entries.get(name)
    return entry.labels.get(str(get_locale())) if entry else name


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

        return {
            "can": can,
            "LANGUAGES": LANGUAGES,
            "current_locale": str(get_locale()),
            "kind_label": lambda k: _label("kinds", k),
            "role_label": lambda r: _label("roles", r),
            "permission_label": lambda p: _label("permissions", p),
            "outcome_label": lambda o: str(OUTCOMES.get(o, o)),
            "vocab": vocabulary_label,
            "purpose_label": lambda p: str(PURPOSES.get(p, p)),
            "referral_status_label": lambda s: str(REFERRAL_STATUSES.get(s, s)),
            "referral_action_label": lambda a: str(REFERRAL_ACTIONS.get(a, a)),
            "redaction_classes": lambda: redaction_policy().classes,
            "evidence_category_label": lambda c: _policy_label(evidence_policy().categories, c),
            "evidence_action_label": lambda a: str(EVIDENCE_ACTIONS.get(a, a)),
            "status_label": lambda s: str(ALERT_STATUSES.get(s, s)),
            "screening_status_label": lambda s: str(SCREENING_STATUSES.get(s, s)),
        }
