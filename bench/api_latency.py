"""API latency beside its two floors, measured in the same run.

For each scenario (contacts list on a standard field and on a custom field, get one,
``q`` search, the board, each dashboard): p50/p95 over ``--n`` requests of

- ``api``: the real API (``crm api``, one worker) with a bearer token issued by the app's
  own session service: auth, RBAC, RLS, decryption, everything;
- ``bare``: a bare FastAPI app running the scenario's SQL (``bare_app.py``);
- ``sql``: the same SQL directly through psycopg on one connection,

interleaved request by request (so drift on this shared machine hits all three alike),
printed as one JSON object per scenario with the ratios. A scenario whose endpoint is not
in the API's OpenAPI document yet is reported as ``not available`` (its floors are still
measured), never faked.

    backend/.venv/bin/python bench/api_latency.py [--scale 0.01] [--n 300] [--only contacts_get]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import signal
import sys
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from common import (
    RESULTS_DIR,
    BenchDatabase,
    emit,
    ensure_backend_on_path,
    machine,
    note,
    open_results,
    summary_ms,
)

ensure_backend_on_path()

import psycopg  # noqa: E402

import scenarios as sc  # noqa: E402
import seed_data as data  # noqa: E402
import sqlcapture  # noqa: E402
from servers import (  # noqa: E402
    Client,
    admin_of,
    bare_url,
    cpu_seconds,
    issue_token,
    openapi_paths,
    start_api,
    start_bare,
    template,
)
from sqlrun import run_sync  # noqa: E402


def layout_of(db: BenchDatabase) -> dict[str, Any]:
    with psycopg.connect(db.conninfo(owner=True)) as conn:
        try:
            row = conn.execute("SELECT value FROM bench.state WHERE key = 'layout'").fetchone()
            done = conn.execute("SELECT value FROM bench.state WHERE key = 'complete'").fetchone()
        except psycopg.errors.UndefinedTable:
            row = done = None
    if not row or not done:
        raise SystemExit(f"{db.name} is not seeded: run bench/seed.py --scale {db.scale:g} first")
    return dict(row[0])


async def _cipher(db: BenchDatabase, org_id: str) -> Any:
    from crm.core.db import unit_of_work
    from crm.core.runtime import build_runtime
    from crm.core.security.crypto import keystore_for, org_cipher

    runtime = build_runtime(db.settings, db.urls)
    try:
        async with unit_of_work(runtime.sessions, uuid.UUID(org_id)) as session:
            return await org_cipher(session, keystore_for(db.settings), uuid.UUID(org_id))
    finally:
        await runtime.close()


def build_scenarios(db: BenchDatabase, layout: dict[str, Any]) -> tuple[list[sc.Scenario], Any]:
    org = layout["orgs"][0]
    cipher = asyncio.run(_cipher(db, org["id"]))
    email = data.email_of(0, org["n_contacts"] // 2, org["n_contacts"])
    scenarios = sc.build(
        layout, data.LAST_NAMES[0], data.LAST_NAMES[-1], email, cipher.blind_index(email, "email")
    )
    return scenarios, cipher


def decrypt_cost(
    conn: psycopg.Connection, org: dict[str, Any], user_id: str, cipher: Any, rounds: int = 50
) -> dict[str, Any]:
    """What decrypting one page (50 contacts' e-mails and phones) costs in Python: part of the API's bill."""
    with conn.transaction():
        conn.execute(
            "SELECT set_config('app.org_id', %s, true), set_config('app.user_id', %s, true)",
            (org["id"], user_id),
        )
        rows = conn.execute(
            "SELECT id, emails, phones FROM contacts WHERE organization_id = %s"
            " AND deleted_at IS NULL ORDER BY updated_at DESC, id DESC LIMIT 50",
            (org["id"],),
        ).fetchall()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        for cid, emails, phones in rows:
            json.loads(cipher.decrypt(emails, "contacts", "emails", cid))
            if phones is not None:
                json.loads(cipher.decrypt(phones, "contacts", "phones", cid))
        samples.append(time.perf_counter() - started)
    return {"bench": "decrypt_page", "rows": len(rows), **summary_ms(samples)}


def api_target(s: sc.Scenario, paths: dict[str, Any] | None, org: dict[str, Any]) -> tuple[str | None, str]:
    """The URL to request for this scenario, or None and the reason it is not available."""
    if paths is None:
        return None, "the API did not start or serves no OpenAPI document"
    if s.kind == "dashboard":
        candidates = sorted(
            p for p, ops in paths.items() if "dashboard" in p and "get" in ops and "{" not in p
        )
        if not candidates:
            return None, "no GET /api/v1/dashboard* endpoint in the API yet"
        for path in candidates:
            tail = path.rstrip("/").rsplit("/", 1)[-1].lower()
            if not any(k in tail for k in s.dashboard_keywords):
                continue
            query = {}
            for param in paths[path]["get"].get("parameters", []):
                if param.get("in") != "query" or not param.get("required"):
                    continue
                if "pipeline" in param["name"]:
                    query[param["name"]] = sc._dashed(org["pipeline_id"])
                else:
                    return None, f"{path} needs query parameter {param['name']!r} the bench cannot fill"
            return path + ("?" + urlencode(query) if query else ""), ""
        return None, f"no dashboard endpoint matching {list(s.dashboard_keywords)} among {candidates}"
    wanted = template(s.api_path)
    for path, ops in paths.items():
        if template(path) == wanted and "get" in ops:
            return s.api_url, ""
    return None, f"GET {s.api_path} is not in the API yet"


def describe(body: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(body)
    except ValueError:
        return {"body": body[:120].decode(errors="replace")}
    if isinstance(doc, dict):
        out: dict[str, Any] = {}
        if isinstance(doc.get("items"), list):
            out["items"] = len(doc["items"])
        if "total" in doc:
            out["total"] = doc["total"]
        if "next_cursor" in doc:
            out["has_next_cursor"] = doc["next_cursor"] is not None
        if "error" in doc:
            out["error"] = doc["error"]
            out["detail"] = str(doc.get("detail"))[:200]
        return out or {"keys": sorted(doc)[:10]}
    return {"type": type(doc).__name__}


def cache_counters(client: Client) -> dict[str, float]:
    """The API's hot-read cache counters (Prometheus ``*cache*_total`` lines), for the hit rate."""
    try:
        status, body = client.get("/metrics")
    except OSError:
        return {}
    if status != 200:
        return {}
    out = {}
    for line in body.decode(errors="replace").splitlines():
        name = line.split("{", 1)[0].split(" ", 1)[0]
        if line.startswith("#") or "cache" not in name or not name.endswith("_total"):
            continue
        key, _, value = line.rpartition(" ")
        with contextlib.suppress(ValueError):
            out[key] = float(value)
    return out


def hit_rate(before: dict[str, float], after: dict[str, float]) -> dict[str, Any]:
    delta = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in set(before) | set(after)}
    hits = sum(v for k, v in delta.items() if 'result="hit"' in k)
    misses = sum(v for k, v in delta.items() if 'result="miss"' in k)
    return {
        "hits": int(hits),
        "misses": int(misses),
        "hit_rate": round(hits / (hits + misses), 4) if hits + misses else None,
    }


