"""The application's evidence store, chosen by configuration (local directory by default)."""

from __future__ import annotations

from flask import current_app

from coordination.evidence.storage import EvidenceStore


def evidence_store() -> EvidenceStore:
    return current_app.extensions["simpul.evidence_store"]
