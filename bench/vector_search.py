"""Semantic search's vector index at scale: top-10 latency and recall through the API's own SQL.

One organisation holds ``1,000,000 x scale`` synthetic 384-d unit vectors, three more hold
``50,000 x scale`` each, all in the one ``embeddings`` table, each organisation with its own partial
HNSW index built by ``search_ensure_org_index`` (migration 0017) — the path the app uses — after a
binary COPY load, with ``maintenance_work_mem`` big enough for the whole graph and one parallel build
worker (pgvector 0.6 builds HNSW in parallel); the build's progress is logged every minute. Queries run
as the app role under row-level security with the statement ``crm.search.repository`` sends
(``knn_sql``: the organisation inlined), asking for ``--candidates`` rows (100: what the API asks for
a page of up to 25) at each ``hnsw.ef_search`` of ``--ef-search``, and recall@10 is measured against
an exact scan of the same organisation (computed once per query).

The vectors come from bench/vector_data.py (docs/adr/0012-vector-benchmark-data.md): by default the
``realistic`` set, topic clusters of 500 points (2,000 clusters at 1M, 200 at ``--scale 0.1``), each
spread along a low-dimensional subspace, calibrated so its local intrinsic dimension and relative
contrast match MiniLM embeddings of the CRM's own texts (bench/embedding_structure.py);
``--dataset isotropic`` is the stress set whose clusters are isotropic Gaussian noise in all 384
dimensions (true neighbours are near-ties). The queries are fresh draws from the same clusters.

    backend/.venv/bin/python bench/vector_search.py --scale 0.1     # 100k vectors: a few minutes
    nohup backend/.venv/bin/python bench/vector_search.py > vec.json 2> vec.log &   # 1M: ~50 min build
    backend/.venv/bin/python bench/vector_search.py --dataset isotropic --scale 0.1

The database (``crm_vectors_<dataset>_s<scale>`` in ``.data/bench``) is kept: a second run reuses
vectors and indexes and only measures (``--reset`` starts again).
"""

from __future__ import annotations

import argparse
import struct
import subprocess
import sys
import threading
import time
import uuid
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path

from common import REPO, bench_settings, emit, ensure_backend_on_path, machine, note, open_results, summary_ms
from vector_data import CLUSTERS, DATASETS, DIM, generator

ensure_backend_on_path()

import psycopg  # noqa: E402
from crm.core import migrate  # noqa: E402
from crm.core.db import resolve_urls  # noqa: E402
from crm.search import repository, vectors  # noqa: E402

BIG = 1_000_000
SMALL = 50_000
SEED = 2026
QUERY_STREAM = 99  # the organisations' rows are streams 0-3 of the data set; the queries another
AI_PYTHON = REPO / "ai" / ".venv" / "bin" / "python"
_ROW_BYTES = 4 * DIM
# Measured in turn. The API asks for CANDIDATES rows for a page of up to 25 (service._vector:
# max(100, 4 * limit)) with hnsw.ef_search = max(repository.EF_SEARCH, rows): the beam is wider
# than the rows it returns, which buys recall without more rows to check for visibility.
EF_SEARCH = (40, 100, 200, 400)
CANDIDATES = 100
# The HNSW graph of 1M x 384 (m 16) takes about 2.5 GB; it must fit in maintenance_work_mem or
# pgvector 0.6 switches to the far slower on-disk insertion. In a parallel build the graph lives in
# dynamic shared memory (/dev/shm), so that must be at least this big too.
BUILD_MEMORY = "6GB"
ORG_NAMES = ("vectors-big", "vectors-b", "vectors-c", "vectors-d")
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)


class VectorDatabase:
    """Its own database on the bench server, so the API benches' data sets are never touched."""

    def __init__(self, name: str) -> None:
        from crm.core.embedded_postgres import socket_dir_of

        self.name = name
        self.settings = bench_settings()
        self.urls = resolve_urls(self.settings, database=self.name)
        self.socket_dir = socket_dir_of(self.settings.data_dir / "pg")
        self.app_role = self.settings.database_app_role

    def conninfo(self, *, owner: bool = False) -> str:
        user = "postgres" if owner else self.app_role
        return f"host={self.socket_dir} dbname={self.name} user={user}"


