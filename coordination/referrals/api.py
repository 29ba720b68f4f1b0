"""The referrals API: preview and send from a case, inbox/outbox, read, act, history."""

from __future__ import annotations

from flask_login import current_user

from coordination.accounts.access import can
from coordination.alerts.schemas import OrgRef
from coordination.api.registry import api_endpoint
from coordination.audit.record import record
from coordination.audit.schemas import Timeline
from coordination.cases.access import get_case_or_404
from coordination.core.db import commit
from coordination.core.errors import Forbidden
from coordination.referrals import schemas as s
from coordination.referrals.access import get_referral_or_404
from coordination.referrals.models import Referral
from coordination.referrals.operations.actions import act_on_referral
from coordination.referrals.operations.send import preview_referral, send_referral
from coordination.referrals.queries import follow_ups, history, list_referrals, message_of, opened_projection

TAG = "referrals"


def _org(org) -> OrgRef:  # type: ignore[no-untyped-def]
    return OrgRef(id=org.id, name=org.name, kind=org.kind)


def summary(r: Referral) -> s.ReferralSummary:
    return s.ReferralSummary(
        id=r.id,
        purpose=r.purpose,
        status=r.status,
        from_org=_org(r.from_org),
        to_org=_org(r.to_org),
        sender_email=r.sender_email,
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


def full(r: Referral) -> s.ReferralOut:
    sent = opened_projection(r)
    return s.ReferralOut(
        **summary(r).model_dump(),
        follows=r.follows_id,
        follow_ups=[f.id for f in follow_ups(r, current_user)],
        case=sent["case"],
        withheld=sent["withheld"],
        policy_version=r.policy_version,
        message=message_of(history(r)),
        consent=r.consent,
    )


@api_endpoint(
    "/cases/<case_id>/referrals/preview",
    method="POST",
    permission="referral.send",
    summary="Exactly what the recipient would see, without sending",
    tag=TAG,
    body=s.ReferralIn,
    response=s.Preview,
)
def preview(case_id: str, payload: s.ReferralIn) -> s.Preview:
    case = get_case_or_404(case_id, current_user)
    _recipient, projection = preview_referral(current_user, case, payload)
    return s.Preview(
        case=projection.case,
        withheld=projection.withheld,
        policy_version=projection.policy_version,
        message=projection.message,
    )


@api_endpoint(
    "/cases/<case_id>/referrals",
    method="POST",
    permission="referral.send",
    summary="Refer a case",
    tag=TAG,
    body=s.ReferralIn,
    response=s.ReferralOut,
    status=201,
)
def create(case_id: str, payload: s.ReferralIn) -> s.ReferralOut:
    case = get_case_or_404(case_id, current_user)
    referral = send_referral(current_user, case, payload)
    commit()
    return full(referral)


@api_endpoint(
    "/referrals",
    permission="referral.receive",
    summary="Referrals received (inbox) or sent (outbox)",
    tag=TAG,
    query=s.ReferralListQuery,
    response=s.ReferralList,
)
def index(params: s.ReferralListQuery) -> s.ReferralList:
    if params.box == "outbox" and not can(current_user, "referral.send"):
        raise Forbidden("You may not send referrals.")
    page = list_referrals(current_user, params.box, params.page)
    return s.ReferralList(
        referrals=[summary(r) for r in page.items], total=page.total, page=page.page, pages=page.pages
    )


@api_endpoint(
    "/referrals/<referral_id>",
    permission="referral.receive",
    summary="One referral: the recipient's projection, as sent",
    tag=TAG,
    response=s.ReferralOut,
)
def show(referral_id: str) -> s.ReferralOut:
    referral = get_referral_or_404(referral_id, current_user)
    out = full(referral)
    record(current_user, "referral.view", referral)
    commit()
    return out


@api_endpoint(
    "/referrals/<referral_id>/actions",
    method="POST",
    permission="referral.receive",
    summary="accept, decline, request_info, update, close (recipient) or revoke (sender)",
    tag=TAG,
    body=s.ReferralAction,
    response=s.ReferralSummary,
)
def act(referral_id: str, payload: s.ReferralAction) -> s.ReferralSummary:
    referral = get_referral_or_404(referral_id, current_user)
    act_on_referral(current_user, referral, payload)
    commit()
    return summary(referral)


@api_endpoint(
    "/referrals/<referral_id>/timeline",
    permission="referral.receive",
    summary="The referral's history",
    tag=TAG,
    response=Timeline,
)
def timeline(referral_id: str) -> Timeline:
    referral = get_referral_or_404(referral_id, current_user)
    out = Timeline.of(history(referral))  # status notes are sensitive: the read is recorded
    record(current_user, "referral.view", referral, {"part": "timeline"})
    commit()
    return out
