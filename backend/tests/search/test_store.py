"""The vector store: k results for one organisation among several, its partial index in the plan,
row-level security under the inlined organisation id."""

from __future__ import annotations

import random
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.permissions import Scope
from crm.core.db import set_tenant
from crm.core.runtime import Runtime
from crm.models import Role
from crm.search import repository, service, store, vectors
from crm.search.repository import VectorRow
from tests.ai import factories
from tests.audit.conftest import principal
from tests.conftest import make_org
from tests.fixtures.people import Tenant
from tests.search.conftest import near, random_unit, store_vectors


async def test_k_results_for_one_organisation_among_several(db: AsyncSession) -> None:
    rng = random.Random(7)
    query = random_unit(rng)
    small = await make_org(db, "Small Clinic")
    small_ids = await store_vectors(db, small, [near(query, rng, 0.5) for _ in range(25)])
    # Three big organisations whose vectors all sit closer to the query than the small one's: an
    # index shared by everyone would fill its whole ef_search window with their rows.
    for name in ("Big A", "Big B", "Big C"):
        big = await make_org(db, name)
        await store_vectors(db, big, [near(query, rng, 0.05) for _ in range(400)])

    await set_tenant(db, small)
    hits = await repository.nearest(db, small, query, 10)
    assert len(hits) == 10
    assert {entity_id for _, entity_id, _ in hits} <= set(small_ids)
    distances = [d for _, _, d in hits]
    assert distances == sorted(distances)
    # The ten are the exact top ten of the organisation (HNSW is approximate, but not at this size).
    exact = await db.execute(
        text("SELECT entity_id FROM embeddings ORDER BY embedding <#> CAST(:q AS vector) LIMIT 10"),
        {"q": vectors.to_literal(query)},
    )
    assert [i for _, i, _ in hits] == list(exact.scalars())


async def test_the_plan_scans_the_organisations_partial_index(db: AsyncSession) -> None:
    rng = random.Random(11)
    query = random_unit(rng)
    orgs = [await make_org(db, f"Org {n}") for n in range(3)]
    for org in orgs:
        await store_vectors(db, org, [random_unit(rng) for _ in range(300)])
    target = orgs[1]
    await set_tenant(db, target)
    # Prepared statements switch to a generic plan after five runs: the literal keeps the
    # partial index's predicate provable even then.
    await db.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
    # Rows inserted in this (uncommitted) transaction have no statistics, so the planner would rate a
    # sort of "3 rows" cheapest; ruling sorts out asks the real question: can it serve the ORDER BY
    # from this organisation's partial index? Only if the predicate is proven at plan time.
    await db.execute(text("SET LOCAL enable_sort = off"))
    plan = "\n".join(
        (
            await db.execute(
                text("EXPLAIN " + repository.knn_sql(target)),
                {"query": vectors.to_literal(query), "n": 10},
            )
        ).scalars()
    )
    assert f"ix_embeddings_org_{target.hex}" in plan, plan
    assert "Index Scan" in plan, plan
    assert "Sort" not in plan, plan
    # Another organisation's partial index never serves this one.
    assert not any(f"ix_embeddings_org_{o.hex}" in plan for o in orgs if o != target)


async def test_another_organisations_id_finds_nothing(db: AsyncSession) -> None:
    rng = random.Random(3)
    mine = await make_org(db, "Mine")
    await store_vectors(db, mine, [random_unit(rng) for _ in range(20)])
    theirs = await make_org(db, "Theirs")
    await store_vectors(db, theirs, [random_unit(rng) for _ in range(20)])
    await set_tenant(db, mine)
    # The inlined organisation id only picks an index; row-level security still decides.
    assert await repository.nearest(db, theirs, random_unit(rng), 10) == []
    assert len(await repository.nearest(db, mine, random_unit(rng), 10)) == 10


async def test_the_index_function_serves_only_the_current_organisation(db: AsyncSession) -> None:
    mine = await make_org(db, "Mine")
    other = uuid.uuid4()
    await set_tenant(db, mine)
    assert await repository.ensure_org_index(db, mine) is True
    assert await repository.ensure_org_index(db, mine) is False  # exists: nothing to do
    with pytest.raises(DBAPIError, match="not the transaction's organisation"):
        async with db.begin_nested():
            await repository.ensure_org_index(db, other)


def test_vector_literals_refuse_bad_input() -> None:
    with pytest.raises(ValueError, match="384"):
        vectors.to_literal([0.1] * 3)
    with pytest.raises(ValueError, match="finite"):
        vectors.to_literal([float("nan")] * 384)
    with pytest.raises(ValueError):
        vectors.from_base64("AAAA")


