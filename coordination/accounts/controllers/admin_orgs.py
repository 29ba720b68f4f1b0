"""The platform operator's organisations page: create, (de)activate, invite a first admin."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from coordination.accounts.access import get_organisation_or_404, restrict_organisations, restrict_users
from coordination.accounts.forms import ConfirmForm, InviteForm, OrganisationForm, choices
from coordination.accounts.models import Organisation, User
from coordination.accounts.operations.organisations import create_organisation, set_organisation_active
from coordination.accounts.operations.users import invite_user
from coordination.core.db import commit, get_session
from coordination.core.errors import DomainError
from coordination.core.forms import show_refusal
from coordination.core.permissions import requires
from coordination.policy import role_policy


def _org_form() -> OrganisationForm:
    form = OrganisationForm()
    locale = str(get_locale())
    form.kind.choices = choices([(k, label.get(locale)) for k, label in role_policy().kinds.items()])
    return form


@requires("orgs.manage")
def organisations() -> Response | str:
    form = _org_form()
    status = 200
    if form.validate_on_submit():
        try:
            org = create_organisation(current_user, form.name.data, form.kind.data)
            commit()
            flash(_("Organisation created: %(name)s.", name=org.name), "success")
            return redirect(url_for("accounts.organisation", org_id=org.id))
        except DomainError as exc:
            status = show_refusal(form, exc)
    orgs = get_session().scalars(restrict_organisations(select(Organisation), current_user).order_by(Organisation.name))
    return render_template("accounts/admin_orgs.html", orgs=list(orgs), form=form), status


@requires("orgs.manage")
def organisation(org_id: int) -> Response | str:
    org = get_organisation_or_404(org_id, current_user)
    form = InviteForm()
    form.role.choices = choices([("org_admin", role_policy().roles["org_admin"].get(str(get_locale())))])
    extra: dict[str, object] = {}
    status = 200
    if form.validate_on_submit():
        try:
            user, token = invite_user(current_user, form.email.data, org, "org_admin")
            commit()
            extra = {
                "invited": user,
                "invitation_link": url_for("accounts.accept_invitation", token=token, _external=True),
            }
        except DomainError as exc:
            status = show_refusal(form, exc)
    people = get_session().scalars(
        restrict_users(select(User), current_user).where(User.organisation_id == org.id).order_by(User.email)
    )
    return render_template(
        "accounts/admin_org.html", org=org, people=list(people), form=form, confirm=ConfirmForm(), **extra
    ), status


@requires("orgs.manage")
def organisation_active(org_id: int, state: str) -> Response:
    org = get_organisation_or_404(org_id, current_user)
    if state not in ("activate", "deactivate"):
        abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            set_organisation_active(current_user, org, state == "activate")
            commit()
        except DomainError as exc:
            flash(str(exc.message), "error")
    return redirect(url_for("accounts.organisation", org_id=org.id))
