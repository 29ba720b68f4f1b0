"""Load test: a realistic mix against gunicorn on PostgreSQL, on loopback, bounded in time.

    .venv/bin/python -m benchmarks.load.run [--users N] [--duration S] [--db URL] [--quick]

1. Creates a throw-away database on the PostgreSQL server of `--db` (default
   postgres@127.0.0.1:5432), migrates it and seeds it (seed.py: background alerts, cases and
   referrals, desks with API tokens and signed-in sessions, evidence files).
2. Serves `app:app` with gunicorn (gthread: `--workers` x `--threads`) on a free loopback port,
   with the API and sign-in rate limits raised for the run (they would answer the load with 429).
3. Runs locust headless in a subprocess (locustfile.py), each stage a closed loop of N users:
   a short warm-up, then a step search over N (stops at the first stage whose p95 exceeds
   200 ms or that has any failure; the sustainable concurrency is the last stage that passed),
   then the measured run at that concurrency: the trivial endpoint, the mix, the trivial
   endpoint again (its throughput is the mean of the two, taken around the mix).
4. Prints per request type: requests, failures, req/s, p50/p95/p99 ms; the mix's throughput
   against the trivial endpoint's; then stops the server and drops the database.

The default run takes under 5 minutes; `--quick` (a smoke test, under a minute) seeds less and
runs short stages. Locust shares the machine's cores with gunicorn and PostgreSQL, so the
trivial endpoint's figure is bounded by the client as much as by the server: read the ratio as
"the mix costs at least this much more than a request that touches no table".
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.load.mix import MIX, TRIVIAL
from benchmarks.load.server import DEFAULT_SERVER, ROOT, Installation

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
P95_AIM_MS = 200.0


@dataclass(frozen=True)
class Row:
    name: str
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float


@dataclass(frozen=True)
class Stage:
    users: int
    rows: dict[str, Row]  # request name -> row; "Aggregated" is the total
    failures: list[str]  # locust's failure lines: "count x method name: error"

    @property
    def total(self) -> Row:
        return self.rows["Aggregated"]

    @property
    def passed(self) -> bool:
        return self.total.failures == 0 and self.total.requests > 0 and self.total.p95 <= P95_AIM_MS


def _number(value: str) -> float:
    return float(value) if value not in ("", "N/A") else float("nan")


def read_stats(prefix: Path) -> tuple[dict[str, Row], list[str]]:
    """Locust's `<prefix>_stats.csv` (one row per request name, then "Aggregated") and failures."""
    rows: dict[str, Row] = {}
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for line in csv.DictReader(handle):
            rows[line["Name"]] = Row(
                name=line["Name"],
                requests=int(line["Request Count"]),
                failures=int(line["Failure Count"]),
                rps=_number(line["Requests/s"]),
                p50=_number(line["50%"]),
                p95=_number(line["95%"]),
                p99=_number(line["99%"]),
            )
    failures = []
    failures_csv = Path(f"{prefix}_failures.csv")
    if failures_csv.exists():
        with open(failures_csv, newline="") as handle:
            for line in csv.DictReader(handle):
                failures.append(f"{line['Occurrences']} x {line['Method']} {line['Name']}: {line['Error'][:300]}")
    return rows, failures


