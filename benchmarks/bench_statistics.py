"""Building the statistics pack over a national-scale data set.

Seeds 100,000 alerts (2 people, 2 payments each), 20,000 cases and 50,000 referrals with
benchmarks/referral_dataset.py, then times `build_pack` (national view, and one PJK's view)
for several breakdowns, interleaved with a baseline in the same run: a plain COUNT(*) over
alerts. Medians over the repeats.

    .venv/bin/python -m benchmarks.bench_statistics [--scale 1.0] [--repeats 7]
    SIMPUL_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/simpul_bench \\
        .venv/bin/python -m benchmarks.bench_statistics
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from benchmarks.bench_referrals import open_app
from benchmarks.referral_dataset import generate
from coordination.alerts.models import Alert
from coordination.core.db import get_session
from coordination.statistics import build_pack

BREAKDOWNS = (("typology",), ("typology", "channel"), ("typology", "channel", "province"), ("quarter", "org_kind"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    app = open_app()
    with app.app_context():
        started = time.perf_counter()
        seeded = generate(int(100_000 * args.scale), int(20_000 * args.scale), int(50_000 * args.scale))
        print(f"seeded in {time.perf_counter() - started:.0f} s on {get_session().get_bind().dialect.name}")
        today = datetime.now(UTC).date()
        start, end = today - timedelta(days=400), today + timedelta(days=1)
        bank = seeded["banks"][0].id  # type: ignore[index]

        def baseline() -> None:
            get_session().scalar(select(func.count()).select_from(Alert))

        cases = {"COUNT(*) over alerts (baseline)": baseline}
        for dims in BREAKDOWNS:
            cases[f"national, {'+'.join(dims)}"] = lambda dims=dims: build_pack(None, start, end, dims)
        cases["one PJK, typology+channel"] = lambda: build_pack([bank], start, end, ("typology", "channel"))
        results: dict[str, list[float]] = {name: [] for name in cases}
        for fn in cases.values():  # warm-up: caches and the planner's statistics
            fn()
        for _ in range(args.repeats):
            for name, fn in cases.items():
                t0 = time.perf_counter()
                fn()
                results[name].append((time.perf_counter() - t0) * 1000)
                get_session().rollback()
        base = statistics.median(results["COUNT(*) over alerts (baseline)"])
        print(f"{'case':44} {'median ms':>10} {'max ms':>8} {'x baseline':>11}")
        for name, samples in results.items():
            med = statistics.median(samples)
            print(f"{name:44} {med:10.1f} {max(samples):8.1f} {med / base:11.1f}")


if __name__ == "__main__":
    main()
