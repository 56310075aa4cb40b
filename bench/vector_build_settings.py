"""What the HNSW build settings buy: rebuild the big organisation's index of a vector_search.py
database with other m / ef_construction, then measure it the same way.

Drops the index ``search_ensure_org_index`` made and creates one of the same name and predicate
with the given settings (one parallel worker, as vector_search.py builds), then runs
vector_search.measure on the same queries. The database is left with that index: run
vector_search.py with ``--reset`` to return to the app's own build.

    backend/.venv/bin/python bench/vector_search.py --scale 0.1
    backend/.venv/bin/python bench/vector_build_settings.py --scale 0.1 --m 16 --ef-construction 64
    backend/.venv/bin/python bench/vector_build_settings.py --scale 0.1 --m 16 --ef-construction 128
"""

from __future__ import annotations

import argparse
import time

from common import emit, ensure_backend_on_path, machine, note, open_results

ensure_backend_on_path()

import psycopg  # noqa: E402

from vector_search import BUILD_MEMORY, ORG_NAMES, VectorDatabase, database_name, fresh_probes, measure  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dataset", default="realistic")
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--m", type=int, default=16)
    parser.add_argument("--ef-construction", type=int, default=128)
    parser.add_argument("--ef-search", default="40,100,200")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--exact-queries", type=int, default=100)
    args = parser.parse_args()
    open_results("vector_build_settings")
    db = VectorDatabase(database_name(args.dataset, args.scale))
    with psycopg.connect(db.conninfo(owner=True), autocommit=True) as conn:
        row = conn.execute("SELECT id FROM organizations WHERE slug = %s", (ORG_NAMES[0],)).fetchone()
        if row is None:
            raise SystemExit(f"no {ORG_NAMES[0]} in {db.name}: run vector_search.py first")
        org = row[0]
        name = f"ix_embeddings_org_{org.hex}"
        conn.execute(f"SET maintenance_work_mem = '{BUILD_MEMORY}'")  # the whole graph in memory
        conn.execute("SET max_parallel_maintenance_workers = 1")
        conn.execute(f"DROP INDEX IF EXISTS {name}")
        started = time.perf_counter()
        conn.execute(
            f"CREATE INDEX {name} ON embeddings USING hnsw (embedding vector_ip_ops)"
            f" WITH (m = {int(args.m)}, ef_construction = {int(args.ef_construction)})"
            f" WHERE organization_id = '{org}'::uuid"
        )
        build_s = round(time.perf_counter() - started, 1)
    note(f"built {name} (m {args.m}, ef_construction {args.ef_construction}) in {build_s} s")
    ef_values = [int(v) for v in args.ef_search.split(",") if v.strip()]
    probes = fresh_probes(args.dataset, args.scale, args.queries)
    result = measure(db, org, probes, min(args.exact_queries, args.queries), ef_values)
    emit(
        {
            "bench": "vector_build_settings",
            "dataset": args.dataset,
            "scale": args.scale,
            "m": args.m,
            "ef_construction": args.ef_construction,
            "index_build_s": build_s,
            **result,
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
