"""Preview and send a referral: the projection the sender sees is exactly what is stored."""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from coordination.accounts.access import can
from coordination.accounts.models import Organisation, User
from coordination.audit.record import record
from coordination.cases.models import Case
from coordination.core.db import get_session
from coordination.core.errors import Forbidden, ValidationFailed
from coordination.core.sealing import seal_json
from coordination.policy import redaction_policy
from coordination.redaction import Projection, project_case_for
from coordination.referrals.models import Referral, ReferralNote, referral_evidence
from coordination.referrals.schemas import BestInterest, ReferralIn


def _recipient(actor: User, to_org: int | str) -> Organisation:
    query = select(Organisation).where(Organisation.active.is_(True))
    if isinstance(to_org, int) or str(to_org).isdigit():
        org = get_session().scalar(query.where(Organisation.id == int(to_org)))
    else:
        org = get_session().scalar(query.where(Organisation.name == to_org))
    if org is None or org.id == actor.organisation_id:
        raise ValidationFailed(
            _l("The referral was not sent."), {"to_org": _l("Name another active organisation by id or exact name.")}
        )
    return org


def _check(actor: User, case: Case, data: ReferralIn) -> Organisation:
    if not can(actor, "referral.send") or case.organisation_id != actor.organisation_id:
        raise Forbidden(_l("You may not refer this case."))
    recipient = _recipient(actor, data.to_org)
    if not redaction_policy().allows(recipient.kind, data.purpose):
        raise ValidationFailed(
            _l("The referral was not sent."),
            {"purpose": _l("The redaction policy does not allow this purpose for this recipient.")},
        )
    if data.follows is not None:
        _followed(actor, case, data.follows, recipient)
    if data.purpose == "victim_support" and data.consent is None:
        raise ValidationFailed(
            _l("The referral was not sent."),
            {
                "consent": _l(
                    "Victim support needs the consent (who, how, when) or a best-interest exception with its reason."
                )
            },
        )
    return recipient


def _followed(actor: User, case: Case, follows: uuid.UUID, recipient: Organisation) -> Referral:
    """The referral being followed up: of this case, sent by the actor's organisation, to the
    same recipient (a follow-up answers that recipient; anyone else gets a referral of its own)."""
    original = get_session().get(Referral, follows)
    if original is None or original.case_id != case.id or original.from_org_id != actor.organisation_id:
        raise ValidationFailed(
            _l("The referral was not sent."), {"follows": _l("No referral of this case sent by your organisation.")}
        )
    if original.to_org_id != recipient.id:
        raise ValidationFailed(
            _l("The referral was not sent."),
            {"to_org": _l("A follow-up goes to the organisation the first referral was sent to.")},
        )
    return original


def preview_referral(actor: User, case: Case, data: ReferralIn) -> tuple[Organisation, Projection]:
    recipient = _check(actor, case, data)
    route = getattr(data.consent, "contact_route", None)
    return recipient, project_case_for(recipient, data.purpose, case, data.message, route)


def send_referral(actor: User, case: Case, data: ReferralIn) -> Referral:
    recipient, projection = preview_referral(actor, case, data)
    referral = Referral(
        id=uuid.uuid4(),
        case_id=case.id,
        from_org_id=actor.organisation_id,
        to_org_id=recipient.id,
        purpose=data.purpose,
        policy_version=projection.policy_version,
        sender_id=actor.id,
        sender_email=actor.email,
        sender_org_name=actor.organisation.name,
        consent=data.consent.model_dump(mode="json") if data.consent else None,
        follows_id=data.follows,
    )
    referral.projection_sealed = seal_json(
        {"case": projection.case, "withheld": projection.withheld}, f"referral:{referral.id}:projection"
    )
    session = get_session()
    session.add(referral)
    session.flush()
    carried = [uuid.UUID(item["id"]) for item in projection.case.get("evidence", [])]
    if carried:
        session.execute(insert(referral_evidence), [{"referral_id": referral.id, "evidence_id": e} for e in carried])
    detail = {
        "to_org": recipient.name,
        "evidence": [str(e) for e in carried],
        "purpose": data.purpose,
        "policy_version": projection.policy_version,
        "consent": "best_interest_exception"
        if isinstance(data.consent, BestInterest)
        else (data.consent.given_by if data.consent else None),
    }
    if projection.message:
        detail["message_note"] = add_note(referral, actor, projection.message)
    if data.follows is not None:
        detail["follows"] = str(data.follows)
    record(actor, "referral.send", referral, detail)
    if referral.follows is not None:  # the first referral's history shows that it was answered
        follow_up = {"follow_up": str(referral.id), "purpose": data.purpose}
        record(actor, "referral.follow_up", referral.follows, follow_up)
    return referral


def add_note(referral: Referral, actor: User, text: str) -> str:
    note = ReferralNote(id=uuid.uuid4(), referral_id=referral.id, author_id=actor.id)
    note.text_sealed = seal_json(text, f"referral-note:{note.id}")
    get_session().add(note)
    return str(note.id)