async def test_a_narrow_scope_gets_k_after_the_index_window_runs_out(
    db: AsyncSession, runtime: Runtime, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sales rep (deals: own scope) whose 3 deals sit behind 150 closer deals of someone else: the
    HNSW window (shrunk to 100 here, 1,000 in production) holds none of theirs, so the search ends
    with an exact scan within their scope and still returns their 3."""
    monkeypatch.setattr(repository, "MAX_EF_SEARCH", 100)
    org = tenant.id
    rng = random.Random(5)
    query = random_unit(rng)
    stages = await factories.pipeline(db, org)
    admin, sales = tenant.people[Role.admin].user_id, tenant.people[Role.sales].user_id
    theirs = [
        (await factories.deal(db, org, stages, name=f"A{n}", amount=1, owner_id=admin)).id for n in range(150)
    ]
    mine = [
        (await factories.deal(db, org, stages, name=f"S{n}", amount=1, owner_id=sales)).id for n in range(3)
    ]
    await set_tenant(db, org)
    await repository.ensure_org_index(db, org)
    rows = [VectorRow("deal", i, 0, near(query, rng, 0.02), "synthetic", b"\0" * 32) for i in theirs]
    rows += [VectorRow("deal", i, 0, near(query, rng, 0.2), "synthetic", b"\0" * 32) for i in mine]
    await repository.upsert(db, rows)

    rep = principal(org, Role.sales, user_id=sales)
    scopes = service._scopes(rep, ["deal"])
    found = await service._vector(db, runtime.settings, org, query, "synthetic", scopes, 3)
    assert set(found.order) == {("deal", i) for i in mine}
    boss = principal(org, Role.admin, user_id=admin)
    top = await service._vector(
        db, runtime.settings, org, query, "synthetic", service._scopes(boss, ["deal"]), 3
    )
    assert {i for _, i in top.order[:3]} <= set(theirs)


async def test_a_query_never_meets_vectors_of_another_model(
    db: AsyncSession, runtime: Runtime, tenant: Tenant
) -> None:
    """Stored vectors of the old model (left until the reindex replaces them) sit closest to the
    query, yet neither the index scan nor the exact scan returns them."""
    org = tenant.id
    rng = random.Random(11)
    query = random_unit(rng)
    stages = await factories.pipeline(db, org)
    owner = tenant.people[Role.sales].user_id
    old = [
        (await factories.deal(db, org, stages, name=f"O{n}", amount=1, owner_id=owner)).id for n in range(5)
    ]
    new = [
        (await factories.deal(db, org, stages, name=f"N{n}", amount=1, owner_id=owner)).id for n in range(5)
    ]
    await set_tenant(db, org)
    await repository.ensure_org_index(db, org)
    rows = [VectorRow("deal", i, 0, near(query, rng, 0.01), "model-a@1", b"\0" * 32) for i in old]
    rows += [VectorRow("deal", i, 0, near(query, rng, 0.3), "model-b@2", b"\0" * 32) for i in new]
    await repository.upsert(db, rows)

    hits = await store.nearest(db, runtime.settings, org, query, 10, model="model-b@2")
    assert {i for _, i, _ in hits} == set(new)
    assert {i for _, i, _ in await repository.nearest(db, org, query, 10)} == set(old) | set(new)
    rep = principal(org, Role.sales, user_id=owner)
    _, clause = service._scopes(rep, ["deal"])["deal"]
    exact = await store.nearest_within(
        db, runtime.settings, org, "deal", query, clause, 10, model="model-b@2"
    )
    assert {i for i, _ in exact} == set(new)
    found = await service._vector(
        db, runtime.settings, org, query, "model-a@1", {"deal": (Scope.own, clause)}, 3
    )
    assert {i for _, i in found.order} <= set(old)


async def test_a_reindex_queues_every_live_record_with_text(db: AsyncSession, tenant: Tenant) -> None:
    org = tenant.id
    clinic = await factories.company(db, org, "Clínica Sol", "Clinic", 20)
    gone = await factories.company(db, org, "Closed Clinic", "Clinic", 5)
    gone.deleted_at = gone.created_at
    note = await factories.activity(db, org, kind="note", body="Asked about flu shots", company_id=clinic.id)
    await factories.activity(db, org, kind="task", subject="Call back", company_id=clinic.id)
    await factories.activity(db, org, kind="call", company_id=clinic.id)  # no text: nothing to find
    await db.flush()
    other = await make_org(db, "Elsewhere")
    await factories.company(db, other, "Not Mine", "Clinic", 5)

    await set_tenant(db, org)
    assert await repository.queue_everything(db) == 2
    queued = await db.execute(text("SELECT entity, entity_id FROM search_index_queue ORDER BY entity"))
    assert [tuple(r) for r in queued] == [("activity", note.id), ("company", clinic.id)]
    assert await repository.queue_everything(db) == 0  # already queued: nothing twice