def database_name(dataset: str, scale: float) -> str:
    return f"crm_vectors_{dataset}_s" + f"{scale:g}".replace(".", "_")


def _field(data: bytes) -> bytes:
    return struct.pack("!i", len(data)) + data


def clusters_at(scale: float) -> int:
    """500 points per cluster in the big organisation at every scale: the neighbourhoods a query
    sees (and so the recall) are those of the full set, only fewer of them."""
    return max(1, round(CLUSTERS * scale))


def vector_rows(dataset: str, scale: float, stream: int, count: int) -> Iterator[bytes]:
    """Blocks of big-endian float32 rows of one stream of the data set. The realistic generator
    needs numpy, which only the AI venv has: it runs there as a subprocess writing to a pipe."""
    if dataset != "realistic":
        yield from generator(dataset, SEED, clusters_at(scale)).stream(SEED, stream, count)
        return
    command = [str(AI_PYTHON), str(Path(__file__).with_name("vector_data.py"))]
    command += ["--dataset", dataset, "--seed", str(SEED), "--clusters", str(clusters_at(scale))]
    command += ["--stream", str(stream), "--count", str(count)]
    with subprocess.Popen(command, stdout=subprocess.PIPE) as child:
        assert child.stdout is not None
        while block := child.stdout.read(_ROW_BYTES * 4096):
            yield block
    if child.returncode:
        raise RuntimeError(f"{' '.join(command)} exited with {child.returncode}")


def copy_rows(cur: psycopg.Cursor, org: uuid.UUID, count: int, blocks: Iterable[bytes]) -> None:
    """Binary COPY (pgvector's binary input: dim, unused, float4s), as the owner."""
    org_field = _field(org.bytes)
    entity, chunk = _field(b"contact"), _field(struct.pack("!h", 0))
    model, digest = _field(b"synthetic"), _field(b"\x00" * 32)
    vector_head = struct.pack("!ihh", 4 + _ROW_BYTES, DIM, 0)  # field length, then dim and unused
    statement = (
        "COPY embeddings (organization_id, entity, entity_id, chunk, embedding, model, content_hash)"
        " FROM STDIN WITH (FORMAT BINARY)"
    )
    done = 0
    with cur.copy(statement) as copy:
        copy.write(_COPY_HEADER)
        buffer = bytearray()
        for block in blocks:
            for start in range(0, len(block), _ROW_BYTES):
                buffer += struct.pack("!h", 7) + org_field + entity + _field(uuid.uuid4().bytes) + chunk
                buffer += vector_head + block[start : start + _ROW_BYTES] + model + digest
                done += 1
                if done % 100_000 == 0:
                    note(f"  {done:,} vectors")
            if len(buffer) > 4 << 20:
                copy.write(bytes(buffer))
                buffer.clear()
        copy.write(bytes(buffer) + struct.pack("!h", -1))
    if done != count:
        raise RuntimeError(f"wrote {done:,} vectors, expected {count:,}")


class BuildProgress(threading.Thread):
    """Logs an index build's phase, tuples done and parallel workers every ``every`` seconds, from
    its own connection: a build of 1M vectors runs for a long time and says nothing otherwise."""

    def __init__(self, db: VectorDatabase, every: float = 60.0) -> None:
        super().__init__(daemon=True)
        self.db, self.every, self.done = db, every, threading.Event()
        self.max_workers = 0

    def run(self) -> None:
        started = time.perf_counter()
        with psycopg.connect(self.db.conninfo(owner=True), autocommit=True) as conn:
            while not self.done.wait(self.every):
                row = conn.execute(
                    "SELECT phase, tuples_done, tuples_total FROM pg_stat_progress_create_index"
                    " WHERE datname = current_database()"
                ).fetchone()
                workers = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'parallel worker'"
                    " AND datname = current_database()"
                ).fetchone()
                self.max_workers = max(self.max_workers, workers[0] if workers else 0)
                if row:
                    note(
                        f"  [{time.perf_counter() - started:,.0f} s] {row[0]}: {row[1]:,} of {row[2]:,}"
                        f" tuples, {self.max_workers} parallel worker(s) seen"
                    )


