"""What the stale-vector sweep (crm.search.tasks.requeue_stale) costs an organisation per run.

One organisation holds ``--vectors`` synthetic vectors (default 200,000) in its own database on the
bench server. Through the repository's own functions, as the app role under row-level security:

* ``vector_models``: the check every sweep makes (a skip scan of ix_embeddings_model), beside the
  obvious ``SELECT DISTINCT model`` over the organisation's rows as the baseline;
* ``queue_made_by``: queueing one batch (10,000) of records of a stale model (rolled back after each).

    backend/.venv/bin/python bench/stale_vectors.py [--vectors 200000] [--repeat 20]

The database (``crm_stale_vectors``) is kept: a second run only measures.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

from common import bench_settings, emit, ensure_backend_on_path, machine, note, open_results, summary_ms

ensure_backend_on_path()

import psycopg  # noqa: E402
from crm.core import migrate  # noqa: E402
from crm.core.db import resolve_urls, set_tenant  # noqa: E402
from crm.core.embedded_postgres import socket_dir_of  # noqa: E402
from crm.search import repository, tasks  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine  # noqa: E402

from vector_search import Mixture, _copy_rows  # noqa: E402

NAME = "crm_stale_vectors"
SLUG = "stale-vectors"


def _prepare(settings: object, owner_conninfo: str, count: int) -> uuid.UUID:
    with psycopg.connect(owner_conninfo, autocommit=True) as conn:
        row = conn.execute("SELECT id FROM organizations WHERE slug = %s", (SLUG,)).fetchone()
        org = row[0] if row else uuid.uuid4()
        if row is None:
            conn.execute("INSERT INTO organizations (id, name, slug) VALUES (%s, %s, %s)", (org, SLUG, SLUG))
        have = conn.execute("SELECT count(*) FROM embeddings WHERE organization_id = %s", (org,)).fetchone()
        if not have or have[0] != count:
            conn.execute("DELETE FROM embeddings WHERE organization_id = %s", (org,))
            note(f"loading {count:,} vectors")
            with conn.cursor() as cur:
                _copy_rows(cur, org, count, Mixture(seed=7))
            conn.execute("VACUUM ANALYZE embeddings")
    return org


async def _measure(app_url: str, org: uuid.UUID, repeat: int) -> dict[str, object]:
    engine = create_async_engine(app_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    timings: dict[str, list[float]] = {"vector_models": [], "distinct_model_scan": [], "queue_batch": []}
    found: list[str] = []
    queued = 0
    async with sessions() as session:
        await set_tenant(session, org)
        for _ in range(repeat):
            started = time.perf_counter()
            found = await repository.vector_models(session, org)
            timings["vector_models"].append(time.perf_counter() - started)
            started = time.perf_counter()
            await session.execute(
                text("SELECT DISTINCT model FROM embeddings WHERE organization_id = :o"), {"o": org}
            )
            timings["distinct_model_scan"].append(time.perf_counter() - started)
        await session.rollback()
        for _ in range(max(1, repeat // 4)):
            await set_tenant(session, org)
            started = time.perf_counter()
            queued = await repository.queue_made_by(session, org, "synthetic", tasks.STALE_BATCH)
            timings["queue_batch"].append(time.perf_counter() - started)
            await session.rollback()
    await engine.dispose()
    return {"models": found, "batch_queued": queued, **{k: summary_ms(v) for k, v in timings.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--vectors", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    open_results("stale_vectors")
    settings = bench_settings()
    urls = resolve_urls(settings, database=NAME)
    migrate.upgrade(settings, urls)
    socket_dir = socket_dir_of(settings.data_dir / "pg")
    org = _prepare(settings, f"host={socket_dir} dbname={NAME} user=postgres", args.vectors)
    result = asyncio.run(_measure(urls.app, org, args.repeat))
    emit({"bench": "stale_vectors", "vectors": args.vectors, **result, "machine": machine()})


if __name__ == "__main__":
    main()
