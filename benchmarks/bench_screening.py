"""Screening speed and memory: 10 million rows from Parquet, and the engine against the reference.

(a) Writes ROWS synthetic transactions (default 10,000,000; coordination/screening/synthetic.py)
    to one Parquet file in a temporary directory, then, interleaved for ROUNDS rounds, runs in a
    fresh child process each:
    - the baseline: polars reading the whole file into memory (`pl.read_parquet`), the floor
      any screening of it pays;
    - the screening: `screen(path, policy)` as the CLI and the web upload run it.
    The parent times each child from start to exit and reads the child's own peak resident
    memory from `os.wait4` (ru_maxrss), so one run's peak is not mixed with another's.
    Aims: under 60 s and under 4 GB.
(b) On COMPARE_ROWS rows (default 1,000,000), in one process: the engine (`screen`, median of
    ROUNDS) against the pure-Python reference (`screen_rows` over the reader's parsed rows,
    REFERENCE_ROUNDS runs), the speed-up ratio (aim: 30x or more), and whether both flag the same
    accounts with the same scores, indicators and evidence.

    .venv/bin/python -m benchmarks.bench_screening [--rows 10000000] [--compare-rows 1000000]
        [--rounds 3] [--reference-rounds 1] [--skip-large] [--skip-compare]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "policies" / "red_flags.yaml"
AIM_SECONDS = 60.0
AIM_BYTES = 4 * 1024**3
AIM_SPEEDUP = 30.0


# ---- children: one job each, report as one JSON line


def _child(job: str, path: str) -> None:
    import polars as pl

    start = time.perf_counter()
    if job == "read":
        frame = pl.read_parquet(path)
        out = {"rows": frame.height}
    else:
        from coordination.screening.engine import screen
        from coordination.screening.policy import load_screening_policy

        marks: list[tuple[str, float]] = []
        result = screen(
            Path(path),
            load_screening_policy(POLICY),
            progress=lambda stage, _share: marks.append((stage, time.perf_counter())),
        )
        out = {
            "rows": result.rows_read,
            "rejected": result.rows_rejected,
            "accounts": result.accounts_seen,
            "flagged": len(result.flagged),
            "engine_seconds": result.seconds,
            # Seconds per stage (checking, reading, each rule, scoring), to show where the time goes.
            "stages": {
                a[0]: b[1] - a[1] for a, b in zip(marks, [*marks[1:], ("end", time.perf_counter())], strict=True)
            },
        }
    out["seconds"] = time.perf_counter() - start
    print(json.dumps(out))


def run_child(job: str, path: Path) -> dict:
    """Run one job in a fresh interpreter; wall time from spawn to exit, and its own peak RSS."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.bench_screening", "--child", job, str(path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    output = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"child {job} failed with exit code {proc.returncode}")
    result = json.loads(output.decode().strip().splitlines()[-1])
    result["wall"] = wall
    result["peak_bytes"] = usage.ru_maxrss * 1024  # Linux reports KiB
    result["cpu"] = usage.ru_utime + usage.ru_stime  # less disturbed than wall time by a busy machine
    return result


# ---- (a) ten million rows


