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

from sqlalchemy import delete, func, select, text

from benchmarks.bench_referrals import open_app
from benchmarks.referral_dataset import generate
from coordination.alerts.models import Alert
from coordination.core.db import get_session
from coordination.statistics import build_pack
from coordination.statistics.categories import fill_missing, record_new_alert
from coordination.statistics.models import RecordCategories

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
        # The generator inserts rows in bulk, past the operations that keep each record's
        # categories; the first pack would fill them in. Timed apart, as after a bulk import.
        started = time.perf_counter()
        filled = fill_missing()
        get_session().commit()
        print(f"categories of {filled} alerts and cases filled in {time.perf_counter() - started:.1f} s")
        if get_session().get_bind().dialect.name == "postgresql":
            # A live database is analysed by autovacuum; one loaded a minute ago is not yet, and
            # the planner would take 50,000 referrals for 43 (nested loops instead of hash joins).
            get_session().execute(text("ANALYZE"))
            get_session().commit()
        upkeep = []
        for alert in get_session().scalars(select(Alert).limit(200)).unique():  # what raising an alert also does
            alert.subjects, alert.transactions  # noqa: B018 - loaded, as raise_alert has them in hand
            get_session().execute(delete(RecordCategories).where(RecordCategories.record_id == alert.id))
            t0 = time.perf_counter()
            record_new_alert(alert)
            upkeep.append((time.perf_counter() - t0) * 1000)
        get_session().rollback()
        print(f"keeping a new alert's categories (in raise_alert): median {statistics.median(upkeep):.2f} ms")
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
