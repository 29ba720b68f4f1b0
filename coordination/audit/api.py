"""The audit API: events (filtered, CSV), signed checkpoints with witness co-signatures, and
inclusion and consistency proofs a partner can check with the standalone verifier."""

from __future__ import annotations

from flask import Response
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from coordination.api.registry import api_endpoint
from coordination.audit import log
from coordination.audit.access import restrict_events
from coordination.audit.models import AuditCheckpoint, AuditEvent
from coordination.audit.queries import events_csv, read_events
from coordination.audit.record import record
from coordination.audit.schemas import EventOut, EventPageOut, EventQuery
from coordination.audit.witness import add_cosignature, checkpoint_with_cosignatures
from coordination.core.db import commit, get_session
from coordination.core.errors import NotFound, ValidationFailed
from coordination.core.ids import ID_MAX

TAG = "audit"


def _page(params: EventQuery) -> EventPageOut:
    page = read_events(current_user, params.to_filter())
    commit()
    return EventPageOut(events=[EventOut.of(e) for e in page.items], total=page.total, page=page.page, pages=page.pages)


@api_endpoint(
    "/audit",
    permission="audit.read",
    summary="Audit events the caller may read (its own and on objects it owns), newest first",
    tag=TAG,
    query=EventQuery,
    response=EventPageOut,
)
def index(params: EventQuery) -> EventPageOut:
    return _page(params)


@api_endpoint(
    "/audit/events",
    permission="audit.read",
    summary="Same as /audit (kept for existing clients)",
    tag=TAG,
    query=EventQuery,
    response=EventPageOut,
)
def list_events(params: EventQuery) -> EventPageOut:
    return _page(params)


@api_endpoint(
    "/audit/export.csv",
    permission="audit.read",
    summary="The filtered events as CSV (at most 50,000, newest first); the export is audited",
    tag=TAG,
    query=EventQuery,
    produces="text/csv",
)
def export_csv(params: EventQuery) -> Response:
    flt = params.to_filter()
    body = events_csv(current_user, flt)
    record(current_user, "audit.export", None, {"filter": flt.describe()})
    commit()
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit.csv"},
    )


class CheckpointOut(BaseModel):
    size: int
    root: str = Field(description="Root hash, hex")
    root_base64: str
    note: str = Field(description="C2SP signed note: the checkpoint with the platform's and witnesses' signatures")
    key: str = Field(description="The platform's note verifier key (name+hash+key)")


class InclusionQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    event: int = Field(ge=1, le=ID_MAX, description="The audit event's id")
    size: int | None = Field(default=None, ge=1, le=ID_MAX, description="Tree size; default: the latest checkpoint's")


class InclusionOut(BaseModel):
    event: int
    leaf_index: int
    size: int
    leaf_hash: str
    proof: list[str]
    root: str


class ConsistencyQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: int = Field(alias="from", ge=1, le=ID_MAX)
    to: int = Field(ge=1, le=ID_MAX)


class ConsistencyOut(BaseModel):
    from_size: int
    to_size: int
    proof: list[str]
    from_root: str
    to_root: str


class CosignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    witness_key: str = Field(max_length=300, description="The witness's note verifier key (name+hash+key)")
    signature_line: str = Field(max_length=300, description="Its signed-note signature line over the checkpoint text")


def _latest() -> AuditCheckpoint:
    session = get_session()
    latest = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.size.desc())).first()
    if latest is None or latest.size < log.tree_size(session):
        latest = log.checkpoint_now(session)  # partners always get the current head, signed
    return latest


@api_endpoint(
    "/audit/checkpoints/latest",
    permission="audit.read",
    summary="The latest signed tree head (signed now if newer events exist), with witness co-signatures",
    tag=TAG,
    response=CheckpointOut,
)
def latest_checkpoint() -> CheckpointOut:
    checkpoint = _latest()
    out = CheckpointOut(**{**log.checkpoint_json(checkpoint), "note": checkpoint_with_cosignatures(checkpoint)})
    commit()
    return out


@api_endpoint(
    "/audit/checkpoints/<int:size>/cosign",
    method="POST",
    permission="audit.read",
    summary="Record a witness's co-signature of a checkpoint (verified before it is kept)",
    tag=TAG,
    body=CosignIn,
    response=CheckpointOut,
    status=201,
)
def cosign(size: int, payload: CosignIn) -> CheckpointOut:
    checkpoint = get_session().get(AuditCheckpoint, size)
    if checkpoint is None:
        raise NotFound("No checkpoint of that size.")
    add_cosignature(current_user, checkpoint, payload.witness_key, payload.signature_line)
    commit()
    return CheckpointOut(**{**log.checkpoint_json(checkpoint), "note": checkpoint_with_cosignatures(checkpoint)})


@api_endpoint(
    "/audit/proof/inclusion",
    permission="audit.read",
    summary="Proof that an event the caller may read is in the log of a given size",
    tag=TAG,
    query=InclusionQuery,
    response=InclusionOut,
)
def inclusion(params: InclusionQuery) -> InclusionOut:
    session = get_session()
    event = session.scalar(restrict_events(select(AuditEvent), current_user).where(AuditEvent.id == params.event))
    if event is None:
        raise NotFound("No such event, or not visible to you.")
    size = params.size or _latest().size
    try:
        leaf, proof, root = log.prove_inclusion(session, event.leaf_index, size)
    except ValueError as exc:
        raise ValidationFailed(str(exc), {"size": str(exc)}) from None
    commit()
    return InclusionOut(
        event=event.id,
        leaf_index=event.leaf_index,
        size=size,
        leaf_hash=leaf.hex(),
        proof=[p.hex() for p in proof],
        root=root.hex(),
    )


@api_endpoint(
    "/audit/proof/consistency",
    permission="audit.read",
    summary="Proof that the log of size `to` extends the log of size `from`",
    tag=TAG,
    query=ConsistencyQuery,
    response=ConsistencyOut,
)
def consistency(params: ConsistencyQuery) -> ConsistencyOut:
    try:
        proof, old_root, new_root = log.prove_consistency(get_session(), params.from_, params.to)
    except ValueError as exc:
        raise ValidationFailed(str(exc), {"to": str(exc)}) from None
    return ConsistencyOut(
        from_size=params.from_,
        to_size=params.to,
        proof=[p.hex() for p in proof],
        from_root=old_root.hex(),
        to_root=new_root.hex(),
    )
