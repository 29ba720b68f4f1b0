"""The evidence API: upload (streamed, encrypted as it arrives), list, metadata with custody,
content (verified whole before the first byte leaves). Every read is audited."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response
from flask_login import current_user

from coordination.api.registry import api_endpoint
from coordination.audit.record import record
from coordination.audit.schemas import Timeline
from coordination.cases.access import get_case_or_404
from coordination.core.db import commit
from coordination.evidence import schemas as s
from coordination.evidence.access import get_evidence_or_404
from coordination.evidence.models import Evidence
from coordination.evidence.operations.read import open_content
from coordination.evidence.queries import case_evidence, custody, description_of, filename_of
from coordination.evidence.upload import receive_into_case
from coordination.policy import evidence_policy

TAG = "evidence"


def out(evidence: Evidence) -> s.EvidenceOut:
    category = evidence_policy().categories[evidence.category]
    return s.EvidenceOut(
        id=evidence.id,
        case_id=evidence.case_id,
        category=evidence.category,
        content_type=evidence.content_type,
        size=evidence.size,
        sha256=evidence.sha256,
        filename=filename_of(evidence),
        description=description_of(evidence),
        uploaded_by=evidence.uploaded_by_email,
        uploaded_at=evidence.uploaded_at,
        reason_required=category.reason_required,
        preview=category.preview,
    )


def detail(evidence: Evidence) -> s.EvidenceDetail:
    return s.EvidenceDetail(**out(evidence).model_dump(), custody=Timeline.of(custody(evidence)).timeline)


@api_endpoint(
    "/cases/<case_id>/evidence",
    method="POST",
    permission="evidence.upload",
    summary="Upload an evidence file to a case (multipart: file, category, description)",
    tag=TAG,
    form=s.EvidenceForm,
    response=s.EvidenceOut,
    status=201,
)
def upload(case_id: str) -> s.EvidenceOut:
    evidence = receive_into_case(get_case_or_404(case_id, current_user))
    commit()
    return out(evidence)


@api_endpoint(
    "/cases/<case_id>/evidence",
    permission="evidence.view",
    summary="The case's evidence the caller may see",
    tag=TAG,
    response=s.EvidenceList,
)
def index(case_id: str) -> s.EvidenceList:
    case = get_case_or_404(case_id, current_user)
    return s.EvidenceList(evidence=[out(e) for e in case_evidence(case, current_user)])


@api_endpoint(
    "/evidence/<evidence_id>",
    permission="evidence.view",
    summary="Evidence metadata and custody",
    tag=TAG,
    response=s.EvidenceDetail,
)
def show(evidence_id: str) -> s.EvidenceDetail:
    evidence = get_evidence_or_404(evidence_id, current_user)
    record(current_user, "evidence.view", evidence)
    commit()
    return detail(evidence)


@api_endpoint(
    "/evidence/<evidence_id>/content",
    permission="evidence.download",
    summary="The file's bytes, verified against its recorded hash before the first byte is sent",
    tag=TAG,
    query=s.ContentQuery,
    produces="*/*",  # the file's own type, detected from its bytes at upload (`content_type`)
)
def content(evidence_id: str, params: s.ContentQuery) -> Response:
    evidence = get_evidence_or_404(evidence_id, current_user)
    segments = open_content(current_user, evidence, params.reason)
    commit()
    return download_response(evidence, segments)


def download_response(evidence: Evidence, segments) -> Response:  # type: ignore[no-untyped-def]
    name = filename_of(evidence)
    return Response(
        segments,
        mimetype=evidence.content_type,
        headers={
            # Always a download, never shown inline: evidence may be abuse material.
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "Content-Length": str(evidence.size),
        },
        direct_passthrough=True,
    )
