"""Forum forms, read into the API's own schemas (one validation for pages and API)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError
from werkzeug.datastructures import MultiDict

from coordination.core.errors import problems_of
from coordination.forum.schemas import ActionItemIn, ActionItemUpdate, AgendaItemIn, MeetingIn
from coordination.forum.wib import parse_local


def _parse(model: type[BaseModel], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate({k: v for k, v in data.items() if v not in ("", None)})
    except ValidationError as exc:
        return problems_of(exc)


def meeting_from_form(form: MultiDict) -> MeetingIn | dict[str, str]:
    return _parse(
        MeetingIn,
        {
            "title": form.get("title", ""),
            "starts_at": parse_local(form.get("starts_at", "").strip()),
            "location": form.get("location", ""),
            "invited_org_ids": form.getlist("invited_org_ids") or [],
            "period_start": form.get("period_start", ""),
            "period_end": form.get("period_end", ""),
            "follows_meeting_id": form.get("follows_meeting_id", ""),
        },
    )


def agenda_item_from_form(form: MultiDict) -> AgendaItemIn | dict[str, str]:
    return _parse(AgendaItemIn, {"topic": form.get("topic", "").strip(), "case_id": form.get("case_id", "")})


def action_item_from_form(form: MultiDict) -> ActionItemIn | dict[str, str]:
    return _parse(
        ActionItemIn,
        {"what": form.get("what", ""), "owner_org_id": form.get("owner_org_id", ""), "due_on": form.get("due_on", "")},
    )


def action_update_from_form(form: MultiDict) -> ActionItemUpdate | dict[str, str]:
    return _parse(
        ActionItemUpdate,
        {"status": form.get("status", ""), "reason": form.get("reason", "").strip(), "due_on": form.get("due_on", "")},
    )
