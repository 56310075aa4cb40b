"""Cold dashboard aggregates (no cache at all): each widget's rollup-backed query beside the direct
aggregate it replaced (ADR 0008), interleaved in one run, as the app role under RLS.

    backend/.venv/bin/python bench/dashboard_cold.py --scale 1 [--rounds 40]

Both sides are the app's own code: ``crm.dashboard.repository`` / ``crm.pipeline.repository`` and
the reference direct aggregates in ``backend/tests/dashboard/reference_aggregates.py`` (the queries
the dashboards ran before the rollups; the tests assert both answer the same). Closing and top
accounts have no rollup (they read ranges on covering indexes), so only their current query is
timed. One JSON line per widget: p50/p95 of each side, the ratio of the p95s, and the database
backend's CPU time per call (this machine is shared, so wall times carry other people's load).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from common import BenchDatabase, emit, ensure_backend_on_path, open_results, summary_ms

ensure_backend_on_path()

import psycopg  # noqa: E402
from sqlalchemy import select, text, true  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession  # noqa: E402

from servers import cpu_seconds  # noqa: E402

Query = Callable[[AsyncSession], Awaitable[Any]]


def _mean_ms(seconds: list[float]) -> float | None:
    return round(1000 * sum(seconds) / len(seconds), 2) if seconds else None


def widgets(pipeline_id: uuid.UUID, stage_ids: list[uuid.UUID]) -> dict[str, tuple[Query | None, Query]]:
    """name -> (direct aggregate or None, what the app runs now)."""
    from crm.dashboard import repository as now_
    from crm.pipeline import repository as board
    from tests.dashboard import reference_aggregates as before

    today = dt.date.today()
    year, quarter = today - dt.timedelta(days=365), today - dt.timedelta(days=90)
    month = today.replace(day=1)
    month_end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    clock = dt.datetime.now(dt.UTC)
    return {
        "pipeline_by_stage": (
            lambda s: before.pipeline_by_stage(s, pipeline_id, true()),
            lambda s: now_.pipeline_by_stage(s, pipeline_id, true()),
        ),
        "win_rate": (
            lambda s: before.win_rate(s, year, today, "month", true()),
            lambda s: now_.win_rate(s, year, today, "month", true()),
        ),
        "activities_due": (
            lambda s: before.activities_due(s, clock, true()),
            lambda s: now_.activities_due(s, clock, true(), true()),
        ),
        "lead_sources": (
            lambda s: before.lead_sources(s, quarter, today),
            lambda s: now_.lead_sources(s, quarter, today),
        ),
        "board_totals": (
            lambda s: board.board_totals(s, stage_ids, [true()]),
            lambda s: board.board_totals_from_rollup(s, stage_ids, [true()]),
        ),
        "closing": (None, lambda s: now_.closing(s, month, month_end, true(), 10)),
        "top_accounts": (None, lambda s: now_.top_accounts(s, year, today, true(), 10)),
    }


async def run(db: BenchDatabase, rounds: int) -> None:
    from crm.core.db import make_engine, make_sessionmaker, unit_of_work
    from crm.models import Stage

    engine = make_engine(db.urls.app, pool_size=2)
    sessions = make_sessionmaker(engine)
    with psycopg.connect(db.conninfo(owner=True)) as conn:
        row = conn.execute("SELECT value FROM bench.state WHERE key = 'layout'").fetchone()
    if row is None:
        raise SystemExit(f"{db.name} is not seeded")
    org = row[0]["orgs"][0]
    org_id, pipeline_id = uuid.UUID(org["id"]), uuid.UUID(org["pipeline_id"])
    async with unit_of_work(sessions, org_id) as session:
        stages = await session.execute(select(Stage.id).where(Stage.pipeline_id == pipeline_id))
        stage_ids = list(stages.scalars())

    async def timed(query: Query, cpu: list[float] | None = None) -> float:
        async with unit_of_work(sessions, org_id) as session:
            pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            cpu_before = cpu_seconds(pid)
            started = time.perf_counter()
            await query(session)
            taken = time.perf_counter() - started
            cpu_after = cpu_seconds(pid)
            if cpu is not None and cpu_before is not None and cpu_after is not None:
                cpu.append(cpu_after - cpu_before)
            return taken

    try:
        for name, (direct, current) in widgets(pipeline_id, stage_ids).items():
            samples: dict[str, list[float]] = {"direct": [], "now": []}
            cpu: dict[str, list[float]] = {"direct": [], "now": []}
            for _ in range(2):  # warm both plans and the buffer cache
                if direct:
                    await timed(direct)
                await timed(current)
            for _ in range(rounds):  # interleaved: both sides see the same machine load
                if direct:
                    samples["direct"].append(await timed(direct, cpu["direct"]))
                samples["now"].append(await timed(current, cpu["now"]))
            record: dict[str, Any] = {
                "bench": "dashboard_cold",
                "widget": name,
                "database": db.name,
                "now": summary_ms(samples["now"]),
                # The database backend's CPU per call (mean; /proc ticks): what the wall time would
                # shrink towards on an idle machine, since this one is shared.
                "now_db_cpu_ms": _mean_ms(cpu["now"]),
            }
            if direct:
                record["direct"] = summary_ms(samples["direct"])
                record["direct_db_cpu_ms"] = _mean_ms(cpu["direct"])
                record["p95_direct_over_now"] = round(
                    record["direct"]["p95_ms"] / max(record["now"]["p95_ms"], 1e-3), 1
                )
            emit(record)
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    open_results("dashboard_cold")
    asyncio.run(run(BenchDatabase(args.scale), args.rounds))


if __name__ == "__main__":
    main()
