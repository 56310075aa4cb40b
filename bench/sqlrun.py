"""Run a scenario's statements in one transaction, as the app role, after the RLS set_config."""

from __future__ import annotations

import time
from typing import Any

from scenarios import Scenario

# As the API opens a request's transaction (crm.core.opening.INTERACTIVE_SCOPE_SQL): the floors
# run their SQL under the same settings, without parallel workers.
SET_TENANT = (
    "SELECT set_config('app.org_id', %s, true), set_config('app.user_id', %s, true),"
    " set_config('max_parallel_workers_per_gather', '0', true)"
)


def _params(params: dict[str, Any], ids: list[Any]) -> dict[str, Any]:
    if "ids" in params:
        return {**params, "ids": ids}
    return params


def run_sync(
    conn: Any, scenario: Scenario, org_id: str, user_id: str, timings: dict[str, list[float]] | None = None
) -> list[tuple[Any, ...]]:
    """psycopg (sync) connection; returns the first statement's rows."""
    first: list[tuple[Any, ...]] = []
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(SET_TENANT, (org_id, user_id))
        for n, st in enumerate(scenario.statements):
            started = time.perf_counter()
            cur.execute(st.sql, _params(st.params, [r[0] for r in first]))
            rows = cur.fetchall()
            if timings is not None:
                timings.setdefault(st.name, []).append(time.perf_counter() - started)
            if n == 0:
                first = rows
    return first


async def run_async(conn: Any, scenario: Scenario, org_id: str, user_id: str) -> list[list[tuple[Any, ...]]]:
    """psycopg AsyncConnection; returns every statement's rows."""
    out: list[list[tuple[Any, ...]]] = []
    async with conn.transaction(), conn.cursor() as cur:
        await cur.execute(SET_TENANT, (org_id, user_id))
        for st in scenario.statements:
            await cur.execute(st.sql, _params(st.params, [r[0] for r in out[0]] if out else []))
            out.append(await cur.fetchall())
    return out
