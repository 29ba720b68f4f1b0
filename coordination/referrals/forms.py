"""The referral composer and action forms, read into the API's own schemas."""

from __future__ import annotations

from pydantic import ValidationError
from werkzeug.datastructures import MultiDict

from coordination.core.errors import problems_of
from coordination.referrals.schemas import ReferralAction, ReferralIn


def referral_from_form(form: MultiDict) -> ReferralIn | dict[str, str]:
    data: dict = {
        "to_org": form.get("to_org", ""),
        "purpose": form.get("purpose", ""),
        "message": form.get("message", "").strip(),
    }
    if form.get("follows"):
        data["follows"] = form["follows"]
    if form.get("consent_kind") == "consent":
        at = form.get("consent_at", "").strip()
        data["consent"] = {
            "given_by": form.get("consent_given_by", ""),
            "method": form.get("consent_method", ""),
            "at": at + "+07:00" if len(at) == 16 else at,
            "contact_route": form.get("consent_contact_route") or None,
        }
    elif form.get("consent_kind") == "best_interest":
        data["consent"] = {"best_interest_exception": form.get("best_interest_reason", "")}
    try:
        return ReferralIn.model_validate(data)
    except ValidationError as exc:
        return problems_of(exc)


def action_from_form(form: MultiDict) -> ReferralAction | dict[str, str]:
    data = {k: form.get(k, "").strip() for k in ("action", "reason", "text")}
    try:
        return ReferralAction.model_validate({k: v for k, v in data.items() if v})
    except ValidationError as exc:
        return problems_of(exc)