def timed_get(client: Client, url: str) -> float:
    started = time.perf_counter()
    client.get(url)
    return round((time.perf_counter() - started) * 1000, 3)


def measure(
    s: sc.Scenario,
    n: int,
    warmup: int,
    sql_conn: psycopg.Connection,
    org_id: str,
    user_id: str,
    bare: Client | None,
    api: Client | None,
    api_url: str | None,
    replay_conn: psycopg.Connection | None = None,
    captured: list[sqlcapture.Captured] | None = None,
    max_seconds: float = 120.0,
    min_n: int = 20,
) -> dict[str, Any]:
    samples: dict[str, list[float]] = {"sql": [], "bare": [], "api": [], "sql_replay": []}
    breakdown: dict[str, list[float]] = {}
    statuses: dict[str, dict[int, int]] = {"bare": {}, "api": {}}
    burl = bare_url(s)

    def one(target: str, record: bool) -> None:
        started = time.perf_counter()
        if target == "sql":
            run_sync(sql_conn, s, org_id, user_id, breakdown if record else None)
            status = 200
        elif target == "sql_replay":
            assert replay_conn is not None and captured is not None
            sqlcapture.replay(replay_conn, captured)
            status = 200
        else:
            client, url = (bare, burl) if target == "bare" else (api, api_url)
            assert client is not None and url is not None
            status, _ = client.get(url)
        elapsed = time.perf_counter() - started
        if record:
            samples[target].append(elapsed)
            if target in statuses:
                statuses[target][status] = statuses[target].get(status, 0) + 1

    targets = (
        ["sql"]
        + (["sql_replay"] if captured else [])
        + (["bare"] if bare else [])
        + (["api"] if api and api_url else [])
    )
    started = time.monotonic()
    for w in range(warmup):
        if w >= 3 and time.monotonic() - started > 20:
            break
        for t in targets:
            one(t, False)
    cpu_before = {
        "api": cpu_seconds(api.pid if api else None),
        "bare": cpu_seconds(bare.pid if bare else None),
    }
    started = time.monotonic()
    for i in range(n):
        if i >= min_n and time.monotonic() - started > max_seconds:
            break  # a slow scenario: enough samples for its percentiles, keep the run bounded
        k = i % len(targets)
        for t in targets[k:] + targets[:k]:  # rotate who goes first
            one(t, True)
    result: dict[str, Any] = {
        "sql": summary_ms(samples["sql"]),
        "sql_statements_p50_ms": {k: summary_ms(v)["p50_ms"] for k, v in breakdown.items()},
    }
    # CPU time of each server per request: unlike wall time, it does not stretch when the machine is busy.
    for target, client in (("api", api), ("bare", bare)):
        before, after = cpu_before[target], cpu_seconds(client.pid if client else None)
        if before is not None and after is not None and samples[target]:
            per_request = (after - before) * 1000 / len(samples[target])
            result[f"{target}_server_cpu_ms_per_request"] = round(per_request, 3)
    if captured:
        result["sql_replay"] = summary_ms(samples["sql_replay"])
    if bare:
        result["bare_fastapi"] = {**summary_ms(samples["bare"]), "statuses": statuses["bare"]}
    if api and api_url:
        result["api"] = {**summary_ms(samples["api"]), "statuses": statuses["api"]}
    return result