def _prepare(
    db: VectorDatabase, dataset: str, scale: float, reset: bool, build_workers: int
) -> tuple[dict[str, uuid.UUID], dict[str, float]]:
    sizes = {name: max(1000, int((BIG if name == ORG_NAMES[0] else SMALL) * scale)) for name in ORG_NAMES}
    timings: dict[str, float] = {}
    with psycopg.connect(db.conninfo(owner=True), autocommit=True) as conn:
        orgs = {}
        for name in ORG_NAMES:
            row = conn.execute("SELECT id FROM organizations WHERE slug = %s", (name,)).fetchone()
            if row is None:
                org_id = uuid.uuid4()
                conn.execute(
                    "INSERT INTO organizations (id, name, slug) VALUES (%s, %s, %s)", (org_id, name, name)
                )
            else:
                org_id = row[0]
            orgs[name] = org_id
        if reset:
            conn.execute("DELETE FROM embeddings WHERE organization_id = ANY(%s)", (list(orgs.values()),))
            for org_id in orgs.values():
                conn.execute(f"DROP INDEX IF EXISTS ix_embeddings_org_{org_id.hex}")
        with conn.cursor() as cur:
            for stream, (name, org_id) in enumerate(orgs.items()):
                have = conn.execute(
                    "SELECT count(*) FROM embeddings WHERE organization_id = %s", (org_id,)
                ).fetchone()
                if have and have[0] == sizes[name]:
                    continue
                conn.execute("DELETE FROM embeddings WHERE organization_id = %s", (org_id,))
                conn.execute(f"DROP INDEX IF EXISTS ix_embeddings_org_{org_id.hex}")
                note(f"loading {sizes[name]:,} vectors into {name}")
                started = time.perf_counter()
                copy_rows(cur, org_id, sizes[name], vector_rows(dataset, scale, stream, sizes[name]))
                timings[f"load_{name}_s"] = round(time.perf_counter() - started, 1)
        conn.execute("ANALYZE embeddings")
        # Built after the load (a bulk HNSW build, far faster than row-by-row inserts), by the very
        # function the app calls, with the memory an index build over many vectors needs.
        # pgvector 0.6 builds HNSW indexes in parallel: the leader plus ``build_workers`` workers.
        conn.execute(f"SET maintenance_work_mem = '{BUILD_MEMORY}'")
        conn.execute(f"SET max_parallel_maintenance_workers = {int(build_workers)}")
        for name, org_id in orgs.items():
            conn.execute("SELECT set_config('app.org_id', %s, false)", (str(org_id),))
            started = time.perf_counter()
            progress = BuildProgress(db)
            progress.start()
            try:
                row = conn.execute("SELECT search_ensure_org_index(%s)", (org_id,)).fetchone()
            finally:
                progress.done.set()
            if row and row[0]:
                timings[f"index_build_{name}_s"] = round(time.perf_counter() - started, 1)
                timings[f"index_build_{name}_parallel_workers_seen"] = progress.max_workers
                note(f"built the HNSW index of {name} in {timings[f'index_build_{name}_s']} s")
            size = conn.execute(
                "SELECT pg_relation_size(to_regclass(%s))", (f"ix_embeddings_org_{org_id.hex}",)
            ).fetchone()
            timings[f"index_size_{name}_mb"] = round((size[0] if size and size[0] else 0) / 2**20, 1)
    return orgs, timings | {f"vectors_{n}": s for n, s in sizes.items()}


def fresh_probes(dataset: str, scale: float, queries: int) -> list[str]:
    """Queries: fresh draws from the same clusters as the stored vectors."""
    flat = array("f")
    for block in vector_rows(dataset, scale, QUERY_STREAM, queries):
        flat.frombytes(block)
    if sys.byteorder == "little":
        flat.byteswap()  # the rows are big-endian
    return [vectors.to_literal(flat[i : i + DIM].tolist()) for i in range(0, len(flat), DIM)]


