"""Dashboard summaries: right numbers, scoped by role, amounts hidden from marketing, cache invalidated by writes."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.db import set_tenant
from crm.kit.hotcache import CACHE_REQUESTS
from crm.models import Activity, Company, Deal, Lead, Pipeline, Role, Stage
from tests.fixtures.people import Tenant, bearer, token_for


def _money(amounts: list[dict[str, Any]]) -> dict[str, float]:
    return {a["currency"]: float(a["amount"]) for a in amounts}


async def _seed(db: AsyncSession, tenant: Tenant) -> uuid.UUID:
    await set_tenant(db, tenant.id)
    sales = tenant.people[Role.sales].user_id
    admin = tenant.people[Role.admin].user_id
    pipeline = Pipeline(id=uuid.uuid4(), name="Patients", is_default=True)
    stages = [
        Stage(
            id=uuid.uuid4(),
            pipeline_id=pipeline.id,
            name=name,
            position=i,
            probability=p,
            is_won=name == "Won",
            is_lost=name == "Lost",
        )
        for i, (name, p) in enumerate([("Enquiry", 10), ("Proposal", 50), ("Won", 100), ("Lost", 0)])
    ]
    acme = Company(id=uuid.uuid4(), name="Acme Dental")
    db.add_all([pipeline, acme])
    await db.flush()
    db.add_all(stages)
    await db.flush()
    today = dt.date.today()
    now = dt.datetime.now(dt.UTC)
    deals = [
        Deal(
            name="A",
            amount=Decimal(1000),
            pipeline_id=pipeline.id,
            stage_id=stages[0].id,
            board_rank="a",
            owner_id=sales,
            expected_close_date=today,
            probability=10,
        ),
        Deal(
            name="B",
            amount=Decimal(2000),
            pipeline_id=pipeline.id,
            stage_id=stages[1].id,
            board_rank="a",
            owner_id=admin,
            expected_close_date=today,
            probability=50,
        ),
        Deal(
            name="B2",
            amount=Decimal(1000),
            currency="USD",
            pipeline_id=pipeline.id,
            stage_id=stages[1].id,
            board_rank="b",
            owner_id=admin,
            expected_close_date=today,
            probability=50,
        ),
        Deal(
            name="C",
            amount=Decimal(5000),
            pipeline_id=pipeline.id,
            stage_id=stages[2].id,
            board_rank="a",
            owner_id=sales,
            status="won",
            closed_at=now,
            company_id=acme.id,
        ),
        Deal(
            name="D",
            amount=Decimal(700),
            pipeline_id=pipeline.id,
            stage_id=stages[3].id,
            board_rank="a",
            owner_id=admin,
            status="lost",
            closed_at=now,
            lost_reason="price",
        ),
    ]
    db.add_all(deals)
    db.add_all([Lead(source="web"), Lead(source="web", status="converted"), Lead(source="referral")])
    await db.flush()
    db.add_all(
        [
            Activity(
                kind="task",
                subject="Call back",
                due_at=now - dt.timedelta(days=1),
                deal_id=deals[0].id,
                owner_id=sales,
            ),
            Activity(
                kind="task",
                subject="Send plan",
                due_at=now + dt.timedelta(days=3),
                deal_id=deals[1].id,
                owner_id=admin,
            ),
            Activity(kind="note", body="Nice chat", deal_id=deals[1].id),
        ]
    )
    await db.flush()
    return pipeline.id


async def test_numbers_scopes_and_hidden_amounts(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant, other_tenant: Tenant
) -> None:
    pipeline_id = await _seed(db, tenant)
    admin = bearer(await token_for(client, tenant.people[Role.admin]))
    stages = (
        await client.get(
            "/api/v1/dashboards/pipeline", params={"pipeline_id": str(pipeline_id)}, headers=admin
        )
    ).json()["stages"]
    assert [(s["name"], s["count"], _money(s["amounts"])) for s in stages] == [
        ("Enquiry", 1, {"EUR": 1000.0}),
        ("Proposal", 2, {"EUR": 2000.0, "USD": 1000.0}),
        ("Won", 0, {}),
        ("Lost", 0, {}),
    ]
    win = (await client.get("/api/v1/dashboards/win-rate", headers=admin)).json()["periods"]
    assert (win[-1]["won"], win[-1]["lost"], win[-1]["win_rate"]) == (1, 1, 0.5)
    closing = (await client.get("/api/v1/dashboards/closing", headers=admin)).json()
    assert closing["count"] == 3 and _money(closing["amounts"]) == {"EUR": 3000.0, "USD": 1000.0}
    assert {a["currency"]: float(a["weighted_amount"]) for a in closing["amounts"]} == {
        "EUR": 1100.0,
        "USD": 500.0,
    }
    sources = (await client.get("/api/v1/dashboards/lead-sources", headers=admin)).json()["sources"]
    assert sources[0] == {"source": "web", "count": 2, "converted": 1}
    tasks = (await client.get("/api/v1/dashboards/activities", headers=admin)).json()
    assert tasks["overdue"] == 1 and tasks["next_7_days"] + tasks["today"] == 1
    accounts = (await client.get("/api/v1/dashboards/top-accounts", headers=admin)).json()["accounts"]
    assert [(a["name"], a["currency"], float(a["won_amount"])) for a in accounts] == [
        ("Acme Dental", "EUR", 5000.0)
    ]
    assert _money(win[-1]["won_amounts"]) == {"EUR": 5000.0}

    # Sales sees only their own deals; marketing sees counts but no money.
    sales = bearer(await token_for(client, tenant.people[Role.sales]))
    own = (
        await client.get(
            "/api/v1/dashboards/pipeline", params={"pipeline_id": str(pipeline_id)}, headers=sales
        )
    ).json()["stages"]
    assert [s["count"] for s in own] == [1, 0, 0, 0]
    marketing = bearer(await token_for(client, tenant.people[Role.marketing]))
    hidden = (
        await client.get(
            "/api/v1/dashboards/pipeline", params={"pipeline_id": str(pipeline_id)}, headers=marketing
        )
    ).json()["stages"]
    assert [s["count"] for s in hidden] == [1, 2, 0, 0] and all(s["amounts"] is None for s in hidden)
    support = bearer(await token_for(client, tenant.people[Role.support]))
    assert (await client.get("/api/v1/dashboards/lead-sources", headers=support)).status_code == 403

    # Another tenant sees nothing of ours.
    theirs = bearer(await token_for(client, other_tenant.people[Role.admin]))
    empty = (
        await client.get(
            "/api/v1/dashboards/pipeline", params={"pipeline_id": str(pipeline_id)}, headers=theirs
        )
    ).json()
    assert empty["stages"] == []
    assert (await client.get("/api/v1/dashboards/lead-sources", headers=theirs)).json() == {"sources": []}


async def test_cached_until_a_write(client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant) -> None:
    pipeline_id = await _seed(db, tenant)
    admin = bearer(await token_for(client, tenant.people[Role.admin]))

    def hits() -> float:
        return CACHE_REQUESTS.labels("lead_sources", "hit")._value.get()  # type: ignore[no-any-return]

    before = hits()
    await client.get("/api/v1/dashboards/lead-sources", headers=admin)
    await client.get("/api/v1/dashboards/lead-sources", headers=admin)
    assert hits() == before + 1
    assert (
        await client.post("/api/v1/contacts", json={"first_name": "New"}, headers=admin)
    ).status_code == 201
    await client.get("/api/v1/dashboards/lead-sources", headers=admin)
    assert hits() == before + 1  # the write made the cached value stale
    assert pipeline_id


async def test_bad_ranges_are_refused(client: httpx.AsyncClient, tenant: Tenant) -> None:
    admin = bearer(await token_for(client, tenant.people[Role.admin]))
    backwards = await client.get(
        "/api/v1/dashboards/win-rate", params={"start": "2026-05-01", "end": "2026-01-01"}, headers=admin
    )
    assert backwards.status_code == 400
    assert (
        await client.get("/api/v1/dashboards/win-rate", params={"interval": "decade"}, headers=admin)
    ).status_code == 422