def cold_dashboard(
    args: argparse.Namespace,
    client: Client,
    url: str,
    owner_conn: psycopg.Connection,
    replay_conn: psycopg.Connection,
    log_path: Any,
    db: BenchDatabase,
    captured_sql: dict[str, list[str]],
    name: str,
) -> dict[str, Any]:
    """Dashboards are cached for seconds: also time requests that miss (after the TTL), and their SQL."""
    cold: list[float] = []
    out: dict[str, Any] = {}
    for k in range(args.cold):
        time.sleep(args.dashboard_ttl + 0.5)
        if k == 0 and not args.no_capture:
            taken: list[float] = []

            def send(taken: list[float] = taken) -> None:
                taken.append(timed_get(client, url))

            captured = sqlcapture.capture(owner_conn, log_path, db.app_role, send)
            cold += taken
            out["api_sql_cold"] = sqlcapture.summarize(captured)
            captured_sql[name + "_cold"] = [c.literal_sql() for c in captured]
            replays = []
            try:
                for _ in range(10):
                    started = time.perf_counter()
                    sqlcapture.replay(replay_conn, captured)
                    replays.append(time.perf_counter() - started)
                out["sql_replay_cold"] = summary_ms(replays)
            except psycopg.Error as exc:
                out["api_sql_cold"]["replay_error"] = str(exc).splitlines()[0][:200]
        else:
            cold.append(timed_get(client, url))
    out["api_cold_ms"] = cold
    return out


