"""Receive an evidence file: encrypt it as it arrives, check it, make it durable, then record it.

Order matters for custody: the bytes are encrypted before they touch the disk, the file is
durable before its row exists, and the row and its audit event are written in one transaction
by the caller's commit. A refused or failed upload leaves nothing that counts as evidence.
"""

from __future__ import annotations

import secrets
import uuid

from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import RequestEntityTooLarge

from coordination.accounts.models import User
from coordination.audit.record import record
from coordination.cases.models import Case
from coordination.core.context import keyring
from coordination.core.db import get_session
from coordination.core.errors import KeyUnavailable, ValidationFailed
from coordination.core.keys import KeyringError, wrap_data_key
from coordination.core.sealing import seal_json
from coordination.evidence.access import may_see_category
from coordination.evidence.format import VERSION, EncryptingWriter
from coordination.evidence.models import Evidence
from coordination.evidence.sniff import HEAD_BYTES, detect_content_type, sanitise_filename
from coordination.evidence.storage import EvidenceStore
from coordination.policy import evidence_policy


class IncomingFile:
    """An upload being received: encrypted into a pending store file as its bytes arrive."""

    def __init__(self, store: EvidenceStore, filename: str | None, max_bytes: int) -> None:
        self.id = uuid.uuid4()
        self.filename = sanitise_filename(filename)
        self.max_bytes = max_bytes
        self.data_key = secrets.token_bytes(32)
        self.pending = store.create(self.id.hex)
        self.writer = EncryptingWriter(self.pending, self.data_key, self.id.hex)  # type: ignore[arg-type]
        self.head = bytearray()
        self.open = True

    def write(self, data: bytes) -> None:
        if len(self.head) < HEAD_BYTES:
            self.head += data[: HEAD_BYTES - len(self.head)]
        if self.writer.size + len(data) > self.max_bytes:
            self.abandon()
            raise RequestEntityTooLarge(f"An evidence file may be at most {self.max_bytes} bytes.")
        self.writer.write(data)

    @property
    def size(self) -> int:
        return self.writer.size

    @property
    def sha256(self) -> str:
        return self.writer.sha256.hexdigest()

    def abandon(self) -> None:
        if self.open:
            self.open = False
            self.pending.abandon()


def store_evidence(actor: User, case: Case, incoming: IncomingFile, category: str, description: str) -> Evidence:
    """Check and keep the received file as evidence of `case`; the caller commits."""
    policy = evidence_policy()
    problems: dict[str, str] = {}
    chosen = policy.categories.get(category)
    if chosen is None:
        problems["category"] = str(_l("Choose one of: %(names)s.", names=", ".join(policy.categories)))
    elif not may_see_category(actor, chosen):
        problems["category"] = str(_l("Your organisation may not hold evidence of this category."))
    if len(description) > 2000:
        problems["description"] = str(_l("Write at most 2000 characters."))
    incoming.writer.close()
    content_type = detect_content_type(bytes(incoming.head))
    if incoming.size == 0:
        problems["file"] = str(_l("The file is empty."))
    elif chosen is not None and content_type not in chosen.content_types:
        problems["file"] = str(_l("A file of type %(type)s is not accepted as this category.", type=content_type))
    if problems:
        incoming.abandon()
        raise ValidationFailed(_l("The evidence was not stored."), problems)
    try:
        kek_id, wrapped = wrap_data_key(keyring(), incoming.data_key, str(incoming.id))
    except KeyringError as exc:
        incoming.abandon()
        raise KeyUnavailable(_l("No key-encryption key is configured; an operator must run `keys rotate`.")) from exc
    incoming.pending.finish()  # durable before the row exists
    incoming.open = False
    evidence = Evidence(
        id=incoming.id,
        case_id=case.id,
        organisation_id=actor.organisation_id,
        category=category,
        content_type=content_type,
        size=incoming.size,
        sha256=incoming.sha256,
        format_version=VERSION,
        kek_id=kek_id,
        wrapped_key=wrapped,
        uploaded_by_id=actor.id,
        uploaded_by_email=actor.email,
    )
    evidence.filename_sealed = seal_json(incoming.filename, f"evidence:{evidence.id}:filename")
    evidence.description_sealed = seal_json(description, f"evidence:{evidence.id}:description")
    get_session().add(evidence)
    get_session().flush()
    record(
        actor,
        "evidence.upload",
        evidence,
        {
            "case": str(case.id),
            "category": category,
            "sha256": evidence.sha256,
            "size": evidence.size,
            "content_type": content_type,
        },
    )
    return evidence
