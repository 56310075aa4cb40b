"""EXPLAIN ANALYZE the list, search, board and dashboard queries, as the app role under RLS.

For every scenario statement (the lean SQL of ``scenarios.py``) and, when a capture from
``api_latency.py`` exists, every statement the API itself ran: one JSON line with the
execution time, the indexes used, and any sequential scan of a bulk table (the issue asks
that no list/search/board query scans a whole table); flagged plans are printed in full
on stderr. A SECURITY DEFINER function is opaque in its caller's plan, so the query that
search functions run is explained too, as their owner (``source: function``).

    backend/.venv/bin/python bench/explain.py [--scale 0.01] [--no-captured]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from common import RESULTS_DIR, BenchDatabase, emit, ensure_backend_on_path, note, open_results

ensure_backend_on_path()

import psycopg  # noqa: E402

import scenarios as sc  # noqa: E402
from api_latency import build_scenarios, layout_of  # noqa: E402
from servers import admin_of  # noqa: E402
from sqlrun import SET_TENANT  # noqa: E402

BULK = {"contacts", "companies", "deals", "activities", "custom_field_values", "contact_identifiers", "leads"}
CAPTURE_FILE = RESULTS_DIR / "captured_sql.json"


def _walk(node: dict[str, Any], out: dict[str, Any]) -> None:
    kind = node.get("Node Type", "")
    rel = node.get("Relation Name")
    examined = ((node.get("Actual Rows") or 0) + (node.get("Rows Removed by Filter") or 0)) * (
        node.get("Actual Loops") or 1
    )
    if kind == "Seq Scan" and rel in BULK and examined > 1000:  # an empty/tiny table is scanned, fine
        out["seq_scans"].append(
            {
                "table": rel,
                "rows": node.get("Actual Rows"),
                "loops": node.get("Actual Loops"),
                "removed_by_filter": node.get("Rows Removed by Filter"),
            }
        )
    if node.get("Index Name"):
        out["indexes"].add(f"{rel or '?'}.{node['Index Name']} ({kind})")
    if kind in ("Sort", "Incremental Sort") and node.get("Sort Space Type") == "Disk":
        out["warnings"].append("sort spilled to disk")
    for key in ("Rows Removed by Filter", "Rows Removed by Index Recheck"):
        removed = node.get(key) or 0
        if removed * (node.get("Actual Loops") or 1) > 20_000:
            out["warnings"].append(
                f"{kind} on {rel or '?'}: {removed * (node.get('Actual Loops') or 1)} rows {key[13:].lower()}"
            )
    for child in node.get("Plans", []) or []:
        _walk(child, out)


def explain(
    conn: psycopg.Connection, sql: str, params: Any, org_id: str, user_id: str
) -> tuple[dict[str, Any], str]:
    with conn.transaction():
        conn.execute(SET_TENANT, (org_id, user_id))
        plan = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params).fetchone()[0][0]
        text = "\n".join(r[0] for r in conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params).fetchall())
    info: dict[str, Any] = {"seq_scans": [], "indexes": set(), "warnings": []}
    _walk(plan["Plan"], info)
    top = plan["Plan"]
    return {
        "execution_ms": round(plan["Execution Time"], 3),
        "planning_ms": round(plan["Planning Time"], 3),
        "rows": top.get("Actual Rows"),
        "shared_hit": top.get("Shared Hit Blocks"),
        "shared_read": top.get("Shared Read Blocks"),
        "indexes": sorted(info["indexes"]),
        "seq_scans": info["seq_scans"],
        "warnings": sorted(set(info["warnings"])),
    }, text


def _page_ids(conn: psycopg.Connection, scenario: Any, org_id: str, user_id: str) -> list[Any]:
    from sqlrun import run_sync

    return [r[0] for r in run_sync(conn, scenario, org_id, user_id)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--only", default=None, help="regex on scenario names")
    parser.add_argument("--no-captured", action="store_true", help="skip the API's captured statements")
    parser.add_argument(
        "--slow-ms", type=float, default=5.0, help="flag list/get statements slower than this"
    )
    args = parser.parse_args(argv)
    open_results("explain")
    db = BenchDatabase(args.scale)
    layout = layout_of(db)
    org = layout["orgs"][0]
    user_id = admin_of(db, org)
    scenarios, _ = build_scenarios(db, layout)
    if args.only:
        scenarios = [s for s in scenarios if re.search(args.only, s.name)]
    flagged = 0
    with psycopg.connect(db.conninfo()) as conn, psycopg.connect(db.conninfo(owner=True)) as owner_conn:
        conn.execute("SET jit = off")
        owner_conn.execute("SET jit = off")
        jobs: list[tuple[str, str, str, Any, float]] = []
        for s in scenarios:
            ids = _page_ids(conn, s, org["id"], user_id)
            limit = (s.p50_budget_ms and args.slow_ms) or 50.0
            for st in s.statements:
                params = {**st.params, "ids": ids} if "ids" in st.params else st.params
                jobs.append(("lean", s.name, st.name, (st.sql, params), limit))
                for function in ("search_match_ids", "search_match_count"):
                    if function + "(" in st.sql:
                        inner = (
                            sc.search_function_sql("contacts", function),
                            {"q": st.params["q"], "org": org["id"]},
                        )
                        jobs.append(("function", s.name, function, inner, limit))
        if not args.no_captured and CAPTURE_FILE.exists():
            captured = json.loads(CAPTURE_FILE.read_text())
            if captured.get("database") == db.name:
                for name, statements in captured["scenarios"].items():
                    if args.only and not re.search(args.only, name):
                        continue
                    for n, sql in enumerate(statements):
                        if re.match(r"^\s*(SELECT|WITH)\b", sql, re.I) and "set_config" not in sql:
                            limit = 50.0 if re.search("search|board|dashboard", name) else args.slow_ms
                            jobs.append(("api", name, f"statement_{n}", (sql, None), limit))
        for source, scenario, statement, (sql, params), limit in jobs:
            try:
                # The function's own query runs as its owner (no RLS): explained as the owner.
                on = owner_conn if source == "function" else conn
                result, text = explain(on, sql, params, org["id"], user_id)
            except psycopg.Error as exc:
                emit(
                    {
                        "bench": "explain",
                        "source": source,
                        "scenario": scenario,
                        "statement": statement,
                        "error": str(exc).splitlines()[0],
                    }
                )
                continue
            problems = []
            if result["seq_scans"]:
                problems.append("sequential scan of " + ", ".join(x["table"] for x in result["seq_scans"]))
            if result["execution_ms"] > limit:
                problems.append(f"{result['execution_ms']} ms > {limit} ms")
            problems += result["warnings"]
            record = {
                "bench": "explain",
                "database": db.name,
                "source": source,
                "scenario": scenario,
                "statement": statement,
                **result,
                "ok": not problems,
                "problems": problems,
                "sql": re.sub(r"\s+", " ", sql)[:400],
            }
            emit(record)
            if problems:
                flagged += 1
                note(f"--- {source} {scenario}.{statement}: {'; '.join(problems)}\n{text}\n")
    emit({"bench": "explain_summary", "database": db.name, "statements": len(jobs), "flagged": flagged})
    return 0


if __name__ == "__main__":
    sys.exit(main())
