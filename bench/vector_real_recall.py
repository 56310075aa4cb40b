"""Recall@10 of the app's HNSW index on real MiniLM vectors of CRM text (small scale).

Reads the vectors bench/embedding_structure.py saved (``--save``: raw float32, 384 per row), keeps
every tenth as a query and stores the rest in one organisation of its own database on the bench
server, builds that organisation's index with ``search_ensure_org_index`` (the app's path) and
measures recall@10 against exact search with the API's own SQL, as bench/vector_search.py does.
A few thousand vectors only: an index this small is an easy case, so this checks that real
embeddings give an HNSW graph no trouble; the 1M figures come from the calibrated synthetic set.

    ai/.venv/bin/python bench/embedding_structure.py --save /tmp/real.f32
    backend/.venv/bin/python bench/vector_real_recall.py /tmp/real.f32
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from array import array
from pathlib import Path

from common import emit, ensure_backend_on_path, machine, note, open_results
from vector_data import DIM

ensure_backend_on_path()

import psycopg  # noqa: E402
from crm.core import migrate  # noqa: E402
from crm.search import vectors  # noqa: E402

from vector_search import VectorDatabase, copy_rows, measure  # noqa: E402

ORG = "vectors-minilm"


def read_vectors(path: Path) -> list[array[float]]:
    """Rows of the raw little-endian float32 file written by embedding_structure.py --save."""
    flat = array("f")
    flat.frombytes(path.read_bytes())
    if sys.byteorder == "big":
        flat.byteswap()
    return [flat[i : i + DIM] for i in range(0, len(flat), DIM)]


def big_endian(rows: list[array[float]]) -> bytes:
    """The rows as COPY wants them (network byte order)."""
    out = array("f")
    for row in rows:
        out.extend(row)
    if sys.byteorder == "little":
        out.byteswap()
    return out.tobytes()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("vectors", type=Path, help="raw float32 vectors from embedding_structure.py --save")
    parser.add_argument("--ef-search", default="10,20,40,100")
    args = parser.parse_args()
    open_results("vector_real_recall")
    rows = read_vectors(args.vectors)
    queries = [v for i, v in enumerate(rows) if i % 10 == 0]
    stored = [v for i, v in enumerate(rows) if i % 10 != 0]
    db = VectorDatabase("crm_vectors_minilm")
    migrate.upgrade(db.settings, db.urls)
    with psycopg.connect(db.conninfo(owner=True), autocommit=True) as conn:
        row = conn.execute("SELECT id FROM organizations WHERE slug = %s", (ORG,)).fetchone()
        org = row[0] if row else uuid.uuid4()
        if row is None:
            conn.execute("INSERT INTO organizations (id, name, slug) VALUES (%s, %s, %s)", (org, ORG, ORG))
        conn.execute("DELETE FROM embeddings WHERE organization_id = %s", (org,))
        conn.execute(f"DROP INDEX IF EXISTS ix_embeddings_org_{org.hex}")
        with conn.cursor() as cur:
            copy_rows(cur, org, len(stored), [big_endian(stored)])
        conn.execute("ANALYZE embeddings")
        conn.execute("SELECT set_config('app.org_id', %s, false)", (str(org),))
        started = time.perf_counter()
        conn.execute("SELECT search_ensure_org_index(%s)", (org,))
        build_s = round(time.perf_counter() - started, 1)
    note(f"{len(stored):,} real vectors stored, index built in {build_s} s")
    ef_values = [int(v) for v in args.ef_search.split(",") if v.strip()]
    probes = [vectors.to_literal(q.tolist()) for q in queries]
    result = measure(db, org, probes, len(probes), ef_values)
    emit(
        {
            "bench": "vector_real_recall",
            "stored": len(stored),
            "queries": len(probes),
            "index_build_s": build_s,
            **result,
            "machine": machine(),
        }
    )


if __name__ == "__main__":
    main()