def bench_large(rows: int, rounds: int, workdir: Path) -> dict:
    from coordination.screening import synthetic

    path = workdir / "transactions.parquet"
    start = time.perf_counter()
    labels = synthetic.write(path, rows, seed=7)
    generated = time.perf_counter() - start
    size = path.stat().st_size
    print(
        f"(a) wrote {rows:,} rows to Parquet in {generated:.1f} s "
        f"({size / 1e6:.0f} MB, {len(labels):,} labelled accounts)"
    )
    reads, screens = [], []
    for i in range(rounds):
        reads.append(run_child("read", path))
        screens.append(run_child("screen", path))
        s = screens[-1]
        print(
            f"    round {i + 1}: read {reads[-1]['wall']:.1f} s / {_gib(reads[-1]['peak_bytes'])}; "
            f"screen {s['wall']:.1f} s (engine {s['engine_seconds']:.1f} s, CPU {s['cpu']:.1f} s) "
            f"/ {_gib(s['peak_bytes'])}, "
            f"{s['flagged']:,} flagged of {s['accounts']:,} accounts"
        )
    read_wall = statistics.median(r["wall"] for r in reads)
    screen_wall = statistics.median(r["wall"] for r in screens)
    engine = statistics.median(r["engine_seconds"] for r in screens)
    peak = max(r["peak_bytes"] for r in screens)
    cpu = statistics.median(r["cpu"] for r in screens)
    read_cpu = statistics.median(r["cpu"] for r in reads)
    read_peak = max(r["peak_bytes"] for r in reads)
    print()
    print("| case | median wall s | median CPU s | peak RSS | × baseline wall |")
    print("|---|---|---|---|---|")
    print(f"| read the file into memory (baseline) | {read_wall:.1f} | {read_cpu:.1f} | {_gib(read_peak)} | 1.0 |")
    print(
        f"| `screen(path, policy)`, whole process | {screen_wall:.1f} | {cpu:.1f} | {_gib(peak)} "
        f"| {screen_wall / read_wall:.1f} |"
    )
    print(f"| of which inside `screen` | {engine:.1f} | | | |")
    slowest = sorted(screens, key=lambda r: r["wall"])[len(screens) // 2].get("stages", {})
    print("stages of the median run: " + ", ".join(f"{k} {v:.1f} s" for k, v in slowest.items()))
    print(
        f"aim < {AIM_SECONDS:.0f} s: {'met' if screen_wall < AIM_SECONDS else 'NOT met'}; "
        f"aim < 4 GiB: {'met' if peak < AIM_BYTES else 'NOT met'}"
    )
    path.unlink()
    return {
        "rows": rows,
        "generate_s": generated,
        "read_s": read_wall,
        "screen_s": screen_wall,
        "engine_s": engine,
        "cpu_s": cpu,
        "peak_bytes": peak,
        "read_peak_bytes": read_peak,
        "flagged": screens[-1]["flagged"],
    }


def _gib(n: float) -> str:
    return f"{n / 1024**3:.2f} GiB"


# ---- (b) engine against the reference


def bench_compare(rows: int, rounds: int, reference_rounds: int, workdir: Path) -> dict:
    from coordination.screening import synthetic
    from coordination.screening.engine import screen
    from coordination.screening.policy import load_screening_policy
    from coordination.screening.reader import scan_transactions
    from coordination.screening.reference import screen_rows

    policy = load_screening_policy(POLICY)
    path = workdir / "compare.parquet"
    synthetic.write(path, rows, seed=7)
    engine_times, engine_result = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        engine_result = screen(path, policy)
        engine_times.append(time.perf_counter() - start)
    engine_s = statistics.median(engine_times)
    print(f"(b) engine on {rows:,} rows: " + ", ".join(f"{t:.2f} s" for t in engine_times) + "; reference running...")
    start = time.perf_counter()
    lazy, _report = scan_transactions(path, currency_rates=policy.currency_rates)
    parsed = lazy.collect().to_dicts()
    parse_s = time.perf_counter() - start
    reference_times, reference_result = [], []
    for _ in range(reference_rounds):
        start = time.perf_counter()
        reference_result = screen_rows(parsed, policy)
        reference_times.append(time.perf_counter() - start)
    reference_s = statistics.median(reference_times)
    assert engine_result is not None
    differences = compare(engine_result.flagged, reference_result)
    print(
        f"(b) {rows:,} rows, {len(engine_result.flagged):,} accounts flagged by the engine, "
        f"{len(reference_result):,} by the reference"
    )
    print()
    print("| case | median s | runs | × engine |")
    print("|---|---|---|---|")
    print(f"| engine `screen(path, policy)` (reads the Parquet file too) | {engine_s:.2f} | {rounds} | 1.0 |")
    print(
        f"| reference `screen_rows` (rows already parsed) | {reference_s:.1f} | {reference_rounds} | "
        f"{reference_s / engine_s:.0f} |"
    )
    print(f"| parsing the file into rows for the reference (not counted) | {parse_s:.1f} | 1 | |")
    speedup = reference_s / engine_s
    print(f"speed-up {speedup:.0f}x: aim >= {AIM_SPEEDUP:.0f}x {'met' if speedup >= AIM_SPEEDUP else 'NOT met'}")
    if differences:
        print(f"{len(differences)} differences between engine and reference; the first ones:")
        for line in differences[:15]:
            print("   ", line)
    else:
        print("engine and reference flag the same accounts with the same scores, indicators and evidence")
    path.unlink()
    return {
        "rows": rows,
        "engine_s": engine_s,
        "reference_s": reference_s,
        "speedup": speedup,
        "differences": len(differences),
        "flagged": len(engine_result.flagged),
    }


def compare(engine: list, reference: list) -> list[str]:  # type: ignore[type-arg]
    """Differences account by account: missing on one side, score, indicator set, evidence, wording."""
    mine = {a.account: a for a in engine}
    theirs = {a.account: a for a in reference}
    out = []
    for account in sorted(set(mine) | set(theirs)):
        a, b = mine.get(account), theirs.get(account)
        if a is None or b is None:
            side = "engine only" if b is None else "reference only"
            present = a or b
            out.append(f"{account}: {side} (score {present.score}, {[h.id for h in present.indicators]})")
            continue
        if a.score != b.score:
            out.append(f"{account}: score {a.score} (engine) != {b.score} (reference)")
        hits_a = {h.id: h for h in a.indicators}
        hits_b = {h.id: h for h in b.indicators}
        if set(hits_a) != set(hits_b):
            out.append(f"{account}: indicators {sorted(hits_a)} != {sorted(hits_b)}")
            continue
        for ident in sorted(hits_a):
            ha, hb = hits_a[ident], hits_b[ident]
            if tuple(ha.tx_ids) != tuple(hb.tx_ids):
                only_a = sorted(set(ha.tx_ids) - set(hb.tx_ids))[:3]
                only_b = sorted(set(hb.tx_ids) - set(ha.tx_ids))[:3]
                out.append(f"{account}/{ident}: evidence differs (engine only {only_a}, reference only {only_b})")
            elif ha.explanation != hb.explanation:
                out.append(f"{account}/{ident}: {ha.explanation!r} != {hb.explanation!r}")
        if (a.name, a.country, a.birth_date) != (b.name, b.country, b.birth_date):
            out.append(
                f"{account}: identity {(a.name, a.country, a.birth_date)} != {(b.name, b.country, b.birth_date)}"
            )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows for (a)")
    parser.add_argument("--compare-rows", type=int, default=1_000_000, help="rows for (b)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reference-rounds", type=int, default=1)
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--skip-compare", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--child", nargs=2, metavar=("JOB", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress shows in a log file
    if args.child:
        _child(*args.child)
        return 0
    figures = {}
    workdir = Path(tempfile.mkdtemp(prefix="simpul-bench-screening-"))
    try:
        if not args.skip_large:
            figures["large"] = bench_large(args.rows, args.rounds, workdir)
            print()
        if not args.skip_compare:
            figures["compare"] = bench_compare(args.compare_rows, args.rounds, args.reference_rounds, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
