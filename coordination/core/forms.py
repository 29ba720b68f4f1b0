"""Bridge from domain refusals to HTML forms: field errors under their field, the rest flashed."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from coordination.core.errors import DomainError


def show_refusal(form: FlaskForm, exc: DomainError) -> int:
    flash(str(exc.message), "error")
    for name, problem in exc.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*list(field.errors), str(problem)]
    return exc.status
