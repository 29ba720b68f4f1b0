"""Screening quality on synthetic traffic: precision and recall per typology, at account level.

Generates the default mix (coordination/screening/synthetic.py: background traffic, planted
typologies, benign look-alikes), writes it as Parquet in a temporary directory, screens it with
the engine exactly as a PJK upload would be (`screen(path, policy)`) and compares the flagged
accounts with the generator's ground truth.

Definitions (account level):
- recall of a typology: of the primary accounts planted for it (the collector, the payer, the
  minor, the mule...), the share flagged. Counterparties of planted schemes ("party:") are not
  counted for recall.
- precision of a typology: every flagged account is attributed to the typology of its strongest
  indicator (highest weight; ties go to the more specific indicator, TIE_ORDER). Precision is the
  share of the accounts attributed to that typology that are truly involved in a planted scheme
  (a primary account of any typology, or a party to one): an account flagged "fan_in" that was
  planted as "minor_receiver" is a correct alert with a different lead indicator, not a false one.
- overall precision: involved accounts / flagged accounts; overall recall: primary accounts
  flagged / primary accounts planted.
- flag rate of a look-alike kind: the share of its accounts flagged (all of them are false alerts).

    .venv/bin/python -m benchmarks.screening_quality [--rows 1000000] [--seed 7] [--policy FILE]
        [--set odd_hours.weight=5 --set repeated_amount.rule.window_days=30 ...] [--tune]

--set evaluates a copy of the policy with some values changed (written to the temporary
directory; the policy file itself is not touched). --tune searches weights that would meet both
aims on the indicators that fired (see tune()).
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from coordination.screening import synthetic
from coordination.screening.policy import load_screening_policy

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POLICY = ROOT / "policies" / "red_flags.yaml"
# When two indicators of the same weight fire, the one that says more about the typology leads.
TIE_ORDER = (
    "minor_payer_escalation",
    "minor_receiver",
    "coded_note",
    "pass_through",
    "fan_in",
    "fan_out",
    "small_cross_border",
    "repeated_amount",
    "typology_channel",
    "odd_hours",
)
AIM_RECALL = 0.95
AIM_PRECISION = 0.90


@dataclass
class Quality:
    rows: int
    seconds: float
    flagged: int
    planted: collections.Counter = field(default_factory=collections.Counter)
    found: collections.Counter = field(default_factory=collections.Counter)
    attributed: collections.Counter = field(default_factory=collections.Counter)
    attributed_true: collections.Counter = field(default_factory=collections.Counter)
    lookalikes: collections.Counter = field(default_factory=collections.Counter)
    lookalikes_flagged: collections.Counter = field(default_factory=collections.Counter)
    involved_flagged: int = 0
    party_flagged: int = 0
    background_flagged: int = 0
    # Which indicator sets fire on missed accounts and on false alerts, for tuning.
    missed_patterns: dict[str, collections.Counter] = field(default_factory=dict)
    lookalike_patterns: dict[str, collections.Counter] = field(default_factory=dict)
    false_patterns: dict[str, collections.Counter] = field(default_factory=dict)

    @property
    def recall(self) -> float:
        return _ratio(sum(self.found.values()), sum(self.planted.values()))

    @property
    def precision(self) -> float:
        return _ratio(self.involved_flagged, self.flagged)


def _ratio(a: int, b: int) -> float:
    return a / b if b else float("nan")


def lead_indicator(indicators, weights: dict[str, float]) -> str:  # type: ignore[no-untyped-def]
    """The indicator that points hardest at a typology: highest weight, then TIE_ORDER."""
    rank = {name: i for i, name in enumerate(TIE_ORDER)}
    return min((hit.id for hit in indicators), key=lambda i: (-weights.get(i, 0), rank.get(i, len(rank))))


def evaluate(flagged, labels: dict[str, str], weights: dict[str, float], all_indicators=None) -> Quality:  # type: ignore[no-untyped-def]
    """Compare flagged accounts with the ground truth. all_indicators: account -> fired ids (diagnostics)."""
    q = Quality(rows=0, seconds=0.0, flagged=len(flagged))
    for name in labels.values():
        if name.startswith("benign:"):
            q.lookalikes[name.removeprefix("benign:")] += 1
        elif not name.startswith("party:"):
            q.planted[name] += 1
    flagged_ids = set()
    for account in flagged:
        flagged_ids.add(account.account)
        label = labels.get(account.account, "")
        involved = bool(label) and not label.startswith("benign:")
        lead = lead_indicator(account.indicators, weights)
        q.attributed[lead] += 1
        pattern = "+".join(sorted(hit.id for hit in account.indicators))
        if involved:
            q.involved_flagged += 1
            q.attributed_true[lead] += 1
            if label.startswith("party:"):
                q.party_flagged += 1
            else:
                q.found[label] += 1
        else:
            kind = label.removeprefix("benign:") if label else "background"
            if label:
                q.lookalikes_flagged[kind] += 1
            else:
                q.background_flagged += 1
            q.false_patterns.setdefault(kind, collections.Counter())[pattern] += 1
    if all_indicators is not None:
        for account, name in labels.items():
            fired = "+".join(sorted(all_indicators.get(account, ()))) or "(none)"
            if name in q.planted and account not in flagged_ids:
                q.missed_patterns.setdefault(name, collections.Counter())[fired] += 1
            elif name.startswith("benign:") and fired != "(none)":
                q.lookalike_patterns.setdefault(name, collections.Counter())[fired] += 1
    return q


def tune(
    fired: dict[str, tuple[str, ...]], labels: dict[str, str], weights: dict[str, int], threshold: int, passes: int = 4
) -> tuple[dict[str, int], float, float]:
    """Weights (1-10, threshold unchanged) that best meet both aims on these fired indicator sets.

    fired: every account's indicators at threshold 1. Coordinate descent on min(recall / aim,
    precision / aim): each weight in turn is set to its best value, a few passes over all. Only
    weights change: the rules' own parameters (windows, counts) need a policy copy and a rerun.
    """
    import numpy as np

    names = sorted(weights)
    accounts = sorted(fired)
    matrix = np.zeros((len(accounts), len(names)), dtype=np.int32)
    column = {name: j for j, name in enumerate(names)}
    for i, account in enumerate(accounts):
        for ident in fired[account]:
            if ident in column:
                matrix[i, column[ident]] = 1
    label = [labels.get(a, "") for a in accounts]
    primary = np.array([bool(x) and ":" not in x for x in label])
    involved = np.array([bool(x) and not x.startswith("benign:") for x in label])
    planted_total = sum(1 for x in labels.values() if x and ":" not in x)

    def measure(w: np.ndarray) -> tuple[float, float, float]:
        flagged = matrix @ w >= threshold
        recall = (flagged & primary).sum() / max(1, planted_total)
        precision = (flagged & involved).sum() / max(1, flagged.sum())
        return min(recall / AIM_RECALL, precision / AIM_PRECISION), recall, precision

    w = np.array([weights[n] for n in names], dtype=np.int32)
    best = measure(w)
    for _ in range(passes):
        for j in range(len(names)):
            for value in range(1, 11):
                trial = w.copy()
                trial[j] = value
                got = measure(trial)
                if got[0] > best[0] + 1e-9:
                    w, best = trial, got
    return {n: int(v) for n, v in zip(names, w, strict=True)}, best[1], best[2]


def run(rows: int, seed: int, policy_path: Path, workdir: Path) -> tuple[Quality, dict, dict[str, str], object]:
    """Screen the default mix; returns the figures, every account's fired indicators, the labels, the policy."""
    from coordination.screening.engine import screen  # here, so evaluate() works without the engine

    frame, labels = synthetic.generate(rows, seed)
    path = workdir / "transactions.parquet"
    frame.write_parquet(path)
    del frame
    policy = load_screening_policy(policy_path)
    start = time.perf_counter()
    result = screen(path, policy)
    seconds = time.perf_counter() - start
    fired = fired_indicators(path, policy)
    q = evaluate(result.flagged, labels, indicator_weights(policy), fired)
    q.rows, q.seconds = rows, seconds
    return q, fired, labels, policy


