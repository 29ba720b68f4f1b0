"""`policies/catalogue.yaml` (the vocabulary of alerts and cases) and `policies/red_flags.yaml`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from coordination.policy.loader import PolicyFile
from coordination.policy.roles import Labels, labels

SECTIONS = ("typologies", "subject_roles", "genders", "account_types", "channels", "provinces")
# The code relies on these values (workflows, scrubbing labels); the file may add others.
REQUIRED = {
    "typologies": {"csam_purchase", "live_streaming", "open_bo", "sextortion", "grooming_payments", "other"},
    "subject_roles": {"account_holder", "counterparty", "victim", "suspect", "reporter"},
    "account_types": {"bank", "e_wallet", "crypto", "card", "phone_credit", "game"},
    "channels": {
        "bank_transfer",
        "e_wallet",
        "payment_gateway",
        "remittance",
        "crypto",
        "pulsa",
        "game_topup",
        "live_gift",
        "card",
        "cash",
    },
}
SOURCES = ("PPATK", "ECPAT", "AUSTRAC", "FINTRAC", "PJK survey")


@dataclass(frozen=True)
class Indicator:
    id: str
    labels: Labels
    description: str
    source: str
    weight: int


@dataclass(frozen=True)
class Catalogue:
    typologies: dict[str, Labels]
    subject_roles: dict[str, Labels]
    genders: dict[str, Labels]
    account_types: dict[str, Labels]
    channels: dict[str, Labels]
    provinces: dict[str, Labels]
    indicators: dict[str, Indicator]


def _section(doc: PolicyFile, top: list, name: str) -> dict[str, Labels]:
    node = doc.section(top, name)
    entries = {key: labels(doc, value, f"{name}.{key}") for key, value in doc.mapping(node, name)}
    missing = sorted(REQUIRED.get(name, set()) - entries.keys())
    if missing:
        raise doc.fail(node, f"{name} lacks {', '.join(missing)}")
    return entries


def _indicators(path: Path, typologies: dict[str, Labels]) -> dict[str, Indicator]:
    doc = PolicyFile.read(path)
    top = doc.mapping(doc.root, "the file")
    # `screening:` and each indicator's `rule:` are checked by the screening policy loader.
    doc.only_keys(top, doc.root, {"indicators", "screening"}, "the file")
    found: dict[str, Indicator] = {}
    for ident, node in doc.mapping(doc.section(top, "indicators"), "indicators"):
        where = f"indicators.{ident}"
        items = doc.mapping(node, where)
        doc.only_keys(items, node, {"id", "en", "description", "source", "weight", "typologies", "rule"}, where)
        values = dict(items)
        if "typologies" in values:
            for item in doc.sequence(values["typologies"], f"{where}.typologies"):
                if doc.scalar(item, f"{where}.typologies") not in typologies:
                    raise doc.fail(
                        item, f"{where}.typologies names {item.value!r}, which is not a typology of the catalogue"
                    )
        for key in ("id", "en", "description", "source", "weight"):
            if key not in values:
                raise doc.fail_at_name(node, f"{where} lacks {key!r}")
        source = doc.scalar(values["source"], f"{where}.source")
        if source not in SOURCES:
            raise doc.fail(values["source"], f"{where}.source must be one of {', '.join(SOURCES)}")
        weight_text = doc.scalar(values["weight"], f"{where}.weight")
        if not weight_text.isdigit() or not 1 <= int(weight_text) <= 10:
            raise doc.fail(values["weight"], f"{where}.weight must be a whole number from 1 to 10")
        found[ident] = Indicator(
            id=ident,
            labels=Labels(id=doc.scalar(values["id"], f"{where}.id"), en=doc.scalar(values["en"], f"{where}.en")),
            description=doc.scalar(values["description"], f"{where}.description"),
            source=source,
            weight=int(weight_text),
        )
    return found


def load_catalogue(catalogue_path: Path, red_flags_path: Path) -> Catalogue:
    doc = PolicyFile.read(catalogue_path)
    top = doc.mapping(doc.root, "the file")
    doc.only_keys(top, doc.root, set(SECTIONS), "the file")
    sections = {name: _section(doc, top, name) for name in SECTIONS}
    return Catalogue(**sections, indicators=_indicators(red_flags_path, sections["typologies"]))
