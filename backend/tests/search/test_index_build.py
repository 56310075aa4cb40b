"""Migration 0027: an organisation's HNSW index is built with ef_construction 128 and m 16, still
only by the organisation's own transaction."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.db import set_tenant
from crm.search import repository
from tests.conftest import make_org


async def test_a_new_organisations_index_has_the_build_settings(db: AsyncSession) -> None:
    org = await make_org(db, "Graph Clinic")
    await set_tenant(db, org)
    assert await repository.ensure_org_index(db, org) is True
    options = (
        await db.execute(
            text("SELECT reloptions FROM pg_class WHERE oid = to_regclass(:name)"),
            {"name": f"ix_embeddings_org_{org.hex}"},
        )
    ).scalar_one()
    assert sorted(options) == ["ef_construction=128", "m=16"]
    # A second call finds it and builds nothing.
    assert await repository.ensure_org_index(db, org) is False