def indicator_weights(policy) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {name: rule.weight for name, rule in policy.indicators.items()}


def fired_indicators(path: Path, policy) -> dict[str, tuple[str, ...]]:  # type: ignore[no-untyped-def]
    """Indicators that fired per account, flagged or not: the same screening with the threshold at 1."""
    from coordination.screening.engine import screen

    loose = replace(policy, flag_threshold=1)
    return {a.account: tuple(hit.id for hit in a.indicators) for a in screen(path, loose).flagged}


def report(q: Quality, policy_path: Path) -> str:
    lines = [
        f"{q.rows:,} rows screened in {q.seconds:.1f} s with {policy_path}; {q.flagged:,} accounts flagged",
        "",
        "| typology | planted | flagged (recall) | led by it | of which involved (precision) |",
        "|---|---|---|---|---|",
    ]
    for name in synthetic.TYPOLOGIES:
        planted, found = q.planted[name], q.found[name]
        led, true = q.attributed[name], q.attributed_true[name]
        precision = f"{true} ({_ratio(true, led):.3f})" if led else "– (n/a)"
        lines.append(f"| `{name}` | {planted} | {found} ({_ratio(found, planted):.3f}) | {led} | {precision} |")
    others = sorted(set(q.attributed) - set(synthetic.TYPOLOGIES))
    for name in others:
        lines.append(f"| (`{name}` leads) | | | {q.attributed[name]} | {q.attributed_true[name]} |")
    planted_total = sum(q.planted.values())
    lines += [
        f"| **all** | {planted_total} | {sum(q.found.values())} ({q.recall:.3f}) | {q.flagged} "
        f"| {q.involved_flagged} ({q.precision:.3f}) |",
        "",
        f"Flagged parties to planted schemes (buyers, extortionists...; counted as correct): {q.party_flagged}; "
        f"flagged ordinary background accounts: {q.background_flagged}.",
        "",
        "| benign look-alike | accounts | flagged | flag rate |",
        "|---|---|---|---|",
    ]
    for kind in (*synthetic.LOOKALIKES, "merchant"):
        total, hit = q.lookalikes[kind], q.lookalikes_flagged[kind]
        lines.append(f"| `{kind}` | {total} | {hit} | {_ratio(hit, total):.3f} |")
    met_r, met_p = q.recall >= AIM_RECALL, q.precision >= AIM_PRECISION
    lines += [
        "",
        f"Aim recall >= {AIM_RECALL}: {'met' if met_r else 'NOT met'} ({q.recall:.3f}); "
        f"precision >= {AIM_PRECISION}: {'met' if met_p else 'NOT met'} ({q.precision:.3f})",
    ]
    if q.missed_patterns:
        lines += ["", "Missed planted accounts, by the indicators that did fire:"]
        for name, patterns in sorted(q.missed_patterns.items()):
            lines.append(f"  {name}: " + "; ".join(f"{p} x{n}" for p, n in patterns.most_common(5)))
    if q.lookalike_patterns:
        lines += ["", "Look-alikes with any indicator fired (flagged or not):"]
        for kind, patterns in sorted(q.lookalike_patterns.items()):
            lines.append(f"  {kind}: " + "; ".join(f"{p} x{n}" for p, n in patterns.most_common(5)))
    if q.false_patterns:
        lines += ["", "False alerts, by the indicators that fired:"]
        for kind, patterns in sorted(q.false_patterns.items()):
            lines.append(f"  {kind}: " + "; ".join(f"{p} x{n}" for p, n in patterns.most_common(5)))
    return "\n".join(lines)