def measure(
    db: VectorDatabase,
    org: uuid.UUID,
    probes: list[str],
    exact_queries: int,
    ef_values: list[int],
    candidates: int = CANDIDATES,
) -> dict[str, object]:
    knn = repository.knn_sql(org).replace(":query", "%(query)s").replace(":n", "%(n)s")
    index = f"ix_embeddings_org_{org.hex}"
    results: dict[str, object] = {}
    with psycopg.connect(db.conninfo()) as conn:
        # Ground truth once: an exact scan of the organisation (no index), the same SQL otherwise.
        truths = []
        started = time.perf_counter()
        for probe in probes[:exact_queries]:
            with conn.transaction():
                conn.execute("SELECT set_config('app.org_id', %s, true)", (str(org),))
                conn.execute("SET LOCAL enable_indexscan = off")
                truths.append({r[1] for r in conn.execute(knn, {"query": probe, "n": 10}).fetchall()})
        note(f"exact top-10 of {len(truths)} queries in {time.perf_counter() - started:.0f} s")
        for ef in ef_values:
            n = min(candidates, ef)  # the API never asks for more rows than ef_search lets through
            latencies, recalls, baseline, server = [], [], [], []
            plan = ""
            for i, probe in enumerate(probes):
                with conn.transaction():
                    conn.execute("SELECT set_config('app.org_id', %s, true)", (str(org),))
                    conn.execute(f"SET LOCAL hnsw.ef_search = {int(ef)}")
                    if i == 0:
                        rows = conn.execute("EXPLAIN " + knn, {"query": probe, "n": n}).fetchall()
                        plan = "\n".join(r[0] for r in rows)
                    started = time.perf_counter()
                    found = conn.execute(knn, {"query": probe, "n": n}).fetchall()
                    latencies.append(time.perf_counter() - started)
                    top = [r[1] for r in found[:10]]
                    # Same-run baseline: a round trip that does no work, under the same load.
                    started = time.perf_counter()
                    conn.execute("SELECT 1").fetchone()
                    baseline.append(time.perf_counter() - started)
                    if i < 50:
                        explained = conn.execute(
                            "EXPLAIN (ANALYZE, FORMAT JSON) " + knn, {"query": probe, "n": n}
                        ).fetchone()
                        server.append(explained[0][0]["Execution Time"] / 1000 if explained else float("nan"))
                    if i < len(truths):
                        truth = truths[i]
                        recalls.append(len(truth & set(top)) / max(1, len(truth)))
            results[f"ef_search_{ef}"] = {
                "candidates": n,
                "top10_via_api_sql": summary_ms(latencies),
                "server_execution": summary_ms(server),
                "baseline_select_1": summary_ms(baseline),
                "recall_at_10": round(sum(recalls) / len(recalls), 4),
                "recall_queries": len(recalls),
                "plan_uses_org_index": index in plan,
            }
            note(f"ef_search {ef}: {results[f'ef_search_{ef}']}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument(
        "--dataset",
        choices=DATASETS,
        default=DATASETS[0],
        help="realistic (default) or the isotropic stress set",
    )
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--exact-queries", type=int, default=100, help="queries also scanned exactly")
    parser.add_argument("--reset", action="store_true")
    parser.add_argument(
        "--ef-search", default=",".join(map(str, EF_SEARCH)), help="comma-separated hnsw.ef_search values"
    )
    parser.add_argument(
        "--candidates", type=int, default=CANDIDATES, help="rows asked for (LIMIT), at most ef_search"
    )
    parser.add_argument("--build-workers", type=int, default=1, help="parallel HNSW build workers")
    args = parser.parse_args()
    open_results("vector_search")
    db = VectorDatabase(database_name(args.dataset, args.scale))
    migrate.upgrade(db.settings, db.urls)
    started = time.perf_counter()
    orgs, timings = _prepare(db, args.dataset, args.scale, args.reset, args.build_workers)
    timings["prepare_s"] = round(time.perf_counter() - started, 1)
    big = orgs[ORG_NAMES[0]]
    ef_values = [int(v) for v in args.ef_search.split(",") if v.strip()]
    probes = fresh_probes(args.dataset, args.scale, args.queries)
    exact = min(args.exact_queries, args.queries)
    result = measure(db, big, probes, exact, ef_values, args.candidates)
    emit(
        {
            "bench": "vector_search",
            "dataset": args.dataset,
            "scale": args.scale,
            "organisations": len(orgs),
            **timings,
            "build_workers": args.build_workers,
            "maintenance_work_mem": BUILD_MEMORY,
            **result,
            "target": {"p95_ms": 50, "recall_at_10": 0.95},
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
