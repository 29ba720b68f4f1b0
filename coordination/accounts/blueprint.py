"""URLs of the accounts domain. Each view declares its permission where it is defined."""

from __future__ import annotations

from flask import Blueprint

from coordination.accounts.controllers import account, admin_orgs, admin_users, login

bp = Blueprint("accounts", __name__, template_folder="templates")

_rules = [
    ("/login", login.login, ["GET", "POST"]),
    ("/login/mfa", login.second_factor, ["GET", "POST"]),
    ("/login/mfa/setup", login.enrol, ["GET", "POST"]),
    ("/logout", login.logout, ["POST"]),
    ("/language", login.switch_language, ["POST"]),
    ("/account", account.account, ["GET", "POST"]),
    ("/account/mfa/setup", login.enrol_signed_in, ["GET", "POST"]),
    ("/account/tokens", account.tokens, ["GET", "POST"]),
    ("/account/tokens/<int:token_id>/revoke", account.revoke_token, ["POST"]),
    ("/invitation/<token>", admin_users.accept_invitation, ["GET", "POST"]),
    ("/admin/users", admin_users.users, ["GET", "POST"]),
    ("/admin/users/<int:user_id>/<action>", admin_users.user_action, ["POST"]),
    ("/admin/organisations", admin_orgs.organisations, ["GET", "POST"]),
    ("/admin/organisations/<int:org_id>", admin_orgs.organisation, ["GET", "POST"]),
    ("/admin/organisations/<int:org_id>/<state>", admin_orgs.organisation_active, ["POST"]),
]
for rule, view, methods in _rules:
    bp.add_url_rule(rule, view_func=view, methods=methods)
