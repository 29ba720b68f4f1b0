"""The permission catalogue and the declaration every endpoint must carry.

Default deny: `requires("users.manage")` or `public` marks a view; the access hook
(`coordination.accounts.access`) refuses any endpoint that declares nothing, and a test walks
the URL map to keep it that way. Who holds a permission is decided by `policies/roles.yaml`,
never by code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

ORG_KINDS = frozenset({"pjk", "fiu", "police", "ministry", "service", "ngo", "regulator", "operator"})
ROLES = frozenset({"member", "supervisor", "org_admin"})
# The operator organisation runs the platform; its administrators manage organisations.
OPERATOR_KIND = "operator"

PERMISSIONS = frozenset(
    {
        "dashboard.view",
        "account.self",
        "api_tokens.manage",
        "users.manage",
        "orgs.manage",
        "audit.read",
        "alert.view",
        "alert.create",
        "alert.triage",
        "case.view",
        "case.create",
        "referral.send",
        "referral.receive",
        "evidence.view",
        "evidence.upload",
        "evidence.download",
        "evidence.view_csam",
        "forum.manage",
        "stats.view",
        "forum.view",
        "screening.run",
    }
)

PUBLIC = "public"

View = TypeVar("View", bound=Callable[..., object])


def requires(permission: str) -> Callable[[View], View]:
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def declare(view: View) -> View:
        view.required_permission = permission  # type: ignore[attr-defined]
        return view

    return declare


def public(view: View) -> View:
    """Reachable without signing in: login, invitation acceptance, static files, health."""
    view.required_permission = PUBLIC  # type: ignore[attr-defined]
    return view


def required_permission(view: Callable[..., object] | None) -> str | None:
    return getattr(view, "required_permission", None)
