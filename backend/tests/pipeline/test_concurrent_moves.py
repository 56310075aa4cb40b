"""Concurrent moves into the same slot of a column, in really committed transactions: each card
gets its own rank between the two neighbours, and no other card of the column is rewritten."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

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


@pytest.fixture
async def live_runtime(settings: Settings, database_urls: DatabaseUrls) -> AsyncIterator[Runtime]:
    runtime = build_runtime(settings, database_urls)
    yield runtime
    await runtime.close()


@pytest.fixture
async def committed_org(live_runtime: Runtime, owner_engine: AsyncEngine) -> AsyncIterator[uuid.UUID]:
    org_id = uuid.uuid4()
    async with unit_of_work(live_runtime.sessions, org_id) as session:
        session.add(Organization(id=org_id, name="Board Clinic", slug=f"board-{org_id.hex[:12]}"))
    yield org_id
    async with owner_engine.begin() as conn:
        for table in ("audit_events", "deals", "organizations"):
            column = "id" if table == "organizations" else "organization_id"
            await conn.execute(text(f"DELETE FROM {table} WHERE {column} = :org"), {"org": org_id})


def _admin(org_id: uuid.UUID) -> Principal:
    return Principal(
        actor_type=ActorType.service,
        organization_id=org_id,
        user_id=None,
        role=Role.admin,
        permissions=DEFAULTS[Role.admin],
    )


async def _ranks(runtime: Runtime, org_id: uuid.UUID, stage_id: uuid.UUID) -> dict[uuid.UUID, str]:
    async with unit_of_work(runtime.sessions, org_id) as session:
        rows = await session.execute(
            text("SELECT id, board_rank FROM deals WHERE stage_id = :s ORDER BY board_rank, id"),
            {"s": stage_id},
        )
        return dict(rows.all())


async def test_concurrent_moves_into_one_slot(live_runtime: Runtime, committed_org: uuid.UUID) -> None:
    org, admin = committed_org, _admin(committed_org)
    async with unit_of_work(live_runtime.sessions, org) as session:
        journey = (await pipelines.ensure(session, live_runtime, admin)).default()
        assert journey is not None
        enquiry, booked = journey.stages[0].id, journey.stages[1].id
        a = await deals.create(session, live_runtime, admin, DealCreate(name="A"))
        b = await deals.create(session, live_runtime, admin, DealCreate(name="B"))
        movers = [
            await deals.create(session, live_runtime, admin, DealCreate(name=f"M{i}", stage_id=booked))
            for i in range(8)
        ]
    before = await _ranks(live_runtime, org, enquiry)

    # Two moves overlap for sure: the first holds its transaction open after moving.
    async def slow_first() -> None:
        async with unit_of_work(live_runtime.sessions, org) as session:
            await moving.move(
                session, live_runtime, admin, movers[0].id, DealMove(stage_id=enquiry, after_id=a.id)
            )
            await asyncio.sleep(0.3)

    async def second() -> None:
        await asyncio.sleep(0.05)
        async with unit_of_work(live_runtime.sessions, org) as session:
            await moving.move(
                session, live_runtime, admin, movers[1].id, DealMove(stage_id=enquiry, after_id=a.id)
            )

    await asyncio.gather(slow_first(), second())
    order = list(await _ranks(live_runtime, org, enquiry))
    assert order == [a.id, movers[1].id, movers[0].id, b.id]

    # Then six at once, all "right after A".
    async def move(deal_id: uuid.UUID) -> None:
        async with unit_of_work(live_runtime.sessions, org) as session:
            await moving.move(
                session, live_runtime, admin, deal_id, DealMove(stage_id=enquiry, after_id=a.id)
            )

    await asyncio.gather(*(move(m.id) for m in movers[2:]))
    after = await _ranks(live_runtime, org, enquiry)
    assert len(after) == 10 and len(set(after.values())) == 10
    assert all(
        before[a.id] < rank < before[b.id] for deal_id, rank in after.items() if deal_id not in (a.id, b.id)
    )
    assert (after[a.id], after[b.id]) == (before[a.id], before[b.id])  # the neighbours were never rewritten
    assert next(iter(after)) == a.id and list(after)[-1] == b.id
    async with unit_of_work(live_runtime.sessions, org) as session:
        changes = (await session.execute(text("SELECT count(*) FROM deal_stage_changes"))).scalar_one()
    assert changes == 10 + 8  # one per create, one per move into the new stage
