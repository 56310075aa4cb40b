"""Top accounts ranked from the all-time bound (``deal_company_won_totals``) answer exactly what the
plain aggregate of the period's won deals answers: same companies, order, sums and counts."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text, true
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.db import set_tenant
from crm.dashboard import repository
from crm.models import Company, Deal, Pipeline, Stage
from tests.fixtures.people import Tenant

TODAY = dt.date.today()


async def _seed(db: AsyncSession, rng: random.Random, companies: int = 120, deals: int = 700) -> None:
    """Won, lost and open deals over three years: repeat customers, three currencies, NULL and zero
    amounts, equal sums (ties broken by company id), deleted deals and deals with no company."""
    pipeline = Pipeline(id=uuid.uuid4(), name="Sales", is_default=True)
    db.add(pipeline)
    await db.flush()
    stage = Stage(id=uuid.uuid4(), pipeline_id=pipeline.id, name="Any", position=0)
    firms = [Company(id=uuid.uuid4(), name=f"Firm {n:03d}") for n in range(companies)]
    db.add_all([stage, *firms])
    await db.flush()
    rows = []
    for n in range(deals):
        status = rng.choice(["won", "won", "won", "lost", "open"])
        closed = dt.datetime.now(dt.UTC) - dt.timedelta(
            days=rng.randrange(0, 3 * 365), hours=rng.randrange(24)
        )
        # A few big customers, many small ones, round amounts so that sums tie.
        firm = firms[min(int(rng.expovariate(1 / 25)), companies - 1)]
        amount = rng.choice(
            [None, Decimal(0), Decimal(1000), Decimal(2500), Decimal(rng.randrange(1, 10**6)) / 100]
        )
        rows.append(
            Deal(
                name=f"D{n}",
                amount=amount,
                currency=rng.choice(["EUR", "EUR", "EUR", "USD", "GBP"]),
                pipeline_id=pipeline.id,
                stage_id=stage.id,
                board_rank=f"r{n:05d}",
                company_id=None if n % 17 == 0 else firm.id,
                status=status,
                closed_at=None if status == "open" else closed,
                deleted_at=dt.datetime.now(dt.UTC) if n % 23 == 0 else None,
            )
        )
    db.add_all(rows)
    await db.flush()


async def _both(db: AsyncSession, first: dt.date, last: dt.date, limit: int) -> tuple[Any, Any]:
    bounded = await repository.top_accounts(db, first, last, true(), limit, every_deal=True)
    plain = await repository.top_accounts(db, first, last, true(), limit)
    return bounded, plain


async def test_bounded_ranking_equals_the_plain_aggregate(
    db: AsyncSession, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On a few hundred deals the plain aggregate is the cheaper one and would always be chosen:
    # take the cost of look-ups out, so that the bound does the ranking wherever it can.
    monkeypatch.setattr(repository, "PROBE_COST", 0)
    await set_tenant(db, tenant.id)
    rng = random.Random(4)
    await _seed(db, rng)
    ranges = [
        (TODAY - dt.timedelta(days=365), TODAY),
        (TODAY - dt.timedelta(days=3 * 366), TODAY),
        (TODAY - dt.timedelta(days=30), TODAY),
        (TODAY - dt.timedelta(days=700), TODAY - dt.timedelta(days=400)),
        (TODAY, TODAY),
    ]
    ranges += [
        (TODAY - dt.timedelta(days=a + b), TODAY - dt.timedelta(days=a))
        for a, b in ((rng.randrange(0, 900), rng.randrange(0, 400)) for _ in range(15))
    ]
    pruned = 0
    for first, last in ranges:
        for limit in (1, 3, 10, 50):
            bounded, plain = await _both(db, first, last, limit)
            assert bounded == plain, (first, last, limit)
            won_in = repository._won_in(first, last)
            pruned += await repository._floor_of_top(db, won_in, limit) is not None
    # The bound did the ranking for most of these periods (else this test proves nothing).
    assert pruned > len(ranges) * 2


async def test_every_kind_of_write_moves_the_ranking(
    db: AsyncSession, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After each write the bounded ranking still equals the plain aggregate (the rollup follows)."""
    monkeypatch.setattr(repository, "PROBE_COST", 0)
    await set_tenant(db, tenant.id)
    await _seed(db, random.Random(9), companies=40, deals=250)
    first, last = TODAY - dt.timedelta(days=365), TODAY
    top = (await repository.top_accounts(db, first, last, true(), 1, every_deal=True))[0]
    leader, runner_up = top["company_id"], None
    writes = [
        # the leader's deals lose their amounts, then move to another currency, then company
        "UPDATE deals SET amount = amount / 10 WHERE company_id = :leader AND status = 'won'",
        "UPDATE deals SET currency = 'CHF' WHERE company_id = :leader AND status = 'won'",
        "UPDATE deals SET company_id = :other WHERE company_id = :leader",
        # a small company wins a huge deal today, which is then reopened, lost, deleted, restored
        "INSERT INTO deals (name, amount, currency, pipeline_id, stage_id, board_rank, company_id, status,"
        " closed_at) SELECT 'Huge', 99999999, 'EUR', pipeline_id, stage_id, 'zz', :small, 'won', now()"
        " FROM deals LIMIT 1",
        "UPDATE deals SET status = 'open', closed_at = NULL WHERE name = 'Huge'",
        "UPDATE deals SET status = 'won', closed_at = now() WHERE name = 'Huge'",
        "UPDATE deals SET deleted_at = now() WHERE name = 'Huge'",
        "UPDATE deals SET deleted_at = NULL WHERE name = 'Huge'",
        "UPDATE deals SET company_id = NULL WHERE name = 'Huge'",
        "UPDATE deals SET company_id = :small WHERE name = 'Huge'",
        "DELETE FROM deals WHERE name = 'Huge'",
        # a company is deleted: its deals keep their amounts but lose the company
        "DELETE FROM companies WHERE id = :other",
    ]
    ids = (await db.execute(text("SELECT id FROM companies ORDER BY name"))).scalars().all()
    runner_up = next(i for i in ids if i != leader)
    small = ids[-1]
    for statement in writes:
        await db.execute(text(statement), {"leader": leader, "other": runner_up, "small": small})
        fresh = (
            await db.execute(
                text(
                    "SELECT company_id, currency, count(*), count(amount), coalesce(sum(amount), 0) FROM deals"
                    " WHERE deleted_at IS NULL AND status = 'won' AND company_id IS NOT NULL GROUP BY 1, 2"
                )
            )
        ).all()
        rolled = (
            await db.execute(
                text(
                    "SELECT company_id, currency, won_count, won_amount_count, won_amount"
                    " FROM deal_company_won_totals WHERE won_count <> 0 OR won_amount <> 0"
                )
            )
        ).all()
        assert sorted(fresh) == sorted(rolled), statement
        for limit in (1, 5):
            bounded, plain = await _both(db, first, last, limit)
            assert bounded == plain, (statement, limit)


@pytest.mark.parametrize(("head", "most", "cost"), [(1, 2_000, 0), (50, 0, 0), (2, 3, 0), (50, 1_000, 10**6)])
async def test_small_heads_and_caps_fall_back_or_stay_exact(
    db: AsyncSession, tenant: Tenant, monkeypatch: pytest.MonkeyPatch, head: int, most: int, cost: int
) -> None:
    """A head too small to hold N sums, more companies above the floor than the cap, or look-ups
    dearer than the period's deals rank the whole period instead; the answer is the same."""
    monkeypatch.setattr(repository, "HEAD", head)
    monkeypatch.setattr(repository, "MAX_CANDIDATES", most)
    monkeypatch.setattr(repository, "PROBE_COST", cost)
    await set_tenant(db, tenant.id)
    await _seed(db, random.Random(11), companies=60, deals=300)
    for first in (TODAY - dt.timedelta(days=365), TODAY - dt.timedelta(days=90)):
        for limit in (1, 2, 10):
            bounded, plain = await _both(db, first, TODAY, limit)
            assert bounded == plain, (first, limit)
