"""The HNSW beam a vector query runs with: at least ``repository.EF_SEARCH`` whatever the number of
rows asked for (recall@10 at 1M vectors needs the wider beam; bench/vector_search.py, docs/search.md),
and never fewer than the rows asked for (a scan returns at most ef_search rows)."""

from __future__ import annotations

import random

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.db import set_tenant
from crm.search import repository
from tests.conftest import make_org
from tests.search.conftest import near, random_unit, store_vectors


async def _ef_search(db: AsyncSession) -> int:
    return int((await db.execute(text("SHOW hnsw.ef_search"))).scalar_one())


async def test_a_small_page_searches_with_the_wide_beam(db: AsyncSession) -> None:
    rng = random.Random(3)
    query = random_unit(rng)
    org = await make_org(db, "Beam Clinic")
    await store_vectors(db, org, [near(query, rng, 0.3) for _ in range(50)])
    await set_tenant(db, org)
    hits = await repository.nearest(db, org, query, 10)
    # The rows asked for, not the beam's width: the beam only makes them the right ones.
    assert len(hits) == 10
    assert repository.EF_SEARCH > 100  # wider than the 100 candidates the API asks for a page
    assert await _ef_search(db) == repository.EF_SEARCH


async def test_more_rows_than_the_beam_widen_it(db: AsyncSession) -> None:
    rng = random.Random(5)
    query = random_unit(rng)
    org = await make_org(db, "Wide Clinic")
    await store_vectors(db, org, [near(query, rng, 0.3) for _ in range(20)])
    await set_tenant(db, org)
    want = repository.MAX_EF_SEARCH
    await repository.nearest(db, org, query, want)
    assert await _ef_search(db) == want