def after_writes(client: Client, url: str, deal: tuple[str, str], n: int) -> dict[str, Any]:
    """Each request right after a committed write in the organisation (renaming a deal, through
    the API), which drops every cached aggregate of the organisation: the cold path, ``n`` times."""
    deal_id, name = deal
    taken: list[float] = []
    statuses: dict[str, int] = {}
    for k in range(n):
        status, _ = client.request("PATCH", f"/api/v1/deals/{deal_id}", {"name": f"{name[:190]} ~{k % 2}"})
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        taken.append(timed_get(client, url) / 1000)  # timed_get gives ms, summary_ms takes seconds
    client.request("PATCH", f"/api/v1/deals/{deal_id}", {"name": name})
    return {**summary_ms(taken), "write_statuses": statuses}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--n", type=int, default=300, help="measured requests per scenario and target")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=120.0,
        help="stop a scenario after this long (at least 20 rounds)",
    )
    parser.add_argument("--only", default=None, help="regex on scenario names")
    parser.add_argument("--no-capture", action="store_true", help="do not capture and replay the API's SQL")
    parser.add_argument("--cold", type=int, default=2, help="cache-missing requests per dashboard (0: none)")
    parser.add_argument("--dashboard-ttl", type=float, default=10.0, help="the API's dashboard cache TTL, s")
    parser.add_argument(
        "--after-write",
        type=int,
        default=40,
        help="dashboard and board requests each made right after a write (cache dropped; 0: none)",
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so servers stop and logging is reset
    open_results("api_latency")
    db = BenchDatabase(args.scale)
    layout = layout_of(db)
    org = layout["orgs"][0]
    user_id = admin_of(db, org)
    scenarios, cipher = build_scenarios(db, layout)
    if args.only:
        scenarios = [s for s in scenarios if re.search(args.only, s.name)]
    log_dir = RESULTS_DIR / "logs"
    captured_sql: dict[str, list[str]] = {}
    api_server = start_api(db, workers=1, log_dir=log_dir)
    bare_server = start_bare(db, scenarios, org, user_id, workers=1, log_dir=log_dir)
    try:
        api_ok = api_server.wait_ready()
        bare_ok = bare_server.wait_ready()
        if not bare_ok:
            note("bare app failed to start:\n" + bare_server.log_tail())
        paths = openapi_paths(api_server.port) if api_ok else None
        if not api_ok:
            emit(
                {
                    "bench": "api_latency",
                    "status": "api not available",
                    "reason": "crm api did not start",
                    "log_tail": api_server.log_tail(6),
                }
            )
        api_client = bare_client = None
        if api_ok:
            token = issue_token(db, org["id"], user_id)
            api_client = Client(
                api_server.port,
                {"Authorization": f"Bearer {token}", "User-Agent": "crm-bench"},
                pid=api_server.proc.pid,
            )
        if bare_ok:
            bare_client = Client(bare_server.port, pid=bare_server.proc.pid)
        log_path = db.settings.data_dir / "pg" / "log"
        with (
            psycopg.connect(db.conninfo()) as sql_conn,
            psycopg.connect(db.conninfo(), autocommit=True) as replay_conn,
            psycopg.connect(db.conninfo(owner=True), autocommit=True) as owner_conn,
        ):
            emit({**decrypt_cost(sql_conn, org, user_id, cipher), "database": db.name})
            for s in scenarios:
                url, reason = api_target(s, paths, org)
                probe: dict[str, Any] = {}
                if url and api_client:
                    # A fresh token per scenario: access tokens live at most 15 minutes.
                    api_client.headers["Authorization"] = f"Bearer {issue_token(db, org['id'], user_id)}"
                    status, body = api_client.get(url)
                    probe = {"status": status, **describe(body)}
                captured: list[sqlcapture.Captured] = []
                api_sql: dict[str, Any] | None = None
                if url and api_client and probe.get("status") == 200 and not args.no_capture:
                    warm_until = time.monotonic() + 20
                    for w in range(args.warmup):  # warm caches and prepared statements first
                        if w >= 3 and time.monotonic() > warm_until:
                            break
                        api_client.get(url)
                    captured = sqlcapture.capture(
                        owner_conn, log_path, db.app_role, lambda c=api_client, u=url: c.get(u)
                    )
                    api_sql = sqlcapture.summarize(captured)
                    captured_sql[s.name] = [c.literal_sql() for c in captured]
                    try:
                        sqlcapture.replay(replay_conn, captured)
                    except psycopg.Error as exc:
                        replay_conn.rollback()
                        api_sql["replay_error"] = str(exc).splitlines()[0][:200]
                        captured = []
                cache_before = (
                    cache_counters(api_client) if (api_client and s.kind == "dashboard" and url) else {}
                )
                result = measure(
                    s,
                    args.n,
                    args.warmup,
                    sql_conn,
                    org["id"],
                    user_id,
                    bare_client,
                    api_client if url else None,
                    url,
                    replay_conn,
                    captured or None,
                    max_seconds=args.max_seconds,
                )
                if api_sql is not None:
                    result["api_sql"] = api_sql
                record: dict[str, Any] = {
                    "bench": "api_latency",
                    "scenario": s.name,
                    "database": db.name,
                    "scale": args.scale,
                    "request": f"{s.api_method} {url or s.api_url or s.api_path or '(dashboard)'}",
                    **result,
                }
                if url:
                    record["api_probe"] = probe
                    api, sql, bare = result["api"], result["sql"], result.get("bare_fastapi")
                    record["ratio_api_to_sql_p50"] = round(api["p50_ms"] / sql["p50_ms"], 2)
                    record["ratio_api_to_sql_p95"] = round(api["p95_ms"] / sql["p95_ms"], 2)
                    if bare:
                        record["ratio_api_to_bare_p50"] = round(api["p50_ms"] / bare["p50_ms"], 2)
                        record["ratio_api_to_bare_p95"] = round(api["p95_ms"] / bare["p95_ms"], 2)
                    budget = {"p50_ms": s.p50_budget_ms, "p95_ms": s.p95_budget_ms}
                    record["budget"] = budget
                    record["meets_budget"] = (
                        probe.get("status") == 200
                        and (s.p50_budget_ms is None or api["p50_ms"] <= s.p50_budget_ms)
                        and (s.p95_budget_ms is None or api["p95_ms"] <= s.p95_budget_ms)
                    )
                    if s.kind in ("dashboard", "board") and args.after_write and probe.get("status") == 200:
                        assert api_client is not None
                        deal = owner_conn.execute(
                            "SELECT id::text, name FROM deals WHERE organization_id = %s"
                            " AND deleted_at IS NULL ORDER BY id LIMIT 1",
                            (org["id"],),
                        ).fetchone()
                        if deal is not None:
                            cold = after_writes(api_client, url, (deal[0], deal[1]), args.after_write)
                            record["api_after_write"] = cold
                            record["meets_budget_after_write"] = (
                                s.p50_budget_ms is None or cold["p50_ms"] <= s.p50_budget_ms
                            ) and (s.p95_budget_ms is None or cold["p95_ms"] <= s.p95_budget_ms)
                    if s.kind == "dashboard":
                        assert api_client is not None
                        record["cache"] = hit_rate(cache_before, cache_counters(api_client))
                        record.update(
                            cold_dashboard(
                                args,
                                api_client,
                                url,
                                owner_conn,
                                replay_conn,
                                log_path,
                                db,
                                captured_sql,
                                s.name,
                            )
                        )
                else:
                    record["api"] = "not available"
                    record["reason"] = reason
                    note(f"{s.name}: API not available ({reason}); floors measured")
                if url and result.get("sql_replay"):
                    record["ratio_api_to_sql_replay_p50"] = round(
                        result["api"]["p50_ms"] / result["sql_replay"]["p50_ms"], 2
                    )
                if result.get("bare_fastapi"):
                    record["ratio_bare_to_sql_p50"] = round(
                        result["bare_fastapi"]["p50_ms"] / result["sql"]["p50_ms"], 2
                    )
                emit(record)
        if captured_sql:  # for explain.py: EXPLAIN ANALYZE of exactly what the API ran
            (RESULTS_DIR / "captured_sql.json").write_text(
                json.dumps({"database": db.name, "scenarios": captured_sql}, indent=1)
            )
        emit(
            {
                "bench": "api_latency_run",
                "database": db.name,
                "machine": machine(),
                "n": args.n,
                "api_log": str(api_server.log_path),
            }
        )
    finally:
        api_server.stop()
        bare_server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
