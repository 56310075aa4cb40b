"""CPU milliseconds per request of the API server process, per scenario: the quick loop for
tuning the request path (``api_latency.py`` is the full comparison with its floors).

Starts ``crm api`` (one worker) on the bench database, warms each scenario, then sends
``--n`` requests over one keep-alive connection and reads the server's user+system CPU
time from /proc before and after. CPU time is what a loaded, shared machine distorts least;
wall times are printed too, with the load average, for what they are worth.

    backend/.venv/bin/python bench/api_cpu.py [--only contacts_list] [--n 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time

from common import RESULTS_DIR, BenchDatabase, emit, ensure_backend_on_path, open_results, summary_ms

ensure_backend_on_path()

from api_latency import build_scenarios, layout_of  # noqa: E402
from servers import Client, admin_of, cpu_seconds, issue_token, start_api  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--only", default=r"contacts_(list_.*_no_total|get)$", help="regex on scenario names")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3, help="rounds per scenario; the lowest CPU figure wins")
    args = parser.parse_args(argv)
    open_results("api_cpu")
    db = BenchDatabase(args.scale)
    layout = layout_of(db)
    org = layout["orgs"][0]
    token = issue_token(db, org["id"], admin_of(db, org))
    scenarios = [s for s in build_scenarios(db, layout)[0] if s.api_url and re.search(args.only, s.name)]
    server = start_api(db, log_dir=RESULTS_DIR / "logs")
    try:
        if not server.wait_ready():
            raise SystemExit("the API did not start:\n" + server.log_tail())
        client = Client(server.port, {"Authorization": f"Bearer {token}", "User-Agent": "crm-bench"})
        for s in scenarios:
            for _ in range(args.warmup):
                status, body = client.get(s.api_url)
                if status != 200:
                    raise SystemExit(f"{s.name}: HTTP {status} {body[:300]!r}")
            cpu_rounds, walls = [], []
            for _ in range(args.rounds):
                before = cpu_seconds(server.proc.pid) or 0.0
                for _ in range(args.n):
                    started = time.perf_counter()
                    client.get(s.api_url)
                    walls.append(time.perf_counter() - started)
                cpu_rounds.append(((cpu_seconds(server.proc.pid) or 0.0) - before) * 1000 / args.n)
            emit(
                {
                    "bench": "api_cpu",
                    "scenario": s.name,
                    "request": s.api_url,
                    "api_server_cpu_ms_per_request": round(min(cpu_rounds), 2),
                    "cpu_ms_rounds": [round(c, 2) for c in cpu_rounds],
                    "wall": summary_ms(walls),
                    "loadavg_1m": round(os.getloadavg()[0], 1),
                }
            )
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
