"""Witness co-signatures: partners sign the platform's checkpoints with their own Ed25519 note
keys and send the signature line back, so the operator cannot rewrite history without the
partners' copies disagreeing. A co-signature is verified before it is kept (append-only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coordination.accounts.models import User
from coordination.audit import signed_note
from coordination.audit.models import AuditCheckpoint, AuditWitnessSignature
from coordination.audit.record import record
from coordination.core.db import get_session
from coordination.core.errors import Conflict, ValidationFailed


def add_cosignature(actor: User, checkpoint: AuditCheckpoint, witness_key: str, line: str) -> None:
    try:
        name, public = signed_note.parse_verifier_key(witness_key.strip())
    except (ValueError, TypeError):
        raise ValidationFailed(
            _l("The co-signature was not kept."), {"witness_key": _l("Not an Ed25519 note key.")}
        ) from None
    text, _ = signed_note.split_note(checkpoint.note)
    line = line.strip() + "\n"
    if not signed_note.verify_line(text, line, name, public):
        raise ValidationFailed(
            _l("The co-signature was not kept."), {"signature_line": _l("Does not verify over this checkpoint.")}
        )
    session = get_session()
    if session.get(AuditWitnessSignature, (checkpoint.size, name)) is not None:
        raise Conflict(_l("This witness has already co-signed this checkpoint."))
    session.add(AuditWitnessSignature(size=checkpoint.size, witness=name, signature_line=line))
    record(actor, "audit.cosign", ("checkpoint", checkpoint.size), {"witness": name, "key": witness_key.strip()})


def checkpoint_with_cosignatures(checkpoint: AuditCheckpoint) -> str:
    lines = get_session().scalars(
        select(AuditWitnessSignature.signature_line)
        .where(AuditWitnessSignature.size == checkpoint.size)
        .order_by(AuditWitnessSignature.witness)
    )
    return checkpoint.note + "".join(lines)