def policy_with(policy_path: Path, settings: list[str], workdir: Path) -> Path:
    """A copy of the policy with `indicator.key=value` or `indicator.rule.param=value` changed."""
    import yaml

    data = yaml.safe_load(policy_path.read_text(encoding="utf-8"))
    for setting in settings:
        where, _, value = setting.partition("=")
        *parents, key = where.split(".")
        node = data["screening"] if parents == ["screening"] else data["indicators"]
        for part in parents if parents != ["screening"] else []:
            node = node[part]
        if key not in node:
            raise SystemExit(f"--set {setting}: {where} is not in {policy_path}")
        node[key] = yaml.safe_load(value)
    copy = workdir / "red_flags.yaml"
    copy.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return copy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--policy", type=Path, default=DEFAULT_POLICY, help="a red_flags.yaml (e.g. a tuned copy)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--tune", action="store_true", help="also search weights that meet both aims")
    parser.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", help="change a policy value")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="simpul-quality-"))
    try:
        policy_path = policy_with(args.policy, args.set, workdir) if args.set else args.policy
        q, fired, labels, policy = run(args.rows, args.seed, policy_path, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(report(q, args.policy))
    if args.set:
        print("with: " + ", ".join(args.set))
    if args.tune:
        current = indicator_weights(policy)
        weights, recall, precision = tune(fired, labels, current, policy.flag_threshold)  # type: ignore[attr-defined]
        changed = {k: f"{current[k]} -> {v}" for k, v in weights.items() if v != current[k]}
        print()
        print(f"Weights meeting the aims best at threshold {policy.flag_threshold}: {changed or 'no change'}")  # type: ignore[attr-defined]
        print(f"  would give recall {recall:.3f}, precision {precision:.3f}")
    if args.json:
        figures = {
            "rows": q.rows,
            "seconds": q.seconds,
            "flagged": q.flagged,
            "recall": q.recall,
            "precision": q.precision,
            "planted": dict(q.planted),
            "found": dict(q.found),
            "attributed": dict(q.attributed),
            "attributed_true": dict(q.attributed_true),
            "lookalikes": dict(q.lookalikes),
            "lookalikes_flagged": dict(q.lookalikes_flagged),
            "background_flagged": q.background_flagged,
            "party_flagged": q.party_flagged,
        }
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
