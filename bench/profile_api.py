"""Where the API's CPU goes: one request type served in-process under cProfile.

The API (``crm.app:create_app`` with the bench settings, uvicorn + uvloop + httptools, as
``crm api`` runs it) serves ``--n`` requests of one scenario from a client thread; the
server thread is profiled and the functions with the most own time are printed as JSON,
with the CPU milliseconds per request they account for.

    backend/.venv/bin/python bench/profile_api.py [--scale 0.01] [--scenario contacts_list_standard_no_total]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import threading
import time
from typing import Any

from common import BenchDatabase, emit, ensure_backend_on_path, open_results

ensure_backend_on_path()

from api_latency import build_scenarios, layout_of  # noqa: E402
from servers import Client, admin_of, free_port, issue_token  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--scenario", default="contacts_list_standard_no_total")
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    open_results("profile_api")
    db = BenchDatabase(args.scale)
    layout = layout_of(db)
    org = layout["orgs"][0]
    user_id = admin_of(db, org)
    scenario = next(s for s in build_scenarios(db, layout)[0] if s.name == args.scenario)
    token = issue_token(db, org["id"], user_id)
    os.environ.update(db.api_env())
    os.environ["CRM_LOG_LEVEL"] = os.environ.get("CRM_LOG_LEVEL", "INFO")

    import uvicorn
    from crm.app import create_app
    from crm.core.config import get_settings
    from crm.core.telemetry import configure_logging

    get_settings.cache_clear()
    settings = get_settings()
    configure_logging(settings.log_level)
    port = free_port()
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        loop="uvloop",
        http="httptools",
        log_config=None,
        access_log=False,
    )
    server = uvicorn.Server(config)
    # Timed by the server thread's own CPU clock: the client thread and the other processes of a
    # loaded machine do not count (wall time inflated the waits on the database by 2-3x).
    profile = cProfile.Profile(time.thread_time)  # hooks only the thread that enables it
    measuring = threading.Event()
    result: dict[str, Any] = {}

    def drive() -> None:
        while not server.started:
            time.sleep(0.1)
        client = Client(port, {"Authorization": f"Bearer {token}", "User-Agent": "crm-bench"})
        for _ in range(30):  # warm: caches, prepared statements, key store
            client.get(scenario.api_url)
        measuring.set()
        time.sleep(0.1)  # let the server thread switch the profiler on
        started = time.perf_counter()
        statuses: dict[int, int] = {}
        for _ in range(args.n):
            status, _ = client.get(scenario.api_url)
            statuses[status] = statuses.get(status, 0) + 1
        result["wall_ms_per_request"] = round((time.perf_counter() - started) * 1000 / args.n, 3)
        result["statuses"] = statuses
        server.should_exit = True

    async def serve() -> None:
        async def switch() -> None:
            while not measuring.is_set():  # noqa: ASYNC110 - set from the client thread
                await asyncio.sleep(0.01)
            profile.enable()

        switcher = asyncio.ensure_future(switch())
        await server.serve()
        profile.disable()
        switcher.cancel()

    threading.Thread(target=drive, daemon=True).start()
    import uvloop

    uvloop.run(serve())
    stats = pstats.Stats(profile)
    total = sum(v[2] for v in stats.stats.values())  # type: ignore[attr-defined]
    repo = str(db.settings.data_dir.parents[1])

    def rows(key: int, only_ours: bool = False) -> list[dict[str, Any]]:
        items = stats.stats.items()  # type: ignore[attr-defined]
        if only_ours:
            items = [kv for kv in items if "/backend/crm/" in kv[0][0]]
        return [
            {
                "function": f"{fn[0].replace(repo, '')}:{fn[1]}({fn[2]})",
                "own_ms_per_request": round(tt * 1000 / args.n, 3),
                "cumulative_ms_per_request": round(ct * 1000 / args.n, 3),
                "calls_per_request": round(nc / args.n, 1),
            }
            for fn, (_cc, nc, tt, ct, _callers) in sorted(items, key=lambda kv: -kv[1][key])[: args.top]
        ]

    emit(
        {
            "bench": "profile_api",
            "scenario": scenario.name,
            "request": scenario.api_url,
            "database": db.name,
            "n": args.n,
            **result,
            "profiled_cpu_ms_per_request_with_profiler_overhead": round(total * 1000 / args.n, 3),
            "top_own_time": rows(2),
            "top_cumulative_crm_code": rows(3, only_ours=True),
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
