"""Does a page deep in a list cost what the first page costs? Keyset pages must be index ranges
that start at the cursor, or page n reads the n - 1 pages before it and a full walk (an export,
a script paging through a list) is quadratic.

Starts ``crm api`` on the bench database and walks each sorted list through the API with its
cursor, ``--pages`` pages of ``--limit`` rows, timing each page. The baseline is the same walk's
first pages, in the same run: ``deep_to_first_p50`` is the p50 of the last ten pages over the
p50 of the first ten (1.0 when a page costs the same at any depth).

    backend/.venv/bin/python bench/deep_pages.py [--scale 1] [--pages 150] [--limit 200]

The sorts are the ones whose later pages were not index ranges before migration 0032: numbers
(numeric comparisons are not leakproof, so under RLS they cannot bound a scan) and nullable
columns (``x > v OR x IS NULL`` bounds no index).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from urllib.parse import urlencode

from common import RESULTS_DIR, BenchDatabase, emit, ensure_backend_on_path, open_results, summary_ms

ensure_backend_on_path()

from api_latency import layout_of  # noqa: E402
from servers import Client, admin_of, issue_token, start_api  # noqa: E402

SORTS = (
    ("deals", "amount"),
    ("deals", "-amount"),
    ("companies", "annual_revenue"),
    ("deals", "-closed_at"),  # open deals (NULL) first: the walk stays among the NULLs
    ("activities", "due_at"),
    ("activities", "-completed_at"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--pages", type=int, default=150)
    parser.add_argument("--limit", type=int, default=200)
    args = parser.parse_args(argv)
    open_results("deep_pages")
    db = BenchDatabase(args.scale)
    layout = layout_of(db)
    org = layout["orgs"][0]
    token = issue_token(db, org["id"], admin_of(db, org))
    server = start_api(db, log_dir=RESULTS_DIR / "logs")
    try:
        if not server.wait_ready():
            raise SystemExit("the API server did not start:\n" + server.log_tail())
        client = Client(server.port, {"Authorization": f"Bearer {token}", "User-Agent": "crm-bench"})
        for resource, sort in SORTS:
            walls: list[float] = []
            cursor = None
            rows = 0
            for _ in range(args.pages):
                params = {"sort": sort, "limit": str(args.limit), "count": "false"}
                if cursor:
                    params["cursor"] = cursor
                started = time.perf_counter()
                status, body = client.get(f"/api/v1/{resource}?{urlencode(params)}")
                walls.append(time.perf_counter() - started)
                if status != 200:
                    raise SystemExit(f"{resource} by {sort}: HTTP {status} {body[:300]!r}")
                page = json.loads(body)
                rows += len(page["items"])
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            first, last = summary_ms(walls[:10]), summary_ms(walls[-10:])
            emit(
                {
                    "bench": "deep_pages",
                    "list": resource,
                    "sort": sort,
                    "pages": len(walls),
                    "rows": rows,
                    "first_pages": first,
                    "last_pages": last,
                    "walk_s": round(sum(walls), 2),
                    "deep_to_first_p50": round(last["p50_ms"] / max(first["p50_ms"], 1e-9), 2),
                    "loadavg_1m": round(os.getloadavg()[0], 1),
                }
            )
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
