"""`policies/evidence.yaml`: evidence categories, their allowed content, and who sees each."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from coordination.policy.loader import PolicyFile
from coordination.policy.redaction import PURPOSES
from coordination.policy.roles import Labels

REQUIRED_CATEGORIES = ("csam", "chat_log", "bank_statement", "transaction_export", "screenshot", "document", "other")
# Hard rules, not policy: the file cannot loosen them.
CSAM_KINDS = frozenset({"police", "fiu"})
CSAM_PERMISSION = "evidence.view_csam"


@dataclass(frozen=True)
class Category:
    name: str
    labels: Labels
    content_types: frozenset[str]
    restricted_to: frozenset[str] | None
    permission: str | None
    reason_required: bool
    preview: bool


@dataclass(frozen=True)
class EvidencePolicy:
    version: str
    categories: dict[str, Category]
    referrals: dict[tuple[str, str], frozenset[str]]

    def travels(self, kind: str, purpose: str, category: str) -> bool:
        return category in self.referrals.get((kind, purpose), frozenset())


def load_evidence_policy(
    path: Path, *, known_kinds: frozenset[str], known_permissions: frozenset[str]
) -> EvidencePolicy:
    doc = PolicyFile.read(path)
    top = doc.mapping(doc.root, "the file")
    doc.only_keys(top, doc.root, {"version", "categories", "referrals"}, "the file")
    version = doc.scalar(doc.section(top, "version"), "version")
    categories: dict[str, Category] = {}
    section = doc.section(top, "categories")
    for name, node in doc.mapping(section, "categories"):
        where = f"categories.{name}"
        items = doc.mapping(node, where)
        doc.only_keys(
            items,
            node,
            {"id", "en", "content_types", "restricted_to", "permission", "reason_required", "preview"},
            where,
        )
        values = dict(items)
        if "content_types" not in values:
            raise doc.fail(node, f"{where} needs content_types")
        types = frozenset(doc.scalar(t, f"{where}.content_types") for t in doc.sequence(values["content_types"], where))
        for t in doc.sequence(values["content_types"], where):
            if "/" not in doc.scalar(t, where):
                raise doc.fail(t, f"{where}.content_types: {doc.scalar(t, where)!r} is not a media type")
        if not types:
            raise doc.fail(node, f"{where}.content_types is empty: nothing could be uploaded")
        restricted = None
        if "restricted_to" in values:
            restricted = frozenset(doc.scalar(k, where) for k in doc.sequence(values["restricted_to"], where))
            unknown = sorted(restricted - known_kinds)
            if unknown:
                raise doc.fail(values["restricted_to"], f"{where}.restricted_to: unknown kind {unknown[0]!r}")
        permission = doc.scalar(values["permission"], where) if "permission" in values else None
        if permission is not None and permission not in known_permissions:
            raise doc.fail(values["permission"], f"{where}.permission: unknown permission {permission!r}")
        flags = {}
        for flag, default in (("reason_required", False), ("preview", True)):
            flags[flag] = default
            if flag in values:
                text = doc.scalar(values[flag], f"{where}.{flag}")
                if text not in ("true", "false"):
                    raise doc.fail(values[flag], f"{where}.{flag} must be true or false")
                flags[flag] = text == "true"
        for lang in ("id", "en"):
            if lang not in values:
                raise doc.fail(node, f"{where} lacks its {lang!r} label")
        names = Labels(id=doc.scalar(values["id"], f"{where}.id"), en=doc.scalar(values["en"], f"{where}.en"))
        categories[name] = Category(
            name, names, types, restricted, permission, flags["reason_required"], flags["preview"]
        )
    missing = [c for c in REQUIRED_CATEGORIES if c not in categories]
    if missing:
        raise doc.fail(section, f"categories lacks {', '.join(missing)}")
    csam = categories["csam"]
    if (
        csam.restricted_to is None
        or not csam.restricted_to <= CSAM_KINDS
        or csam.permission != CSAM_PERMISSION
        or not csam.reason_required
        or csam.preview
    ):
        raise doc.fail(
            section,
            "categories.csam must keep restricted_to within [police, fiu], permission evidence.view_csam, "
            "reason_required true and preview false",
        )
    referrals: dict[tuple[str, str], frozenset[str]] = {}
    for kind, kind_node in doc.mapping(doc.section(top, "referrals"), "referrals"):
        if kind not in known_kinds:
            raise doc.fail_at_name(kind_node, f"unknown organisation kind {kind!r} in referrals")
        for purpose, node in doc.mapping(kind_node, f"referrals.{kind}"):
            if purpose not in PURPOSES:
                raise doc.fail_at_name(node, f"unknown purpose {purpose!r}; purposes are {', '.join(PURPOSES)}")
            chosen = frozenset(doc.scalar(c, f"referrals.{kind}.{purpose}") for c in doc.sequence(node, kind))
            for category in sorted(chosen):
                if category not in categories:
                    raise doc.fail(node, f"referrals.{kind}.{purpose}: unknown category {category!r}")
                allowed_kinds = categories[category].restricted_to
                if allowed_kinds is not None and kind not in allowed_kinds:
                    raise doc.fail(node, f"referrals.{kind}.{purpose}: {category} may not reach {kind}")
            referrals[(kind, purpose)] = chosen
    return EvidencePolicy(version, categories, referrals)
