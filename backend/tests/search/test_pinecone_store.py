"""The Pinecone vector store through the official async client against a fake index data plane
(exact cosine search), and the driver seam that mirrors the ledger and serves queries from it."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.config import Settings, VectorDriver, load_settings
from crm.models import Embedding
from crm.search import store
from crm.search.pinecone_store import PineconeVectorStore, VectorStoreUnavailable, namespace, vector_id
from crm.search.repository import VectorRow
from tests.conftest import make_org
from tests.fakes.http import serve
from tests.fakes.pinecone import FakePinecone, cosine
from tests.search.conftest import DIM, near, random_unit

API_KEY = "pc-test-key-that-must-not-leak"


@pytest.fixture
def pinecone() -> Iterator[tuple[FakePinecone, str]]:
    api = FakePinecone(API_KEY, DIM)
    with serve(api) as host:
        yield api, host


def rows(vectors: list[list[float]], entity: str = "contact") -> list[VectorRow]:
    return [VectorRow(entity, uuid.uuid4(), 0, v, "synthetic", b"\0" * 32) for v in vectors]


async def test_k_nearest_of_one_organisation_exactly_and_linked_back(
    pinecone: tuple[FakePinecone, str],
) -> None:
    api, host = pinecone
    rng = random.Random(7)
    vector_store = PineconeVectorStore(API_KEY, host)
    center = random_unit(rng)
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    my_rows = rows([random_unit(rng) for _ in range(60)])
    # The other organisation's vectors sit right on the query: they must never surface.
    await vector_store.upsert(theirs, rows([near(center, rng, 0.01) for _ in range(40)]))
    await vector_store.upsert(mine, my_rows)

    found = await vector_store.nearest(mine, center, 10)

    expected = sorted(my_rows, key=lambda r: -cosine(center, r.vector))[:10]
    assert [(e, i) for e, i, _ in found] == [("contact", r.entity_id) for r in expected]
    assert [d for _, _, d in found] == pytest.approx([-cosine(center, r.vector) for r in expected])
    assert set(api.namespaces) == {namespace(mine), namespace(theirs)}
    stored = api.namespaces[namespace(mine)][vector_id("contact", my_rows[0].entity_id, 0)]
    assert stored[1] == {
        "entity": "contact",
        "entity_id": str(my_rows[0].entity_id),
        "chunk": 0,
        "model": "synthetic",
    }
    [query] = [body for path, body in api.calls if path == "/query"]
    assert (query["namespace"], query["topK"], query["includeMetadata"]) == (namespace(mine), 10, True)


async def test_deletes_every_chunk_of_a_record_and_trailing_chunks(
    pinecone: tuple[FakePinecone, str],
) -> None:
    api, host = pinecone
    rng = random.Random(3)
    vector_store = PineconeVectorStore(API_KEY, host)
    org, record, kept = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await vector_store.upsert(
        org,
        [VectorRow("deal", record, c, random_unit(rng), "m", b"") for c in range(4)]
        + [VectorRow("deal", kept, 0, random_unit(rng), "m", b"")],
    )
    await vector_store.delete_chunks_from(org, "deal", record, 2)
    assert sorted(api.namespaces[namespace(org)]) == sorted(
        [vector_id("deal", record, 0), vector_id("deal", record, 1), vector_id("deal", kept, 0)]
    )
    await vector_store.delete_records(org, "deal", [record])
    assert list(api.namespaces[namespace(org)]) == [vector_id("deal", kept, 0)]


async def test_nearest_among_given_records_best_chunk_each(pinecone: tuple[FakePinecone, str]) -> None:
    _, host = pinecone
    rng = random.Random(5)
    vector_store = PineconeVectorStore(API_KEY, host)
    org = uuid.uuid4()
    query = random_unit(rng)
    a, b, outsider = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await vector_store.upsert(
        org,
        [
            VectorRow("contact", a, 0, random_unit(rng), "m", b""),
            VectorRow("contact", a, 1, near(query, rng, 0.05), "m", b""),
            VectorRow("contact", b, 0, near(query, rng, 0.5), "m", b""),
            VectorRow("contact", outsider, 0, query, "m", b""),
            VectorRow("company", a, 0, query, "m", b""),
        ],
    )
    found = await vector_store.nearest_among(org, "contact", query, [a, b], 5)
    assert [i for i, _ in found] == [a, b]
    assert await vector_store.nearest_among(org, "contact", query, [], 5) == []


async def test_a_refused_key_or_an_outage_is_unavailable_without_the_key(
    pinecone: tuple[FakePinecone, str],
) -> None:
    api, host = pinecone
    with pytest.raises(VectorStoreUnavailable) as refused:
        await PineconeVectorStore("wrong-key", host).nearest(uuid.uuid4(), [1.0] * DIM, 5)
    assert "wrong-key" not in str(refused.value) and API_KEY not in str(refused.value)
    api.fail_with = 503
    with pytest.raises(VectorStoreUnavailable, match="query"):
        await PineconeVectorStore(API_KEY, host, timeout=5).nearest(uuid.uuid4(), [1.0] * DIM, 5)


async def test_wrong_dimension_is_refused_by_the_index(pinecone: tuple[FakePinecone, str]) -> None:
    _, host = pinecone
    with pytest.raises(VectorStoreUnavailable, match="dimension"):
        await PineconeVectorStore(API_KEY, host).upsert(uuid.uuid4(), rows([[1.0, 0.0, 0.0]]))


def pinecone_settings(settings: Settings, host: str) -> Settings:
    return settings.model_copy(
        update={
            "vector_driver": VectorDriver.pinecone,
            "pinecone_api_key": SecretStr(API_KEY),
            "pinecone_index_host": host,
        }
    )


async def test_seam_mirrors_the_ledger_and_queries_pinecone(
    db: AsyncSession, settings: Settings, pinecone: tuple[FakePinecone, str]
) -> None:
    api, host = pinecone
    configured = pinecone_settings(settings, host)
    rng = random.Random(11)
    org = await make_org(db, "Pinecone Clinic")
    written = rows([random_unit(rng) for _ in range(5)])

    await store.upsert(db, configured, org, written)

    ledger = set(await db.scalars(select(Embedding.entity_id)))
    assert ledger == {r.entity_id for r in written}  # content hashes stay in PostgreSQL
    assert len(api.namespaces[namespace(org)]) == 5
    # Drop the local copies: the answer can then only come from Pinecone.
    await db.execute(delete(Embedding))
    found = await store.nearest(db, configured, org, written[2].vector, 1, model="synthetic")
    assert [(e, i) for e, i, _ in found] == [("contact", written[2].entity_id)]
    # Another model's query vector never meets these vectors (a metadata filter in Pinecone).
    assert await store.nearest(db, configured, org, written[2].vector, 5, model="another@1") == []
    assert await store.nearest(db, settings, org, written[2].vector, 1, model="synthetic") == []  # pgvector

    await store.delete_records(db, configured, org, "contact", [written[0].entity_id])
    assert vector_id("contact", written[0].entity_id, 0) not in api.namespaces[namespace(org)]


async def test_pgvector_default_never_calls_pinecone(db: AsyncSession, settings: Settings) -> None:
    assert store.pinecone_store(settings) is None
    org = await make_org(db, "Local Clinic")
    written = rows([random_unit(random.Random(1))])
    await store.upsert(db, settings, org, written)
    assert [
        i for _, i, _ in await store.nearest(db, settings, org, written[0].vector, 1, model="synthetic")
    ] == [written[0].entity_id]


def test_pinecone_driver_needs_its_settings() -> None:
    with pytest.raises(Exception, match="CRM_PINECONE_API_KEY") as raised:
        load_settings(vector_driver="pinecone")
    assert "CRM_PINECONE_INDEX_HOST" in str(raised.value)
