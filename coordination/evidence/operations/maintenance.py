"""Operator work on evidence: rotate and retire key-encryption keys, check the store (fsck).

Rotation re-wraps every data key under a new key-encryption key without touching any file:
the new key is written to the keyring first (durably), then the rows are re-wrapped in
batches, each batch committed, so an interrupted rotation is finished by running it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select

from coordination.audit.record import record
from coordination.core.context import key_provider
from coordination.core.db import commit, get_session
from coordination.core.errors import Conflict
from coordination.core.keyring_check import forget_key, record_new_keys
from coordination.core.keys import unwrap_data_key, wrap_data_key
from coordination.evidence.backend import evidence_store
from coordination.evidence.format import EvidenceFormatError, verify
from coordination.evidence.models import Evidence
from coordination.evidence.storage import StorageError

BATCH = 500
ORPHAN_GRACE_SECONDS = 15 * 60  # an upload finishing right now has a file and, a moment later, a row


def rotate_keys() -> tuple[str, int]:
    """Add a key-encryption key, make it active, re-wrap every data key under it."""
    provider = key_provider()
    old = provider.load()
    new = old.with_new_kek()
    provider.save(new)
    current_app.extensions["simpul.keyring"] = new
    assert new.active_kek is not None
    session = get_session()
    rewrapped = 0
    while True:
        batch = list(
            session.scalars(
                select(Evidence).where(Evidence.kek_id != new.active_kek).order_by(Evidence.id).limit(BATCH)
            )
        )
        if not batch:
            break
        for evidence in batch:
            data_key = unwrap_data_key(new, evidence.kek_id, evidence.wrapped_key, str(evidence.id))
            evidence.kek_id, evidence.wrapped_key = wrap_data_key(new, data_key, str(evidence.id))
        rewrapped += len(batch)
        commit()
    record_new_keys(session.connection(), new)
    record(None, "keys.rotate", None, {"new_kek": new.active_kek, "rewrapped": rewrapped})
    commit()
    return new.active_kek, rewrapped


def retire_key(key_id: str) -> None:
    """Remove a key-encryption key from the keyring; refused while anything is wrapped under it."""
    provider = key_provider()
    keyring = provider.load()
    if key_id == keyring.active_kek:
        raise Conflict(f"{key_id} is the active key-encryption key; run `keys rotate` first")
    in_use = get_session().scalar(select(func.count(Evidence.id)).where(Evidence.kek_id == key_id)) or 0
    if in_use:
        raise Conflict(f"{in_use} evidence data keys are still wrapped under {key_id}; run `keys rotate` first")
    retired = keyring.without_kek(key_id)
    provider.save(retired)
    current_app.extensions["simpul.keyring"] = retired
    forget_key(get_session().connection(), f"kek:{key_id}")
    record(None, "keys.retire", None, {"kek": key_id})
    commit()


@dataclass
class FsckReport:
    checked: int = 0
    orphans: list[str] = field(default_factory=list)  # files with no row: never counted as evidence
    young_orphans: list[str] = field(default_factory=list)  # perhaps an upload finishing now
    pending: list[str] = field(default_factory=list)  # half-written uploads
    missing: list[str] = field(default_factory=list)  # rows whose file is gone
    damaged: list[str] = field(default_factory=list)  # files failing verification

    @property
    def clean(self) -> bool:
        return not (self.orphans or self.pending or self.missing or self.damaged)


def fsck(*, repair: bool = False, verify_content: bool = False) -> FsckReport:
    """Compare the store with the evidence rows. `repair` removes orphans and half-written
    uploads (never a file that has a row); `verify_content` decrypts and hashes every file."""
    from coordination.core.context import keyring_holding_kek

    store = evidence_store()
    report = FsckReport()
    rows = {e.storage_name: e for e in get_session().scalars(select(Evidence))}
    stored = set(store.names())
    for name in sorted(stored - rows.keys()):
        (report.orphans if store.age_seconds(name) >= ORPHAN_GRACE_SECONDS else report.young_orphans).append(name)
    report.pending = list(store.pending())
    report.missing = sorted(rows.keys() - stored)
    for name in sorted(stored & rows.keys()):
        report.checked += 1
        if not verify_content:
            continue
        evidence = rows[name]
        try:
            data_key = unwrap_data_key(
                keyring_holding_kek(evidence.kek_id), evidence.kek_id, evidence.wrapped_key, str(evidence.id)
            )
            with store.open(name) as handle:
                if verify(handle, data_key) != (evidence.sha256, evidence.size):
                    report.damaged.append(name)
        except (EvidenceFormatError, StorageError):
            report.damaged.append(name)
    if repair:
        for name in report.orphans:
            store.delete(name)
        for name in report.pending:
            store.remove_pending(name)
        record(None, "evidence.fsck_repair", None, {"orphans": report.orphans, "pending": report.pending})
        commit()
        report.orphans, report.pending = [], []
    return report
