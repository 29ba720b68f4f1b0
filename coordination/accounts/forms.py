"""HTML forms (Flask-WTF: CSRF token on every one). Rules beyond shape live in operations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length


# WTForms ships no Indonesian catalog, so validators carry our own translatable messages.
def required() -> DataRequired:
    return DataRequired(message=_l("This field is required."))


def length(min: int = -1, max: int = -1) -> Length:
    if min > 0:
        return Length(min=min, max=max, message=_l("Enter %(min)d to %(max)d characters.", min=min, max=max))
    return Length(max=max, message=_l("Enter at most %(max)d characters.", max=max))


def valid_email() -> Email:
    return Email(message=_l("Enter a valid e-mail address."))


def choices(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[required(), length(max=254)])
    password = PasswordField(_l("Password"), validators=[required(), length(max=256)])
    next = HiddenField()


class SecondFactorForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"), validators=[required(), length(max=20)]
    )


class EnrolForm(FlaskForm):
    code = StringField(_l("6-digit code"), validators=[required(), length(min=6, max=7)])


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[required(), length(max=256)])
    confirm = PasswordField(_l("Repeat the new password"), validators=[required(), length(max=256)])


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField(_l("Current password"), validators=[required(), length(max=256)])


class LanguageForm(FlaskForm):
    lang = SelectField(_l("Language"), choices=choices([("id", "Bahasa Indonesia"), ("en", "English")]))
    next = HiddenField()


class TokenForm(FlaskForm):
    name = StringField(_l("Token name (e.g. the system that will use it)"), validators=[required(), length(max=100)])


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[required(), valid_email(), length(max=254)])
    role = SelectField(_l("Role"), choices=[])


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[required(), length(min=2, max=200)])
    kind = SelectField(_l("Kind"), choices=[])


class ConfirmForm(FlaskForm):
    """An empty form: a POST button that carries only the CSRF token."""
