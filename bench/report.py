"""Markdown tables from a results file (for docs/performance.md).

backend/.venv/bin/python bench/report.py bench/results/<file>.jsonl [more.jsonl ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _cell(d: Any, key: str = "p50_ms") -> str:
    return f"{d[key]:g}" if isinstance(d, dict) and key in d else "-"


def latency(records: list[dict[str, Any]]) -> str:
    head = (
        "| scenario | API p50 / p95 | lean SQL p50 / p95 | API's own SQL replayed p50"
        " | bare FastAPI p50 / p95 | API / bare CPU ms per request | queries per request (server ms) |"
        "\n|---|---|---|---|---|---|---|"
    )
    rows = [head]
    for r in records:
        if r.get("bench") != "api_latency" or "scenario" not in r:
            continue
        api = r.get("api")
        api_txt = f"{_cell(api)} / {_cell(api, 'p95_ms')}" if isinstance(api, dict) else "not available"
        sql = r["sql"]
        bare = r.get("bare_fastapi")
        cpu = (
            f"{r.get('api_server_cpu_ms_per_request', '-')} / {r.get('bare_server_cpu_ms_per_request', '-')}"
        )
        q = r.get("api_sql") or {}
        queries = f"{q.get('queries', '-')} ({q.get('server_ms_total', '-')})" if q else "-"
        if r.get("api_cold_ms"):
            cache = r.get("cache") or {}
            api_txt += (
                f"; cold {', '.join(f'{x:g}' for x in r['api_cold_ms'])}; hit rate {cache.get('hit_rate')}"
            )
            cold = r.get("api_sql_cold") or {}
            if cold:
                queries += f"; cold {cold.get('queries')} ({cold.get('server_ms_total')})"
        replay = _cell(r.get("sql_replay"))
        rows.append(
            f"| {r['scenario']} | {api_txt} | {_cell(sql)} / {_cell(sql, 'p95_ms')} | {replay} "
            f"| {_cell(bare)} / {_cell(bare, 'p95_ms')} | {cpu} | {queries} |"
        )
    return "\n".join(rows)


def throughput(records: list[dict[str, Any]]) -> str:
    rows = ["| scenario | API req/s | bare FastAPI req/s | ratio |\n|---|---|---|---|"]
    for r in records:
        if r.get("bench") != "throughput" or "bare_fastapi" not in r:
            continue
        api = r.get("api")
        api_rps = api["requests_per_s"] if isinstance(api, dict) else "not available"
        bare_rps, ratio = r["bare_fastapi"]["requests_per_s"], r.get("ratio_api_to_bare", "-")
        rows.append(f"| {r['scenario']} | {api_rps} | {bare_rps} | {ratio} |")
    return "\n".join(rows)


def main(paths: list[str]) -> int:
    records = [json.loads(line) for p in paths for line in Path(p).read_text().splitlines() if line.strip()]
    print(latency(records))
    print()
    print(throughput(records))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
