"""The alert form and the action form, read into the API's own schemas so that both paths
share every rule. People and transactions use the shared repeated fieldsets."""

from __future__ import annotations

from pydantic import ValidationError
from werkzeug.datastructures import MultiDict

from coordination.alerts.schemas import AlertAction, AlertIn
from coordination.core.errors import problems_of
from coordination.subjects.forms import parties_from_form


def alert_from_form(form: MultiDict) -> AlertIn | dict[str, str]:
    """The validated alert, or the problems keyed by the same paths as the API uses."""
    data = {
        "reference": form.get("reference", "").strip(),
        "typologies": form.getlist("typologies"),
        "indicators": form.getlist("indicators"),
        "narrative": form.get("narrative", "").strip(),
        **parties_from_form(form),
    }
    try:
        return AlertIn.model_validate(data)
    except ValidationError as exc:
        return problems_of(exc)


def action_from_form(form: MultiDict) -> AlertAction | dict[str, str]:
    data = {k: form.get(k, "").strip() for k in ("action", "reason", "comment", "assignee", "to_org")}
    data = {k: v for k, v in data.items() if v}
    try:
        return AlertAction.model_validate(data)
    except ValidationError as exc:
        return problems_of(exc)
