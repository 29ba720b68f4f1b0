"""`policies/roles.yaml`: organisation kinds, roles, permissions and who holds which."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from yaml.nodes import Node

from coordination.policy.loader import PolicyFile

LANGUAGES = ("id", "en")


@dataclass(frozen=True)
class Labels:
    id: str
    en: str

    def get(self, locale: str) -> str:
        return self.en if locale == "en" else self.id


@dataclass(frozen=True)
class RolePolicy:
    path: Path
    kinds: dict[str, Labels]
    roles: dict[str, Labels]
    permissions: dict[str, Labels]
    grants: dict[tuple[str, str], frozenset[str]]

    def allows(self, kind: str, role: str, permission: str) -> bool:
        return permission in self.grants.get((kind, role), frozenset())

    def permissions_of(self, kind: str, role: str) -> frozenset[str]:
        return self.grants.get((kind, role), frozenset())

    def kind_may(self, kind: str, permission: str) -> bool:
        """Whether any role of an organisation of this kind holds the permission."""
        return any(permission in granted for (k, _role), granted in self.grants.items() if k == kind)


def labels(doc: PolicyFile, node: Node, where: str) -> Labels:
    """A {id: ..., en: ...} pair of names, both required."""
    items = doc.mapping(node, where)
    doc.only_keys(items, node, set(LANGUAGES), where)
    values = dict(items)
    for lang in LANGUAGES:
        if lang not in values:
            raise doc.fail(node, f"{where} lacks its {lang!r} label")
    return Labels(**{lang: doc.scalar(values[lang], f"{where}.{lang}") for lang in LANGUAGES})


def _catalogue(doc: PolicyFile, node: Node, where: str, known: frozenset[str]) -> dict[str, Labels]:
    """Read a named catalogue; every name must be one the code knows, and none may be missing."""
    entries: dict[str, Labels] = {}
    for name, value in doc.mapping(node, where):
        if name not in known:
            raise doc.fail_at_name(
                value, f"unknown {where[:-1]} {name!r}; the platform knows {', '.join(sorted(known))}"
            )
        entries[name] = labels(doc, value, f"{where}.{name}")
    missing = sorted(known - entries.keys())
    if missing:
        raise doc.fail(node, f"{where} lacks {', '.join(missing)}")
    return entries


def load_role_policy(
    path: Path,
    *,
    known_kinds: frozenset[str],
    known_roles: frozenset[str],
    known_permissions: frozenset[str],
) -> RolePolicy:
    doc = PolicyFile.read(path)
    top = doc.mapping(doc.root, "the file")
    doc.only_keys(top, doc.root, {"kinds", "roles", "permissions", "grants"}, "the file")
    kinds = _catalogue(doc, doc.section(top, "kinds"), "kinds", known_kinds)
    roles = _catalogue(doc, doc.section(top, "roles"), "roles", known_roles)
    permissions = _catalogue(doc, doc.section(top, "permissions"), "permissions", known_permissions)
    grants: dict[tuple[str, str], frozenset[str]] = {}
    for kind, kind_node in doc.mapping(doc.section(top, "grants"), "grants"):
        if kind not in kinds:
            raise doc.fail_at_name(kind_node, f"unknown organisation kind {kind!r} in grants")
        for role, role_node in doc.mapping(kind_node, f"grants.{kind}"):
            if role not in roles:
                raise doc.fail_at_name(role_node, f"unknown role {role!r} in grants.{kind}")
            granted: set[str] = set()
            for item in doc.sequence(role_node, f"grants.{kind}.{role}"):
                permission = doc.scalar(item, f"a permission in grants.{kind}.{role}")
                if permission not in permissions:
                    raise doc.fail(item, f"unknown permission {permission!r} in grants.{kind}.{role}")
                if permission in granted:
                    raise doc.fail(item, f"permission {permission!r} listed twice in grants.{kind}.{role}")
                granted.add(permission)
            grants[(kind, role)] = frozenset(granted)
    return RolePolicy(path, kinds, roles, permissions, grants)
