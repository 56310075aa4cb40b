"""Run every benchmark: seed (once), API latency, EXPLAIN of the queries, deep pages, throughput, UI
smoothness.

    make bench                                         # full scale (first run seeds ~2 x 4.5M rows)
    backend/.venv/bin/python bench/run_all.py --scale 0.01 --n 100   # a quick pass

Each step prints JSON lines on stdout; all of them also go to one file in bench/results/
(gitignored), named after the run. A failing step is reported and the others still run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from common import REPO, VENV_BIN, emit, open_results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", "1")))
    parser.add_argument("--n", type=int, default=300, help="requests per scenario and target")
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument(
        "--skip",
        default="",
        help="comma-separated steps to skip: seed,latency,explain,deep_pages,throughput,ui",
    )
    args = parser.parse_args(argv)
    results = open_results(f"run-s{args.scale:g}")
    env = {**os.environ, "CRM_BENCH_RESULTS": str(results)}
    python = str(VENV_BIN / "python")
    scale = ["--scale", f"{args.scale:g}"]
    steps = [
        ("seed", ["bench/seed.py", *scale]),
        ("latency", ["bench/api_latency.py", *scale, "--n", str(args.n)]),
        ("explain", ["bench/explain.py", *scale]),
        # A page deep in a sorted list against its first pages (keyset pages are index ranges).
        ("deep_pages", ["bench/deep_pages.py", *scale]),
        ("throughput", ["bench/throughput.py", *scale, "--duration", str(args.duration)]),
        # Chromium long tasks while scrolling the contacts list and dragging on a 500-card board
        # (needs web/dist: cd web && npm run build).
        ("ui", ["bench/ui_stack.py", *scale]),
    ]
    skipped = {s.strip() for s in args.skip.split(",") if s.strip()}
    failures = 0
    for name, argv_ in steps:
        if name in skipped:
            continue
        started = time.perf_counter()
        code = subprocess.run([python, *argv_], cwd=REPO, env=env).returncode
        if code != 0:
            failures += 1
        emit(
            {
                "bench": "run_all_step",
                "step": name,
                "exit_code": code,
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
    emit({"bench": "run_all", "scale": args.scale, "results_file": str(results), "failed_steps": failures})
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