def run_locust(
    host: str, seed_path: Path, user_class: str, users: int, seconds: float, prefix: Path, timeout_s: float = 120
) -> Stage:
    """One headless locust run; statistics are reset once all users have started."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108 (locust reads ~/.locust.conf)
        "PYTHONPATH": str(ROOT),
        "SIMPUL_LOAD_SEED": str(seed_path),
    }
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(max(users, 1) * 2),
        "--run-time",
        f"{int(seconds)}s",
        "--reset-stats",
        "--only-summary",
        "--csv",
        str(prefix),
        "--host",
        host,
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
        user_class,
    ]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=seconds + timeout_s, check=False
    )
    if done.returncode != 0 or not Path(f"{prefix}_stats.csv").exists():
        raise RuntimeError(f"locust failed ({done.returncode}):\n{done.stderr[-3000:]}")
    rows, failures = read_stats(prefix)
    return Stage(users=users, rows=rows, failures=failures)


def _ms(value: float) -> str:
    return "-" if value != value else f"{value:.0f}"  # NaN: no request of the kind


def mix_table(stage: Stage, health: Row) -> str:
    lines = [
        "| request | requests | failures | req/s | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, _weight in MIX.values():
        row = stage.rows.get(name)
        if row is None:
            lines.append(f"| `{name}` | 0 | 0 | 0 | - | - | - |")
            continue
        lines.append(
            f"| `{name}` | {row.requests} | {row.failures} | {row.rps:.1f} | "
            f"{_ms(row.p50)} | {_ms(row.p95)} | {_ms(row.p99)} |"
        )
    total = stage.total
    lines.append(
        f"| **mix, all requests** | {total.requests} | {total.failures} | {total.rps:.1f} | "
        f"{_ms(total.p50)} | {_ms(total.p95)} | {_ms(total.p99)} |"
    )
    lines.append(
        f"| `{TRIVIAL}` (baseline, same {stage.users} users) | {health.requests} | {health.failures} | "
        f"{health.rps:.1f} | {_ms(health.p50)} | {_ms(health.p95)} | {_ms(health.p99)} |"
    )
    return "\n".join(lines)


def steps_table(stages: list[Stage]) -> str:
    lines = [
        "| users | req/s | p50 ms | p95 ms | p99 ms | failures | within aim |",
        "|---:|---:|---:|---:|---:|---:|---|",
    ]
    for stage in stages:
        t = stage.total
        lines.append(
            f"| {stage.users} | {t.rps:.1f} | {_ms(t.p50)} | {_ms(t.p95)} | {_ms(t.p99)} | {t.failures} | "
            f"{'yes' if stage.passed else 'no'} |"
        )
    return "\n".join(lines)


def merged_health(first: Stage, second: Stage) -> Row:
    """The trivial endpoint before and after the mix: summed counts, mean rate and percentiles."""
    none = Row(TRIVIAL, 0, 0, 0.0, float("nan"), float("nan"), float("nan"))
    a, b = first.rows.get(TRIVIAL, none), second.rows.get(TRIVIAL, none)
    return Row(
        name=TRIVIAL,
        requests=a.requests + b.requests,
        failures=a.failures + b.failures,
        rps=(a.rps + b.rps) / 2,
        p50=(a.p50 + b.p50) / 2,
        p95=(a.p95 + b.p95) / 2,
        p99=(a.p99 + b.p99) / 2,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, help="measure at this concurrency instead of searching for it")
    parser.add_argument("--duration", type=int, help="seconds of the measured mix (default 60; quick 8)")
    parser.add_argument("--db", default=DEFAULT_SERVER, help="PostgreSQL server (its maintenance database URL)")
    parser.add_argument("--quick", action="store_true", help="a smoke test of the whole chain, under a minute")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default: one per core)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (gthread)")
    parser.add_argument("--alerts", type=int, help="background alerts to seed (default 10000; quick 500)")
    parser.add_argument("--keep-csv", type=Path, help="copy locust's CSV files to this directory")
    args = parser.parse_args()
    quick = args.quick
    duration = args.duration or (8 if quick else 60)
    step_s, health_s, warm_s = (4, 3, 0) if quick else (10, 15, 5)
    steps = [2] if quick else [1, 2, 4, 6, 8, 12, 16]
    alerts = args.alerts or (500 if quick else 10_000)
    started = time.monotonic()
    load_before = os.getloadavg()[0]  # other work on a shared machine shows in every figure

    installation = Installation.create(server_url=args.db)
    work = Path(tempfile.mkdtemp(prefix="simpul-load-csv-", dir=installation.data_dir))
    try:
        seed_path = work / "seed.json"
        seed = installation.seed(
            seed_path, alerts=alerts, cases=max(alerts // 10, 20), evidence=5 if quick else 20, desks=max(steps) * 2
        )
        print(
            f"{time.monotonic() - started:5.0f} s seeded {seed['seeded']} in {seed['seed_seconds']} s; "
            f"gunicorn gthread {args.workers} workers x {args.threads} threads",
            flush=True,
        )
        installation.start(workers=args.workers, threads=args.threads)
        host = installation.host
        print(f"{time.monotonic() - started:5.0f} s gunicorn answers on {host}", flush=True)

        def stage(user_class: str, users: int, seconds: float, tag: str) -> Stage:
            result = run_locust(host, seed_path, user_class, users, seconds, work / tag)
            t = result.total
            print(
                f"{time.monotonic() - started:5.0f} s {tag:<14} {users:>3} users {t.rps:8.1f} req/s  "
                f"p50 {_ms(t.p50):>5} p95 {_ms(t.p95):>5} p99 {_ms(t.p99):>5} ms  failures {t.failures}",
                flush=True,
            )
            for failure in result.failures[:10]:
                print(f"    {failure}", flush=True)
            return result

        if not quick:  # the first requests of a worker compile templates and open connections
            stage("MixUser", 2, warm_s, "warm-up")
        searched: list[Stage] = []
        if args.users:
            users = args.users
        else:
            users = steps[0]
            for n in steps:
                result = stage("MixUser", n, step_s, f"step-{n}")
                searched.append(result)
                if not result.passed:
                    break
                users = n
        before = stage("HealthUser", users, health_s, "trivial-before")
        mix = stage("MixUser", users, duration, "mix")
        after = stage("HealthUser", users, health_s, "trivial-after")
        health = merged_health(before, after)
        if args.keep_csv:
            args.keep_csv.mkdir(parents=True, exist_ok=True)
            for produced in work.glob("*.csv"):
                (args.keep_csv / produced.name).write_bytes(produced.read_bytes())
        server_errors = installation.log_tail()
    finally:
        installation.close()

    print()
    if searched:
        print("Step search (closed loop, each stage", step_s, "s):")
        print(steps_table(searched))
        print()
    print(f"Measured run: {users} users, mix {duration} s, trivial endpoint {health_s} s before and after")
    print(mix_table(mix, health))
    print()
    ratio = mix.total.rps / health.rps if health.rps else float("nan")
    print(
        f"mix throughput {mix.total.rps:.1f} req/s = {ratio:.3f} x the trivial endpoint's {health.rps:.1f} req/s "
        f"(before {before.total.rps:.1f}, after {after.total.rps:.1f}) at {users} users"
    )
    verdict = "met" if mix.passed else "NOT met"
    print(
        f"aim (zero errors, p95 <= {P95_AIM_MS:.0f} ms at the sustainable rate): {verdict}: "
        f"{mix.total.failures} failures, p95 {_ms(mix.total.p95)} ms"
    )
    if server_errors.strip():
        print("gunicorn error log (last lines):")
        print(server_errors)
    print(
        f"total time {time.monotonic() - started:.0f} s; machine load average (1 min) "
        f"{load_before:.1f} at start, {os.getloadavg()[0]:.1f} at end on {os.cpu_count()} cores"
    )
    if mix.total.failures or mix.total.requests == 0:
        sys.exit(1)


if __name__ == "__main__":
    main()
