"""Concurrent writers, in really committed transactions, lose no count: the rollups still equal a
fresh aggregate once they have committed (the second writer waits on the rollup row the first one
holds, then adds its own change to the committed total)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from crm.auth.permissions import DEFAULTS
from crm.auth.principal import ActorType, Principal
from crm.core.config import Settings
from crm.core.db import DatabaseUrls, unit_of_work
from crm.core.runtime import Runtime, build_runtime
from crm.deal import moving
from crm.deal import service as deals
from crm.deal.schemas import DealCreate, DealMove
from crm.models import Organization, Role
from crm.pipeline import service as pipelines
from tests.dashboard.test_rollups import assert_rollups_match


@pytest.fixture
async def live_runtime(settings: Settings, database_urls: DatabaseUrls) -> AsyncIterator[Runtime]:
    runtime = build_runtime(settings, database_urls)
    yield runtime
    await runtime.close()


@pytest.fixture
async def committed_org(live_runtime: Runtime, owner_engine: AsyncEngine) -> AsyncIterator[uuid.UUID]:
    org_id = uuid.uuid4()
    async with unit_of_work(live_runtime.sessions, org_id) as session:
        session.add(Organization(id=org_id, name="Rollup Clinic", slug=f"rollup-{org_id.hex[:12]}"))
    yield org_id
    async with owner_engine.begin() as conn:
        for table in ("audit_events", "deal_stage_changes", "deals", "organizations"):
            column = "id" if table == "organizations" else "organization_id"
            await conn.execute(text(f"DELETE FROM {table} WHERE {column} = :org"), {"org": org_id})
        for table in ("deal_stage_totals", "deal_close_totals"):
            left = await conn.execute(
                text(f"SELECT count(*) FROM {table} WHERE organization_id = :org"), {"org": org_id}
            )
            assert left.scalar_one() == 0  # deleting the organisation took its totals with it


def _admin(org_id: uuid.UUID) -> Principal:
    return Principal(
        actor_type=ActorType.service,
        organization_id=org_id,
        user_id=None,
        role=Role.admin,
        permissions=DEFAULTS[Role.admin],
    )


async def test_concurrent_moves_and_creates_lose_no_count(
    live_runtime: Runtime, committed_org: uuid.UUID
) -> None:
    org, admin = committed_org, _admin(committed_org)
    async with unit_of_work(live_runtime.sessions, org) as session:
        journey = (await pipelines.ensure(session, live_runtime, admin)).default()
        assert journey is not None
        first, second = journey.stages[0].id, journey.stages[1].id
        left = [
            await deals.create(
                session, live_runtime, admin, DealCreate(name=f"L{i}", amount=Decimal(100 + i))
            )
            for i in range(6)
        ]
        right = [
            await deals.create(
                session, live_runtime, admin, DealCreate(name=f"R{i}", stage_id=second, amount=Decimal(7))
            )
            for i in range(6)
        ]

    # Two moves in opposite directions overlap for sure: the first holds its transaction open.
    async def slow_move(deal_id: uuid.UUID, to: uuid.UUID) -> None:
        async with unit_of_work(live_runtime.sessions, org) as session:
            await moving.move(session, live_runtime, admin, deal_id, DealMove(stage_id=to))
            await asyncio.sleep(0.3)

    async def quick_move(deal_id: uuid.UUID, to: uuid.UUID) -> None:
        await asyncio.sleep(0.05)
        async with unit_of_work(live_runtime.sessions, org) as session:
            await moving.move(session, live_runtime, admin, deal_id, DealMove(stage_id=to))

    await asyncio.gather(slow_move(left[0].id, second), quick_move(right[0].id, first))

    # Then many writers at once on the same rollup rows: moves both ways, creates, amount changes.
    async def move(deal_id: uuid.UUID, to: uuid.UUID) -> None:
        async with unit_of_work(live_runtime.sessions, org) as session:
            await moving.move(session, live_runtime, admin, deal_id, DealMove(stage_id=to))

    async def create(n: int) -> None:
        async with unit_of_work(live_runtime.sessions, org) as session:
            await deals.create(session, live_runtime, admin, DealCreate(name=f"N{n}", amount=Decimal(n)))

    async def reprice(deal_id: uuid.UUID) -> None:
        async with unit_of_work(live_runtime.sessions, org) as session:
            await session.execute(
                text("UPDATE deals SET amount = amount + 1000 WHERE id = :id"), {"id": deal_id}
            )

    await asyncio.gather(
        *(move(d.id, second) for d in left[1:4]),
        *(move(d.id, first) for d in right[1:4]),
        *(create(n) for n in range(6)),
        *(reprice(d.id) for d in (left[4], right[4], left[5])),
    )

    async with unit_of_work(live_runtime.sessions, org) as session:
        await assert_rollups_match(session)
        totals = await session.execute(
            text("SELECT stage_id, sum(deal_count) FROM deal_stage_totals GROUP BY stage_id")
        )
        per_stage = {stage_id: count for stage_id, count in totals}
    assert per_stage[first] == 6 - 4 + 4 + 6 and per_stage[second] == 6 - 4 + 4
