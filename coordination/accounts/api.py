"""The accounts API: /me, own API tokens, the organisation's users, the platform's organisations."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user
from sqlalchemy import func, select

from coordination.accounts import schemas as s
from coordination.accounts.access import (
    can_invite,
    can_manage_user,
    get_organisation_or_404,
    get_token_or_404,
    get_user_or_404,
    permissions_of,
    restrict_organisations,
    restrict_tokens,
    restrict_users,
)
from coordination.accounts.models import ApiToken, Organisation, User
from coordination.accounts.operations import organisations as org_ops
from coordination.accounts.operations import tokens as token_ops
from coordination.accounts.operations import users as user_ops
from coordination.api.registry import api_endpoint
from coordination.audit.record import record
from coordination.core.db import commit, get_session
from coordination.core.errors import Forbidden, NotFound

TAG = "accounts"


@api_endpoint(
    "/me",
    permission="account.self",
    summary="The caller: e-mail, role, organisation, permissions",
    tag=TAG,
    response=s.Me,
)
def me() -> s.Me:
    org = current_user.organisation
    return s.Me(
        email=current_user.email,
        role=current_user.role,
        org=s.OrgRef(id=org.id, name=org.name, kind=org.kind),
        permissions=permissions_of(current_user),
        mfa_enrolled=current_user.mfa_enrolled,
        locale=current_user.locale,
    )


@api_endpoint(
    "/tokens", permission="api_tokens.manage", summary="The caller's API tokens", tag=TAG, response=s.TokenList
)
def list_tokens() -> s.TokenList:
    query = restrict_tokens(select(ApiToken), current_user).order_by(ApiToken.id)
    return s.TokenList(tokens=[s.TokenOut.of(t) for t in get_session().scalars(query)])


@api_endpoint(
    "/tokens",
    method="POST",
    permission="api_tokens.manage",
    summary="Create an API token (the secret is shown once)",
    tag=TAG,
    body=s.TokenCreate,
    response=s.TokenCreated,
    status=201,
)
def create_token(payload: s.TokenCreate) -> s.TokenCreated:
    token, secret = token_ops.create_api_token(current_user, payload.name)
    commit()
    return s.TokenCreated(token=s.TokenOut.of(token), secret=secret)


@api_endpoint(
    "/tokens/<int:token_id>",
    method="DELETE",
    permission="api_tokens.manage",
    summary="Revoke an API token",
    tag=TAG,
    response=s.TokenOut,
)
def revoke_token(token_id: int) -> s.TokenOut:
    token = get_token_or_404(token_id, current_user)
    token_ops.revoke_api_token(current_user, token)
    commit()
    return s.TokenOut.of(token)


@api_endpoint(
    "/users",
    permission="users.manage",
    summary="Users of the caller's organisation (platform admins: any, with org_id)",
    tag=TAG,
    query=s.UserListQuery,
    response=s.UserList,
)
def list_users(params: s.UserListQuery) -> s.UserList:
    org_id = params.org_id or current_user.organisation_id
    query = restrict_users(select(User), current_user).where(User.organisation_id == org_id).order_by(User.email)
    return s.UserList(users=[s.UserOut.of(u) for u in get_session().scalars(query)])


@api_endpoint(
    "/users",
    method="POST",
    permission="users.manage",
    summary="Invite a user; returns a one-time invitation link",
    tag=TAG,
    body=s.UserInvite,
    response=s.UserInvited,
    status=201,
)
def invite(payload: s.UserInvite) -> s.UserInvited:
    org = get_organisation_or_404(payload.org_id, current_user) if payload.org_id else current_user.organisation
    if not can_invite(current_user, org, payload.role):
        raise Forbidden("You may not invite this role to this organisation.", {"role": "not allowed"})
    user, token = user_ops.invite_user(current_user, payload.email, org, payload.role)
    commit()
    return s.UserInvited(
        user=s.UserOut.of(user), invitation_url=url_for("accounts.accept_invitation", token=token, _external=True)
    )


@api_endpoint("/users/<int:user_id>", permission="users.manage", summary="One user", tag=TAG, response=s.UserOut)
def get_user(user_id: int) -> s.UserOut:
    user = get_user_or_404(user_id, current_user)
    record(current_user, "user.view", user)
    commit()
    return s.UserOut.of(user)


@api_endpoint(
    "/users/<int:user_id>/actions",
    method="POST",
    permission="users.manage",
    summary="Deactivate, reactivate or reset the MFA of a user",
    tag=TAG,
    body=s.UserAction,
    response=s.UserOut,
)
def user_action(user_id: int, payload: s.UserAction) -> s.UserOut:
    user = get_user_or_404(user_id, current_user)
    if not can_manage_user(current_user, user):
        raise NotFound("User not found.")
    user_ops.USER_ACTIONS[payload.action](current_user, user)
    commit()
    return s.UserOut.of(user)


def _org_out(org: Organisation) -> s.OrgOut:
    count = get_session().scalar(select(func.count(User.id)).where(User.organisation_id == org.id)) or 0
    return s.OrgOut.of(org, count)


@api_endpoint("/orgs", permission="orgs.manage", summary="Organisations on the platform", tag=TAG, response=s.OrgList)
def list_orgs() -> s.OrgList:
    counts = select(User.organisation_id, func.count(User.id).label("n")).group_by(User.organisation_id).subquery()
    query = (
        restrict_organisations(select(Organisation, func.coalesce(counts.c.n, 0)), current_user)
        .outerjoin(counts, counts.c.organisation_id == Organisation.id)
        .order_by(Organisation.name)
    )
    return s.OrgList(organisations=[s.OrgOut.of(org, n) for org, n in get_session().execute(query)])


@api_endpoint(
    "/orgs",
    method="POST",
    permission="orgs.manage",
    summary="Create an organisation",
    tag=TAG,
    body=s.OrgCreate,
    response=s.OrgOut,
    status=201,
)
def create_org(payload: s.OrgCreate) -> s.OrgOut:
    org = org_ops.create_organisation(current_user, payload.name, payload.kind)
    commit()
    return s.OrgOut.of(org, 0)


@api_endpoint("/orgs/<int:org_id>", permission="orgs.manage", summary="One organisation", tag=TAG, response=s.OrgOut)
def get_org(org_id: int) -> s.OrgOut:
    return _org_out(get_organisation_or_404(org_id, current_user))


@api_endpoint(
    "/orgs/<int:org_id>/actions",
    method="POST",
    permission="orgs.manage",
    summary="Activate or deactivate an organisation",
    tag=TAG,
    body=s.OrgAction,
    response=s.OrgOut,
)
def org_action(org_id: int, payload: s.OrgAction) -> s.OrgOut:
    org = get_organisation_or_404(org_id, current_user)
    org_ops.set_organisation_active(current_user, org, payload.action == "activate")
    commit()
    return _org_out(org)
