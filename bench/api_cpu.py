"""CPU milliseconds per request of the API server process, per scenario: the quick loop for
tuning the request path (``api_latency.py`` is the full comparison with its floors).

Starts ``crm api`` (one worker) on the bench database, warms each scenario, then sends
``--n`` requests over one keep-alive connection and reads the server's user+system CPU
time from /proc before and after. CPU time is what a loaded, shared machine distorts least;
wall times are printed too, with the load average, for what they are worth.

    backend/.venv/bin/python bench/api_cpu.py [--only contacts_list] [--n 200] [--rounds 3]
        [--compare /path/to/other/checkout/backend]

Besides the contact scenarios of ``scenarios.py``, ``--only '^(companies|deals|activities)_'``
picks a first page (default order, and one other sort) and a get of companies, deals and
activities.

With ``--compare`` a second API server runs another copy of the ``crm`` package (e.g. the
commit before a change, exported with ``git archive``) on the same database, and the rounds
alternate between the two: on a shared machine whose speed drifts by 2x within minutes, only
an interleaved A/B comparison says whether a change paid.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from dataclasses import dataclass
from typing import Any

from common import RESULTS_DIR, BenchDatabase, emit, ensure_backend_on_path, open_results, summary_ms
from servers import Server

ensure_backend_on_path()

import seed_data as data  # noqa: E402
from api_latency import build_scenarios, layout_of  # noqa: E402
from scenarios import _dashed  # noqa: E402
from servers import Client, admin_of, cpu_seconds, free_port, issue_token, start_api  # noqa: E402


@dataclass(frozen=True)
class RecordRead:
    """A read of another object (companies, deals, activities): a first page of 50 in the list's
    default order or another sort, without the total, and one record. No SQL floor here: these
    measure server CPU and wall time only."""

    name: str
    api_url: str


def record_reads(layout: dict[str, Any]) -> list[RecordRead]:
    org = layout["orgs"][0]
    reads = []
    for path, table, count in (
        ("companies", data.T_COMPANY, "n_companies"),
        ("deals", data.T_DEAL, "n_deals"),
        ("activities", data.T_ACTIVITY, "n_activities"),
    ):
        one = _dashed(data.ident(0, table, org[count] // 3))
        reads.append(RecordRead(f"{path}_list_no_total", f"/api/v1/{path}?limit=50&count=false"))
        reads.append(RecordRead(f"{path}_get", f"/api/v1/{path}/{one}"))
    # Sorts other than the default, each served by its own index (migration 0030).
    for path, sort in (("deals", "-amount"), ("companies", "-annual_revenue"), ("activities", "-due_at")):
        reads.append(
            RecordRead(
                f"{path}_list_by_{sort.lstrip('-')}_no_total",
                f"/api/v1/{path}?limit=50&count=false&sort={sort}",
            )
        )
    return reads


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--only", default=r"contacts_(list_.*_no_total|get)$", help="regex on scenario names")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3, help="rounds per scenario (lowest CPU wins)")
    parser.add_argument("--compare", default=None, help="a backend folder holding another crm package")
    args = parser.parse_args(argv)
    open_results("api_cpu")
    db = BenchDatabase(args.scale)
    layout = layout_of(db)
    org = layout["orgs"][0]
    token = issue_token(db, org["id"], admin_of(db, org))
    reads: list[Any] = [*build_scenarios(db, layout)[0], *record_reads(layout)]
    scenarios = [s for s in reads if s.api_url and re.search(args.only, s.name)]
    servers = {"api": start_api(db, log_dir=RESULTS_DIR / "logs")}
    if args.compare:
        env = db.api_env() | {"PYTHONPATH": args.compare}  # found before the installed (editable) crm
        port = free_port()
        crm = servers["api"].proc.args[0]
        argv = [crm, "api", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
        servers["compare"] = Server("api-compare", argv, env, port, "/healthz", RESULTS_DIR / "logs")
    try:
        for name, server in servers.items():
            if not server.wait_ready():
                raise SystemExit(f"the {name} server did not start:\n" + server.log_tail())
        headers = {"Authorization": f"Bearer {token}", "User-Agent": "crm-bench"}
        clients = {name: Client(server.port, headers) for name, server in servers.items()}
        for s in scenarios:
            for name, client in clients.items():
                for _ in range(args.warmup):
                    status, body = client.get(s.api_url)
                    if status != 200:
                        raise SystemExit(f"{name} {s.name}: HTTP {status} {body[:300]!r}")
            cpu_rounds: dict[str, list[float]] = {name: [] for name in servers}
            walls: dict[str, list[float]] = {name: [] for name in servers}
            for _ in range(args.rounds):
                for name, server in servers.items():
                    before = cpu_seconds(server.proc.pid) or 0.0
                    for _ in range(args.n):
                        started = time.perf_counter()
                        clients[name].get(s.api_url)
                        walls[name].append(time.perf_counter() - started)
                    cpu_rounds[name].append(((cpu_seconds(server.proc.pid) or 0.0) - before) * 1000 / args.n)
            record = {"bench": "api_cpu", "scenario": s.name, "request": s.api_url}
            for name in servers:
                prefix = "" if name == "api" else "compare_"
                record[f"{prefix}api_server_cpu_ms_per_request"] = round(min(cpu_rounds[name]), 2)
                record[f"{prefix}cpu_ms_rounds"] = [round(c, 2) for c in cpu_rounds[name]]
                record[f"{prefix}wall"] = summary_ms(walls[name])
            if args.compare:
                record["compare_backend"] = args.compare
                record["cpu_ratio_api_to_compare"] = round(
                    min(cpu_rounds["api"]) / max(min(cpu_rounds["compare"]), 1e-9), 3
                )
            record["loadavg_1m"] = round(os.getloadavg()[0], 1)
            emit(record)
    finally:
        for server in servers.values():
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
