"""Release evidence content: only whole, only verified, only to whom policy allows, audited."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from flask import current_app
from flask_babel import lazy_gettext as _l

from coordination.accounts.models import User
from coordination.audit.record import record
from coordination.core.context import keyring_holding_kek
from coordination.core.db import commit
from coordination.core.errors import Forbidden, IntegrityFailed, KeyUnavailable, ValidationFailed
from coordination.core.keys import KeyringError, unwrap_data_key
from coordination.evidence.access import may_see_category
from coordination.evidence.backend import evidence_store
from coordination.evidence.format import EvidenceFormatError, authenticate, decrypt_segments
from coordination.evidence.models import Evidence
from coordination.evidence.storage import StorageError
from coordination.policy import evidence_policy


def reason_problem(evidence: Evidence, reason: str | None) -> dict[str, str]:
    if evidence_policy().categories[evidence.category].reason_required and not (reason or "").strip():
        return {"reason": str(_l("State why you need this file; the reason is kept in the audit log."))}
    if reason and len(reason) > 500:
        return {"reason": str(_l("Write at most 500 characters."))}
    return {}


def open_content(actor: User, evidence: Evidence, reason: str | None) -> Iterator[bytes]:
    """The plaintext as an iterator of authenticated segments, released only after every segment
    of the file has been authenticated (so a truncated or altered file releases nothing). The
    SHA-256 recorded at upload is recomputed as the bytes stream; GCM has already bound them to
    what was encrypted at upload, so a mismatch can only mean a bug or a forged data key, and
    is recorded as an integrity failure. Records the access."""
    if not may_see_category(actor, evidence_policy().categories[evidence.category]):
        raise Forbidden(_l("You may not open evidence of this category."))
    problems = reason_problem(evidence, reason)
    if problems:
        raise ValidationFailed(_l("The file was not released."), problems)
    try:
        data_key = unwrap_data_key(
            keyring_holding_kek(evidence.kek_id), evidence.kek_id, evidence.wrapped_key, str(evidence.id)
        )
    except KeyringError as exc:
        record(actor, "evidence.key_unavailable", evidence, {"problem": str(exc)}, outcome="failure")
        commit()
        raise KeyUnavailable(_l("The key of this evidence file is not available; nothing was released.")) from exc
    store = evidence_store()
    try:
        with store.open(evidence.storage_name) as stored:
            size = authenticate(stored, data_key)
    except (EvidenceFormatError, StorageError) as exc:
        _damaged(actor, evidence, str(exc))
    if size != evidence.size:
        _damaged(actor, evidence, "content size does not match the custody record")
    record(actor, "evidence.download", evidence, {"reason": (reason or "").strip() or None})
    return _hashed_segments(store, evidence, data_key)


def _hashed_segments(store, evidence: Evidence, data_key: bytes) -> Iterator[bytes]:  # type: ignore[no-untyped-def]
    digest = hashlib.sha256()
    with store.open(evidence.storage_name) as stored:
        for segment in decrypt_segments(stored, data_key):
            digest.update(segment)
            yield segment
    if digest.hexdigest() != evidence.sha256:
        # Too late to hold back bytes already sent; loud in the log for the operator.
        current_app.logger.critical("evidence %s: streamed content does not match its recorded SHA-256", evidence.id)


def _damaged(actor: User, evidence: Evidence, problem: str) -> None:
    record(actor, "evidence.integrity_failed", evidence, {"problem": problem}, outcome="failure")
    commit()  # the refusal is answered with a rollback; the failed check must stay on record
    raise IntegrityFailed(_l("This evidence file failed its integrity check; nothing was released."))
