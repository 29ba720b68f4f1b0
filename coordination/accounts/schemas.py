"""JSON shapes of the accounts API. Requests forbid unknown fields and bound every string."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from coordination.accounts.models import ApiToken, Organisation, User
from coordination.core.db import utcnow
from coordination.core.ids import ID_MAX

Kind = Literal["pjk", "fiu", "police", "ministry", "service", "ngo", "regulator", "operator"]
Role = Literal["member", "supervisor", "org_admin"]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OrgRef(BaseModel):
    id: int
    name: str
    kind: Kind


class Me(BaseModel):
    email: str
    role: Role
    org: OrgRef
    permissions: list[str]
    mfa_enrolled: bool
    locale: str | None


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> TokenOut:
        return cls(
            id=token.id,
            name=token.name,
            prefix=token.prefix,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
        )


class TokenList(BaseModel):
    tokens: list[TokenOut]


class TokenCreate(Request):
    name: str = Field(min_length=1, max_length=100)


class TokenCreated(BaseModel):
    token: TokenOut
    secret: str = Field(description="Shown once; store it in the calling system's secret store")


class UserOut(BaseModel):
    id: int
    email: str
    role: Role
    org: OrgRef
    active: bool
    mfa_enrolled: bool
    locked: bool
    last_login_at: datetime | None

    @classmethod
    def of(cls, user: User) -> UserOut:
        org = user.organisation
        return cls(
            id=user.id,
            email=user.email,
            role=user.role,
            org=OrgRef(id=org.id, name=org.name, kind=org.kind),
            active=user.active,
            mfa_enrolled=user.mfa_enrolled,
            locked=user.locked_until is not None and user.locked_until > utcnow(),
            last_login_at=user.last_login_at,
        )


class UserList(BaseModel):
    users: list[UserOut]


class UserListQuery(Request):
    org_id: int | None = Field(default=None, ge=1, le=ID_MAX)


class UserInvite(Request):
    email: str = Field(min_length=3, max_length=254)
    role: Role
    org_id: int | None = Field(
        default=None,
        ge=1,
        le=ID_MAX,
        description="Platform administrators only: the organisation whose first administrator is invited",
    )


class UserInvited(BaseModel):
    user: UserOut
    invitation_url: str = Field(description="One-time link to set a password; valid 72 hours; shown once")


class UserAction(Request):
    action: Literal["deactivate", "reactivate", "reset_mfa"]


class OrgOut(BaseModel):
    id: int
    name: str
    kind: Kind
    active: bool
    users: int

    @classmethod
    def of(cls, org: Organisation, users: int) -> OrgOut:
        return cls(id=org.id, name=org.name, kind=org.kind, active=org.active, users=users)


class OrgList(BaseModel):
    organisations: list[OrgOut]


class OrgCreate(Request):
    name: str = Field(min_length=2, max_length=200)
    kind: Kind


class OrgAction(Request):
    action: Literal["activate", "deactivate"]
