"""The screening half of `policies/red_flags.yaml`: each indicator's `rule:` and the `screening:` section.

Compliance staff tune these numbers by hand, so every value is checked here against its rule
type's parameter list, and a mistake stops the load with file, line, indicator and parameter
("policies/red_flags.yaml:57: indicators.fan_in.rule.window_days must be a whole number of days
from 1 to 366"). Only the standard library and the policy loader are imported: the web app loads
this at start-up without pulling in the engine.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode

from coordination.policy.loader import PolicyFile
from coordination.policy.roles import Labels

CHANNELS = (
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
)
DIRECTIONS = ("incoming", "outgoing", "any")
_REQUIRED = object()


@dataclass(frozen=True)
class Param:
    """One parameter of a rule type: how to read it, what it must be (for the error), its default."""

    read: Callable[[PolicyFile, Node, str], Any]
    must_be: str
    default: Any = _REQUIRED


def _whole(low: int, high: int, unit: str = "") -> Callable[[PolicyFile, Node, str], int]:
    def read(doc: PolicyFile, node: Node, where: str) -> int:
        text = node.value if isinstance(node, ScalarNode) else ""
        if not re.fullmatch(r"\d+", text) or not low <= int(text) <= high:
            raise ValueError
        return int(text)

    return read


def _flag(doc: PolicyFile, node: Node, where: str) -> bool:
    text = node.value if isinstance(node, ScalarNode) else ""
    if text not in ("true", "false"):
        raise ValueError
    return text == "true"


def _one_of(choices: tuple[str, ...]) -> Callable[[PolicyFile, Node, str], str]:
    def read(doc: PolicyFile, node: Node, where: str) -> str:
        if not isinstance(node, ScalarNode) or node.value not in choices:
            raise ValueError
        return str(node.value)

    return read


def _words(choices: tuple[str, ...] | None = None) -> Callable[[PolicyFile, Node, str], tuple[str, ...]]:
    def read(doc: PolicyFile, node: Node, where: str) -> tuple[str, ...]:
        items = tuple(doc.scalar(item, f"an entry of {where}").strip() for item in doc.sequence(node, where))
        if not items or any(not item or (choices is not None and item not in choices) for item in items):
            raise ValueError
        return items

    return read


_WINDOW_DAYS = Param(_whole(1, 366), "a whole number of days from 1 to 366")
_WINDOW_HOURS = Param(_whole(1, 720), "a whole number of hours from 1 to 720")
_AGE = Param(_whole(1, 25), "a whole number of years from 1 to 25")
_AMOUNT = Param(_whole(1, 10**12), "a whole number of rupiah from 1 to 1000000000000")
_COUNT = Param(_whole(1, 100_000), "a whole number from 1 to 100000")
_PERCENT = Param(_whole(1, 100), "a whole percentage from 1 to 100")
_HOUR = Param(_whole(0, 24), "an hour of the day from 0 to 24")

RULE_TYPES: dict[str, dict[str, Param]] = {
    # Many distinct counterparties within a window: fan-in, fan-out, small cross-border payments,
    # a minor paid by many adults. Filters narrow which transactions count.
    "counterparty_burst": {
        "direction": Param(_one_of(DIRECTIONS), "one of " + ", ".join(DIRECTIONS)),
        "window_days": _WINDOW_DAYS,
        "min_counterparties": _COUNT,
        "max_amount": Param(_AMOUNT.read, _AMOUNT.must_be, None),
        "cross_border_only": Param(_flag, "true or false", False),
        "account_max_age": Param(_AGE.read, _AGE.must_be, None),
        "counterparty_min_age": Param(_AGE.read, _AGE.must_be, None),
        # The counted counterparties must be at least this share of all the account's
        # counterparties in that direction: a shop's few buyers abroad among hundreds at home are not.
        "min_share_percent": Param(_PERCENT.read, _PERCENT.must_be, None),
    },
    "repeated_amount": {
        "window_days": _WINDOW_DAYS,
        "min_repeats": Param(_whole(2, 100_000), "a whole number from 2 to 100000"),
        "channels": Param(_words(CHANNELS), "a non-empty list of channels from: " + ", ".join(CHANNELS), None),
    },
    "note_keywords": {
        "codes": Param(_words(), "a non-empty list of words"),
        "age_words": Param(_words(), "a non-empty list of words", ()),
        "age_units": Param(_words(), "a non-empty list of words", ()),
        "max_mentioned_age": Param(_whole(5, 25), "a whole number of years from 5 to 25", 17),
        "disguise_phrases": Param(_words(), "a non-empty list of words", ()),
        "disguise_min_counterparties": Param(_COUNT.read, _COUNT.must_be, 4),
        # A number after one of these is an ordinal ("ulang tahun ke 15": the 15th), not an age.
        "ordinal_words": Param(_words(), "a non-empty list of words", ()),
    },
    "channel_with_other_signal": {
        "channels": Param(_words(CHANNELS), "a non-empty list of channels from: " + ", ".join(CHANNELS)),
        # Receiving gifts, top-ups and credit is the typology; a child buying top-ups is not.
        "direction": Param(_one_of(DIRECTIONS), "one of " + ", ".join(DIRECTIONS), "incoming"),
        "min_transactions": _COUNT,
        "min_counterparties": _COUNT,
        "with_indicators": Param(_words(), "a non-empty list of indicator ids with rules"),
    },
    "escalating_payments": {
        "payer_max_age": _AGE,
        "window_hours": _WINDOW_HOURS,
        "min_payments": Param(_whole(2, 1000), "a whole number from 2 to 1000"),
    },
    "odd_hours": {
        "start_hour": _HOUR,
        "end_hour": _HOUR,
        "min_transactions": _COUNT,
        "min_share_percent": _PERCENT,
        # Night after night is a habit; one late evening out (friends settling a bill) is not.
        "min_nights": Param(_COUNT.read, _COUNT.must_be, 1),
    },
    "pass_through": {
        "window_hours": _WINDOW_HOURS,
        "min_amount": _AMOUNT,
        "min_out_share_percent": _PERCENT,
        "min_occurrences": _COUNT,
    },
}


@dataclass(frozen=True)
class RuleIndicator:
    id: str
    labels: Labels
    weight: int
    type: str
    params: Mapping[str, Any]
    typologies: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScreeningPolicy:
    path: Path
    indicators: dict[str, RuleIndicator]
    flag_threshold: int
    local_offset_minutes: int = 7 * 60
    local_time_label: str = "WIB"
    max_evidence: int = 200
    currency_rates: Mapping[str, float] = field(default_factory=lambda: {"IDR": 1.0})
    # Typologies of every indicator, with a rule or not, for alerts raised from screening.
    indicator_typologies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def typologies_of(self, indicator_id: str) -> tuple[str, ...]:
        return tuple(self.indicator_typologies.get(indicator_id, ()))


def load_screening_policy(path: Path) -> ScreeningPolicy:
    """Read and check the rules and the screening section; raises PolicyError naming file and line."""
    doc = PolicyFile.read(path)
    top = doc.mapping(doc.root, "the file")
    settings = _settings(doc, doc.section(top, "screening"))
    indicators: dict[str, RuleIndicator] = {}
    typologies: dict[str, tuple[str, ...]] = {}
    others: dict[str, Node] = {}
    for ident, node in doc.mapping(doc.section(top, "indicators"), "indicators"):
        values = dict(doc.mapping(node, f"indicators.{ident}"))
        if "typologies" in values:
            typologies[ident] = tuple(
                doc.scalar(item, f"indicators.{ident}.typologies")
                for item in doc.sequence(values["typologies"], f"indicators.{ident}.typologies")
            )
        if "rule" not in values:
            continue
        for key in ("id", "en", "weight"):
            if key not in values:
                raise doc.fail_at_name(node, f"indicators.{ident} lacks {key!r}")
        labels = Labels(
            id=doc.scalar(values["id"], f"indicators.{ident}.id"), en=doc.scalar(values["en"], f"indicators.{ident}.en")
        )
        weight_text = doc.scalar(values["weight"], f"indicators.{ident}.weight")
        if not weight_text.isdigit() or not 1 <= int(weight_text) <= 10:
            raise doc.fail(values["weight"], f"indicators.{ident}.weight must be a whole number from 1 to 10")
        rule_type, params = _rule(doc, values["rule"], f"indicators.{ident}.rule")
        indicators[ident] = RuleIndicator(ident, labels, int(weight_text), rule_type, params, typologies.get(ident, ()))
        others[ident] = values["rule"]
    _check_references(doc, indicators, others)
    return ScreeningPolicy(path=path, indicators=indicators, indicator_typologies=typologies, **settings)


def _rule(doc: PolicyFile, node: Node, where: str) -> tuple[str, dict[str, Any]]:
    items = doc.mapping(node, where)
    values = dict(items)
    if "type" not in values:
        raise doc.fail_at_name(node, f"{where} lacks 'type' (one of {', '.join(RULE_TYPES)})")
    rule_type = doc.scalar(values["type"], f"{where}.type")
    if rule_type not in RULE_TYPES:
        raise doc.fail(
            values["type"], f"{where}.type {rule_type!r} is not a rule type; expected one of {', '.join(RULE_TYPES)}"
        )
    spec = RULE_TYPES[rule_type]
    doc.only_keys(items, node, {"type", *spec}, where)
    params: dict[str, Any] = {}
    for name, param in spec.items():
        if name not in values:
            if param.default is _REQUIRED:
                raise doc.fail_at_name(
                    node, f"{where} lacks {name!r} ({param.must_be}), which a {rule_type} rule needs"
                )
            params[name] = param.default
            continue
        try:
            params[name] = param.read(doc, values[name], f"{where}.{name}")
        except ValueError:
            raise doc.fail(values[name], f"{where}.{name} must be {param.must_be}") from None
    if rule_type == "odd_hours" and params["start_hour"] == params["end_hour"]:
        raise doc.fail(values["end_hour"], f"{where}.end_hour must differ from start_hour")
    return rule_type, params


def _check_references(doc: PolicyFile, indicators: dict[str, RuleIndicator], nodes: dict[str, Node]) -> None:
    for ident, indicator in indicators.items():
        for other in indicator.params.get("with_indicators", ()):
            # a channel rule leans on other signals; two leaning on each other would prove nothing
            if other not in indicators or indicators[other].type == "channel_with_other_signal":
                rule_values = dict(doc.mapping(nodes[ident], f"indicators.{ident}.rule"))
                raise doc.fail(
                    rule_values["with_indicators"],
                    f"indicators.{ident}.rule.with_indicators names {other!r}, which is not another "
                    "indicator with a rule",
                )


def _settings(doc: PolicyFile, node: Node) -> dict[str, Any]:
    where = "screening"
    items = doc.mapping(node, where)
    doc.only_keys(
        items, node, {"flag_threshold", "local_time", "max_evidence_per_indicator", "currency_rates_to_idr"}, where
    )
    values = dict(items)
    if "flag_threshold" not in values:
        raise doc.fail(node, "screening lacks 'flag_threshold'")
    settings: dict[str, Any] = {}
    try:
        settings["flag_threshold"] = _whole(1, 1000)(doc, values["flag_threshold"], "")
    except ValueError:
        raise doc.fail(
            values["flag_threshold"], "screening.flag_threshold must be a whole number from 1 to 1000"
        ) from None
    if "max_evidence_per_indicator" in values:
        try:
            settings["max_evidence"] = _whole(1, 100_000)(doc, values["max_evidence_per_indicator"], "")
        except ValueError:
            raise doc.fail(
                values["max_evidence_per_indicator"],
                "screening.max_evidence_per_indicator must be a whole number from 1 to 100000",
            ) from None
    if "local_time" in values:
        settings.update(_local_time(doc, values["local_time"]))
    if "currency_rates_to_idr" in values:
        settings["currency_rates"] = _rates(doc, values["currency_rates_to_idr"])
    return settings


def _local_time(doc: PolicyFile, node: Node) -> dict[str, Any]:
    values = dict(doc.mapping(node, "screening.local_time"))
    doc.only_keys(list(values.items()), node, {"offset", "label"}, "screening.local_time")
    if "offset" not in values:
        raise doc.fail(node, "screening.local_time lacks 'offset'")
    text = doc.scalar(values["offset"], "screening.local_time.offset")
    match = re.fullmatch(r"([+-])(\d{2}):(\d{2})", text)
    if not match or int(match[2]) > 14 or int(match[3]) >= 60:
        raise doc.fail(values["offset"], "screening.local_time.offset must be an offset from UTC such as +07:00")
    minutes = (int(match[2]) * 60 + int(match[3])) * (-1 if match[1] == "-" else 1)
    label = doc.scalar(values["label"], "screening.local_time.label") if "label" in values else text
    return {"local_offset_minutes": minutes, "local_time_label": label}


def _rates(doc: PolicyFile, node: Node) -> dict[str, float]:
    rates: dict[str, float] = {}
    for code, value in doc.mapping(node, "screening.currency_rates_to_idr"):
        where = f"screening.currency_rates_to_idr.{code}"
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise doc.fail_at_name(value, f"{where}: {code!r} is not an ISO 4217 currency code (three capital letters)")
        text = value.value if isinstance(value, ScalarNode) else ""
        try:
            rate = float(text)
        except ValueError:
            rate = -1.0
        if not 0 < rate < 1e9 or isinstance(value, MappingNode):
            raise doc.fail(value, f"{where} must be a positive number of rupiah per unit")
        rates[code] = rate
    if rates.get("IDR") != 1.0:
        raise doc.fail(node, "screening.currency_rates_to_idr must list IDR: 1")
    return rates
