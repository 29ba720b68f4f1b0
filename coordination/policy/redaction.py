"""`policies/redaction.yaml`: field classes and, per (recipient kind, purpose), class treatments."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from yaml.nodes import MappingNode

from coordination.policy.loader import PolicyFile
from coordination.policy.roles import Labels, labels

TREATMENTS = ("full", "pseudonym", "masked", "derived", "consented", "withheld")
PURPOSES = ("analysis", "investigation", "victim_protection", "victim_support", "information")
SUBJECT_GROUPS = ("suspect", "other")
# The logical fields the projection can emit. Each must have a class, or it is never projected;
# the policy may not name a field the code does not know.
FIELDS = frozenset(
    {
        "case.title",
        "case.summary",
        "alert.reference",
        "alert.typologies",
        "alert.indicators",
        "alert.narrative",
        "alert.pjk",
        "subject.role",
        "subject.name",
        "subject.nik",
        "subject.birth_date",
        "subject.phone",
        "subject.email",
        "subject.address",
        "subject.age_band",
        "subject.gender",
        "subject.province",
        "account.type",
        "account.provider",
        "account.identifier",
        "transaction.tx_id",
        "transaction.timestamp",
        "transaction.amount",
        "transaction.currency",
        "transaction.channel",
        "transaction.from_account",
        "transaction.to_account",
        "transaction.note",
        "referral.message",
    }
)


@dataclass(frozen=True)
class RedactionPolicy:
    version: str
    classes: dict[str, Labels]
    # field -> {"suspect": class, "other": class}; fields with one class for all use both keys
    fields: dict[str, dict[str, str]]
    treatments: dict[tuple[str, str], dict[str, str]]

    def class_of(self, field: str, subject_role: str | None = None) -> str | None:
        by_group = self.fields.get(field)
        if by_group is None:
            return None
        return by_group["suspect" if subject_role == "suspect" else "other"]

    def treatment(self, kind: str, purpose: str, cls: str | None) -> str:
        if cls is None:
            return "withheld"
        return self.treatments.get((kind, purpose), {}).get(cls, "withheld")

    def allows(self, kind: str, purpose: str) -> bool:
        return (kind, purpose) in self.treatments


def load_redaction_policy(path: Path, *, known_kinds: frozenset[str]) -> RedactionPolicy:
    doc = PolicyFile.read(path)
    top = doc.mapping(doc.root, "the file")
    doc.only_keys(top, doc.root, {"version", "classes", "fields", "treatments"}, "the file")
    version = doc.scalar(doc.section(top, "version"), "version")
    classes = {
        name: labels(doc, node, f"classes.{name}") for name, node in doc.mapping(doc.section(top, "classes"), "classes")
    }

    def known_class(node, where: str) -> str:  # type: ignore[no-untyped-def]
        value = doc.scalar(node, where)
        if value not in classes:
            raise doc.fail(node, f"unknown class {value!r} in {where}; classes are {', '.join(classes)}")
        return value

    fields: dict[str, dict[str, str]] = {}
    for field, node in doc.mapping(doc.section(top, "fields"), "fields"):
        if field not in FIELDS:
            raise doc.fail_at_name(node, f"unknown field {field!r}; the platform knows {', '.join(sorted(FIELDS))}")
        if isinstance(node, MappingNode):
            items = doc.mapping(node, f"fields.{field}")
            doc.only_keys(items, node, set(SUBJECT_GROUPS), f"fields.{field}")
            by_group = {group: known_class(value, f"fields.{field}.{group}") for group, value in items}
            if set(by_group) != set(SUBJECT_GROUPS):
                raise doc.fail(node, f"fields.{field} needs both suspect and other")
            fields[field] = by_group
        else:
            cls = known_class(node, f"fields.{field}")
            fields[field] = {group: cls for group in SUBJECT_GROUPS}

    treatments: dict[tuple[str, str], dict[str, str]] = {}
    for kind, kind_node in doc.mapping(doc.section(top, "treatments"), "treatments"):
        if kind not in known_kinds:
            raise doc.fail_at_name(kind_node, f"unknown organisation kind {kind!r} in treatments")
        for purpose, node in doc.mapping(kind_node, f"treatments.{kind}"):
            if purpose not in PURPOSES:
                raise doc.fail_at_name(node, f"unknown purpose {purpose!r}; purposes are {', '.join(PURPOSES)}")
            where = f"treatments.{kind}.{purpose}"
            chosen = {}
            for cls, value in doc.mapping(node, where):
                if cls not in classes:
                    raise doc.fail(node, f"unknown class {cls!r} in {where}")
                treatment = doc.scalar(value, f"{where}.{cls}")
                if treatment not in TREATMENTS:
                    raise doc.fail(
                        value,
                        f"unknown treatment {treatment!r} in {where}.{cls}; treatments are {', '.join(TREATMENTS)}",
                    )
                chosen[cls] = treatment
            treatments[(kind, purpose)] = chosen
    return RedactionPolicy(version, classes, fields, treatments)
