"""Which policy files the platform runs under, recorded in the audit log when they change.

A referral already records the redaction and evidence policy versions it was sent under; this
records the moment each file changed (its SHA-256 and its declared `version`), so an auditor can
tell which rules were in force at any event. `flask --app app init`, which every deployment and
every policy change runs, calls `record_policy_changes`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import yaml
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from coordination.audit.models import AuditEvent, AuditTreeHead
from coordination.audit.record import record


def policy_files(policies_dir: Path) -> list[Path]:
    """Every policy file: a new one is covered without a change here."""
    return sorted(policies_dir.glob("*.yaml"))


def fingerprints(policies_dir: Path) -> dict[str, dict[str, str | None]]:
    """{file name: {"sha256", "version"}} of the policy files as they are on disk now."""
    found: dict[str, dict[str, str | None]] = {}
    for path in policy_files(policies_dir):
        name = path.name
        content = path.read_bytes()
        document = yaml.safe_load(content)
        version = document.get("version") if isinstance(document, dict) else None
        found[name] = {
            "sha256": hashlib.sha256(content).hexdigest(),
            "version": None if version is None else str(version),
        }
    return found


def _last_recorded(session: Session, name: str) -> dict | None:
    detail = session.scalar(
        select(AuditEvent.detail)
        .where(AuditEvent.action == "policy.change", AuditEvent.object_type == "policy", AuditEvent.object_id == name)
        .order_by(AuditEvent.leaf_index.desc())
        .limit(1)
    )
    return None if detail is None else json.loads(detail)


def record_policy_changes(session: Session, policies_dir: Path) -> list[str]:
    """Record a `policy.change` event for each file whose content differs from the last one
    recorded; returns the changed file names. Holds the audit tree head's lock while it compares,
    so instances starting together record a change once."""
    session.execute(update(AuditTreeHead).where(AuditTreeHead.id == 1).values(size=AuditTreeHead.size))
    changed = []
    for name, now in fingerprints(policies_dir).items():
        before = _last_recorded(session, name)
        if before is not None and before.get("sha256") == now["sha256"]:
            continue
        detail = {
            **now,
            "previous_sha256": before and before.get("sha256"),
            "previous_version": before and before.get("version"),
        }
        record(None, "policy.change", ("policy", name), detail, session=session)
        changed.append(name)
    return changed
